#pragma once

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

// One change a store instance committed, as the NOTIFY payload every instance on the database receives
// (docs/architecture.md "PostgreSQL store"): who made it (the instance's id, so that it skips its own), what kind of
// change, and the message (or refused session) IDs or count it is about. API IDs are [0-9A-Za-z], so a payload is
// space-separated words: "ORIGIN KIND [FLAG] [COUNT] ID…". A change about many IDs is split into several payloads of
// at most MaxPayload bytes (PostgreSQL refuses payloads of 8000 bytes or more).
struct PgChange
{
    enum class Kind {
        Stored,
        Removed,
        Pruned,
        Cleared,
        Read,
        Tags,
        Pinned,
        Mailboxes,
        Refused,
        RefusedCleared,
        Indexed
    };

    static constexpr qsizetype MaxPayload = 7900;
    // The channel every instance LISTENs on.
    static constexpr const char *Channel = "letterbox_changes";

    QString origin;
    Kind kind = Kind::Stored;
    bool flag = false; // Read: read; Pinned: pinned
    qint64 count = 0; // Cleared, RefusedCleared
    QStringList ids;

    // The payloads telling this change (one unless the IDs need more).
    QList<QByteArray> payloads() const;
    // nullopt when the payload is not one of these (another program's NOTIFY on the channel, say).
    static std::optional<PgChange> parse(const QByteArray &payload);
};
Q_DECLARE_METATYPE(PgChange)
