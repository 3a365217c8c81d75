#include "rulesfile.h"

#include "commandlineoptions.h"

#include <mailbox/mailboxsettings.h>
#include <rules/ruleengine.h>
#include <settings/filesettingsdocument.h>

bool loadRules(const CommandLineOptions &options, SettingsDocument *document, RuleEngine *engine, QString *error)
{
    if (options.rulesSeed) {
        engine->setSeed(*options.rulesSeed);
    }
    QString problem;
    const std::optional<SettingsDocument::Contents> contents = document->read(&problem);
    if (!contents) {
        // A file's error names the file; the database's names the store.
        *error = qobject_cast<FileSettingsDocument *>(document) ? QStringLiteral("--rules %1").arg(problem) : problem;
        return false;
    }
    if (contents->exists) {
        if (!engine->setRulesFromJson(contents->body, &problem)) {
            *error = QStringLiteral("%1:%2").arg(document->location(), problem);
            return false;
        }
    } else if (options.rulesGiven) {
        *error = QStringLiteral("--rules %1: No such file or directory").arg(document->location());
        return false;
    }
    // else no rules kept yet: everything is accepted.
    // From now on what is saved (PUT /api/v1/rules, the Rules window) or changed by another instance is put in force
    // by the document, in revision order.
    document->setApplier(
        [engine](const QByteArray &body, QString *problem) { return engine->setRulesFromJson(body, problem); },
        contents->revision);
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
