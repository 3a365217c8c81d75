#pragma once

#include "../message/messagesummary.h"
#include "../message/transcriptentry.h"

#include <QByteArray>
#include <QMetaType>
#include <QString>
#include <QStringList>

// A message as read back from the store: its summary, envelope, source and session transcript.
struct StoredMessage
{
    MessageSummary summary;
    QString mailFrom;
    QStringList rcptTo;
    QString clientAddress;
    int clientPort = 0;
    QString helo;
    QString authUser;
    bool tls = false;
    QString tlsProtocol; // "TLSv1.3"; empty without TLS
    QString tlsCipher; // "TLS_AES_256_GCM_SHA384"; empty without TLS
    QByteArray raw; // the stored source: trace header + data as received
    // The session up to this message's final reply, oldest first (the API words it as Mailpit does).
    Transcript transcript;
    // CONTRACT "Failure scenarios (rules)": a bounce names the message it reports on and the rule that made it; an
    // original names its bounces (IDs, oldest first). Empty otherwise.
    QString bounceOf;
    QString bounceRule;
    QStringList bounces;
};
Q_DECLARE_METATYPE(StoredMessage)
