#pragma once

#include "../message/refusedsession.h"

#include <QList>
#include <QMetaType>

// One page of the kept refused sessions, newest first, and how many are kept in all (GET /api/v1/sessions).
struct RefusedSessionPage
{
    QList<RefusedSession> sessions; // each without its data (RefusedSession::dataSize says how much there is)
    qint64 total = 0;
};
Q_DECLARE_METATYPE(RefusedSessionPage)
