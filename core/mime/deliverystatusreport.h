#pragma once

#include <QByteArray>
#include <QList>

// What a delivery status notification (RFC 3464) reports: one message that could not be delivered to some of its
// recipients, and why for each. DeliveryStatusBuilder makes the message from it.
struct DeliveryStatusReport
{
    struct Recipient
    {
        QByteArray address; // the envelope recipient (RFC 3464 §2.3.2 Final-Recipient)
        int code = 550; // the SMTP reply of the failure (§2.3.6 Diagnostic-Code)
        QByteArray enhanced = "5.0.0"; // RFC 3463 status (§2.3.4 Status)
        QByteArray text;
    };

    QByteArray hostname; // the reporting MTA (§2.2.2) and the domain of MAILER-DAEMON
    QByteArray originalSender; // the original envelope sender: the notification's recipient
    QByteArray originalId; // the original's API ID, named in the human-readable part
    qint64 arrivalMs = 0; // when the original arrived (§2.2.5 Arrival-Date)
    qint64 dateMs = 0; // when the notification is made (its Date:)
    QByteArray messageId; // the notification's Message-ID, without angle brackets
    QByteArray originalHeaders; // the original's header section, as text/rfc822-headers (RFC 6522 §4)
    QList<Recipient> recipients;
};
