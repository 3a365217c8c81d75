#include "httprequestguard.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace {
// A chunk-size line (RFC 9112 §7.1) is a hex number and extensions; anything longer is not a client of ours.
constexpr qsizetype MaxChunkLine = 1024;

// RFC 9110 §5.6.2: tchar.
bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool isToken(QByteArrayView text)
{
    if (text.isEmpty()) {
        return false;
    }
    for (char c : text) {
        if (!isTokenChar(c)) {
            return false;
        }
    }
    return true;
}

// The comma-separated list of a field value contains token (case-insensitive), as "Connection: keep-alive, Upgrade".
bool listContains(const QByteArray &value, QByteArrayView token)
{
    for (const QByteArray &item : value.split(',')) {
        if (item.trimmed().compare(token, Qt::CaseInsensitive) == 0) {
            return true;
        }
    }
    return false;
}
} // namespace

QByteArray HttpRequestHead::value(QByteArrayView name) const
{
    for (const auto &[fieldName, fieldValue] : fields) {
        if (fieldName.compare(name, Qt::CaseInsensitive) == 0) {
            return fieldValue.isNull() ? QByteArray("") : fieldValue;
        }
    }
    return QByteArray();
}

bool HttpRequestHead::has(QByteArrayView name) const
{
    return !value(name).isNull();
}

QByteArray HttpRequestHead::path() const
{
    const qsizetype query = target.indexOf('?');
    return query < 0 ? target : target.left(query);
}

HttpRequestGuard::HttpRequestGuard(Policy policy, qsizetype maxHeadBytes)
    : m_policy(std::move(policy)), m_maxHeadBytes(maxHeadBytes)
{
}

std::optional<HttpRequestGuard::Refusal> HttpRequestGuard::feed(QByteArrayView bytes)
{
    const char *p = bytes.data();
    qsizetype n = bytes.size();
    while (n > 0) {
        if (m_state == State::Refused) {
            return m_refusal;
        }
        qsizetype used = 0;
        switch (m_state) {
        case State::Head:
            used = feedHead(p, n);
            break;
        case State::Body: {
            used = qsizetype(qMin<qint64>(m_remaining, n));
            m_remaining -= used;
            if (m_remaining == 0) {
                m_state = State::Head;
            }
            break;
        }
        case State::ChunkSize: {
            QByteArray line;
            used = feedLine(p, n, MaxChunkLine, &line);
            if (m_state == State::Refused || line.isNull()) {
                break;
            }
            // RFC 9112 §7.1: chunk-size [ chunk-ext ] CRLF; the size is hex digits.
            const qsizetype extension = line.indexOf(';');
            const QByteArray digits = (extension < 0 ? line : line.left(extension)).trimmed();
            bool ok = !digits.isEmpty() && digits.size() <= 15;
            const qint64 size = ok ? digits.toLongLong(&ok, 16) : -1;
            if (!ok || size < 0) {
                refuse(400, "malformed chunk size in the request body");
                break;
            }
            if (size == 0) {
                m_state = State::Trailers;
                break;
            }
            m_bodyBytes += size;
            if (m_bodyBytes > m_maxBody) {
                refuse(413, "request body too large: at most " + QByteArray::number(m_maxBody) + " bytes");
                break;
            }
            m_remaining = size;
            m_state = State::ChunkData;
            break;
        }
        case State::ChunkData:
            used = qsizetype(qMin<qint64>(m_remaining, n));
            m_remaining -= used;
            if (m_remaining == 0) {
                m_state = State::ChunkDataEnd;
            }
            break;
        case State::ChunkDataEnd: {
            QByteArray line;
            used = feedLine(p, n, 2, &line);
            if (m_state == State::Refused || line.isNull()) {
                break;
            }
            if (!line.isEmpty()) {
                refuse(400, "malformed chunked request body");
                break;
            }
            m_state = State::ChunkSize;
            break;
        }
        case State::Trailers: {
            QByteArray line;
            used = feedLine(p, n, m_maxHeadBytes, &line);
            if (m_state == State::Refused || line.isNull()) {
                break;
            }
            if (line.isEmpty()) {
                m_state = State::Head;
            }
            break;
        }
        case State::Upgraded:
            return std::nullopt;
        case State::Refused:
            break;
        }
        if (m_state == State::Refused) {
            return m_refusal;
        }
        p += used;
        n -= used;
        if (used == 0) {
            break;
        }
    }
    return m_state == State::Refused ? std::optional<Refusal>(m_refusal) : std::nullopt;
}

