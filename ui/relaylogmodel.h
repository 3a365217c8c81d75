#pragma once

#include <relay/relayattempt.h>

#include <QAbstractTableModel>
#include <QList>

// A message's relay log (CONTRACT "Relay, auto-relay and the SMTP client"; GET /api/v1/message/{ID}/relay), one row
// per attempt, oldest first: local time, recipients, ok or failed, and the relay's reply or the connection error.
// Failed rows are red.
class RelayLogModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { TimeColumn, ToColumn, ResultColumn, ReplyColumn, ColumnCount };

    explicit RelayLogModel(QObject *parent = nullptr);
    void setAttempts(const QList<RelayAttempt> &attempts);
    const QList<RelayAttempt> &attempts() const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<RelayAttempt> m_attempts;
};
