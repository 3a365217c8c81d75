#pragma once

#include <QString>

// Text from a message as a widget shows it: what was sent, nothing more or less.

// RFC 5322 §2.3 ends each line with CRLF (and a bare CR or LF may arrive too). QTextDocument, behind QLabel,
// QTextBrowser and tooltips, breaks the line at each CR and again at each LF, so a CRLF would show as two line
// breaks: every line end becomes one LF.
inline QString withLineFeeds(QString text)
{
    text.replace(QLatin1String("\r\n"), QLatin1String("\n"));
    text.replace(u'\r', u'\n');
    return text;
}

// A tooltip that shows text as it is. Qt guesses rich text from a leading tag (Qt::mightBeRichText), so a value
// such as "<b>Sale</b>" would be rendered as HTML; escaped, with its line breaks kept, it reads as sent.
inline QString plainToolTip(const QString &text)
{
    return QStringLiteral("<p style=\"white-space: pre-wrap\">%1</p>").arg(withLineFeeds(text).toHtmlEscaped());
}
