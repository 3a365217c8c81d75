#include "rulesfile.h"

#include "commandlineoptions.h"

#include <mailbox/mailboxsettings.h>
#include <rules/ruleengine.h>

#include <QFile>

bool loadRules(const CommandLineOptions &options, RuleEngine *engine, QString *error)
{
    if (options.rulesSeed) {
        engine->setSeed(*options.rulesSeed);
    }
    QFile file(options.rulesFile);
    if (!file.exists() && !options.rulesGiven) {
        return true; // no rules kept yet: everything is accepted
    }
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("--rules %1: %2").arg(options.rulesFile, file.errorString());
        return false;
    }
    QString problem;
    const std::optional<RuleSet> rules = RuleSet::fromJson(file.readAll(), &problem);
    if (!rules) {
        *error = QStringLiteral("%1:%2").arg(options.rulesFile, problem);
        return false;
    }
    engine->setRules(*rules);
    return true;
}

bool loadMailboxes(const CommandLineOptions &options, MailboxSettings *settings, QString *error)
{
    settings->setPerUserForced(options.mailboxPerUser);
    QString problem;
    if (!settings->load(options.mailboxesGiven, &problem)) {
        *error = options.mailboxesGiven ? QStringLiteral("--mailboxes %1").arg(problem) : problem;
        return false;
    }
    return true;
}
