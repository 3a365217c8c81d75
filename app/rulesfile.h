#pragma once

#include <QString>

struct CommandLineOptions;
class MailboxSettings;
class RuleEngine;
class SettingsDocument;

// Loads the rules at start from document (SettingsDocuments: --rules FILE, which must exist, else rules.json in the
// data directory when there is one; or the PostgreSQL store's), and follows it: rules another instance saves apply
// to engine (engine must outlive document). All or nothing: false with *error "FILE:LINE: field: problem" (README
// "Command line": exit 2).
bool loadRules(const CommandLineOptions &options, SettingsDocument *document, RuleEngine *engine, QString *error);

// Loads the mailboxes at start into settings (made on SettingsDocuments::mailboxes()): --mailboxes FILE (which must
// exist), else mailboxes.json in the data directory when there is one, or the PostgreSQL store's; --mailbox-per-user.
// All or nothing, as the rules: false with *error "FILE:LINE: field: problem" (exit 2).
bool loadMailboxes(const CommandLineOptions &options, MailboxSettings *settings, QString *error);