qsizetype HttpRequestGuard::feedHead(const char *p, qsizetype n)
{
    // RFC 9112 §2.2: empty lines before a request line are ignored.
    qsizetype skipped = 0;
    if (m_buffer.isEmpty()) {
        while (skipped < n && (p[skipped] == '\r' || p[skipped] == '\n')) {
            ++skipped;
        }
        p += skipped;
        n -= skipped;
        if (n == 0) {
            return skipped;
        }
    }
    const qsizetype before = m_buffer.size();
    // Never keep more than the limit (plus the three octets a terminator may straddle).
    const qsizetype room = qMax<qsizetype>(0, m_maxHeadBytes + 4 - before);
    m_buffer.append(p, qMin(n, room));
    // The head ends at the first empty line: CRLF CRLF, or LF LF from lenient clients.
    const qsizetype from = qMax<qsizetype>(0, before - 3);
    qsizetype end = -1;
    for (qsizetype i = from; i + 1 < m_buffer.size(); ++i) {
        if (m_buffer[i] != '\n') {
            continue;
        }
        if (m_buffer[i + 1] == '\n') {
            end = i + 2;
            break;
        }
        if (m_buffer[i + 1] == '\r' && i + 2 < m_buffer.size() && m_buffer[i + 2] == '\n') {
            end = i + 3;
            break;
        }
    }
    if (end < 0) {
        if (m_buffer.size() > m_maxHeadBytes) {
            refuse(431, "request header fields too large: at most " + QByteArray::number(m_maxHeadBytes) + " bytes");
        }
        return skipped + qMin(n, room);
    }
    if (end > m_maxHeadBytes) {
        refuse(431, "request header fields too large: at most " + QByteArray::number(m_maxHeadBytes) + " bytes");
        return skipped + n;
    }
    const QByteArray head = m_buffer.left(end);
    m_buffer.clear();
    if (const std::optional<Refusal> refusal = startRequest(head)) {
        refuse(refusal->status, refusal->text);
        m_refusal.fields = refusal->fields;
    }
    return skipped + (end - before);
}

qsizetype HttpRequestGuard::feedLine(const char *p, qsizetype n, qsizetype limit, QByteArray *line)
{
    const auto *lf = static_cast<const char *>(std::memchr(p, '\n', size_t(n)));
    const qsizetype take = lf ? (lf - p) + 1 : n;
    if (m_buffer.size() + take > limit + 2) {
        refuse(400, "malformed request body framing");
        return take;
    }
    m_buffer.append(p, take);
    if (!lf) {
        *line = QByteArray();
        return take;
    }
    QByteArray complete = std::exchange(m_buffer, QByteArray());
    complete.chop(1);
    if (complete.endsWith('\r')) {
        complete.chop(1);
    }
    *line = complete.isNull() ? QByteArray("") : complete;
    return take;
}

