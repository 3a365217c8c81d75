#include "ruleset.h"

#include "jsonlocator.h"
#include "rulematcher.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace {
const char *const StageNames[] = { "host", "sender", "recipient", "auth", "data" };

template<typename Enum>
struct Names
{
    Enum value;
    const char *name;
};
const Names<Rule::Match> MatchNames[] = { { Rule::Match::Exact, "exact" }, { Rule::Match::Glob, "glob" },
    { Rule::Match::Regex, "regex" }, { Rule::Match::Cidr, "cidr" } };
const Names<Rule::Part> PartNames[]
    = { { Rule::Part::Address, "address" }, { Rule::Part::LocalPart, "local" }, { Rule::Part::Domain, "domain" } };
const Names<Rule::Action> ActionNames[]
    = { { Rule::Action::Accept, "accept" }, { Rule::Action::Reject, "reject" }, { Rule::Action::Greylist, "greylist" },
          { Rule::Action::Bounce, "bounce" }, { Rule::Action::Disconnect, "disconnect" } };
const Names<Rule::HostReply> HostReplyNames[] = { { Rule::HostReply::Commands, "commands" },
    { Rule::HostReply::Greeting, "greeting" }, { Rule::HostReply::Drop, "drop" } };

template<typename Enum, size_t N>
QString nameOf(const Names<Enum> (&names)[N], Enum value)
{
    for (const auto &n : names) {
        if (n.value == value) {
            return QLatin1String(n.name);
        }
    }
    return {};
}

template<typename Enum, size_t N>
bool valueOf(const Names<Enum> (&names)[N], const QString &name, Enum *value)
{
    for (const auto &n : names) {
        if (name == QLatin1String(n.name)) {
            *value = n.value;
            return true;
        }
    }
    return false;
}

template<typename Enum, size_t N>
QString choices(const Names<Enum> (&names)[N])
{
    QStringList list;
    for (const auto &n : names) {
        list << QStringLiteral("\"%1\"").arg(QLatin1String(n.name));
    }
    return list.join(QStringLiteral(", "));
}

// A JSON number that is a whole number from min to max, into *out.
bool wholeNumber(const QJsonValue &v, qint64 min, qint64 max, qint64 *out)
{
    const double d = v.toDouble(-1e300);
    if (!v.isDouble() || d != double(qint64(d)) || d < double(min) || d > double(max)) {
        return false;
    }
    *out = qint64(d);
    return true;
}

// The fields a rule of each stage may have.
QStringList fieldsOf(RuleSet::Stage stage)
{
    QStringList fields { QStringLiteral("match"), QStringLiteral("pattern"), QStringLiteral("action"),
        QStringLiteral("code"), QStringLiteral("enhanced"), QStringLiteral("text"), QStringLiteral("probability"),
        QStringLiteral("delayMs"), QStringLiteral("enabled"), QStringLiteral("limit"), QStringLiteral("attempts"),
        QStringLiteral("windowSec"), QStringLiteral("bounceAfterMs"), QStringLiteral("every") };
    // Every rule shows (and so takes back) the greylist and bounce fields, with their defaults (the contract's
    // settled details); only recipient rules may use them.
    switch (stage) {
    case RuleSet::Stage::Host:
        fields << QStringLiteral("hostReply") << QStringLiteral("bytesPerSecond");
        break;
    case RuleSet::Stage::Recipient:
    case RuleSet::Stage::Sender:
    case RuleSet::Stage::Auth:
        fields << QStringLiteral("part");
        break;
    case RuleSet::Stage::Data:
        fields << QStringLiteral("header") << QStringLiteral("minSize");
        break;
    }
    return fields;
}

