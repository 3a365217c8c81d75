#include "appsettings.h"

#include <api/apiserver.h>

#include <QSettings>

#include <tuple>

AppSettings AppSettings::load(QSettings &settings)
{
    AppSettings s;
    s.smtp = settings.value(QStringLiteral("smtp"), s.smtp).toString();
    s.smtps = settings.value(QStringLiteral("smtps"), s.smtps).toString();
    s.pop3 = settings.value(QStringLiteral("pop3"), s.pop3).toString();
    s.pop3s = settings.value(QStringLiteral("pop3s"), s.pop3s).toString();
    s.imap = settings.value(QStringLiteral("imap"), s.imap).toString();
    s.imaps = settings.value(QStringLiteral("imaps"), s.imaps).toString();
    s.api = settings.value(QStringLiteral("api"), s.api).toString();
    s.apiHosts = settings.value(QStringLiteral("apiHosts"), s.apiHosts).toString();
    s.apiAuth = settings.value(QStringLiteral("apiAuth"), s.apiAuth).toString();
    s.apiTlsCert = settings.value(QStringLiteral("apiTlsCert"), s.apiTlsCert).toString();
    s.apiTlsKey = settings.value(QStringLiteral("apiTlsKey"), s.apiTlsKey).toString();
    s.maxMessageSize = settings.value(QStringLiteral("maxMessageSize"), s.maxMessageSize).toLongLong();
    s.maxMessages = settings.value(QStringLiteral("maxMessages"), s.maxMessages).toLongLong();
    s.auth = settings.value(QStringLiteral("auth"), s.auth).toString();
    s.notifications = settings.value(QStringLiteral("notifications"), s.notifications).toBool();
    s.trayIcon = settings.value(QStringLiteral("trayIcon"), s.trayIcon).toBool();
    s.closeToTray = settings.value(QStringLiteral("closeToTray"), s.closeToTray).toBool();
    s.relay = RelaySettings::load(settings);
    return s;
}

void AppSettings::save(QSettings &settings) const
{
    settings.setValue(QStringLiteral("smtp"), smtp);
    settings.setValue(QStringLiteral("smtps"), smtps);
    settings.setValue(QStringLiteral("pop3"), pop3);
    settings.setValue(QStringLiteral("pop3s"), pop3s);
    settings.setValue(QStringLiteral("imap"), imap);
    settings.setValue(QStringLiteral("imaps"), imaps);
    settings.setValue(QStringLiteral("api"), api);
    settings.setValue(QStringLiteral("apiHosts"), apiHosts);
    settings.setValue(QStringLiteral("apiAuth"), apiAuth);
    settings.setValue(QStringLiteral("apiTlsCert"), apiTlsCert);
    settings.setValue(QStringLiteral("apiTlsKey"), apiTlsKey);
    settings.setValue(QStringLiteral("maxMessageSize"), maxMessageSize);
    settings.setValue(QStringLiteral("maxMessages"), maxMessages);
    settings.setValue(QStringLiteral("auth"), auth);
    settings.setValue(QStringLiteral("notifications"), notifications);
    settings.setValue(QStringLiteral("trayIcon"), trayIcon);
    settings.setValue(QStringLiteral("closeToTray"), closeToTray);
    relay.save(settings);
}

