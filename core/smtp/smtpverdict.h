#pragma once

#include <QByteArray>

// What a validation hook answers (tcllib smtpd's validate_host / validate_sender / validate_recipient).
struct SmtpVerdict
{
    // How a refused host is told: tcllib's reply (code and text instead of the greeting, then 503 to everything
    // but QUIT), RFC 5321 §3.1's 554 instead of the greeting (then likewise), or 421 and the connection closed.
    enum class HostReply { Commands, Greeting, Drop };

    bool accepted = true;
    int code = 550;
    QByteArray enhanced = "5.7.1";
    QByteArray text;
    int delayMs = 0; // the reply waits this long, accepted or not
    HostReply hostReply = HostReply::Commands;
    bool disconnect = false; // close the connection at once, without a reply (a rule's "disconnect")
    // A recipient accepted now and bounced later (a rule's "bounce"): code, enhanced and text are those of the
    // delivery status notification made bounceAfterMs after the message is stored (RFC 3464).
    bool bounce = false;
    int bounceAfterMs = 0;
    qint64 bytesPerSecond = 0; // host verdicts: read the session's input at most this fast; 0: no limit
    QByteArray rule; // what decided, for the session log ("recipient rule 2: regex ^bogus"); empty for none

    static SmtpVerdict accept() { return {}; }
    static SmtpVerdict reject(int code, const QByteArray &enhanced, const QByteArray &text)
    {
        SmtpVerdict v;
        v.accepted = false;
        v.code = code;
        v.enhanced = enhanced;
        v.text = text;
        return v;
    }
};
