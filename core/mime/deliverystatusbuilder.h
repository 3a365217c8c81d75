#pragma once

#include "deliverystatusreport.h"

#include <QByteArray>

// Builds a delivery status notification (a bounce): RFC 6522's multipart/report; report-type=delivery-status with a
// human-readable text/plain part, RFC 3464's message/delivery-status (one per-message group, one per-recipient group
// for each failed recipient) and the original's header section as text/rfc822-headers. From MAILER-DAEMON@hostname
// to the original sender, Auto-Submitted: auto-replied (RFC 3834 §5), lines ending in CRLF.
class DeliveryStatusBuilder
{
public:
    static QByteArray build(const DeliveryStatusReport &report);
    // RFC 3464 §2.1: the message/delivery-status body alone (the per-message and per-recipient groups).
    static QByteArray statusFields(const DeliveryStatusReport &report);
};
