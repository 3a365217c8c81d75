#pragma once

#include "../smtp/smtpbounce.h"

#include <QString>

// A stored message's bounces not yet made (CONTRACT "Failure scenarios (rules)"), kept in the store with the message
// so that they survive a restart.
struct PendingBounce
{
    QString messageId; // the API ID of the original
    SmtpBounces bounces; // in the order of its recipients
};
