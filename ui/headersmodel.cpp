#include "headersmodel.h"

#include "displaytext.h"

#include <QFontDatabase>

HeadersModel::HeadersModel(QObject *parent) : QAbstractTableModel(parent)
{
}

void HeadersModel::setHeaders(const QList<MimeHeader> &headers)
{
    beginResetModel();
    m_headers = headers;
    endResetModel();
}

QString HeadersModel::copyText(const QList<int> &rows) const
{
    QStringList lines;
    for (int row : rows) {
        if (row >= 0 && row < m_headers.size()) {
            lines << m_headers.at(row).name + QStringLiteral(": ") + m_headers.at(row).value;
        }
    }
    return lines.join(u'\n');
}

int HeadersModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_headers.size());
}

int HeadersModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant HeadersModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const MimeHeader &h = m_headers.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return index.column() == NameColumn ? h.name : h.value;
    case Qt::ToolTipRole:
        // The raw value with its folding, as sent.
        if (index.column() == ValueColumn) {
            return plainToolTip(tr("Raw: %1").arg(QString::fromUtf8(h.rawValue).trimmed()));
        }
        return plainToolTip(h.name);
    case RawValueRole:
        return h.rawValue;
    case Qt::FontRole:
        if (index.column() == NameColumn) {
            QFont font;
            font.setBold(true);
            return font;
        }
        break;
    }
    return {};
}

QVariant HeadersModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal) {
        return {};
    }
    if (role == Qt::DisplayRole) {
        return section == NameColumn ? tr("Name") : tr("Value");
    }
    if (role == Qt::ToolTipRole) {
        return section == NameColumn
            ? tr("The header field's name, in the message's order")
            : tr("The value decoded (RFC 2047 words, unfolded); hover a value for the raw one");
    }
    return {};
}
