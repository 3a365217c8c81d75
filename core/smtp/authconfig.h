#pragma once

#include <QByteArray>
#include <QHash>
#include <QString>

#include <memory>

// How AUTH behaves (README "Command line": --auth any|off|FILE). Cheap to copy: the credentials are shared.
class AuthConfig
{
public:
    enum class Mode { Any, Off, File };

    AuthConfig() = default;
    static AuthConfig any();
    static AuthConfig off();
    static AuthConfig fromCredentials(QHash<QByteArray, QByteArray> passwords);
    // Reads "user:password" lines; blank lines and lines starting with '#' are skipped.
    // On failure returns false and sets errorString to "FILE:LINE: problem" or "FILE: problem".
    bool loadFile(const QString &fileName);
    QString errorString() const { return m_errorString; }

    Mode mode() const { return m_mode; }
    bool isOffered() const { return m_mode != Mode::Off; }
    bool isRequired() const { return m_mode == Mode::File; }
    // Whether user may log in with password. Mode::Any accepts everything.
    bool check(const QByteArray &user, const QByteArray &password) const;
    // CRAM-MD5 (RFC 2195): digest is the lower-case hex HMAC-MD5 of challenge keyed with the password.
    bool checkCramMd5(const QByteArray &user, const QByteArray &challenge, const QByteArray &hexDigest) const;

private:
    // The password stored for user (Mode::File only), or null.
    const QByteArray *passwordOf(const QByteArray &user) const;

    Mode m_mode = Mode::Any;
    std::shared_ptr<const QHash<QByteArray, QByteArray>> m_passwords;
    QString m_errorString;
};
