#pragma once

#include <imap/imapfetchitem.h>
#include <imap/imapmessageentry.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <functional>

// One message's untagged FETCH response (RFC 3501 §7.4.2), "* N FETCH (ITEM value ...)" CRLF, rendered from its
// stored source for the items the owner of an ImapSession answers (ImapEvents::FetchRequested): FLAGS, UID,
// INTERNALDATE, RFC822.SIZE, ENVELOPE, BODYSTRUCTURE, BODY, BODY[section]<partial> (and BODY.PEEK), RFC822,
// RFC822.HEADER, RFC822.TEXT, in the order given. Exactly the items given: when the fetch set \Seen, the owner adds
// a FLAGS item.
//
// Every section is served as the stored bytes (RFC 3501 §6.4.5: the offsets of the source, never a re-serialisation;
// bare LF line ends stay as stored). The MIME structure is read from the source by the boundaries of RFC 2046
// §5.1.1, each header's structured values (Content-Type, Content-Disposition) by GMime.
class ImapFetchRenderer
{
public:
    // Receives the response in order. The content of a literal taken from the source (BODY[], BODY[TEXT], a part, a
    // partial of any of these, RFC822*) is passed as a view into source itself, so that a 50 MB message is never held
    // twice; every other piece is a view of a temporary, valid only during the call.
    using Sink = std::function<void(QByteArrayView)>;

    static void render(int sequence, const ImapMessageEntry &entry, bool deleted, const QList<ImapFetchItem> &items,
        const QByteArray &source, const Sink &sink);
    // The whole response as one array (for small messages and tests).
    static QByteArray render(int sequence, const ImapMessageEntry &entry, bool deleted,
        const QList<ImapFetchItem> &items, const QByteArray &source);
};
