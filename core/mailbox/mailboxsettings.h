#pragma once

#include "mailboxconfig.h"
#include "mailboxrouter.h"

#include <QMutex>
#include <QObject>
#include <QString>

#include <memory>

class SettingsDocument;

// The mailboxes configuration in use (CONTRACT "Mailboxes"), shared by everything that routes or shows it: SMTP
// delivery and the API's send route with router(), GET|PUT /api/v1/mailboxes/config and the desktop app's editor
// with config() and replace(). Thread-safe: routing asks for the router on the network and API threads, the editor
// replaces it on the GUI thread, and a change applies to the next message without restarting any listener. Kept in
// a settings document: mailboxes.json (or --mailboxes FILE), or with a PostgreSQL store the database, where a change
// saved by another instance applies here too (SettingsDocument::changedElsewhere()).
class MailboxSettings : public QObject
{
    Q_OBJECT
public:
    // filePath: where the configuration is read from and saved to (--mailboxes FILE, else mailboxes.json in the data
    // directory); empty: kept in memory only (tests, a store without a directory). Until load(), every message goes to
    // Inbox.
    explicit MailboxSettings(const QString &filePath = QString(), QObject *parent = nullptr);
    // Kept in document (not owned; it outlives this object), followed when someone else changes it.
    explicit MailboxSettings(SettingsDocument *document, QObject *parent = nullptr);
    ~MailboxSettings() override;

    // "mailboxes.json", the file's name in the data directory.
    static QString defaultFileName();
    // Where the configuration is kept (SettingsDocument::location()); empty when in memory only.
    QString filePath() const;

    // Reads the document. A missing one is the empty configuration (everything to Inbox) unless mustExist (a file
    // given with --mailboxes must be there). All or nothing: on failure the configuration in use stays and *error is
    // "FILE:LINE: field: problem", or "FILE: why" when the file cannot be read.
    bool load(bool mustExist, QString *error);

    // --mailbox-per-user: perUser for this run, whatever the file says. config() then says perUser too.
    void setPerUserForced(bool forced);
    bool isPerUserForced() const;

    // The configuration in use, as GET /api/v1/mailboxes/config answers it (perUser also when forced).
    MailboxConfig config() const;
    // The configuration as read or saved, without --mailbox-per-user: what an editor edits and saves back.
    MailboxConfig savedConfig() const;
    // The router for the next message. Cheap: a shared, immutable router made when the configuration changed.
    std::shared_ptr<const MailboxRouter> router() const;

    // Validates config whole, saves it atomically to the document (a file with owner-only permissions, as the rules
    // file), then applies it to the next message and emits changed(). On failure nothing changes and *error is
    // "field: problem" (MailboxConfig::validate()) or "FILE: why" for a document that cannot be written.
    bool replace(const MailboxConfig &config, QString *error);

Q_SIGNALS:
    // After load() or replace() changed the configuration, from the thread that called it; after another instance
    // changed it, from this object's thread.
    void changed();

private:
    void apply(const MailboxConfig &config);
    // Puts the document's text in force (its applier: after a save, and when another instance changed it).
    bool applyJson(const QByteArray &body, QString *problem);

    SettingsDocument *m_document = nullptr;
    mutable QMutex m_mutex;
    MailboxConfig m_fileConfig; // as read or saved
    bool m_perUserForced = false;
    std::shared_ptr<const MailboxRouter> m_router;
};
