#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

// One "user:secret" line of a users file: its line number, the user (before the first ':', never empty) and the
// rest of the line as written.
struct UserFileLine
{
    int number = 0;
    QByteArray user;
    QByteArray secret;
};

// The files of "user:secret" lines: the mail listeners' --auth file and the API's --api-auth file. Blank lines and
// lines starting with '#' are skipped; lines end in LF or CRLF. The first ':' ends the user (RFC 7617 §2: a user-id
// with ':' cannot be sent; README "Command line": the password is everything after it).
class UserFile
{
public:
    // The file's lines; nullopt and *error ("FILE: why" or "FILE:LINE: why") when it cannot be read, or a line has
    // no ':' (expected names the form, "user:password") or an empty user.
    static std::optional<QList<UserFileLine>> read(const QString &fileName, const QString &expected, QString *error);
};
