#include "rulematcher.h"

#include <QMutex>
#include <QSet>
#include <QUrl>

#include <algorithm>

namespace {
// PCRE2's match limit for rule patterns (pcre2api "pcre2_set_match_limit"; set from the pattern by a leading
// (*LIMIT_MATCH=N), which can only lower the library's 10,000,000). Every session shares the network thread, so one
// match may cost only so much: measured with JIT, 10,000 is about 15 µs (interpreted about 120 µs), while the
// default let ^(a+)+$ spend 15 ms on 28 a's and a '!'. Ordinary patterns stay far below it: an address pattern
// with three .* groups on a 500-octet address needs about 560, a repeated group over a 4,000-octet header value
// about 1,000.
constexpr int MatchLimit = 10000;
// Subjects remembered per matcher as having exhausted the limit; beyond, the memory starts afresh.
constexpr qsizetype MaxExhaustedSubjects = 256;

// The pattern with the match limit among its leading start-of-pattern items (pcre2pattern "Option settings"): they
// must all come first, and of two LIMIT_MATCH settings the later one applies, so ours goes after the user's, unless
// the user's is lower already.
QString boundedPattern(const QString &pattern)
{
    static const QRegularExpression leadingItem(QStringLiteral(
        "\\(\\*(?:UTF|UCP|NO_AUTO_POSSESS|NO_DOTSTAR_ANCHOR|NO_JIT|NO_START_OPT|NOTEMPTY|NOTEMPTY_ATSTART|CR|LF|"
        "CRLF|ANYCRLF|ANY|NUL|BSR_ANYCRLF|BSR_UNICODE|LIMIT_(?:DEPTH|HEAP|RECURSION)=\\d+|LIMIT_MATCH=(\\d+))\\)"));
    qsizetype end = 0;
    qlonglong theirs = -1; // the user's own limit in force (the last one given), if any
    for (;;) {
        const QRegularExpressionMatch item = leadingItem.match(
            pattern, end, QRegularExpression::NormalMatch, QRegularExpression::AnchorAtOffsetMatchOption);
        if (!item.hasMatch()) {
            break;
        }
        if (item.capturedLength(1) > 0) {
            bool ok = false;
            theirs = item.captured(1).toLongLong(&ok);
            theirs = ok ? theirs : -1;
        }
        end = item.capturedEnd();
    }
    if (theirs >= 0 && theirs <= MatchLimit) {
        return pattern;
    }
    return pattern.left(end) + QStringLiteral("(*LIMIT_MATCH=%1)").arg(MatchLimit) + pattern.mid(end);
}

// A domain in its ASCII (IDNA "xn--") form, lower case: "Bücher.example" and "XN--BCHER-KVA.example" are the same
// domain. Label by label, so that glob patterns ("*.bücher.example") convert too. (ACE rather than Unicode: Qt
// decodes xn-- labels only for top-level domains on its IDN list, but encodes any.)
QString unicodeDomain(const QString &domain)
{
    QStringList labels = domain.toLower().split(u'.');
    for (QString &label : labels) {
        const bool ascii = std::all_of(label.cbegin(), label.cend(), [](QChar c) { return c.unicode() < 0x80; });
        if (!ascii) {
            const QByteArray ace = QUrl::toAce(label);
            if (!ace.isEmpty()) {
                label = QString::fromLatin1(ace).toLower();
            }
        }
    }
    return labels.join(u'.');
}

// Glob: '*' any run of characters, '?' one character, everything else literal; the whole subject must match.
QString globToRegex(const QString &glob)
{
    QString out = QStringLiteral("\\A");
    for (const QChar c : glob) {
        if (c == u'*') {
            out += QLatin1String(".*");
        } else if (c == u'?') {
            out += u'.';
        } else {
            out += QRegularExpression::escape(QString(c));
        }
    }
    return out + QStringLiteral("\\z");
}

QHostAddress plainAddress(const QHostAddress &address)
{
    bool mapped = false;
    const quint32 v4 = address.toIPv4Address(&mapped);
    return mapped ? QHostAddress(v4) : address;
}
} // namespace

struct RuleMatcher::ExhaustedSubjects
{
    QMutex mutex;
    QSet<QString> subjects;
};

QString RuleMatcher::localPart(const QString &address)
{
    const qsizetype at = address.lastIndexOf(u'@');
    return at < 0 ? address : address.left(at);
}

QString RuleMatcher::domain(const QString &address)
{
    const qsizetype at = address.lastIndexOf(u'@');
    return at < 0 ? QString() : address.mid(at + 1);
}

