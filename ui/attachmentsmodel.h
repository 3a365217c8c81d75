#pragma once

#include <QAbstractTableModel>
#include <QList>
#include <QStringList>

// The composer's attachments: files by path, with the name and size shown (columns Name, Size). The files are read
// when the message is sent, off the GUI thread.
class AttachmentsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { NameColumn, SizeColumn, ColumnCount };
    enum Role { PathRole = Qt::UserRole + 1, SizeRole };

    explicit AttachmentsModel(QObject *parent = nullptr);

    // Adds the files that exist and are not attached yet; returns those that could not be added (not a readable
    // file).
    QStringList addFiles(const QStringList &paths);
    void removeRows(const QList<int> &rows);
    QStringList paths() const;
    qint64 totalSize() const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct File
    {
        QString path;
        QString name;
        qint64 size = 0;
    };
    QList<File> m_files;
};
