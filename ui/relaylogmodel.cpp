#include "relaylogmodel.h"

#include <QBrush>
#include <QColor>
#include <QLocale>

RelayLogModel::RelayLogModel(QObject *parent) : QAbstractTableModel(parent)
{
}

void RelayLogModel::setAttempts(const QList<RelayAttempt> &attempts)
{
    beginResetModel();
    m_attempts = attempts;
    endResetModel();
}

const QList<RelayAttempt> &RelayLogModel::attempts() const
{
    return m_attempts;
}

int RelayLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_attempts.size());
}

int RelayLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RelayLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const RelayAttempt &attempt = m_attempts.at(index.row());
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        switch (Column(index.column())) {
        case TimeColumn:
            return QLocale().toString(attempt.time.toLocalTime(), QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        case ToColumn: {
            QStringList to;
            for (const QByteArray &address : attempt.to) {
                to << QString::fromUtf8(address);
            }
            return to.join(QStringLiteral(", "));
        }
        case ResultColumn:
            return attempt.ok ? tr("relayed") : tr("failed");
        case ReplyColumn:
            return QString::fromUtf8(attempt.reply);
        case ColumnCount:
            break;
        }
    }
    if (role == Qt::ForegroundRole && !attempt.ok) {
        return QBrush(QColor(0xc6, 0x28, 0x28));
    }
    return {};
}

QVariant RelayLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (Column(section)) {
    case TimeColumn:
        return tr("Time");
    case ToColumn:
        return tr("To");
    case ResultColumn:
        return tr("Result");
    case ReplyColumn:
        return tr("Reply");
    case ColumnCount:
        break;
    }
    return {};
}