// Reads one rule; "field: problem" on failure (the field without the list prefix).
QString readRule(const QJsonObject &o, RuleSet::Stage stage, Rule *rule, QString *field)
{
    const QStringList allowed = fieldsOf(stage);
    for (auto it = o.constBegin(); it != o.constEnd(); ++it) {
        if (!allowed.contains(it.key())) {
            *field = it.key();
            return QStringLiteral("unknown field for a %1 rule (known: %2)")
                .arg(RuleSet::stageName(stage), allowed.join(QStringLiteral(", ")));
        }
    }
    auto text = [&](const char *name, QString *out) -> QString {
        const QJsonValue v = o.value(QLatin1String(name));
        if (v.isUndefined()) {
            return {};
        }
        if (!v.isString()) {
            *field = QLatin1String(name);
            return QStringLiteral("must be a string");
        }
        *out = v.toString();
        return {};
    };
    auto integer = [&](const char *name, qint64 min, qint64 max, qint64 *out) -> QString {
        const QJsonValue v = o.value(QLatin1String(name));
        if (v.isUndefined()) {
            return {};
        }
        if (!wholeNumber(v, min, max, out)) {
            *field = QLatin1String(name);
            return QStringLiteral("must be a whole number from %1 to %2").arg(min).arg(max);
        }
        return {};
    };
    // An enumerated field: one of its names, or absent (the default stays).
    auto choice = [&](const char *name, const auto &names, auto *out) -> QString {
        QString value;
        QString error = text(name, &value);
        if (error.isEmpty() && !value.isEmpty() && !valueOf(names, value, out)) {
            *field = QLatin1String(name);
            error = QStringLiteral("must be one of %1").arg(choices(names));
        }
        return error;
    };
    QString error;
    if (!(error = choice("match", MatchNames, &rule->match)).isEmpty()
        || !(error = choice("part", PartNames, &rule->part)).isEmpty()
        || !(error = text("pattern", &rule->pattern)).isEmpty()
        || !(error = choice("action", ActionNames, &rule->action)).isEmpty()
        || !(error = choice("hostReply", HostReplyNames, &rule->hostReply)).isEmpty()) {
        return error;
    }
    if (rule->action == Rule::Action::Greylist) {
        // Its own defaults (RFC 6647 §2.1: a temporary failure), which code, enhanced and text may override.
        rule->code = Rule::GreylistCode;
        rule->enhanced = Rule::greylistEnhanced();
        rule->text = Rule::greylistText();
    }
    qint64 number = rule->code;
    if (!(error = integer("code", 400, 599, &number)).isEmpty()) {
        return error;
    }
    rule->code = int(number);
    if (!(error = text("enhanced", &rule->enhanced)).isEmpty() || !(error = text("text", &rule->text)).isEmpty()
        || !(error = text("header", &rule->header)).isEmpty()) {
        return error;
    }
    number = rule->probability;
    if (!(error = integer("probability", 0, 100, &number)).isEmpty()) {
        return error;
    }
    rule->probability = int(number);
    number = rule->delayMs;
    if (!(error = integer("delayMs", 0, 600000, &number)).isEmpty()) {
        return error;
    }
    rule->delayMs = int(number);
    if (!(error = integer("minSize", 0, Q_INT64_C(1) << 40, &rule->minSize)).isEmpty()) {
        return error;
    }
    number = rule->attempts;
    if (!(error = integer("attempts", 1, 1000, &number)).isEmpty()) {
        return error;
    }
    rule->attempts = int(number);
    number = rule->windowSec;
    if (!(error = integer("windowSec", 1, 604800, &number)).isEmpty()) {
        return error;
    }
    rule->windowSec = int(number);
    number = rule->bounceAfterMs;
    if (!(error = integer("bounceAfterMs", 0, Rule::MaxBounceAfterMs, &number)).isEmpty()) {
        return error;
    }
    rule->bounceAfterMs = int(number);
    if (!(error = integer("bytesPerSecond", 0, Rule::MaxBytesPerSecond, &rule->bytesPerSecond)).isEmpty()) {
        return error;
    }
    number = rule->every;
    if (!(error = integer("every", 0, Rule::MaxEvery, &number)).isEmpty()) {
        return error;
    }
    rule->every = int(number);
    const QJsonValue limit = o.value(QLatin1String("limit"));
    if (!limit.isUndefined() && !limit.isNull()) {
        const QJsonObject l = limit.toObject();
        qint64 count = 0;
        qint64 perSeconds = 0;
        if (!limit.isObject() || l.size() != 2 || !wholeNumber(l.value(QLatin1String("count")), 0, 1000000, &count)
            || !wholeNumber(l.value(QLatin1String("perSeconds")), 1, 86400, &perSeconds)) {
            *field = QStringLiteral("limit");
            return QStringLiteral("must be {\"count\": N, \"perSeconds\": S} with N from 0 to 1000000 and S from 1 "
                                  "to 86400");
        }
        rule->limit = { int(count), int(perSeconds) };
    }
    const QJsonValue enabled = o.value(QLatin1String("enabled"));
    if (!enabled.isUndefined()) {
        if (!enabled.isBool()) {
            *field = QStringLiteral("enabled");
            return QStringLiteral("must be true or false");
        }
        rule->enabled = enabled.toBool();
    }
    const QString problem = RuleSet::validate(*rule, stage);
    if (!problem.isEmpty()) {
        *field = problem.section(u':', 0, 0);
        return problem.section(u':', 1).trimmed();
    }
    return {};
}
} // namespace

