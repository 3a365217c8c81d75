#include "messagedragdata.h"

#include <store/messagestore.h>

#include <QDir>
#include <QFile>
#include <QPromise>
#include <QThreadPool>

#include <memory>

namespace {

const QString UriList = QStringLiteral("text/uri-list");
const QString Ids = QStringLiteral("application/x-letterbox-ids");

QList<QUrl> writeFiles(const MessageStore *store, const QStringList &ids, const QString &dir)
{
    QList<QUrl> urls;
    for (const QString &id : ids) {
        std::unique_ptr<QIODevice> source(store->openSource(id));
        QFile file(QDir(dir).filePath(id + QStringLiteral(".eml")));
        if (!source || !file.open(QIODevice::WriteOnly)) {
            continue;
        }
        bool complete = true;
        while (!source->atEnd()) {
            const QByteArray chunk = source->read(1 << 20);
            if (chunk.isEmpty() || file.write(chunk) != chunk.size()) {
                complete = false;
                break;
            }
        }
        if (complete && file.flush()) {
            urls << QUrl::fromLocalFile(file.fileName());
        } else {
            // A half-written message is no message: nothing is offered rather than a truncated file.
            file.remove();
        }
    }
    return urls;
}

} // namespace

MessageDragData::MessageDragData(const MessageStore *store, const QStringList &ids, const QString &dir) : m_ids(ids)
{
    auto promise = std::make_shared<QPromise<QList<QUrl>>>();
    m_files = promise->future();
    promise->start();
    QThreadPool::globalInstance()->start([promise, store, ids, dir] {
        promise->addResult(writeFiles(store, ids, dir));
        promise->finish();
    });
}

QStringList MessageDragData::formats() const
{
    return { UriList, Ids };
}

bool MessageDragData::hasFormat(const QString &mimeType) const
{
    return mimeType == UriList || mimeType == Ids;
}

QList<QUrl> MessageDragData::files() const
{
    m_files.waitForFinished();
    return m_files.resultCount() > 0 ? m_files.result() : QList<QUrl>();
}

QVariant MessageDragData::retrieveData(const QString &mimeType, QMetaType type) const
{
    if (mimeType == Ids) {
        return m_ids.join(u'\n').toUtf8();
    }
    if (mimeType == UriList) {
        const QList<QUrl> urls = files();
        if (type.id() == QMetaType::QByteArray || type.id() == QMetaType::QString) {
            // RFC 2483: one URI per line, CRLF-terminated.
            QByteArray list;
            for (const QUrl &url : urls) {
                list += url.toEncoded() + "\r\n";
            }
            return type.id() == QMetaType::QString ? QVariant(QString::fromUtf8(list)) : QVariant(list);
        }
        QVariantList list;
        for (const QUrl &url : urls) {
            list << url;
        }
        return list;
    }
    return QMimeData::retrieveData(mimeType, type);
}
