#include "ruleengine.h"

#include "rulematcher.h"

#include <QMutex>

#include <atomic>
#include <random>

// One rule set, compiled: immutable once made, shared with the sessions evaluating it.
struct RuleEngine::Compiled
{
    RuleSet rules;
    std::array<QList<RuleMatcher>, RuleSet::StageCount> matchers;
    std::array<std::unique_ptr<std::atomic<qint64>[]>, RuleSet::StageCount> hits;

    explicit Compiled(const RuleSet &set) : rules(set)
    {
        for (int s = 0; s < RuleSet::StageCount; ++s) {
            const QList<Rule> &list = rules.lists[size_t(s)];
            for (const Rule &rule : list) {
                matchers[size_t(s)] << RuleMatcher(rule);
            }
            hits[size_t(s)] = std::make_unique<std::atomic<qint64>[]>(size_t(list.size()));
        }
    }
};

struct RuleEngine::Private
{
    mutable QMutex mutex; // guards the pointers and the generator, never an evaluation
    std::shared_ptr<const Compiled> compiled = std::make_shared<Compiled>(RuleSet());
    ChaosTriggers chaos;
    mutable std::mt19937_64 random { std::random_device {}() };

    std::shared_ptr<const Compiled> current() const
    {
        QMutexLocker lock(&mutex);
        return compiled;
    }
    // True with the given percent chance (100: always, 0: never, no draw for either).
    bool draw(int percent) const
    {
        if (percent >= 100) {
            return true;
        }
        if (percent <= 0) {
            return false;
        }
        QMutexLocker lock(&mutex);
        return int(random() % 100) < percent;
    }
};

namespace {
QByteArray describe(const Rule &rule, RuleSet::Stage stage, int index)
{
    static const char *const matches[] = { "exact", "glob", "regex", "cidr" };
    QByteArray text = RuleSet::stageName(stage).toLatin1() + " rule " + QByteArray::number(index + 1) + ": "
        + matches[int(rule.match)];
    if (!rule.pattern.isEmpty()) {
        text += ' ' + rule.pattern.toUtf8();
    }
    if (stage == RuleSet::Stage::Data && rule.minSize > 0) {
        text += " (at least " + QByteArray::number(rule.minSize) + " bytes)";
    }
    if (rule.probability < 100) {
        text += " (" + QByteArray::number(rule.probability) + "%)";
    }
    return text;
}

// The value of a header of the message (first occurrence, unfolded), for data rules.
QString headerValue(const QByteArray &data, const QString &name)
{
    const QByteArray wanted = name.toLatin1().toLower() + ':';
    qsizetype pos = 0;
    QByteArray value;
    bool inHeader = false;
    while (pos < data.size()) {
        qsizetype end = data.indexOf('\n', pos);
        end = end < 0 ? data.size() : end;
        QByteArray line = data.mid(pos, end - pos);
        if (line.endsWith('\r')) {
            line.chop(1);
        }
        pos = end + 1;
        if (line.isEmpty()) {
            break; // end of the header block
        }
        const bool continuation = line.at(0) == ' ' || line.at(0) == '\t';
        if (inHeader && continuation) {
            value += ' ' + line.trimmed();
            continue;
        }
        if (inHeader) {
            break;
        }
        if (!continuation && line.toLower().startsWith(wanted)) {
            inHeader = true;
            value = line.mid(wanted.size()).trimmed();
        }
    }
    return QString::fromUtf8(value);
}

SmtpVerdict chaosVerdict(int code, const char *stage)
{
    // Mailpit's replies: "<code> Chaos sender error", "… recipient …", "… authentication …".
    const QByteArray enhanced = code == 535 ? QByteArray("5.7.8") : QByteArray::number(code / 100) + ".0.0";
    SmtpVerdict v = SmtpVerdict::reject(code, enhanced, QByteArray("Chaos ") + stage + " error");
    v.rule = QByteArray("chaos: ") + stage + " trigger";
    return v;
}
} // namespace

RuleEngine::RuleEngine() : d(std::make_unique<Private>())
{
}

RuleEngine::~RuleEngine() = default;

void RuleEngine::setRules(const RuleSet &rules)
{
    auto compiled = std::make_shared<const Compiled>(rules);
    QMutexLocker lock(&d->mutex);
    d->compiled = std::move(compiled);
}

RuleSet RuleEngine::rules() const
{
    return d->current()->rules;
}

void RuleEngine::setChaos(const ChaosTriggers &chaos)
{
    QMutexLocker lock(&d->mutex);
    d->chaos = chaos;
}

ChaosTriggers RuleEngine::chaos() const
{
    QMutexLocker lock(&d->mutex);
    return d->chaos;
}

void RuleEngine::setSeed(quint64 seed)
{
    QMutexLocker lock(&d->mutex);
    d->random.seed(seed);
}