bool RuleSet::isEmpty() const
{
    for (const QList<Rule> &list : lists) {
        if (!list.isEmpty()) {
            return false;
        }
    }
    return true;
}

QString RuleSet::stageName(Stage stage)
{
    return QLatin1String(StageNames[int(stage)]);
}

QString RuleSet::validate(const Rule &rule, Stage stage)
{
    if (rule.match == Rule::Match::Cidr && stage != Stage::Host) {
        return QStringLiteral("match: \"cidr\" is for host rules only");
    }
    if (rule.pattern.isEmpty() && !(stage == Stage::Data && rule.minSize > 0)) {
        // README "Testing failure handling": the null sender <> is matched as the empty string, so "" refuses bounces
        // in an exact sender rule on the whole address. Anywhere else "" is an error: as a regex it would match every
        // subject, and an exact or glob "" never matches a recipient (RCPT TO needs a path, RFC 5321 §4.1.1.3), a
        // client address, an AUTH user, or a sender's domain (the null sender has none).
        if (stage == Stage::Sender) {
            if (rule.match != Rule::Match::Exact || rule.part != Rule::Part::Address) {
                return QStringLiteral("pattern: must not be empty (\"\" is the null sender <> only with match "
                                      "\"exact\" on the whole address)");
            }
        } else {
            return QStringLiteral("pattern: must not be empty");
        }
    }
    if (rule.code < 400 || rule.code > 599) {
        return QStringLiteral("code: must be a 4xx or 5xx reply code");
    }
    static const QRegularExpression enhanced(QStringLiteral("\\A[245]\\.\\d{1,3}\\.\\d{1,3}\\z"));
    if (!enhanced.match(rule.enhanced).hasMatch()) {
        return QStringLiteral("enhanced: must look like 5.7.1 (RFC 3463)");
    }
    if (rule.enhanced.at(0).digitValue() != rule.code / 100) {
        return QStringLiteral("enhanced: its class (%1) must match the code's (%2)")
            .arg(rule.enhanced.at(0))
            .arg(rule.code / 100);
    }
    if (rule.text.contains(u'\r') || rule.text.contains(u'\n') || rule.text.size() > 400) {
        return QStringLiteral("text: one line of at most 400 characters");
    }
    if (rule.probability < 0 || rule.probability > 100) {
        return QStringLiteral("probability: must be from 0 to 100");
    }
    if (rule.delayMs < 0 || rule.delayMs > 600000) {
        return QStringLiteral("delayMs: must be from 0 to 600000");
    }
    if ((rule.action == Rule::Action::Greylist || rule.action == Rule::Action::Bounce) && stage != Stage::Recipient) {
        return QStringLiteral("action: \"%1\" is for recipient rules only").arg(nameOf(ActionNames, rule.action));
    }
    if (rule.bounceAfterMs < 0 || rule.bounceAfterMs > Rule::MaxBounceAfterMs) {
        return QStringLiteral("bounceAfterMs: must be from 0 to %1").arg(Rule::MaxBounceAfterMs);
    }
    if (rule.every < 0 || rule.every > Rule::MaxEvery) {
        return QStringLiteral("every: must be from 0 to %1").arg(Rule::MaxEvery);
    }
    if (rule.bytesPerSecond != 0 && stage != Stage::Host) {
        return QStringLiteral("bytesPerSecond: is for host rules only");
    }
    if (rule.bytesPerSecond < 0 || rule.bytesPerSecond > Rule::MaxBytesPerSecond) {
        return QStringLiteral("bytesPerSecond: must be from 0 (no limit) to %1").arg(Rule::MaxBytesPerSecond);
    }
    if (rule.attempts < 1 || rule.attempts > 1000) {
        return QStringLiteral("attempts: must be from 1 to 1000");
    }
    if (rule.windowSec < 1 || rule.windowSec > 604800) {
        return QStringLiteral("windowSec: must be from 1 to 604800");
    }
    if (rule.limit.perSeconds != 0
        && (rule.limit.perSeconds < 1 || rule.limit.perSeconds > 86400 || rule.limit.count < 0
            || rule.limit.count > 1000000)) {
        return QStringLiteral("limit: count must be from 0 to 1000000 and perSeconds from 1 to 86400");
    }
    if (!rule.pattern.isEmpty()) {
        const RuleMatcher matcher(rule);
        if (!matcher.isValid()) {
            return QStringLiteral("pattern: %1").arg(matcher.errorString());
        }
    }
    return {};
}

