#include "jsonlocator.h"

#include <QByteArrayView>
#include <QJsonArray>

std::optional<QJsonDocument> JsonLocator::parse(const QByteArray &json, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        // Qt's offset is where its scanner stopped, often past the line break after the faulty token ("tru\n}"
        // stops at the brace); the line to name is the one of the last text before it.
        qsizetype end = qMin(qsizetype(parseError.offset), json.size());
        while (end > 0 && QByteArrayView(" \t\r\n").contains(json.at(end - 1))) {
            --end;
        }
        const int line = int(json.left(end).count('\n')) + 1;
        *error = QStringLiteral("%1: (file): %2").arg(line).arg(parseError.errorString());
        return std::nullopt;
    }
    return document;
}

int JsonLocator::lineOf(const QStringList &path)
{
    m_pos = 0;
    skipSpace();
    int line = lineAt(m_pos);
    for (const QString &step : path) {
        if (m_pos >= m_json.size()) {
            break;
        }
        const char open = m_json.at(m_pos);
        bool found = false;
        if (open == '{') {
            ++m_pos;
            while (skipSpace(), m_pos < m_json.size() && m_json.at(m_pos) != '}') {
                const QString key = readString();
                skipSpace();
                ++m_pos; // ':'
                skipSpace();
                if (key == step) {
                    found = true;
                    break;
                }
                skipElement();
            }
        } else if (open == '[') {
            bool ok = false;
            const int index = step.toInt(&ok);
            ++m_pos;
            for (int i = 0; ok && (skipSpace(), m_pos < m_json.size()) && m_json.at(m_pos) != ']'; ++i) {
                if (i == index) {
                    found = true;
                    break;
                }
                skipElement();
            }
        }
        if (!found) {
            break;
        }
        line = lineAt(m_pos);
    }
    return line;
}

int JsonLocator::lineAt(qsizetype pos) const
{
    return int(m_json.left(pos).count('\n')) + 1;
}

void JsonLocator::skipElement()
{
    skipValue();
    skipSpace();
    if (m_pos < m_json.size() && m_json.at(m_pos) == ',') {
        ++m_pos;
    }
}

void JsonLocator::skipSpace()
{
    while (m_pos < m_json.size() && QByteArrayView(" \t\r\n").contains(m_json.at(m_pos))) {
        ++m_pos;
    }
}

QString JsonLocator::readString()
{
    if (m_pos >= m_json.size() || m_json.at(m_pos) != '"') {
        return {};
    }
    const qsizetype start = m_pos;
    ++m_pos;
    while (m_pos < m_json.size() && m_json.at(m_pos) != '"') {
        m_pos += m_json.at(m_pos) == '\\' ? 2 : 1;
    }
    ++m_pos;
    return QJsonDocument::fromJson("[" + m_json.mid(start, m_pos - start) + "]").array().at(0).toString();
}

void JsonLocator::skipValue()
{
    skipSpace();
    if (m_pos >= m_json.size()) {
        return;
    }
    const char c = m_json.at(m_pos);
    if (c == '"') {
        readString();
    } else if (c == '{' || c == '[') {
        int depth = 0;
        while (m_pos < m_json.size()) {
            const char d = m_json.at(m_pos);
            if (d == '"') {
                readString();
                continue;
            }
            depth += (d == '{' || d == '[') ? 1 : (d == '}' || d == ']') ? -1 : 0;
            ++m_pos;
            if (depth == 0) {
                return;
            }
        }
    } else {
        while (m_pos < m_json.size() && !QByteArrayView(",}] \t\r\n").contains(m_json.at(m_pos))) {
            ++m_pos;
        }
    }
}
