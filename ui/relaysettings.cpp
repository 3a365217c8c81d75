#include "relaysettings.h"

#include <QObject>
#include <QRegularExpression>
#include <QSettings>

namespace {
// The values as the command line spells them (--relay-tls, --relay-all/--relay-matching), so the file reads alike.
QString tlsName(RelaySettings::Tls tls)
{
    switch (tls) {
    case RelaySettings::Tls::Required:
        return QStringLiteral("starttls");
    case RelaySettings::Tls::Implicit:
        return QStringLiteral("tls");
    case RelaySettings::Tls::Off:
        return QStringLiteral("off");
    case RelaySettings::Tls::IfOffered:
        break;
    }
    return QStringLiteral("opportunistic");
}

RelaySettings::Tls tlsFromName(const QString &name)
{
    if (name == u"starttls") {
        return RelaySettings::Tls::Required;
    }
    if (name == u"tls") {
        return RelaySettings::Tls::Implicit;
    }
    if (name == u"off") {
        return RelaySettings::Tls::Off;
    }
    return RelaySettings::Tls::IfOffered;
}

QString autoRelayName(RelaySettings::AutoRelay autoRelay)
{
    switch (autoRelay) {
    case RelaySettings::AutoRelay::All:
        return QStringLiteral("all");
    case RelaySettings::AutoRelay::Matching:
        return QStringLiteral("matching");
    case RelaySettings::AutoRelay::Off:
        break;
    }
    return QStringLiteral("off");
}

RelaySettings::AutoRelay autoRelayFromName(const QString &name)
{
    if (name == u"all") {
        return RelaySettings::AutoRelay::All;
    }
    if (name == u"matching") {
        return RelaySettings::AutoRelay::Matching;
    }
    return RelaySettings::AutoRelay::Off;
}
} // namespace

bool RelaySettings::validate(QString *error) const
{
    if (port < 1 || port > 65535) {
        *error = QObject::tr("relay port %1 is out of range").arg(port);
        return false;
    }
    if (autoRelay != AutoRelay::Off && !isConfigured()) {
        *error = QObject::tr("auto-relay needs a relay server");
        return false;
    }
    if (autoRelay == AutoRelay::Matching) {
        if (matching.isEmpty()) {
            *error = QObject::tr("give the expression recipients to relay must match");
            return false;
        }
        const QRegularExpression expression(matching, QRegularExpression::CaseInsensitiveOption);
        if (!expression.isValid()) {
            *error = QObject::tr("relay matching expression: %1 at offset %2")
                         .arg(expression.errorString())
                         .arg(expression.patternErrorOffset());
            return false;
        }
    }
    return true;
}

RelayConfig RelaySettings::toConfig(const QString &password, const QString &heloName) const
{
    RelayConfig config;
    if (!isConfigured()) {
        return config;
    }
    config.client.servers = { SmtpServerAddress { host.trimmed(), quint16(port) } };
    switch (tls) {
    case Tls::IfOffered:
        config.client.tls = SmtpTlsMode::Opportunistic;
        break;
    case Tls::Required:
        config.client.tls = SmtpTlsMode::StartTls;
        break;
    case Tls::Implicit:
        config.client.tls = SmtpTlsMode::Implicit;
        break;
    case Tls::Off:
        config.client.tls = SmtpTlsMode::Off;
        break;
    }
    config.client.verifyCertificate = !insecure;
    config.client.heloName = heloName;
    if (!user.isEmpty()) {
        config.client.username = user;
        config.client.password = password;
    }
    switch (autoRelay) {
    case AutoRelay::Off:
        config.autoRelay = RelayConfig::AutoRelay::Off;
        break;
    case AutoRelay::All:
        config.autoRelay = RelayConfig::AutoRelay::All;
        break;
    case AutoRelay::Matching:
        config.autoRelay = RelayConfig::AutoRelay::Matching;
        // CONTRACT "Relay, auto-relay and the SMTP client": a case-insensitive search, as --relay-matching.
        config.matching = QRegularExpression(matching, QRegularExpression::CaseInsensitiveOption);
        break;
    }
    return config;
}

RelaySettings RelaySettings::load(QSettings &settings)
{
    RelaySettings s;
    settings.beginGroup(QStringLiteral("relay"));
    s.host = settings.value(QStringLiteral("host"), s.host).toString();
    s.port = settings.value(QStringLiteral("port"), s.port).toInt();
    s.tls = tlsFromName(settings.value(QStringLiteral("tls")).toString());
    s.insecure = settings.value(QStringLiteral("insecure"), s.insecure).toBool();
    s.user = settings.value(QStringLiteral("user"), s.user).toString();
    s.autoRelay = autoRelayFromName(settings.value(QStringLiteral("autoRelay")).toString());
    s.matching = settings.value(QStringLiteral("matching"), s.matching).toString();
    settings.endGroup();
    return s;
}

void RelaySettings::save(QSettings &settings) const
{
    settings.beginGroup(QStringLiteral("relay"));
    settings.setValue(QStringLiteral("host"), host);
    settings.setValue(QStringLiteral("port"), port);
    settings.setValue(QStringLiteral("tls"), tlsName(tls));
    settings.setValue(QStringLiteral("insecure"), insecure);
    settings.setValue(QStringLiteral("user"), user);
    settings.setValue(QStringLiteral("autoRelay"), autoRelayName(autoRelay));
    settings.setValue(QStringLiteral("matching"), matching);
    settings.endGroup();
}