std::optional<RuleSet> RuleSet::fromJson(const QByteArray &json, QString *error)
{
    const std::optional<QJsonDocument> document = JsonLocator::parse(json, error);
    if (!document) {
        return std::nullopt;
    }
    JsonLocator locator(json);
    if (!document->isObject()) {
        *error = QStringLiteral("1: (file): must be a JSON object with the lists host, sender, recipient, auth, data");
        return std::nullopt;
    }
    const QJsonObject root = document->object();
    RuleSet set;
    for (auto it = root.constBegin(); it != root.constEnd(); ++it) {
        const QString key = it.key();
        if (key == u"version") {
            if (it.value().toInt(-1) != Version) {
                *error = QStringLiteral("%1: version: must be %2").arg(locator.lineOf({ key })).arg(Version);
                return std::nullopt;
            }
            continue;
        }
        int stage = -1;
        for (int s = 0; s < StageCount; ++s) {
            if (key == QLatin1String(StageNames[s])) {
                stage = s;
            }
        }
        if (stage < 0) {
            *error = QStringLiteral("%1: %2: unknown list (known: version, host, sender, recipient, auth, data)")
                         .arg(locator.lineOf({ key }))
                         .arg(key);
            return std::nullopt;
        }
        if (!it.value().isArray()) {
            *error = QStringLiteral("%1: %2: must be an array of rules").arg(locator.lineOf({ key })).arg(key);
            return std::nullopt;
        }
        const QJsonArray array = it.value().toArray();
        for (qsizetype i = 0; i < array.size(); ++i) {
            const QString index = QString::number(i);
            if (!array.at(i).isObject()) {
                *error = QStringLiteral("%1: %2[%3]: must be an object")
                             .arg(locator.lineOf({ key, index }))
                             .arg(key, index);
                return std::nullopt;
            }
            Rule rule;
            QString field;
            const QString problem = readRule(array.at(i).toObject(), Stage(stage), &rule, &field);
            if (!problem.isEmpty()) {
                *error = QStringLiteral("%1: %2[%3].%4: %5")
                             .arg(locator.lineOf({ key, index, field }))
                             .arg(key, index, field, problem);
                return std::nullopt;
            }
            set.lists[size_t(stage)] << rule;
        }
    }
    return set;
}

QByteArray RuleSet::toJson() const
{
    QJsonObject root { { QStringLiteral("version"), Version } };
    for (int s = 0; s < StageCount; ++s) {
        const Stage stage = Stage(s);
        QJsonArray array;
        for (const Rule &r : lists[size_t(s)]) {
            QJsonObject o { { QStringLiteral("match"), nameOf(MatchNames, r.match) },
                { QStringLiteral("pattern"), r.pattern }, { QStringLiteral("action"), nameOf(ActionNames, r.action) },
                { QStringLiteral("code"), r.code }, { QStringLiteral("enhanced"), r.enhanced },
                { QStringLiteral("text"), r.text }, { QStringLiteral("probability"), r.probability },
                { QStringLiteral("delayMs"), r.delayMs }, { QStringLiteral("enabled"), r.enabled } };
            if (stage == Stage::Host) {
                o.insert(QStringLiteral("hostReply"), nameOf(HostReplyNames, r.hostReply));
                o.insert(QStringLiteral("bytesPerSecond"), r.bytesPerSecond);
            } else if (stage == Stage::Data) {
                o.insert(QStringLiteral("header"), r.header);
                o.insert(QStringLiteral("minSize"), r.minSize);
            } else {
                o.insert(QStringLiteral("part"), nameOf(PartNames, r.part));
            }
            o.insert(QStringLiteral("attempts"), r.attempts);
            o.insert(QStringLiteral("windowSec"), r.windowSec);
            o.insert(QStringLiteral("bounceAfterMs"), r.bounceAfterMs);
            if (r.every > 1) {
                // Letterbox's own field: absent unless set, so that the contract's shape is unchanged.
                o.insert(QStringLiteral("every"), r.every);
            }
            o.insert(QStringLiteral("limit"),
                r.limit.perSeconds == 0 ? QJsonValue(QJsonValue::Null)
                                        : QJsonObject { { QStringLiteral("count"), r.limit.count },
                                            { QStringLiteral("perSeconds"), r.limit.perSeconds } });
            array.append(o);
        }
        root.insert(stageName(stage), array);
    }
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}
