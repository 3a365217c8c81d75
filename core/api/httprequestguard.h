#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>

#include <functional>
#include <optional>

// The request line and header fields of one HTTP/1.1 request, as the guard saw them.
struct HttpRequestHead
{
    QByteArray method;
    QByteArray target;
    QList<QPair<QByteArray, QByteArray>> fields; // names as sent, values trimmed

    // The first field of that name (case-insensitive), or a null QByteArray when there is none.
    QByteArray value(QByteArrayView name) const;
    bool has(QByteArrayView name) const;
    // The target's path without the query.
    QByteArray path() const;
};

// Frames the HTTP/1.1 requests of one connection as their bytes arrive (request line, header fields, then a
// Content-Length or chunked body, RFC 9112 §6) without keeping them, so that a request can be refused before the
// HTTP server reads its body: the server in Qt 6.4 buffers a whole body, of any size, before anyone sees it.
// Each head goes to a policy, which refuses it or says how large its body may be. A pure class: bytes in, a
// verdict out (no socket, timer or thread).
class HttpRequestGuard
{
public:
    struct Refusal
    {
        int status = 400;
        QByteArray text;
        // Further header fields of the answer (a 401's WWW-Authenticate), each a fixed name and a value made of
        // validated parts.
        QList<QPair<QByteArray, QByteArray>> fields = {};
    };
    struct Decision
    {
        std::optional<Refusal> refusal; // set: answer with it and close
        qint64 maxBodyBytes = 0;
    };
    using Policy = std::function<Decision(const HttpRequestHead &)>;

    explicit HttpRequestGuard(Policy policy, qsizetype maxHeadBytes = 64 * 1024);

    // Feeds received bytes. Returns the refusal the connection must answer with (then close); the same refusal
    // again for anything fed after it.
    std::optional<Refusal> feed(QByteArrayView bytes);
    // The connection was upgraded (WebSocket): nothing after that head is HTTP.
    bool isUpgraded() const { return m_state == State::Upgraded; }

    // The status line's reason phrase for the codes a refusal uses.
    static QByteArray reasonPhrase(int status);
    // A complete response that answers a refusal and announces the close.
    static QByteArray response(const Refusal &refusal);

private:
    enum class State { Head, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailers, Upgraded, Refused };

    qsizetype feedHead(const char *p, qsizetype n);
    qsizetype feedLine(const char *p, qsizetype n, qsizetype limit, QByteArray *line);
    std::optional<Refusal> startRequest(const QByteArray &head);
    std::optional<Refusal> refuse(int status, const QByteArray &text);

    Policy m_policy;
    qsizetype m_maxHeadBytes;
    State m_state = State::Head;
    QByteArray m_buffer; // the head, chunk-size or trailer line being collected
    qint64 m_remaining = 0; // body or chunk octets still to come
    qint64 m_bodyBytes = 0; // chunked: decoded octets of this request so far
    qint64 m_maxBody = 0;
    Refusal m_refusal;
};
