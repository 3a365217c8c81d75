#pragma once

#include <QFuture>
#include <QList>
#include <QMimeData>
#include <QStringList>
#include <QUrl>

class MessageStore;

// What dragging messages out of the inbox carries: the messages' IDs (for drops inside Letterbox) and each message
// as an .eml file (for the file manager, a mail client or a chat window). The files are written on a worker thread
// from the moment the drag starts, so starting a drag never reads a source on the GUI thread; a drop target that
// asks for the files before they are written (a drop within milliseconds of the start) waits for the rest.
class MessageDragData : public QMimeData
{
    Q_OBJECT
public:
    // Writes each message's source to dir/ID.eml (dir outlives the drag: the model keeps it until it goes).
    MessageDragData(const MessageStore *store, const QStringList &ids, const QString &dir);

    QStringList formats() const override;
    bool hasFormat(const QString &mimeType) const override;
    // The .eml files once written (the ones that could be): blocks until then.
    QList<QUrl> files() const;

protected:
    QVariant retrieveData(const QString &mimeType, QMetaType type) const override;

private:
    QStringList m_ids;
    mutable QFuture<QList<QUrl>> m_files; // waiting on it is not a change
};
