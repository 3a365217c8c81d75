#include "ruleengine.h"

#include "rulematcher.h"

#include <smtp/smtpenvelope.h>

#include <QHash>
#include <QMutex>

#include <atomic>
#include <chrono>
#include <deque>
#include <random>

namespace {
// What one rule remembers between attempts, in memory only (CONTRACT "Failure scenarios": the counts live in
// memory): the times of each client's matching attempts (rate limit) and each greylisting triplet's tries.
struct RuleMemory
{
    struct Tries
    {
        int count = 0;
        qint64 firstMs = 0;
    };
    QHash<QString, std::deque<qint64>> attempts;
    QHash<QByteArray, Tries> greylist;
};

// Past this many clients or triplets, a rule forgets the ones whose window has passed, so that a client sending from
// ever new addresses or senders cannot grow the memory without end; past it even then, it starts afresh.
constexpr qsizetype MemoryBound = 100000;
} // namespace

// One rule set, compiled: the rules and matchers immutable once made, shared with the sessions evaluating it; what
// the rules remember between attempts (hit counts, rate limits, greylisting) starts again with every new set.
struct RuleEngine::Compiled
{
    RuleSet rules;
    std::array<QList<RuleMatcher>, RuleSet::StageCount> matchers;
    std::array<std::unique_ptr<std::atomic<qint64>[]>, RuleSet::StageCount> hits;
    // Per rule with `every`: the attempts its pattern matched.
    std::array<std::unique_ptr<std::atomic<qint64>[]>, RuleSet::StageCount> matched;
    mutable QMutex memoryMutex;
    mutable std::array<std::vector<RuleMemory>, RuleSet::StageCount> memory;

    explicit Compiled(const RuleSet &set) : rules(set)
    {
        for (int s = 0; s < RuleSet::StageCount; ++s) {
            const QList<Rule> &list = rules.lists[size_t(s)];
            for (const Rule &rule : list) {
                matchers[size_t(s)] << RuleMatcher(rule);
            }
            hits[size_t(s)] = std::make_unique<std::atomic<qint64>[]>(size_t(list.size()));
            matched[size_t(s)] = std::make_unique<std::atomic<qint64>[]>(size_t(list.size()));
            memory[size_t(s)].resize(size_t(list.size()));
        }
    }

    // Counts one matching attempt of client for the rule; true once the client has made more than the limit's count
    // within its window (this one included).
    bool overLimit(size_t stage, int index, const Rule &rule, const QString &client, qint64 nowMs) const
    {
        const qint64 windowMs = qint64(rule.limit.perSeconds) * 1000;
        QMutexLocker lock(&memoryMutex);
        QHash<QString, std::deque<qint64>> &attempts = memory[stage][size_t(index)].attempts;
        if (attempts.size() >= MemoryBound && !attempts.contains(client)) {
            attempts.removeIf(
                [&](const auto &it) { return it.value().empty() || it.value().back() <= nowMs - windowMs; });
            if (attempts.size() >= MemoryBound) {
                attempts.clear();
            }
        }
        std::deque<qint64> &times = attempts[client];
        while (!times.empty() && times.front() <= nowMs - windowMs) {
            times.pop_front();
        }
        times.push_back(nowMs);
        // Only the newest count + 1 matter.
        while (times.size() > size_t(rule.limit.count) + 1) {
            times.pop_front();
        }
        return times.size() > size_t(rule.limit.count);
    }

    // Counts one try of the triplet; true while it is among the first `attempts` within the window (refused).
    bool greylisted(int index, const Rule &rule, const QByteArray &triplet, qint64 nowMs) const
    {
        const qint64 windowMs = qint64(rule.windowSec) * 1000;
        QMutexLocker lock(&memoryMutex);
        QHash<QByteArray, RuleMemory::Tries> &tries = memory[size_t(RuleSet::Stage::Recipient)][size_t(index)].greylist;
        if (tries.size() >= MemoryBound && !tries.contains(triplet)) {
            tries.removeIf([&](const auto &it) { return it.value().firstMs <= nowMs - windowMs; });
            if (tries.size() >= MemoryBound) {
                tries.clear();
            }
        }
        RuleMemory::Tries &t = tries[triplet];
        if (t.count == 0 || t.firstMs <= nowMs - windowMs) {
            t = { 0, nowMs };
        }
        ++t.count;
        return t.count <= rule.attempts;
    }
};

