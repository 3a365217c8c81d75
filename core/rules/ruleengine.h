#pragma once

#include "chaostriggers.h"
#include "ruleset.h"

#include <smtp/smtpvalidator.h>

#include <QList>

#include <functional>
#include <memory>
#include <optional>

// The rules and chaos settings in force, answering the SMTP session's validation hooks (tcllib smtpd's
// validate_host / validate_sender / validate_recipient, plus AUTH and the end of the data). Chaos first, then the
// stage's rules: the first enabled rule that matches (and whose probability draw fires) decides; no match
// accepts. setRules() and setChaos() apply to the next command of every session, from any thread; evaluation
// never blocks on them.
class RuleEngine : public SmtpValidator
{
public:
    RuleEngine();
    ~RuleEngine() override;

    // Replaces every rule at once (the set must be valid: see RuleSet::validate()). Hit counts start again.
    void setRules(const RuleSet &rules);
    // The rules file's JSON (RuleSet::fromJson()), put in force unless it says what is in force already (then hit
    // counts and greylisting go on): a settings document's applier (SettingsDocument). False and *problem ("LINE:
    // field: problem") when it is not valid; nothing changes then.
    bool setRulesFromJson(const QByteArray &json, QString *problem);
    RuleSet rules() const;
    void setChaos(const ChaosTriggers &chaos);
    ChaosTriggers chaos() const;
    // Seeds the probability draws (--rules-seed), so that a test sees the same sequence every run.
    void setSeed(quint64 seed);
    // The clock greylisting and rate limits count time by (milliseconds, monotonic); tests set their own.
    void setClock(std::function<qint64()> nowMs);
    // How often each rule of a stage has decided since setRules().
    QList<qint64> hitCounts(RuleSet::Stage stage) const;

    // "Try it": the index of the first enabled rule of stage that matches subject (an address, a host address,
    // a user name, or a header value for data rules), ignoring probability; nullopt when none does.
    std::optional<int> firstMatch(RuleSet::Stage stage, const QString &subject) const;
    // The verdict a rule gives when it fires.
    static SmtpVerdict verdictOf(const Rule &rule, RuleSet::Stage stage, int index);

    SmtpVerdict checkHost(const ClientAddress &client) const override;
    SmtpVerdict checkSender(const QByteArray &address, const SmtpEnvelope &envelope) const override;
    SmtpVerdict checkRecipient(const QByteArray &address, const SmtpEnvelope &envelope) const override;
    SmtpVerdict checkAuth(const QByteArray &user, const SmtpEnvelope &envelope) const override;
    SmtpVerdict checkData(const SmtpEnvelope &envelope, const QByteArray &data) const override;

private:
    struct Compiled;
    // Who is trying what: the client (rate limits) and, for recipients, the greylisting triplet.
    struct Attempt
    {
        QString client;
        QByteArray sender;
        QByteArray recipient;
    };
    // The first enabled rule of stage that matches (past its rate limit, and whose probability draw fires) decides;
    // none accepts.
    SmtpVerdict evaluate(RuleSet::Stage stage, const Attempt &attempt,
        const std::function<bool(const Rule &, const class RuleMatcher &)> &matches) const;
    struct Private;
    std::unique_ptr<Private> d;
};
