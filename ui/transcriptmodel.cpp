#include "transcriptmodel.h"

#include <QColor>
#include <QDateTime>
#include <QFont>
#include <QFontDatabase>

TranscriptModel::TranscriptModel(QObject *parent) : QAbstractTableModel(parent)
{
}

void TranscriptModel::setTranscript(const Transcript &transcript)
{
    beginResetModel();
    m_entries = transcript;
    endResetModel();
}

void TranscriptModel::append(const Transcript &entries)
{
    if (entries.isEmpty()) {
        return;
    }
    beginInsertRows(QModelIndex(), int(m_entries.size()), int(m_entries.size() + entries.size() - 1));
    m_entries += entries;
    endInsertRows();
}

const Transcript &TranscriptModel::transcript() const
{
    return m_entries;
}

QString TranscriptModel::toText() const
{
    QStringList lines;
    for (const TranscriptEntry &e : m_entries) {
        const QString prefix = e.direction == TranscriptEntry::Direction::In ? QStringLiteral("C: ")
            : e.direction == TranscriptEntry::Direction::Out                 ? QStringLiteral("S: ")
                                                                             : QStringLiteral("#  ");
        for (const QString &line : QString::fromUtf8(e.text).split(u'\n')) {
            lines << prefix + line;
        }
    }
    return lines.join(u'\n');
}

int TranscriptModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int TranscriptModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TranscriptModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const TranscriptEntry &e = m_entries.at(index.row());
    const bool in = e.direction == TranscriptEntry::Direction::In;
    const bool rule = e.direction == TranscriptEntry::Direction::Rule;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return QDateTime::fromMSecsSinceEpoch(e.timeMs).toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"));
        case DirectionColumn:
            return in ? QStringLiteral("C:") : rule ? QStringLiteral("rule") : QStringLiteral("S:");
        case TextColumn:
            return QString::fromUtf8(e.text);
        }
        break;
    case Qt::ToolTipRole:
        return in  ? tr("Sent by the client")
            : rule ? tr("The rule that decided the command above")
                   : tr("Sent by Letterbox");
    case Qt::FontRole:
        if (rule) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        if (index.column() != TimeColumn) {
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        }
        break;
    case Qt::ForegroundRole:
        if (rule) {
            return QColor(0x5e, 0x35, 0xb1);
        }
        if (!in && !e.text.isEmpty()) {
            if (e.text.at(0) == '5') {
                return QColor(0xc6, 0x28, 0x28);
            }
            if (e.text.at(0) == '4') {
                return QColor(0xb2, 0x6a, 0x00);
            }
        }
        break;
    }
    return {};
}

QVariant TranscriptModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case DirectionColumn:
        return QString();
    case TextColumn:
        return tr("Line");
    }
    return {};
}
