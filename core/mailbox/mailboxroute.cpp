#include "mailboxroute.h"

#include <rules/rulematcher.h>

#include <algorithm>

namespace {
const char *const FieldNames[] = { "listener", "user", "recipient", "client" };
constexpr int FieldCount = 4;
// A listener is written as on the command line ("127.0.0.1:2526", "[::1]:2526", "*:2526"); no such text is this
// long or holds a space.
constexpr qsizetype MaxListenerLength = 300;
} // namespace

QString MailboxRoute::fieldName(Field field)
{
    return QLatin1String(FieldNames[int(field)]);
}

bool MailboxRoute::fieldFromName(const QString &name, Field *field)
{
    for (int f = 0; f < FieldCount; ++f) {
        if (name == QLatin1String(FieldNames[f])) {
            *field = Field(f);
            return true;
        }
    }
    return false;
}

QString MailboxRoute::validate() const
{
    if (pattern.isEmpty()) {
        return QStringLiteral("must not be empty");
    }
    // No listener, user name, recipient or client address holds a control character (RFC 5321 §4.1.2 paths are
    // printable), and a half surrogate pair could not be written back as JSON.
    if (!pattern.isValidUtf16() || std::any_of(pattern.cbegin(), pattern.cend(), [](QChar c) {
            return c.category() == QChar::Other_Control;
        })) {
        return QStringLiteral("must be text without control characters");
    }
    switch (field) {
    case Field::Listener:
        if (pattern.size() > MaxListenerLength
            || std::any_of(pattern.cbegin(), pattern.cend(), [](QChar c) { return c.isSpace(); })) {
            return QStringLiteral("must be a listener address as given to --smtp or --smtps (like 127.0.0.1:2526)");
        }
        return {};
    case Field::User:
    case Field::Recipient:
    case Field::Client: {
        // The rules file's matchers, so that a glob or a prefix means the same in both files.
        Rule rule;
        rule.match = field == Field::Client ? Rule::Match::Cidr : Rule::Match::Glob;
        rule.pattern = pattern;
        const RuleMatcher matcher(rule);
        if (matcher.isValid()) {
            return {};
        }
        return matcher.errorString().isEmpty() ? QStringLiteral("is not a valid glob") : matcher.errorString();
    }
    }
    return {};
}
