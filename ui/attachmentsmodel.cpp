#include "attachmentsmodel.h"

#include <QFileInfo>
#include <QLocale>

#include <algorithm>

AttachmentsModel::AttachmentsModel(QObject *parent) : QAbstractTableModel(parent)
{
}

QStringList AttachmentsModel::addFiles(const QStringList &paths)
{
    QStringList refused;
    QList<File> added;
    for (const QString &path : paths) {
        const QFileInfo info(path);
        if (!info.isFile() || !info.isReadable()) {
            refused << path;
            continue;
        }
        const QString absolute = info.absoluteFilePath();
        const auto same = [&absolute](const File &f) {
            return f.path == absolute;
        };
        if (std::any_of(m_files.cbegin(), m_files.cend(), same) || std::any_of(added.cbegin(), added.cend(), same)) {
            continue;
        }
        added << File { absolute, info.fileName(), info.size() };
    }
    if (!added.isEmpty()) {
        beginInsertRows(QModelIndex(), int(m_files.size()), int(m_files.size() + added.size() - 1));
        m_files << added;
        endInsertRows();
    }
    return refused;
}

void AttachmentsModel::removeRows(const QList<int> &rows)
{
    QList<int> sorted = rows;
    std::sort(sorted.begin(), sorted.end(), std::greater<int>());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    for (const int row : sorted) {
        if (row < 0 || row >= m_files.size()) {
            continue;
        }
        beginRemoveRows(QModelIndex(), row, row);
        m_files.removeAt(row);
        endRemoveRows();
    }
}

QStringList AttachmentsModel::paths() const
{
    QStringList out;
    for (const File &f : m_files) {
        out << f.path;
    }
    return out;
}

qint64 AttachmentsModel::totalSize() const
{
    qint64 total = 0;
    for (const File &f : m_files) {
        total += f.size;
    }
    return total;
}

int AttachmentsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_files.size());
}

int AttachmentsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AttachmentsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) {
        return QVariant();
    }
    const File &f = m_files.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return index.column() == NameColumn ? f.name : QLocale().formattedDataSize(f.size);
    case Qt::ToolTipRole:
        return f.path;
    case Qt::TextAlignmentRole:
        return index.column() == SizeColumn ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    case PathRole:
        return f.path;
    case SizeRole:
        return f.size;
    default:
        return QVariant();
    }
}

QVariant AttachmentsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QVariant();
    }
    return section == NameColumn ? tr("Name") : tr("Size");
}