struct RuleEngine::Private
{
    mutable QMutex mutex; // guards the pointers and the generator, never an evaluation
    std::shared_ptr<const Compiled> compiled = std::make_shared<Compiled>(RuleSet());
    ChaosTriggers chaos;
    mutable std::mt19937_64 random { std::random_device {}() };
    std::function<qint64()> now = [] {
        return qint64(
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
                .count());
    };

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

bool RuleEngine::setRulesFromJson(const QByteArray &json, QString *problem)
{
    const std::optional<RuleSet> parsed = RuleSet::fromJson(json, problem);
    if (!parsed) {
        return false;
    }
    if (!(rules() == *parsed)) {
        setRules(*parsed);
    }
    return true;
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

void RuleEngine::setClock(std::function<qint64()> nowMs)
{
    QMutexLocker lock(&d->mutex);
    d->now = std::move(nowMs);
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
    v.disconnect = rule.action == Rule::Action::Disconnect;
    if (rule.action == Rule::Action::Bounce) {
        // Accepted now: the code, enhanced code and text are the bounce's.
        v.accepted = true;
        v.bounce = true;
        v.bounceAfterMs = rule.bounceAfterMs;
    }
    v.bytesPerSecond = stage == RuleSet::Stage::Host ? rule.bytesPerSecond : 0;
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

SmtpVerdict RuleEngine::evaluate(RuleSet::Stage stage, const Attempt &attempt,
    const std::function<bool(const Rule &, const RuleMatcher &)> &matches) const
{
    const std::shared_ptr<const Compiled> c = d->current();
    const size_t s = size_t(stage);
    const QList<Rule> &list = c->rules.lists[s];
    std::function<qint64()> now;
    for (int i = 0; i < list.size(); ++i) {
        const Rule &rule = list.at(i);
        if (!rule.enabled || !matches(rule, c->matchers[s].at(i))) {
            continue;
        }
        if (!now && (rule.limit.perSeconds > 0 || rule.action == Rule::Action::Greylist)) {
            QMutexLocker lock(&d->mutex);
            now = d->now;
        }
        if (rule.limit.perSeconds > 0 && !c->overLimit(s, i, rule, attempt.client, now())) {
            continue;
        }
        if (rule.every > 1 && (c->matched[s][size_t(i)].fetch_add(1) + 1) % rule.every != 0) {
            continue;
        }
        if (!d->draw(rule.probability)) {
            continue;
        }
        ++c->hits[s][size_t(i)];
        SmtpVerdict verdict = verdictOf(rule, stage, i);
        if (rule.action == Rule::Action::Greylist) {
            // RFC 6647 §2.1: the triplet of client address, sender and recipient (compared without regard to case).
            const QByteArray triplet
                = attempt.client.toUtf8() + '\0' + attempt.sender.toLower() + '\0' + attempt.recipient.toLower();
            if (!c->greylisted(i, rule, triplet, now())) {
                SmtpVerdict passed = SmtpVerdict::accept();
                passed.delayMs = rule.delayMs;
                passed.rule = verdict.rule + " (retried: passed)";
                return passed;
            }
        }
        return verdict;
    }
    return SmtpVerdict::accept();
}

SmtpVerdict RuleEngine::checkHost(const ClientAddress &client) const
{
    const QHostAddress address(client.toString());
    return evaluate(RuleSet::Stage::Host, { client.toString(), {}, {} },
        [&address](const Rule &, const RuleMatcher &m) { return m.matchesHost(address); });
}

SmtpVerdict RuleEngine::checkSender(const QByteArray &address, const SmtpEnvelope &envelope) const
{
    const ChaosTriggers::Trigger chaos = this->chaos().sender;
    if (d->draw(chaos.probability)) {
        return chaosVerdict(chaos.errorCode, "sender");
    }
    const QString subject = QString::fromUtf8(address);
    return evaluate(RuleSet::Stage::Sender, { envelope.clientAddress.toString(), address, {} },
        [&subject](const Rule &, const RuleMatcher &m) { return m.matchesText(subject); });
}

SmtpVerdict RuleEngine::checkRecipient(const QByteArray &address, const SmtpEnvelope &envelope) const
{
    const ChaosTriggers::Trigger chaos = this->chaos().recipient;
    if (d->draw(chaos.probability)) {
        return chaosVerdict(chaos.errorCode, "recipient");
    }
    const QString subject = QString::fromUtf8(address);
    return evaluate(RuleSet::Stage::Recipient, { envelope.clientAddress.toString(), envelope.mailFrom, address },
        [&subject](const Rule &, const RuleMatcher &m) { return m.matchesText(subject); });
}

SmtpVerdict RuleEngine::checkAuth(const QByteArray &user, const SmtpEnvelope &envelope) const
{
    const ChaosTriggers::Trigger chaos = this->chaos().authentication;
    if (d->draw(chaos.probability)) {
        return chaosVerdict(chaos.errorCode, "authentication");
    }
    const QString subject = QString::fromUtf8(user);
    return evaluate(RuleSet::Stage::Auth, { envelope.clientAddress.toString(), {}, {} },
        [&subject](const Rule &, const RuleMatcher &m) { return m.matchesText(subject); });
}

SmtpVerdict RuleEngine::checkData(const SmtpEnvelope &envelope, const QByteArray &data) const
{
    return evaluate(RuleSet::Stage::Data, { envelope.clientAddress.toString(), envelope.mailFrom, {} },
        [&data](const Rule &rule, const RuleMatcher &m) {
            return data.size() >= rule.minSize
                && (rule.pattern.isEmpty() || m.matchesText(headerValue(data, rule.header)));
        });
}
