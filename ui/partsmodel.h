#pragma once

#include <mime/mimepart.h>

#include <QAbstractItemModel>

// The Parts tab: the message's MIME tree (type, name, size, disposition), from the flat depth-first list of
// ParsedMessage::parts.
class PartsModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column { PartColumn, TypeColumn, NameColumn, SizeColumn, DispositionColumn, ColumnCount };
    enum Role { PartIdRole = Qt::UserRole + 1, IsLeafRole };

    explicit PartsModel(QObject *parent = nullptr);
    void setParts(const QList<MimePart> &parts);
    MimePart part(const QModelIndex &index) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = QModelIndex()) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<MimePart> m_parts;
    QList<int> m_parent; // index into m_parts, -1 for top level
    QList<QList<int>> m_children; // per part
    QList<int> m_top;
    QList<int> m_row; // a part's row under its parent
};
