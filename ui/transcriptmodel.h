#pragma once

#include <message/transcriptentry.h>

#include <QAbstractTableModel>

// An SMTP transcript, one row per command line or reply: time, "C:" or "S:", the text (monospace). Replies are
// coloured by class: 4xx amber, 5xx red. Message data is its one "[N octets of message data]" row. A message's
// stored transcript is its whole session up to its final reply; the rows of this message's part of it (since the
// previous message of the session) are highlighted.
class TranscriptModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { TimeColumn, DirectionColumn, TextColumn, ColumnCount };

    explicit TranscriptModel(QObject *parent = nullptr);
    void setTranscript(const Transcript &transcript);
    // A stored message's transcript: highlights its part of the session (messageStart()).
    void setMessageTranscript(const Transcript &transcript);
    void append(const Transcript &entries);
    const Transcript &transcript() const;
    // The first row of the message's own part; 0 when the whole transcript is its part, -1 for a live session.
    int messageStart() const;
    // Where the message whose stored transcript this is begins: after the final reply ("250 … queued as ID", each
    // stored message's last entry) of the session's previous message; 0 when it was the first.
    static int messageStartOf(const Transcript &transcript);
    // The transcript as text: "C: …" / "S: …" lines.
    QString toText() const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    Transcript m_entries;
    int m_messageStart = -1;
};
