#pragma once

#include <mime/mimeheader.h>

#include <QAbstractTableModel>

// The Headers tab: one row per header field in order, name and decoded value; the raw value on hover.
class HeadersModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { NameColumn, ValueColumn, ColumnCount };
    enum Role { RawValueRole = Qt::UserRole + 1 };

    explicit HeadersModel(QObject *parent = nullptr);
    void setHeaders(const QList<MimeHeader> &headers);
    // "Name: value" lines for the given rows, for the clipboard.
    QString copyText(const QList<int> &rows) const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<MimeHeader> m_headers;
};
