#pragma once

#include "mailaddress.h"

#include <QMetaType>
#include <QString>
#include <QStringList>

// The list-view facts of a stored message, taken from its envelope and its parsed headers at ingest.
struct MessageSummary
{
    QString id; // the API ID
    qint64 receivedMs = 0; // UTC milliseconds since the epoch
    QString mailFrom; // envelope sender
    QString authUser; // the AUTH user, "" if none
    QString from; // display text ("Name <address>, …") of the decoded headers
    QString to;
    QString cc;
    MailAddressList fromList; // the From header's mailboxes
    MailAddressList toList;
    MailAddressList ccList;
    MailAddressList bccList; // README "REST API": envelope recipients in neither To nor Cc
    MailAddressList replyToList;
    QString subject;
    qint64 dateMs = 0; // the Date header; 0 when missing or unparsable
    QString messageId; // without angle brackets
    QString snippet;
    qint64 size = 0; // bytes of the stored source
    int attachmentCount = 0;
    int inlineCount = 0;
    bool hasAttachments = false; // attachmentCount > 0
    bool read = false;
    QString mailbox; // CONTRACT "Mailboxes": the mailbox it lives in (MailboxName)
    QStringList tags; // Mailpit's tags, in Mailpit's order (MessageTags)
    bool pinned = false; // kept by retention, delete-all and delete-by-search
};
Q_DECLARE_METATYPE(MessageSummary)
