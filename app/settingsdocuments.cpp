#include "settingsdocuments.h"

#include "commandlineoptions.h"

#include <mailbox/mailboxconfig.h>
#include <rules/ruleset.h>
#include <settings/filesettingsdocument.h>
#include <store/messagestore.h>
#ifdef LETTERBOX_HAVE_POSTGRESQL
#include <pgstore/pgsettingsdocument.h>
#endif

#include <cstdio>
#include <functional>

namespace {
#ifdef LETTERBOX_HAVE_POSTGRESQL
// One of the two documents on its way to being opened.
struct Shared
{
    QString name; // the database's: "rules", "mailboxes"
    QString file; // what this instance would read without the database
    QString option; // "--rules", "--mailboxes"
    bool given = false; // the option named the file
    // The problem with a text ("LINE: field: problem"), or "" when its parser accepts it.
    std::function<QString(const QByteArray &)> validate;
    std::unique_ptr<PgSettingsDocument> document;
    std::optional<QByteArray> seed; // the file's text, checked, when the database holds none yet
};
#endif
} // namespace

SettingsDocuments::SettingsDocuments() = default;

SettingsDocuments::~SettingsDocuments() = default;

bool SettingsDocuments::open(
    const CommandLineOptions &options, const MessageStore &store, QString *error, int *exitCode)
{
    *exitCode = 1;
#ifdef LETTERBOX_HAVE_POSTGRESQL
    if (options.store != QLatin1String("sqlite")) {
        Shared shared[] = {
            { QStringLiteral("rules"), options.rulesFile, QStringLiteral("--rules"), options.rulesGiven,
                [](const QByteArray &body) {
                    QString problem;
                    return RuleSet::fromJson(body, &problem) ? QString() : problem;
                },
                nullptr, std::nullopt },
            { QStringLiteral("mailboxes"), options.mailboxesFile, QStringLiteral("--mailboxes"), options.mailboxesGiven,
                [](const QByteArray &body) {
                    QString problem;
                    return MailboxConfig::fromJson(body, &problem) ? QString() : problem;
                },
                nullptr, std::nullopt },
        };
        // Both documents as the database holds them, and the files for those it does not, all checked before
        // anything is written: an invalid file seeds nothing.
        for (Shared &s : shared) {
            s.document = std::make_unique<PgSettingsDocument>(options.store, store.location(), s.name);
            if (!s.document->open(error)) {
                return false;
            }
            const std::optional<SettingsDocument::Contents> stored = s.document->read(error);
            if (!stored) {
                return false;
            }
            if (stored->exists) {
                if (s.given) {
                    std::fprintf(stderr,
                        "letterbox: %s %s not read: the store keeps them (%s), shared by every instance on it\n",
                        qPrintable(s.option), qPrintable(s.file), qPrintable(s.document->location()));
                }
                continue;
            }
            FileSettingsDocument file(s.file);
            QString readError;
            const std::optional<SettingsDocument::Contents> seed = file.read(&readError);
            if (!seed || (!seed->exists && s.given)) {
                *error = QStringLiteral("%1 %2").arg(
                    s.option, seed ? QStringLiteral("%1: No such file or directory").arg(s.file) : readError);
                *exitCode = 2;
                return false;
            }
            if (!seed->exists) {
                continue; // nothing to bring: the defaults, until someone saves
            }
            const QString problem = s.validate(seed->body);
            if (!problem.isEmpty()) {
                *error = QStringLiteral("%1:%2").arg(s.file, problem);
                *exitCode = 2;
                return false;
            }
            s.seed = seed->body;
        }
        for (Shared &s : shared) {
            bool written = false;
            // Not written: another instance starting at the same moment seeded it first, and its text applies.
            if (s.seed && !s.document->seed(*s.seed, &written, error)) {
                return false;
            }
        }
        m_rules = std::move(shared[0].document);
        m_mailboxes = std::move(shared[1].document);
        return true;
    }
#else
    Q_UNUSED(store)
    Q_UNUSED(error)
#endif
    m_rules = std::make_unique<FileSettingsDocument>(options.rulesFile);
    m_mailboxes = std::make_unique<FileSettingsDocument>(options.mailboxesFile);
    return true;
}
