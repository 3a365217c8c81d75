#pragma once

#include <QByteArray>
#include <QList>

// A recipient accepted now and bounced later (a recipient rule's "bounce", CONTRACT "Failure scenarios (rules)"): the
// session notes it with the envelope, and once the message is durable a delivery status notification (RFC 3464) is
// made for it afterMs later, with the rule's reply as its status and diagnostic.
struct SmtpBounce
{
    QByteArray recipient; // as accepted, without angle brackets
    int code = 550;
    QByteArray enhanced = "5.1.1";
    QByteArray text;
    QByteArray rule; // what decided, as the session log names it ("recipient rule 3: glob *@bounce.test")
    int afterMs = 0;
};
using SmtpBounces = QList<SmtpBounce>;
