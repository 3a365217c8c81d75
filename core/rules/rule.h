#pragma once

#include <QString>

// One rule of the rules file (README "Testing failure handling"): what it matches, and what the client is told
// when it matches. Omitted fields take the README's defaults: reject, 550, 5.7.1, probability 100, no delay, enabled
// (a greylist rule: 451, 4.7.1, "Greylisted, please try again later").
struct Rule
{
    enum class Match { Exact, Glob, Regex, Cidr };
    // Which part of an address a sender, recipient (or auth user name) rule looks at.
    enum class Part { Address, LocalPart, Domain };
    // Greylist (recipient rules only, RFC 6647): the first `attempts` tries of one (client address, sender,
    // recipient) within `windowSec` get the rule's reply, later ones in the window are accepted. Bounce (recipient
    // rules only): the recipient is accepted and the message stored, then `bounceAfterMs` later a delivery status
    // notification (RFC 3464) with the rule's code, enhanced code and text goes to the envelope sender. Disconnect:
    // the connection is closed at that point without a reply.
    enum class Action { Accept, Reject, Greylist, Bounce, Disconnect };
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
    int attempts = 1; // greylist: the tries refused per (client, sender, recipient)
    int windowSec = 3600; // greylist: how long a (client, sender, recipient) is remembered from its first try
    int bounceAfterMs = 0; // bounce: how long after the message is stored its bounce is made
    qint64 bytesPerSecond = 0; // host rules: matching sessions have their input read at most this fast; 0: no limit
    // A rate limit: the rule matches only once the same client address has made more than count matching attempts
    // within the last perSeconds seconds (the first count pass). perSeconds 0: no limit.
    struct Limit
    {
        int count = 0;
        int perSeconds = 0;

        bool operator==(const Limit &other) const = default;
    };
    Limit limit;
    // Every Nth: the rule matches only on every `every`th attempt its pattern matches (the 3rd, 6th, … with 3),
    // counted from when the rules were set; 0 (or 1): every attempt. Not in the contract: a Letterbox field, written
    // out only when set, so that "every 3rd message is refused" is a deterministic story and not a 33 % draw.
    int every = 0;

    static constexpr int MaxBounceAfterMs = 86400000; // a day
    static constexpr int MaxEvery = 1000000;
    static constexpr qint64 MaxBytesPerSecond = 1000000000;
    static constexpr int GreylistCode = 451;
    static QString greylistEnhanced() { return QStringLiteral("4.7.1"); }
    static QString greylistText() { return QStringLiteral("Greylisted, please try again later"); }

    bool operator==(const Rule &other) const = default;
};
