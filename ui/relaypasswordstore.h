#pragma once

#include <QObject>
#include <QString>

#include <functional>

// The relay's password in the system keychain (Secret Service, KWallet, macOS Keychain, Windows Credential Store)
// through QtKeychain, never in the settings file (issue 13, CONTRACT "Command line": "the GUI keeps it in the system
// keychain"). Every call is asynchronous: a keychain may ask the user to unlock it, and the GUI never waits.
// Without a keychain service (a bare CI box: no Secret Service on D-Bus) the store says so (Status::NoKeychain) and
// keeps nothing: the caller holds the password for this run only.
class RelayPasswordStore : public QObject
{
    Q_OBJECT
public:
    enum class Status {
        Ok, // read or written
        NotFound, // the keychain works and holds no password for this user
        NoKeychain, // no keychain service to keep it in
        Failed, // the keychain refused (locked, access denied): errorString says why
    };
    using ReadDone = std::function<void(Status status, const QString &password, const QString &errorString)>;
    using WriteDone = std::function<void(Status status, const QString &errorString)>;

    // service: the keychain's service name; tests give their own so as not to touch the user's entry.
    explicit RelayPasswordStore(const QString &service = QStringLiteral("letterbox-relay"), QObject *parent = nullptr);

    // The entry's key within the service (default: the relay's one entry). The remote catchers' passwords
    // (--attach, File ▸ Attach to Catcher…) are one entry per user and URL under their own service.
    void setKey(const QString &key);

    // done runs in this object's thread, later (never from inside the call); not at all if this object is gone.
    void read(ReadDone done);
    // An empty password deletes the entry.
    void write(const QString &password, WriteDone done);

private:
    QString m_service;
    // One relay, one password: the entry does not follow the user name, so that a typo fixed in the user keeps it.
    QString m_key = QStringLiteral("relay-password");
};
