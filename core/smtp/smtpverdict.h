#pragma once

#include <QByteArray>

// What a validation hook answers (tcllib smtpd's validate_host / validate_sender / validate_recipient).
struct SmtpVerdict
{
    bool accepted = true;
    int code = 550;
    QByteArray enhanced = "5.7.1";
    QByteArray text;

    static SmtpVerdict accept() { return {}; }
    static SmtpVerdict reject(int code, const QByteArray &enhanced, const QByteArray &text)
    {
        return { false, code, enhanced, text };
    }
};