bool AppSettings::toConfig(const CatcherConfig &base, CatcherConfig *config, QString *error) const
{
    CatcherConfig c = base;
    c.smtp.clear();
    for (const QString &part : smtp.split(u',', Qt::SkipEmptyParts)) {
        ListenAddress address;
        QString why;
        if (!ListenAddress::parse(part.trimmed(), &address, &why)) {
            *error = QObject::tr("SMTP address '%1': %2").arg(part.trimmed(), why);
            return false;
        }
        c.smtp << address;
    }
    if (c.smtp.isEmpty()) {
        *error = QObject::tr("give at least one SMTP address");
        return false;
    }
    // CONTRACT "Command line" and "POP3 and IMAP": --smtps, --pop3, --pop3s, --imap and --imaps, off unless given;
    // the same address forms as --smtp.
    for (const auto &[text, list, name] : { std::tuple { &smtps, &c.smtps, QStringLiteral("SMTPS") },
             std::tuple { &pop3, &c.pop3, QStringLiteral("POP3") },
             std::tuple { &pop3s, &c.pop3s, QStringLiteral("POP3S") },
             std::tuple { &imap, &c.imap, QStringLiteral("IMAP") },
             std::tuple { &imaps, &c.imaps, QStringLiteral("IMAPS") } }) {
        list->clear();
        for (const QString &part : text->split(u',', Qt::SkipEmptyParts)) {
            ListenAddress address;
            QString why;
            if (!ListenAddress::parse(part.trimmed(), &address, &why)) {
                *error = QObject::tr("%1 address '%2': %3").arg(name, part.trimmed(), why);
                return false;
            }
            *list << address;
        }
    }
    if (!c.smtps.isEmpty() && !c.tlsCertificate) {
        *error = QObject::tr("SMTPS needs a TLS certificate, and this catcher has none");
        return false;
    }
    if (!c.pop3s.isEmpty() && !c.tlsCertificate) {
        *error = QObject::tr("POP3S needs a TLS certificate, and this catcher has none");
        return false;
    }
    if (!c.imaps.isEmpty() && !c.tlsCertificate) {
        *error = QObject::tr("IMAPS needs a TLS certificate, and this catcher has none");
        return false;
    }
    if (api.trimmed() == u"off") {
        c.api.reset();
    } else {
        ListenAddress address;
        QString why;
        if (!ListenAddress::parse(api.trimmed(), &address, &why)) {
            *error = QObject::tr("API address '%1': %2").arg(api.trimmed(), why);
            return false;
        }
        c.api = address;
    }
    c.apiHosts.clear();
    for (const QString &part : apiHosts.split(u',', Qt::SkipEmptyParts)) {
        if (!ApiServer::isHostName(part.trimmed())) {
            *error = QObject::tr("API host name '%1' is not a DNS name or an IP address").arg(part.trimmed());
            return false;
        }
        c.apiHosts << part.trimmed();
    }
    // CONTRACT "Team store, API access and remote attach": --api-auth and --api-tls-cert/--api-tls-key. The users
    // file is read again each time the settings are applied.
    c.apiAuth = ApiAuthFile();
    if (!apiAuth.trimmed().isEmpty()) {
        ApiAuthFile users;
        if (!users.load(apiAuth.trimmed())) {
            *error = QObject::tr("API users file: %1").arg(users.errorString());
            return false;
        }
        c.apiAuth = users;
    }
    c.apiTls.reset();
    if (apiTlsCert.trimmed().isEmpty() != apiTlsKey.trimmed().isEmpty()) {
        *error = QObject::tr("API certificate: HTTPS needs both the certificate and its private key");
        return false;
    }
    if (!apiTlsCert.trimmed().isEmpty()) {
        QString why = QObject::tr("this catcher cannot load certificates");
        c.apiTls = c.loadCertificatePair ? c.loadCertificatePair(apiTlsCert.trimmed(), apiTlsKey.trimmed(), &why)
                                         : std::nullopt;
        if (!c.apiTls) {
            *error = QObject::tr("API certificate: %1").arg(why);
            return false;
        }
    }
    if (maxMessageSize < 1) {
        *error = QObject::tr("the maximum message size must be at least 1 byte");
        return false;
    }
    c.session.maxMessageSize = maxMessageSize;
    if (auth == u"any") {
        c.session.auth = AuthConfig::any();
    } else if (auth == u"off") {
        c.session.auth = AuthConfig::off();
    } else {
        AuthConfig file;
        if (!file.loadFile(auth)) {
            *error = QObject::tr("credentials file: %1").arg(file.errorString());
            return false;
        }
        c.session.auth = file;
    }
    if (!relay.validate(error)) {
        return false;
    }
    *config = c;
    return true;
}
