#include "messageschemehandler.h"

#include <QBuffer>
#include <QUrl>
#include <QWebEngineUrlRequestJob>
#include <QWebEngineUrlScheme>

void MessageSchemeHandler::registerSchemes()
{
    QWebEngineUrlScheme body(BodyScheme);
    body.setSyntax(QWebEngineUrlScheme::Syntax::Path);
    // The body may show its own cid: parts (a local scheme), and nothing may treat it as a web origin.
    body.setFlags(QWebEngineUrlScheme::SecureScheme | QWebEngineUrlScheme::LocalAccessAllowed
        | QWebEngineUrlScheme::ContentSecurityPolicyIgnored);
    QWebEngineUrlScheme::registerScheme(body);
    QWebEngineUrlScheme cid(CidScheme);
    cid.setSyntax(QWebEngineUrlScheme::Syntax::Path);
    cid.setFlags(QWebEngineUrlScheme::SecureScheme | QWebEngineUrlScheme::LocalScheme);
    QWebEngineUrlScheme::registerScheme(cid);
}

QUrl MessageSchemeHandler::bodyUrl(const QString &messageId)
{
    return QUrl(QStringLiteral("%1:%2/body.html").arg(QLatin1String(BodyScheme), messageId));
}

MessageSchemeHandler::MessageSchemeHandler(QObject *parent) : QWebEngineUrlSchemeHandler(parent)
{
}

void MessageSchemeHandler::setContent(const MessageContent &content)
{
    m_content = content;
}

int MessageSchemeHandler::servedCount(const QString &scheme) const
{
    return m_served.value(scheme);
}

void MessageSchemeHandler::requestStarted(QWebEngineUrlRequestJob *job)
{
    const QUrl url = job->requestUrl();
    QByteArray type;
    QByteArray bytes;
    if (url.scheme() == QLatin1String(BodyScheme)) {
        if (url.path() != m_content.stored.summary.id + QStringLiteral("/body.html")) {
            job->fail(QWebEngineUrlRequestJob::UrlNotFound);
            return;
        }
        type = "text/html; charset=utf-8";
        bytes = m_content.parsed.html.toUtf8();
    } else {
        // RFC 2392: cid:CONTENT-ID, percent-encoded.
        const QString cid = QUrl::fromPercentEncoding(url.path(QUrl::FullyEncoded).toLatin1());
        const auto part = m_content.cidParts.constFind(cid);
        if (part == m_content.cidParts.constEnd()) {
            job->fail(QWebEngineUrlRequestJob::UrlNotFound);
            return;
        }
        type = part->contentType.toLatin1();
        bytes = part->bytes;
    }
    ++m_served[url.scheme()];
    auto *buffer = new QBuffer(job);
    buffer->setData(bytes);
    buffer->open(QIODevice::ReadOnly);
    job->reply(type, buffer);
}
