#include "partsmodel.h"

#include "displaytext.h"

#include <QLocale>

PartsModel::PartsModel(QObject *parent) : QAbstractItemModel(parent)
{
}

void PartsModel::setParts(const QList<MimePart> &parts)
{
    beginResetModel();
    m_parts = parts;
    m_parent.fill(-1, parts.size());
    m_children = QList<QList<int>>(parts.size());
    m_row.fill(0, parts.size());
    m_top.clear();
    // Depth-first order: a part's parent is the nearest earlier part one level up.
    QList<int> stack;
    for (int i = 0; i < parts.size(); ++i) {
        const int depth = parts.at(i).depth;
        while (!stack.isEmpty() && parts.at(stack.last()).depth >= depth) {
            stack.removeLast();
        }
        if (stack.isEmpty()) {
            m_row[i] = int(m_top.size());
            m_top << i;
        } else {
            m_parent[i] = stack.last();
            m_row[i] = int(m_children[stack.last()].size());
            m_children[stack.last()] << i;
        }
        stack << i;
    }
    endResetModel();
}

MimePart PartsModel::part(const QModelIndex &index) const
{
    return index.isValid() ? m_parts.at(int(index.internalId())) : MimePart();
}

QModelIndex PartsModel::index(int row, int column, const QModelIndex &parent) const
{
    if (column < 0 || column >= ColumnCount || row < 0) {
        return {};
    }
    const QList<int> &siblings = parent.isValid() ? m_children.at(int(parent.internalId())) : m_top;
    if (row >= siblings.size()) {
        return {};
    }
    return createIndex(row, column, quintptr(siblings.at(row)));
}

QModelIndex PartsModel::parent(const QModelIndex &child) const
{
    if (!child.isValid()) {
        return {};
    }
    const int p = m_parent.at(int(child.internalId()));
    return p < 0 ? QModelIndex() : createIndex(m_row.at(p), 0, quintptr(p));
}

int PartsModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0) {
        return 0;
    }
    return int(parent.isValid() ? m_children.at(int(parent.internalId())).size() : m_top.size());
}

int PartsModel::columnCount(const QModelIndex &parent) const
{
    Q_UNUSED(parent)
    return ColumnCount;
}

QVariant PartsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) {
        return {};
    }
    const MimePart &p = m_parts.at(int(index.internalId()));
    const bool container = p.role == MimePart::Role::Container;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case PartColumn:
            return p.partId;
        case TypeColumn:
            return p.charset.isEmpty() ? p.contentType : QStringLiteral("%1; %2").arg(p.contentType, p.charset);
        case NameColumn:
            return p.fileName.isEmpty() && !p.contentId.isEmpty() ? QStringLiteral("<%1>").arg(p.contentId)
                                                                  : p.fileName;
        case SizeColumn:
            return container ? QString() : QLocale().formattedDataSize(p.size, 1, QLocale::DataSizeTraditionalFormat);
        case DispositionColumn:
            switch (p.role) {
            case MimePart::Role::TextBody:
                return tr("text body");
            case MimePart::Role::HtmlBody:
                return tr("HTML body");
            case MimePart::Role::Attachment:
                return tr("attachment");
            case MimePart::Role::Inline:
                return tr("inline");
            case MimePart::Role::Container:
                return QString();
            case MimePart::Role::Other:
                return p.disposition.isEmpty() ? tr("alternative") : p.disposition;
            }
        }
        break;
    case Qt::ToolTipRole:
        return plainToolTip(tr("Part %1: %2, %3, %4 bytes decoded")
                                .arg(p.partId, p.contentType,
                                    p.transferEncoding.isEmpty() ? QStringLiteral("7bit") : p.transferEncoding)
                                .arg(p.size));
    case Qt::TextAlignmentRole:
        if (index.column() == SizeColumn) {
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        }
        break;
    case PartIdRole:
        return p.partId;
    case IsLeafRole:
        return !container;
    }
    return {};
}

QVariant PartsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal) {
        return {};
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case PartColumn:
            return tr("The part's number in the MIME tree (1.2 is the second part of the first)");
        case TypeColumn:
            return tr("Content-Type, with the charset of text parts");
        case NameColumn:
            return tr("The file name, or the Content-ID an HTML body refers to (cid:)");
        case SizeColumn:
            return tr("Size once the transfer encoding is undone");
        case DispositionColumn:
            return tr("What the part is to the message: a body, an attachment, an inline image…");
        }
        return {};
    }
    if (role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case PartColumn:
        return tr("Part");
    case TypeColumn:
        return tr("Type");
    case NameColumn:
        return tr("Name");
    case SizeColumn:
        return tr("Size");
    case DispositionColumn:
        return tr("Role");
    }
    return {};
}
