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
// The problem with a document's text ("LINE: field: problem"), or "" when its parser accepts it.
using Validator = std::function<QString(const QByteArray &)>;

// The database's document name, seeded from file when the database holds none yet. option: "--rules" or
// "--mailboxes", given: whether the option named file.
std::unique_ptr<SettingsDocument> openShared(const CommandLineOptions &options, const MessageStore &store,
    const QString &name, const QString &file, const QString &option, bool given, const Validator &validate,
    QString *error)
{
    auto shared = std::make_unique<PgSettingsDocument>(options.store, store.location(), name);
    if (!shared->open(error)) {
        return nullptr;
    }
    const std::optional<SettingsDocument::Contents> stored = shared->read(error);
    if (!stored) {
        return nullptr;
    }
    if (stored->exists) {
        if (given) {
            std::fprintf(stderr,
                "letterbox: %s %s not read: the store keeps them (%s), shared by every instance on it\n",
                qPrintable(option), qPrintable(file), qPrintable(shared->location()));
        }
        return shared;
    }
    FileSettingsDocument seedFile(file);
    QString readError;
    const std::optional<SettingsDocument::Contents> seed = seedFile.read(&readError);
    if (!seed || (!seed->exists && given)) {
        *error = QStringLiteral("%1 %2").arg(
            option, seed ? QStringLiteral("%1: No such file or directory").arg(file) : readError);
        return nullptr;
    }
    if (!seed->exists) {
        return shared; // nothing to bring: the defaults, until someone saves
    }
    const QString problem = validate(seed->body);
    if (!problem.isEmpty()) {
        *error = QStringLiteral("%1:%2").arg(file, problem);
        return nullptr;
    }
    bool written = false;
    if (!shared->seed(seed->body, &written, error)) {
        return nullptr;
    }
    // Not written: another instance starting at the same time seeded it first, and its text is what applies.
    return shared;
}
#endif
} // namespace

SettingsDocuments::SettingsDocuments() = default;

SettingsDocuments::~SettingsDocuments() = default;

bool SettingsDocuments::open(const CommandLineOptions &options, const MessageStore &store, QString *error)
{
#ifdef LETTERBOX_HAVE_POSTGRESQL
    if (options.store != QLatin1String("sqlite")) {
        m_rules = openShared(
            options, store, QStringLiteral("rules"), options.rulesFile, QStringLiteral("--rules"), options.rulesGiven,
            [](const QByteArray &body) {
                QString problem;
                return RuleSet::fromJson(body, &problem) ? QString() : problem;
            },
            error);
        if (!m_rules) {
            return false;
        }
        m_mailboxes = openShared(
            options, store, QStringLiteral("mailboxes"), options.mailboxesFile, QStringLiteral("--mailboxes"),
            options.mailboxesGiven,
            [](const QByteArray &body) {
                QString problem;
                return MailboxConfig::fromJson(body, &problem) ? QString() : problem;
            },
            error);
        return m_mailboxes != nullptr;
    }
#else
    Q_UNUSED(store)
    Q_UNUSED(error)
#endif
    m_rules = std::make_unique<FileSettingsDocument>(options.rulesFile);
    m_mailboxes = std::make_unique<FileSettingsDocument>(options.mailboxesFile);
    return true;
}
