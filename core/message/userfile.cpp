#include "userfile.h"

#include <QFile>

std::optional<QList<UserFileLine>> UserFile::read(const QString &fileName, const QString &expected, QString *error)
{
    QFile file(fileName);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1: %2").arg(fileName, file.errorString());
        return std::nullopt;
    }
    QList<UserFileLine> lines;
    int number = 0;
    while (!file.atEnd()) {
        QByteArray line = file.readLine();
        ++number;
        while (line.endsWith('\n') || line.endsWith('\r')) {
            line.chop(1);
        }
        if (line.trimmed().isEmpty() || line.startsWith('#')) {
            continue;
        }
        const qsizetype colon = line.indexOf(':');
        if (colon < 0) {
            *error = QStringLiteral("%1:%2: expected %3").arg(fileName).arg(number).arg(expected);
            return std::nullopt;
        }
        if (colon == 0) {
            *error = QStringLiteral("%1:%2: empty user name").arg(fileName).arg(number);
            return std::nullopt;
        }
        lines.append({ number, line.left(colon), line.mid(colon + 1) });
    }
    if (file.error() != QFileDevice::NoError) {
        *error = QStringLiteral("%1: %2").arg(fileName, file.errorString());
        return std::nullopt;
    }
    return lines;
}
