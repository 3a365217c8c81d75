#pragma once

#include <message/transcriptentry.h>

#include <QAbstractTableModel>

// An SMTP transcript, one row per command line or reply: time, "C:" or "S:", the text (monospace). Replies are
// coloured by class: 4xx amber, 5xx red. Message data is its one "[N octets of message data]" row.
class TranscriptModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { TimeColumn, DirectionColumn, TextColumn, ColumnCount };

    explicit TranscriptModel(QObject *parent = nullptr);
    void setTranscript(const Transcript &transcript);
    void append(const Transcript &entries);
    const Transcript &transcript() const;
    // The transcript as text: "C: …" / "S: …" lines.
    QString toText() const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    Transcript m_entries;
};
