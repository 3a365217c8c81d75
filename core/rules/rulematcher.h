#pragma once

#include "rule.h"

#include <QHostAddress>
#include <QRegularExpression>

#include <memory>

// One rule's pattern, compiled once, answering whether a subject matches. Addresses compare case-insensitively;
// IDN domains compare equal whatever form each side uses (xn-- or Unicode); the null sender is "". Regular
// expressions are case-insensitive searches (anchor with ^…$); a low PCRE2 match limit bounds the time of a regex or
// glob match (about 15 µs with JIT), so no pattern can hold up the sessions (a pathological one simply does not match),
// and a subject that ran into the limit is remembered, so repeating it costs nothing more. Thread-safe.
class RuleMatcher
{
public:
    RuleMatcher() = default;
    explicit RuleMatcher(const Rule &rule);
    bool isValid() const;
    // "" when the pattern compiles, else why not.
    QString errorString() const;

    // An address (sender, recipient, auth user name) or any text (a header value).
    bool matchesText(const QString &subject) const;
    // A client address; IPv4-mapped IPv6 addresses are matched as IPv4.
    bool matchesHost(const QHostAddress &client) const;

    // The parts of an address: "local@domain" splits at the last '@' (quoted local parts keep their quotes).
    static QString localPart(const QString &address);
    static QString domain(const QString &address);
    // The address with its domain in IDNA ASCII form (xn--), lower case.
    static QString normalized(const QString &address);

private:
    bool matchesNormalized(const QString &subject) const;

    Rule::Match m_match = Rule::Match::Exact;
    Rule::Part m_part = Rule::Part::Address;
    QString m_exact;
    QRegularExpression m_regex;
    // Subjects whose match ran into the limit (answer: no match), shared by copies of this matcher.
    struct ExhaustedSubjects;
    std::shared_ptr<ExhaustedSubjects> m_exhausted;
    QPair<QHostAddress, int> m_subnet { QHostAddress(), -1 };
    QString m_error;
    bool m_valid = false;
};
