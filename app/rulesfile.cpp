#include "rulesfile.h"

#include "commandlineoptions.h"

#include <mailbox/mailboxsettings.h>
#include <rules/ruleengine.h>
#include <settings/settingsdocument.h>

#include <cstdio>

bool loadRules(const CommandLineOptions &options, SettingsDocument *document, RuleEngine *engine, QString *error)
{
    if (options.rulesSeed) {
        engine->setSeed(*options.rulesSeed);
    }
    QString problem;
    const std::optional<SettingsDocument::Contents> contents = document->read(&problem);
    if (!contents) {
        *error = QStringLiteral("--rules %1").arg(problem);
        return false;
    }
    if (contents->exists) {
        const std::optional<RuleSet> rules = RuleSet::fromJson(contents->body, &problem);
        if (!rules) {
            *error = QStringLiteral("%1:%2").arg(document->location(), problem);
            return false;
        }
        engine->setRules(*rules);
    } else if (options.rulesGiven) {
        *error = QStringLiteral("--rules %1: No such file or directory").arg(document->location());
        return false;
    }
    // else no rules kept yet: everything is accepted
    QObject::connect(
        document, &SettingsDocument::changedElsewhere, document, [document, engine](const QByteArray &body) {
            QString problem;
            const std::optional<RuleSet> rules = RuleSet::fromJson(body, &problem);
            if (!rules) {
                std::fprintf(stderr, "letterbox: the rules saved in %s are not valid, keeping those in use: %s:%s\n",
                    qPrintable(document->location()), qPrintable(document->location()), qPrintable(problem));
                return;
            }
            engine->setRules(*rules);
        });
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
