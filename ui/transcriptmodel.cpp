#include "transcriptmodel.h"

#include "displaytext.h"

#include <QColor>
#include <QDateTime>
#include <QFont>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QPalette>

TranscriptModel::TranscriptModel(QObject *parent) : QAbstractTableModel(parent)
{
}

void TranscriptModel::setTranscript(const Transcript &transcript)
{
    beginResetModel();
    m_entries = transcript;
    m_messageStart = -1;
    endResetModel();
}

void TranscriptModel::setMessageTranscript(const Transcript &transcript)
{
    beginResetModel();
    m_entries = transcript;
    m_messageStart = messageStartOf(transcript);
    endResetModel();
}

int TranscriptModel::messageStart() const
{
    return m_messageStart;
}

int TranscriptModel::messageStartOf(const Transcript &transcript)
{
    // The last entry is this message's own final reply; the one before it that ends a stored message is the
    // previous message's (core/smtp/smtpworker.cpp stores "250 2.0.0 Ok: queued as ID" as a message's last entry).
    for (qsizetype row = transcript.size() - 2; row >= 0; --row) {
        const TranscriptEntry &e = transcript.at(row);
        if (e.direction == TranscriptEntry::Direction::Out && e.text.startsWith("250 ")
            && e.text.contains(" queued as ")) {
            return int(row + 1);
        }
    }
    return 0;
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
            // A note the store adds ("[earlier entries omitted]") has no time of its own.
            return e.timeMs <= 0
                ? QString()
                : QDateTime::fromMSecsSinceEpoch(e.timeMs).toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"));
        case DirectionColumn:
            return in ? QStringLiteral("C:") : rule ? QStringLiteral("rule") : QStringLiteral("S:");
        case TextColumn:
            return QString::fromUtf8(e.text);
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == TextColumn && e.text.contains('\n')) {
            // A multi-line reply, whole (its row shows the first line).
            return plainToolTip(QString::fromUtf8(e.text));
        }
        return in  ? tr("Sent by the client")
            : rule ? tr("The rule that decided the command above")
                   : tr("Sent by Letterbox");
    case Qt::BackgroundRole:
        if (m_messageStart > 0 && index.row() >= m_messageStart) {
            QColor tint = QGuiApplication::palette().color(QPalette::Highlight);
            tint.setAlpha(40);
            return tint;
        }
        break;
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
    if (orientation != Qt::Horizontal) {
        return {};
    }
    if (role == Qt::DisplayRole) {
        switch (section) {
        case TimeColumn:
            return tr("Time");
        case DirectionColumn:
            return tr("Who");
        case TextColumn:
            return tr("Line");
        }
    } else if (role == Qt::ToolTipRole) {
        switch (section) {
        case TimeColumn:
            return tr("When Letterbox read or wrote the line (local time)");
        case DirectionColumn:
            return tr("C: the client, S: Letterbox, rule: the rule that decided the command above");
        case TextColumn:
            return tr("The command or reply as sent (passwords masked); message data is one row");
        }
    }
    return {};
}
