#include "mailboxconfig.h"

#include <rules/jsonlocator.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace {
// What went wrong and where: the path of keys and indexes to the field (for its line and its name).
struct Problem
{
    QStringList path;
    QString text;
};

// "mailboxes[1].routes[0].client" for {"mailboxes", "1", "routes", "0", "client"}.
QString fieldOf(const QStringList &path)
{
    QString field;
    for (const QString &step : path) {
        bool index = false;
        step.toInt(&index);
        if (index) {
            field += u'[' + step + u']';
        } else {
            field += (field.isEmpty() ? QString() : QStringLiteral(".")) + step;
        }
    }
    return field;
}

QString routeFields()
{
    return QStringLiteral("listener, user, recipient, client");
}

// The checks a configuration must pass however it was made (read from JSON or built by an editor).
std::optional<Problem> check(const MailboxConfig &config)
{
    for (qsizetype m = 0; m < config.mailboxes.size(); ++m) {
        const MailboxDefinition &mailbox = config.mailboxes.at(m);
        const QStringList at { QStringLiteral("mailboxes"), QString::number(m) };
        if (!MailboxName::isValid(mailbox.name)) {
            return Problem { at + QStringList { QStringLiteral("name") },
                QStringLiteral("must be 1 to %1 letters, digits, '.', '_' or '-' (and not \".\" or \"..\")")
                    .arg(MailboxName::MaxLength) };
        }
        for (qsizetype earlier = 0; earlier < m; ++earlier) {
            if (MailboxName::same(config.mailboxes.at(earlier).name, mailbox.name)) {
                return Problem { at + QStringList { QStringLiteral("name") },
                    QStringLiteral("\"%1\" is already the name of mailboxes[%2] (names are case-insensitive)")
                        .arg(mailbox.name)
                        .arg(earlier) };
            }
        }
        for (qsizetype r = 0; r < mailbox.routes.size(); ++r) {
            const MailboxRoute &route = mailbox.routes.at(r);
            const QString problem = route.validate();
            if (!problem.isEmpty()) {
                return Problem { at
                        + QStringList { QStringLiteral("routes"), QString::number(r),
                            MailboxRoute::fieldName(route.field) },
                    problem };
            }
        }
    }
    return std::nullopt;
}

std::optional<Problem> readRoute(const QJsonValue &value, const QStringList &at, MailboxRoute *route)
{
    const QString shape = QStringLiteral("must be an object with one of the fields %1").arg(routeFields());
    if (!value.isObject() || value.toObject().isEmpty()) {
        return Problem { at, shape };
    }
    const QJsonObject o = value.toObject();
    bool seen = false;
    for (auto it = o.constBegin(); it != o.constEnd(); ++it) {
        const QStringList here = at + QStringList { it.key() };
        MailboxRoute::Field field;
        if (!MailboxRoute::fieldFromName(it.key(), &field)) {
            return Problem { here, QStringLiteral("unknown field for a route (known: %1)").arg(routeFields()) };
        }
        // CONTRACT "Mailboxes": a route matches on one field; two would leave open whether both must match.
        if (seen) {
            return Problem { here,
                QStringLiteral("a route matches on one field only (make one route per field: any route matching "
                               "sends the message)") };
        }
        if (!it.value().isString()) {
            return Problem { here, QStringLiteral("must be a string") };
        }
        seen = true;
        route->field = field;
        route->pattern = it.value().toString();
    }
    return std::nullopt;
}

std::optional<Problem> readMailbox(const QJsonValue &value, const QStringList &at, MailboxDefinition *mailbox)
{
    if (!value.isObject()) {
        return Problem { at, QStringLiteral("must be an object with a name and its routes") };
    }
    const QJsonObject o = value.toObject();
    for (auto it = o.constBegin(); it != o.constEnd(); ++it) {
        if (it.key() != u"name" && it.key() != u"routes") {
            return Problem { at + QStringList { it.key() },
                QStringLiteral("unknown field for a mailbox (known: name, routes)") };
        }
    }
    const QJsonValue name = o.value(QLatin1String("name"));
    if (name.isUndefined()) {
        return Problem { at + QStringList { QStringLiteral("name") }, QStringLiteral("missing") };
    }
    if (!name.isString()) {
        return Problem { at + QStringList { QStringLiteral("name") }, QStringLiteral("must be a string") };
    }
    mailbox->name = name.toString();
    if (MailboxName::same(mailbox->name, MailboxName::inbox())) {
        mailbox->name = MailboxName::inbox();
    }
    const QJsonValue routes = o.value(QLatin1String("routes"));
    if (routes.isUndefined()) {
        return std::nullopt; // a mailbox without routes: mail reaches it by the API's send or as a per-user mailbox
    }
    if (!routes.isArray()) {
        return Problem { at + QStringList { QStringLiteral("routes") }, QStringLiteral("must be an array of routes") };
    }
    const QJsonArray array = routes.toArray();
    for (qsizetype r = 0; r < array.size(); ++r) {
        MailboxRoute route;
        const std::optional<Problem> problem
            = readRoute(array.at(r), at + QStringList { QStringLiteral("routes"), QString::number(r) }, &route);
        if (problem) {
            return problem;
        }
        mailbox->routes << route;
    }
    return std::nullopt;
}

