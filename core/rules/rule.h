#pragma once

#include <QString>

// One rule of the rules file (README "Testing failure handling"): what it matches, and what the client is told
// when it matches. Omitted fields take the README's defaults: reject, 550, 5.7.1, probability 100, no delay, enabled.
struct Rule
{
    enum class Match { Exact, Glob, Regex, Cidr };
    // Which part of an address a sender, recipient (or auth user name) rule looks at.
    enum class Part { Address, LocalPart, Domain };
    enum class Action { Accept, Reject };
    // How a refused host is told (host rules only): tcllib's 550 then 503 to everything but QUIT; 554 instead
    // of the greeting (RFC 5321 §3.1); or 421 and the connection closed.
    enum class HostReply { Commands, Greeting, Drop };

    Match match = Match::Exact;
    Part part = Part::Address;
    QString pattern;
    Action action = Action::Reject;
    int code = 550;
    QString enhanced = QStringLiteral("5.7.1");
    QString text = QStringLiteral("Rejected by rule");
    int probability = 100; // percent
    int delayMs = 0; // before the reply, whatever the action
    bool enabled = true;
    HostReply hostReply = HostReply::Commands;
    QString header = QStringLiteral("Subject"); // data rules: the header whose value the pattern matches
    qint64 minSize = 0; // data rules: only messages at least this big (bytes)

    bool operator==(const Rule &other) const = default;
};
