#pragma once

#include "../smtp/smtpbounce.h"

#include <QByteArray>

// A message stored with bounced recipients, as BounceScheduler keeps it until its bounce is made: only what the
// delivery status notification reports (the header section, not the body).
struct BounceJob
{
    QByteArray originalId;
    QByteArray sender; // the original envelope sender, never empty (a null sender never causes a bounce)
    qint64 arrivalMs = 0;
    QByteArray headers; // the original's header section, its trace header first
    SmtpBounces bounces;
    // When the bounce is made after the original is stored: the longest of its recipients' bounceAfterMs, so that
    // the one notification comes when every rule that asked for it has had its wait.
    int afterMs = 0;
};