QList<qint64> RuleEngine::hitCounts(RuleSet::Stage stage) const
{
    const std::shared_ptr<const Compiled> c = d->current();
    QList<qint64> counts;
    for (qsizetype i = 0; i < c->rules.rules(stage).size(); ++i) {
        counts << c->hits[size_t(stage)][size_t(i)].load();
    }
    return counts;
}

SmtpVerdict RuleEngine::verdictOf(const Rule &rule, RuleSet::Stage stage, int index)
{
    SmtpVerdict v = rule.action == Rule::Action::Accept
        ? SmtpVerdict::accept()
        : SmtpVerdict::reject(rule.code, rule.enhanced.toLatin1(), rule.text.toUtf8());
    v.delayMs = rule.delayMs;
    v.rule = describe(rule, stage, index);
    switch (rule.hostReply) {
    case Rule::HostReply::Commands:
        v.hostReply = SmtpVerdict::HostReply::Commands;
        break;
    case Rule::HostReply::Greeting:
        v.hostReply = SmtpVerdict::HostReply::Greeting;
        break;
    case Rule::HostReply::Drop:
        v.hostReply = SmtpVerdict::HostReply::Drop;
        break;
    }
    return v;
}

std::optional<int> RuleEngine::firstMatch(RuleSet::Stage stage, const QString &subject) const
{
    const std::shared_ptr<const Compiled> c = d->current();
    const QList<Rule> &list = c->rules.rules(stage);
    for (int i = 0; i < list.size(); ++i) {
        const RuleMatcher &m = c->matchers[size_t(stage)].at(i);
        if (!list.at(i).enabled) {
            continue;
        }
        const bool matched = stage == RuleSet::Stage::Host
            ? m.matchesHost(QHostAddress(subject)) || m.matchesText(subject)
            : m.matchesText(subject);
        if (matched || (stage == RuleSet::Stage::Data && list.at(i).pattern.isEmpty())) {
            return i;
        }
    }
    return std::nullopt;
}

SmtpVerdict RuleEngine::evaluate(RuleSet::Stage stage, const std::function<bool(const RuleMatcher &)> &matches) const
{
    const std::shared_ptr<const Compiled> c = d->current();
    const size_t s = size_t(stage);
    const QList<Rule> &list = c->rules.lists[s];
    for (int i = 0; i < list.size(); ++i) {
        if (list.at(i).enabled && matches(c->matchers[s].at(i)) && d->draw(list.at(i).probability)) {
            ++c->hits[s][size_t(i)];
            return verdictOf(list.at(i), stage, i);
        }
    }
    return SmtpVerdict::accept();
}

SmtpVerdict RuleEngine::checkHost(const ClientAddress &client) const
{
    const QHostAddress address(client.toString());
    return evaluate(RuleSet::Stage::Host, [&address](const RuleMatcher &m) { return m.matchesHost(address); });
}

SmtpVerdict RuleEngine::checkSender(const QByteArray &address, const SmtpEnvelope &) const
{
    const ChaosTriggers::Trigger chaos = this->chaos().sender;
    if (d->draw(chaos.probability)) {
        return chaosVerdict(chaos.errorCode, "sender");
    }
    const QString subject = QString::fromUtf8(address);
    return evaluate(RuleSet::Stage::Sender, [&subject](const RuleMatcher &m) { return m.matchesText(subject); });
}

SmtpVerdict RuleEngine::checkRecipient(const QByteArray &address, const SmtpEnvelope &) const
{
    const ChaosTriggers::Trigger chaos = this->chaos().recipient;
    if (d->draw(chaos.probability)) {
        return chaosVerdict(chaos.errorCode, "recipient");
    }
    const QString subject = QString::fromUtf8(address);
    return evaluate(RuleSet::Stage::Recipient, [&subject](const RuleMatcher &m) { return m.matchesText(subject); });
}

SmtpVerdict RuleEngine::checkAuth(const QByteArray &user, const SmtpEnvelope &) const
{
    const ChaosTriggers::Trigger chaos = this->chaos().authentication;
    if (d->draw(chaos.probability)) {
        return chaosVerdict(chaos.errorCode, "authentication");
    }
    const QString subject = QString::fromUtf8(user);
    return evaluate(RuleSet::Stage::Auth, [&subject](const RuleMatcher &m) { return m.matchesText(subject); });
}

SmtpVerdict RuleEngine::checkData(const SmtpEnvelope &, const QByteArray &data) const
{
    const std::shared_ptr<const Compiled> c = d->current();
    const QList<Rule> &list = c->rules.rules(RuleSet::Stage::Data);
    for (int i = 0; i < list.size(); ++i) {
        const Rule &rule = list.at(i);
        if (!rule.enabled || data.size() < rule.minSize) {
            continue;
        }
        const bool matched = rule.pattern.isEmpty() || c->matchers[4].at(i).matchesText(headerValue(data, rule.header));
        if (matched && d->draw(rule.probability)) {
            ++c->hits[4][size_t(i)];
            return verdictOf(rule, RuleSet::Stage::Data, i);
        }
    }
    return SmtpVerdict::accept();
}
