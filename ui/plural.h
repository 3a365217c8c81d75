#pragma once

#include <QCoreApplication>
#include <QLocale>
#include <QString>

// "1 message", "12 messages", "1,204 messages": a count with the right noun (English has one plural form; the app
// ships no translations yet, so Qt's %n numerus forms would show "message(s)").
inline QString counted(qint64 n, const QString &one, const QString &many)
{
    return QStringLiteral("%1 %2").arg(QLocale().toString(n), n == 1 ? one : many);
}