std::optional<HttpRequestGuard::Refusal> HttpRequestGuard::startRequest(const QByteArray &head)
{
    QList<QByteArray> lines = head.split('\n');
    for (QByteArray &line : lines) {
        if (line.endsWith('\r')) {
            line.chop(1);
        }
    }
    while (!lines.isEmpty() && lines.last().isEmpty()) {
        lines.removeLast();
    }
    // RFC 9112 §3: method SP request-target SP HTTP-version.
    const QList<QByteArray> requestLine = lines.value(0).split(' ');
    if (requestLine.size() != 3 || !isToken(requestLine[0]) || requestLine[1].isEmpty()
        || !requestLine[2].startsWith("HTTP/1.")) {
        return Refusal { 400, "malformed HTTP request line" };
    }
    HttpRequestHead request;
    request.method = requestLine[0];
    request.target = requestLine[1];
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray &line = lines[i];
        const qsizetype colon = line.indexOf(':');
        // RFC 9112 §5.2: obsolete line folding may be refused with 400, and so may a field name with whitespace.
        if (colon <= 0 || !isToken(QByteArrayView(line).first(colon))) {
            return Refusal { 400, "malformed HTTP header field" };
        }
        request.fields.append({ line.left(colon), line.mid(colon + 1).trimmed() });
    }
    if (request.method == "CONNECT") {
        return Refusal { 405, "method not allowed" };
    }
    // RFC 9112 §3.2: more than one Host field line is a 400 (a policy that reads the first could be told another
    // name than the HTTP server uses).
    const auto hosts
        = std::count_if(request.fields.cbegin(), request.fields.cend(), [](const QPair<QByteArray, QByteArray> &field) {
              return field.first.compare("host", Qt::CaseInsensitive) == 0;
          });
    if (hosts > 1) {
        return Refusal { 400, "more than one Host header field" };
    }
    const Decision decision = m_policy ? m_policy(request) : Decision {};
    if (decision.refusal) {
        return decision.refusal;
    }
    m_maxBody = decision.maxBodyBytes;
    m_bodyBytes = 0;

    // RFC 9110 §7.8: the connection switches protocols after this head (the HTTP server hands it to its
    // WebSocket server); nothing after it is an HTTP request.
    if (request.has("upgrade") && listContains(request.value("connection"), "upgrade")) {
        m_state = State::Upgraded;
        return std::nullopt;
    }
    const bool hasLength = request.has("content-length");
    if (request.has("transfer-encoding")) {
        // RFC 9112 §6.1: both is a framing conflict (request smuggling); only "chunked" last frames a request.
        if (hasLength) {
            return Refusal { 400, "both Transfer-Encoding and Content-Length" };
        }
        const QList<QByteArray> codings = request.value("transfer-encoding").split(',');
        if (codings.last().trimmed().compare("chunked", Qt::CaseInsensitive) != 0) {
            return Refusal { 400, "unsupported transfer coding" };
        }
        m_state = State::ChunkSize;
        return std::nullopt;
    }
    if (!hasLength) {
        m_state = State::Head; // RFC 9112 §6.3: no body
        return std::nullopt;
    }
    QByteArray length;
    for (const auto &[name, value] : std::as_const(request.fields)) {
        if (name.compare("content-length", Qt::CaseInsensitive) != 0) {
            continue;
        }
        // RFC 9110 §8.6: 1*DIGIT; differing repeated values are an error.
        if (!length.isNull() && value != length) {
            return Refusal { 400, "conflicting Content-Length values" };
        }
        length = value;
    }
    bool digits = !length.isEmpty() && length.size() <= 18;
    for (char c : std::as_const(length)) {
        digits = digits && c >= '0' && c <= '9';
    }
    if (!digits) {
        return Refusal { 400, "invalid Content-Length" };
    }
    const qint64 size = length.toLongLong();
    if (size > m_maxBody) {
        return Refusal { 413, "request body too large: at most " + QByteArray::number(m_maxBody) + " bytes" };
    }
    m_remaining = size;
    m_state = size > 0 ? State::Body : State::Head;
    return std::nullopt;
}

std::optional<HttpRequestGuard::Refusal> HttpRequestGuard::refuse(int status, const QByteArray &text)
{
    m_state = State::Refused;
    m_refusal = Refusal { status, text };
    m_buffer = QByteArray();
    return m_refusal;
}

QByteArray HttpRequestGuard::reasonPhrase(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 405:
        return "Method Not Allowed";
    case 413:
        return "Content Too Large";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    default:
        return "Error";
    }
}

QByteArray HttpRequestGuard::response(const Refusal &refusal)
{
    const QByteArray body = refusal.text + '\n';
    QByteArray fields;
    for (const auto &[name, value] : refusal.fields) {
        fields += name + ": " + value + "\r\n";
    }
    return "HTTP/1.1 " + QByteArray::number(refusal.status) + ' ' + reasonPhrase(refusal.status)
        + "\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n" + fields
        + "Content-Length: " + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}
