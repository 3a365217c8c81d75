#include "pgchange.h"

#include <algorithm>
#include <array>

namespace {
constexpr std::array<const char *, 11> KindNames { "stored", "removed", "pruned", "cleared", "read", "tags", "pinned",
    "mailboxes", "refused", "refusedcleared", "indexed" };

bool hasFlag(PgChange::Kind kind)
{
    return kind == PgChange::Kind::Read || kind == PgChange::Kind::Pinned;
}

bool hasCount(PgChange::Kind kind)
{
    return kind == PgChange::Kind::Cleared || kind == PgChange::Kind::RefusedCleared;
}
} // namespace

QList<QByteArray> PgChange::payloads() const
{
    QByteArray head = origin.toLatin1() + ' ' + KindNames.at(size_t(kind));
    if (hasFlag(kind)) {
        head += flag ? " 1" : " 0";
    }
    if (hasCount(kind)) {
        head += ' ' + QByteArray::number(count);
    }
    QList<QByteArray> out;
    QByteArray current = head;
    bool any = false;
    for (const QString &id : ids) {
        const QByteArray word = id.toLatin1();
        if (any && current.size() + 1 + word.size() > MaxPayload) {
            out << current;
            current = head;
            any = false;
        }
        current += ' ' + word;
        any = true;
    }
    out << current;
    return out;
}

std::optional<PgChange> PgChange::parse(const QByteArray &payload)
{
    const QList<QByteArray> words = payload.split(' ');
    if (words.size() < 2) {
        return std::nullopt;
    }
    PgChange change;
    change.origin = QString::fromLatin1(words.at(0));
    const auto kind = std::find(KindNames.begin(), KindNames.end(), words.at(1));
    if (kind == KindNames.end()) {
        return std::nullopt;
    }
    change.kind = Kind(kind - KindNames.begin());
    qsizetype next = 2;
    if (hasFlag(change.kind)) {
        if (words.size() <= next) {
            return std::nullopt;
        }
        change.flag = words.at(next++) == "1";
    }
    if (hasCount(change.kind)) {
        bool ok = false;
        change.count = words.size() > next ? words.at(next++).toLongLong(&ok) : 0;
        if (!ok) {
            return std::nullopt;
        }
    }
    for (; next < words.size(); ++next) {
        if (!words.at(next).isEmpty()) {
            change.ids << QString::fromLatin1(words.at(next));
        }
    }
    return change;
}
