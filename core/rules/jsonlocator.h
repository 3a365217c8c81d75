#pragma once

#include <QByteArray>
#include <QJsonDocument>
#include <QStringList>

#include <optional>

// Where a value sits in the JSON text, for the errors of the files users write by hand (the rules file, the mailboxes
// file): "LINE: field: problem", all or nothing (README "Command line"). A small scanner that walks the document
// along a path of object keys and array indexes and returns the 1-based line of the value it reaches (or of the
// nearest enclosing value when the path ends early, e.g. at a missing field).
class JsonLocator
{
public:
    explicit JsonLocator(const QByteArray &json) : m_json(json) { }

    // The document, or nullopt and *error "LINE: (file): problem" when the text is no JSON at all.
    static std::optional<QJsonDocument> parse(const QByteArray &json, QString *error);

    int lineOf(const QStringList &path);

private:
    int lineAt(qsizetype pos) const;
    // Past one member or element and the comma after it.
    void skipElement();
    void skipSpace();
    QString readString();
    void skipValue();

    const QByteArray &m_json;
    qsizetype m_pos = 0;
};
