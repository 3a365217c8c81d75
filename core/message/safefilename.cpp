#include "safefilename.h"

#include <QStringList>

namespace {
// Longest name kept, in UTF-8 bytes: most file systems allow 255.
constexpr qsizetype MaxBytes = 200;

bool isReservedDeviceName(const QString &base)
{
    // Windows device names, also with an extension ("con.txt"): the saved file may be copied there.
    static const QStringList devices { QStringLiteral("con"), QStringLiteral("prn"), QStringLiteral("aux"),
        QStringLiteral("nul"), QStringLiteral("com1"), QStringLiteral("com2"), QStringLiteral("com3"),
        QStringLiteral("com4"), QStringLiteral("com5"), QStringLiteral("com6"), QStringLiteral("com7"),
        QStringLiteral("com8"), QStringLiteral("com9"), QStringLiteral("lpt1"), QStringLiteral("lpt2"),
        QStringLiteral("lpt3"), QStringLiteral("lpt4"), QStringLiteral("lpt5"), QStringLiteral("lpt6"),
        QStringLiteral("lpt7"), QStringLiteral("lpt8"), QStringLiteral("lpt9") };
    return devices.contains(base.section(u'.', 0, 0).trimmed().toLower());
}
} // namespace

QString SafeFileName::sanitized(const QString &name, const QString &fallback)
{
    // Only the last path component: "../../.bashrc" and "C:\evil\x.exe" lose their directories.
    QString base = name;
    const qsizetype slash = qMax(base.lastIndexOf(u'/'), base.lastIndexOf(u'\\'));
    if (slash >= 0) {
        base = base.mid(slash + 1);
    }
    QString out;
    out.reserve(base.size());
    for (const QChar c : std::as_const(base)) {
        if (c.category() == QChar::Other_Control || c.category() == QChar::Other_Format || c == u'\u2028'
            || c == u'\u2029') {
            continue; // control characters, and bidi overrides that disguise an extension ("exe.txt")
        }
        if (QStringView(u"<>:\"|?*").contains(c)) {
            out += u'_';
        } else {
            out += c;
        }
    }
    out = out.simplified();
    // Leading dots would hide the file (or make "." and ".."); trailing dots and spaces vanish on Windows.
    while (out.startsWith(u'.') || out.startsWith(u'-')) {
        out.remove(0, 1);
    }
    while (out.endsWith(u'.') || out.endsWith(u' ')) {
        out.chop(1);
    }
    if (out.isEmpty()) {
        return fallback;
    }
    if (isReservedDeviceName(out)) {
        out.prepend(u'_');
    }
    if (out.toUtf8().size() > MaxBytes) {
        const qsizetype dot = out.lastIndexOf(u'.');
        QString extension = dot > 0 && out.size() - dot <= 16 ? out.mid(dot) : QString();
        QString stem = out.left(out.size() - extension.size());
        while (!stem.isEmpty() && (stem + extension).toUtf8().size() > MaxBytes) {
            stem.chop(1);
            if (!stem.isEmpty() && stem.back().isHighSurrogate()) {
                stem.chop(1);
            }
        }
        out = stem + extension;
    }
    return out;
}