std::optional<Problem> readConfig(const QJsonObject &root, MailboxConfig *config)
{
    for (auto it = root.constBegin(); it != root.constEnd(); ++it) {
        const QString key = it.key();
        const QStringList here { key };
        if (key == u"version") {
            if (it.value().toInt(-1) != MailboxConfig::Version) {
                return Problem { here, QStringLiteral("must be %1").arg(MailboxConfig::Version) };
            }
        } else if (key == u"perUser") {
            if (!it.value().isBool()) {
                return Problem { here, QStringLiteral("must be true or false") };
            }
            config->perUser = it.value().toBool();
        } else if (key == u"mailboxes") {
            if (!it.value().isArray()) {
                return Problem { here, QStringLiteral("must be an array of mailboxes") };
            }
            const QJsonArray array = it.value().toArray();
            for (qsizetype m = 0; m < array.size(); ++m) {
                MailboxDefinition mailbox;
                const std::optional<Problem> problem
                    = readMailbox(array.at(m), QStringList { key, QString::number(m) }, &mailbox);
                if (problem) {
                    return problem;
                }
                config->mailboxes << mailbox;
            }
        } else {
            return Problem { here, QStringLiteral("unknown field (known: version, perUser, mailboxes)") };
        }
    }
    return check(*config);
}

// One JSON string, quoted and escaped.
QByteArray quoted(const QString &text)
{
    const QByteArray array = QJsonDocument(QJsonArray { text }).toJson(QJsonDocument::Compact);
    return array.mid(1, array.size() - 2);
}
} // namespace

qsizetype MailboxConfig::indexOf(QStringView name) const
{
    for (qsizetype i = 0; i < mailboxes.size(); ++i) {
        if (MailboxName::same(mailboxes.at(i).name, name)) {
            return i;
        }
    }
    return -1;
}

std::optional<MailboxConfig> MailboxConfig::fromJson(const QByteArray &json, QString *error)
{
    const std::optional<QJsonDocument> document = JsonLocator::parse(json, error);
    if (!document) {
        return std::nullopt;
    }
    if (!document->isObject()) {
        *error = QStringLiteral("1: (file): must be a JSON object with version, perUser and mailboxes");
        return std::nullopt;
    }
    MailboxConfig config;
    const std::optional<Problem> problem = readConfig(document->object(), &config);
    if (problem) {
        JsonLocator locator(json);
        *error = QStringLiteral("%1: %2: %3")
                     .arg(locator.lineOf(problem->path))
                     .arg(fieldOf(problem->path), problem->text);
        return std::nullopt;
    }
    return config;
}

QString MailboxConfig::validate() const
{
    const std::optional<Problem> problem = check(*this);
    return problem ? QStringLiteral("%1: %2").arg(fieldOf(problem->path), problem->text) : QString();
}

QByteArray MailboxConfig::toJson() const
{
    // Written by hand rather than through QJsonObject, which sorts keys: the file keeps the README's order (version,
    // perUser, mailboxes; name before routes) and one line per mailbox, as people write it.
    QByteArray out = "{\n    \"version\": " + QByteArray::number(Version)
        + ",\n    \"perUser\": " + (perUser ? "true" : "false") + ",\n    \"mailboxes\": [";
    for (qsizetype m = 0; m < mailboxes.size(); ++m) {
        const MailboxDefinition &mailbox = mailboxes.at(m);
        out += (m ? ",\n" : "\n") + QByteArray("        {\"name\": ") + quoted(mailbox.name) + ", \"routes\": [";
        for (qsizetype r = 0; r < mailbox.routes.size(); ++r) {
            const MailboxRoute &route = mailbox.routes.at(r);
            out += (r ? ", {" : "{") + quoted(MailboxRoute::fieldName(route.field)) + ": " + quoted(route.pattern)
                + '}';
        }
        out += "]}";
    }
    out += mailboxes.isEmpty() ? "]\n}\n" : "\n    ]\n}\n";
    return out;
}
