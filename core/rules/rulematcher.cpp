#include "rulematcher.h"

#include <QUrl>

#include <algorithm>

namespace {
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
        m_regex = QRegularExpression(globToRegex(pattern), QRegularExpression::CaseInsensitiveOption);
        m_valid = m_regex.isValid();
        break;
    case Rule::Match::Regex:
        m_regex = QRegularExpression(pattern, QRegularExpression::CaseInsensitiveOption);
        m_valid = m_regex.isValid();
        if (!m_valid) {
            m_error = QStringLiteral("invalid regular expression at offset %1: %2")
                          .arg(m_regex.patternErrorOffset())
                          .arg(m_regex.errorString());
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
    if (m_valid) {
        m_regex.optimize();
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
    case Rule::Match::Regex:
        // A pathological pattern hits PCRE2's match limit and reports no match.
        return m_regex.match(subject).hasMatch();
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
