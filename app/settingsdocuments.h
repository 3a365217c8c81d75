#pragma once

#include <QString>

#include <memory>

struct CommandLineOptions;
class MessageStore;
class SettingsDocument;

// Where this run keeps the rules and the mailboxes' routes (docs/architecture.md "Rules and mailboxes shared in
// PostgreSQL"). With the SQLite store: the files (--rules FILE, else rules.json in the data directory; the same for
// --mailboxes). With a PostgreSQL store: documents in the database, shared by every instance on it (CONTRACT "Team
// store"); the documents the database does not hold yet are seeded from the files this instance would have read,
// all of them checked first, so the first instance to start brings its files and the others take what is there.
class SettingsDocuments
{
public:
    SettingsDocuments();
    ~SettingsDocuments();

    // Opens both documents for store (opened from options.store). False, *error and *exitCode when a file to seed
    // from cannot be read or is invalid (2, as an invalid file always is; nothing is seeded then), or the database
    // cannot be reached (1).
    bool open(const CommandLineOptions &options, const MessageStore &store, QString *error, int *exitCode);

    SettingsDocument *rules() const { return m_rules.get(); }
    SettingsDocument *mailboxes() const { return m_mailboxes.get(); }

private:
    std::unique_ptr<SettingsDocument> m_rules;
    std::unique_ptr<SettingsDocument> m_mailboxes;
};