QString RuleMatcher::normalized(const QString &address)
{
    const qsizetype at = address.lastIndexOf(u'@');
    if (at < 0) {
        return address.toLower();
    }
    return address.left(at).toLower() + u'@' + unicodeDomain(address.mid(at + 1));
}

RuleMatcher::RuleMatcher(const Rule &rule) : m_match(rule.match), m_part(rule.part)
{
    // The pattern is normalised like the subjects it meets (lower case, Unicode domains).
    QString pattern = rule.pattern;
    if (m_match == Rule::Match::Exact || m_match == Rule::Match::Glob) {
        pattern = m_part == Rule::Part::Domain ? unicodeDomain(pattern) : normalized(pattern);
    }
    switch (m_match) {
    case Rule::Match::Exact:
        m_exact = pattern;
        m_valid = true;
        break;
    case Rule::Match::Glob:
        // Globs backtrack too ("*a*a*a*b" on a long address).
        m_regex = QRegularExpression(boundedPattern(globToRegex(pattern)), QRegularExpression::CaseInsensitiveOption);
        m_valid = m_regex.isValid();
        break;
    case Rule::Match::Regex:
        // Compiled as written first, so that an error's offset is the user's.
        m_regex = QRegularExpression(pattern, QRegularExpression::CaseInsensitiveOption);
        m_valid = m_regex.isValid();
        if (!m_valid) {
            m_error = QStringLiteral("invalid regular expression at offset %1: %2")
                          .arg(m_regex.patternErrorOffset())
                          .arg(m_regex.errorString());
        } else {
            m_regex = QRegularExpression(boundedPattern(pattern), QRegularExpression::CaseInsensitiveOption);
            m_valid = m_regex.isValid();
        }
        break;
    case Rule::Match::Cidr: {
        m_subnet = QHostAddress::parseSubnet(pattern.trimmed());
        m_valid = m_subnet.second >= 0 && !m_subnet.first.isNull();
        if (!m_valid) {
            m_error = QStringLiteral("'%1' is not an IPv4 or IPv6 prefix (like 192.168.1.0/24 or 2001:db8::/32)")
                          .arg(pattern);
        }
        break;
    }
    }
    if (m_valid && (m_match == Rule::Match::Glob || m_match == Rule::Match::Regex)) {
        m_regex.optimize();
        m_exhausted = std::make_shared<ExhaustedSubjects>();
    }
}

bool RuleMatcher::isValid() const
{
    return m_valid;
}

QString RuleMatcher::errorString() const
{
    return m_error;
}

bool RuleMatcher::matchesNormalized(const QString &subject) const
{
    switch (m_match) {
    case Rule::Match::Exact:
        return subject == m_exact;
    case Rule::Match::Glob:
    case Rule::Match::Regex: {
        // A pathological pattern hits the match limit (boundedPattern()) and reports no match; a client that sends
        // the same subject again (50 RCPTs of one address) pays for it once.
        {
            QMutexLocker lock(&m_exhausted->mutex);
            if (m_exhausted->subjects.contains(subject)) {
                return false;
            }
        }
        const QRegularExpressionMatch match = m_regex.match(subject);
        if (!match.isValid()) {
            // Qt marks a match invalid when PCRE2 returned an error (the match limit) rather than "no match".
            QMutexLocker lock(&m_exhausted->mutex);
            if (m_exhausted->subjects.size() >= MaxExhaustedSubjects) {
                m_exhausted->subjects.clear();
            }
            m_exhausted->subjects.insert(subject);
        }
        return match.hasMatch();
    }
    case Rule::Match::Cidr:
        return false;
    }
    return false;
}

bool RuleMatcher::matchesText(const QString &subject) const
{
    if (!m_valid) {
        return false;
    }
    if (m_match == Rule::Match::Cidr) {
        QHostAddress address;
        return address.setAddress(subject) && matchesHost(address);
    }
    const QString normal = normalized(subject);
    switch (m_part) {
    case Rule::Part::Address:
        return matchesNormalized(normal);
    case Rule::Part::LocalPart:
        return matchesNormalized(localPart(normal));
    case Rule::Part::Domain:
        return subject.contains(u'@') && matchesNormalized(domain(normal));
    }
    return false;
}

bool RuleMatcher::matchesHost(const QHostAddress &client) const
{
    if (!m_valid) {
        return false;
    }
    const QHostAddress address = plainAddress(client);
    if (m_match == Rule::Match::Cidr) {
        return address.isInSubnet(m_subnet);
    }
    return matchesNormalized(address.toString().toLower());
}
