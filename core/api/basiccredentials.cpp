#include "basiccredentials.h"

std::optional<BasicCredentials> BasicCredentials::fromAuthorization(QByteArrayView value)
{
    // RFC 7617 §2: credentials = "Basic" 1*SP token68; RFC 9110 §11.1: the scheme is case-insensitive.
    value = value.trimmed();
    if (value.size() < 6 || QByteArrayView(value.first(5)).compare("basic", Qt::CaseInsensitive) != 0
        || value[5] != ' ') {
        return std::nullopt;
    }
    const QByteArrayView token = value.sliced(6).trimmed();
    // Credentials are short; anything longer is not a client of ours (and is not decoded).
    if (token.isEmpty() || token.size() > 8192) {
        return std::nullopt;
    }
    const QByteArray::FromBase64Result decoded = QByteArray::fromBase64Encoding(
        token.toByteArray(), QByteArray::Base64Encoding | QByteArray::AbortOnBase64DecodingErrors);
    if (decoded.decodingStatus != QByteArray::Base64DecodingStatus::Ok) {
        return std::nullopt;
    }
    const QByteArray &pair = decoded.decoded;
    const qsizetype colon = pair.indexOf(':');
    if (colon < 0 || pair.contains('\0')) {
        return std::nullopt;
    }
    return BasicCredentials { pair.left(colon), pair.mid(colon + 1) };
}
