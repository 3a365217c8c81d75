#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

struct MessageBuilder;

// The body of POST /api/v1/send, Mailpit's SendRequest, read into a MessageBuilder:
// {"From": {"Email", "Name"}, "To": [{"Email", "Name"}], "Cc": [...], "Bcc": ["a@b"], "ReplyTo": [...],
//  "Subject", "Text", "HTML", "Headers": {name: value}, "Tags": [...],
//  "Attachments": [{"Content": base64, "Filename", "ContentType", "ContentID"}]}.
// As Mailpit (Go's encoding/json) reads it: field names match case-insensitively, null is an absent field, unknown
// fields are ignored; an address is an object or a bare address string, an address list a list of those or one of
// them. Content may be a data: URL ("data:image/png;base64,…"), as a browser's readAsDataURL() gives it.
class SendRequest
{
public:
    // nullopt and *error (the text of the 400's {"Error": …}) when the body is no JSON object, a field has the
    // wrong type, or an attachment's Content is not base64. What the message itself lacks (no From, no recipient,
    // a bad address) is MessageBuilder::build()'s to say.
    static std::optional<MessageBuilder> parse(const QByteArray &json, QString *error);
};
