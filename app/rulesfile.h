#pragma once

#include <QString>

struct CommandLineOptions;
class MailboxSettings;
class RuleEngine;

// Loads the rules at start: --rules FILE (which must exist), else rules.json in the data directory when there is
// one. All or nothing: false with *error "FILE:LINE: field: problem" (README "Command line": exit 2).
bool loadRules(const CommandLineOptions &options, RuleEngine *engine, QString *error);

// Loads the mailboxes at start into settings (made on options.mailboxesFile): --mailboxes FILE (which must exist), else
// mailboxes.json in the data directory when there is one; --mailbox-per-user. All or nothing, as the rules: false with
// *error "FILE:LINE: field: problem" (exit 2).
bool loadMailboxes(const CommandLineOptions &options, MailboxSettings *settings, QString *error);
