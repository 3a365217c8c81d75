// The message pane shows what was sent: each line of a CRLF text body once; the first column of the source beside
// its line numbers, never under them; long recipient lists collapsed and scrolled within bounds, never setting the
// window's size; the tab the user chose, or the one the message has; this message's part of a long session; an
// imported message that says it has no session. Needs a real X server (xvfb-run): the HTML tab is Qt WebEngine.
#include "uitestsupport.h"

#include <message/clientaddress.h>
#include <message/messageid.h>
#include <mime/messagebuilder.h>
#include <smtp/traceheader.h>
#include <store/messagesubmission.h>
#include <ui/messageschemehandler.h>
#include <ui/messageview.h>
#include <ui/sourceview.h>
#include <ui/transcriptmodel.h>

#include <QAbstractScrollArea>
#include <QApplication>
#include <QLabel>
#include <QMainWindow>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>
#include <QTextBrowser>

namespace {
TranscriptEntry entry(TranscriptEntry::Direction direction, const QByteArray &text)
{
    return { QDateTime::currentMSecsSinceEpoch(), direction, text };
}

constexpr auto In = TranscriptEntry::Direction::In;
constexpr auto Out = TranscriptEntry::Direction::Out;

// A message as SMTP delivers it: CRLF source, a trace header, the session's envelope and its transcript entries
// since the previous message of that session (the store chains them by session key).
struct SmtpDelivery
{
    QByteArray data;
    QByteArrayList rcptTo;
    Transcript transcript;
    quint64 sessionKey = 1;
};

QString deliverOverSmtp(MessageStore &store, const SmtpDelivery &d)
{
    IncomingMessage in;
    in.receivedMs = QDateTime::currentMSecsSinceEpoch();
    in.id = MessageId::generate(in.receivedMs);
    in.envelope.mailFrom = "ann@example.test";
    in.envelope.rcptTo = d.rcptTo;
    in.envelope.helo = "client.example.test";
    in.envelope.esmtp = true;
    in.envelope.clientAddress = ClientAddress::fromString(u"127.0.0.1");
    in.envelope.clientPort = 50123;
    in.traceHeader = TraceHeader::received(in.envelope, "mx.test", in.id, in.receivedMs);
    in.data = d.data;
    in.sessionKey = d.sessionKey;
    in.transcript = d.transcript;
    in.transcript << entry(Out, "250 2.0.0 Ok: queued as " + in.id);
    std::promise<QString> done;
    const QString id = QString::fromLatin1(in.id);
    store.deliver(std::move(in), [&done, id](const DeliveryResult &r) { done.set_value(r.ok ? id : QString()); });
    return done.get_future().get();
}

QByteArray addresses(const QByteArray &prefix, int count)
{
    QByteArrayList list;
    for (int i = 1; i <= count; ++i) {
        list << prefix + QByteArray::number(i) + "@example.test";
    }
    return list.join(",\r\n ");
}

QByteArrayList envelope(const QByteArray &prefix, int count)
{
    QByteArrayList list;
    for (int i = 1; i <= count; ++i) {
        list << prefix + QByteArray::number(i) + "@example.test";
    }
    return list;
}

// Widgets whose minimum size reaches the window: all but those inside a scroll area's viewport.
QList<QWidget *> sizeSettingWidgets(QWidget *root)
{
    QList<QWidget *> widgets { root };
    for (QWidget *w : root->findChildren<QWidget *>()) {
        bool scrolled = false;
        for (QWidget *p = w->parentWidget(); p && p != root; p = p->parentWidget()) {
            auto *area = qobject_cast<QAbstractScrollArea *>(p->parentWidget());
            if (area && area->viewport() == p) {
                scrolled = true;
                break;
            }
        }
        if (!scrolled) {
            widgets << w;
        }
    }
    return widgets;
}

QLabel *labelContaining(QWidget *root, const QString &text)
{
    for (QLabel *label : root->findChildren<QLabel *>()) {
        if (label->text().contains(text)) {
            return label;
        }
    }
    return nullptr;
}
} // namespace

class TestMessageView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void textTabShowsEachLineOnce_data();
    void textTabShowsEachLineOnce();
    void sourceShowsTheFirstColumnBesideTheLineNumbers();
    void longRecipientListsStayWithinTheWindow();
    void aBounceLineLeavesRoomForTheAttachments();
    void messageContentNeverSetsTheMinimumSize_data();
    void messageContentNeverSetsTheMinimumSize();
    void theChosenTabSticksWhenTheMessageHasIt();
    void transcriptShowsThisMessagesPartOfTheSession();
    void importedMessagesSayTheyHaveNoSession();
    void messagesMadeHereSayHowTheyWereMade_data();
    void messagesMadeHereSayHowTheyWereMade();

private:
    // Shows view (in a window of its own) on message id; false when it did not load.
    bool showMessage(MessageView &view, const QString &id);
    QTemporaryDir m_dir;
    SqliteMessageStore m_store;
};

void TestMessageView::initTestCase()
{
    QVERIFY(m_store.open(m_dir.path()));
}

void TestMessageView::cleanupTestCase()
{
    m_store.close();
}

bool TestMessageView::showMessage(MessageView &view, const QString &id)
{
    if (!view.isVisible()) {
        view.resize(1000, 700);
        view.show();
        if (!QTest::qWaitForWindowExposed(&view)) {
            return false;
        }
    }
    QSignalSpy loaded(&view, &MessageView::messageLoaded);
    view.showMessage(id);
    return (loaded.size() > 0 || loaded.wait(10000)) && view.messageId() == id;
}

void TestMessageView::textTabShowsEachLineOnce_data()
{
    QTest::addColumn<bool>("smtp");
    QTest::addColumn<QByteArray>("lineEnd");
    QTest::newRow("a message received over SMTP (CRLF)") << true << QByteArray("\r\n");
    QTest::newRow("a message imported from a file (LF)") << false << QByteArray("\n");
    QTest::newRow("a message imported with CRLF") << false << QByteArray("\r\n");
}

void TestMessageView::textTabShowsEachLineOnce()
{
    QFETCH(bool, smtp);
    QFETCH(QByteArray, lineEnd);
    const QByteArray raw = QByteArray("From: ann@example.test\nTo: bob@example.test\nSubject: three lines\n"
                                      "Content-Type: text/plain; charset=utf-8\n\n"
                                      "First line\nSecond line, see https://example.test/a\n\nFourth line\n")
                               .replace("\n", lineEnd);
    const QString id
        = smtp ? deliverOverSmtp(m_store, { raw, { "bob@example.test" }, {} }) : UiTest::deliver(m_store, raw);
    MessageView view(&m_store);
    QVERIFY(showMessage(view, id));
    view.setCurrentTab(MessageView::TextTab);
    // One block per line of the body: a CRLF is one line break (RFC 5322 §2.3), never two.
    QCOMPARE(view.textView()->toPlainText().trimmed(),
        QStringLiteral("First line\nSecond line, see https://example.test/a\n\nFourth line"));
    QVERIFY(!view.textView()->toPlainText().contains(u'\r'));
    // Every other place the pane shows message text: no carriage return reaches a widget.
    for (QLabel *label : view.findChildren<QLabel *>()) {
        QVERIFY2(!label->text().contains(u'\r'), qPrintable(label->text()));
    }
}

void TestMessageView::sourceShowsTheFirstColumnBesideTheLineNumbers()
{
    // Over a thousand lines: the line numbers need four digits once the source is shown.
    QByteArray raw = "From: ann@example.test\r\nTo: bob@example.test\r\nSubject: long source\r\n\r\n";
    for (int i = 0; i < 1200; ++i) {
        raw += "W" + QByteArray::number(i) + " body line\r\n";
    }
    const QString id = deliverOverSmtp(m_store, { raw, { "bob@example.test" }, {} });
    MessageView view(&m_store);
    QVERIFY(showMessage(view, id));
    view.setCurrentTab(MessageView::SourceTab);
    QTRY_VERIFY_WITH_TIMEOUT(!view.sourceView()->isLoading(), 10000);
    QPlainTextEdit *editor = view.sourceView()->editor();
    QVERIFY(editor->blockCount() > 1000);
    // One block per line of the source (a trace header first): a CRLF is one line end here too.
    QCOMPARE(editor->document()->findBlockByNumber(1).text(), QStringLiteral("From: ann@example.test"));
    QCOMPARE(editor->document()->findBlockByNumber(2).text(), QStringLiteral("To: bob@example.test"));
    for (const QSize size : { QSize(900, 600), QSize(1100, 700) }) {
        view.resize(size);
        QTest::qWait(50);
        // Each line's first character is drawn where the text area is, not under the line-number gutter.
        for (const int line : { 0, 3 }) {
            QTextCursor cursor(editor->document()->findBlockByNumber(line));
            const QRect first = editor->cursorRect(cursor);
            const QPoint glyph = editor->viewport()->mapTo(editor, first.center() + QPoint(2, 0));
            QCOMPARE(editor->childAt(glyph), editor->viewport());
        }
    }
}

void TestMessageView::aBounceLineLeavesRoomForTheAttachments()
{
    // A bounce: its header card has one more line (the link to the original) above the tags and the attachment
    // chips. In a short pane (1280x720 with the Sessions dock open) nothing in the card may be cut off.
    const QString original
        = UiTest::deliver(m_store, "From: a@x.test\r\nTo: b@bounce.test\r\nSubject: Order\r\n\r\nHi\r\n");
    std::promise<QString> done;
    IncomingMessage in = MessageImporter::incoming(
        "From: Mail Delivery System <MAILER-DAEMON@mx.test>\r\nTo: a@x.test\r\nSubject: Undelivered Mail\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nBounced.\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.test\r\n\r\nFinal-Recipient: rfc822; b@bounce.test\r\nAction: failed\r\n"
        "Status: 5.1.1\r\n--b--\r\n",
        QDateTime::currentMSecsSinceEpoch());
    in.bounceOf = original.toLatin1();
    in.bounceRule = "recipient rule 1: glob *@bounce.test";
    const QString id = QString::fromLatin1(in.id);
    m_store.deliver(std::move(in), [&done, id](const DeliveryResult &r) { done.set_value(r.ok ? id : QString()); });
    QCOMPARE(done.get_future().get(), id);
    QMainWindow window;
    auto *view = new MessageView(&m_store);
    window.setCentralWidget(view);
    window.resize(1280, 380);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy loaded(view, &MessageView::messageLoaded);
    view->showMessage(id);
    QVERIFY(loaded.wait(10000));
    QTest::qWait(100);
    QWidget *card = view->headerCard();
    QVERIFY(labelContaining(card, original));
    QVERIFY2(card->height() >= card->minimumSizeHint().height(),
        qPrintable(QStringLiteral("%1 < %2").arg(card->height()).arg(card->minimumSizeHint().height())));
    for (QWidget *child : card->findChildren<QWidget *>(QString(), Qt::FindDirectChildrenOnly)) {
        if (child->isVisible()) {
            QVERIFY2(child->geometry().bottom() < card->height(),
                qPrintable(QStringLiteral("%1 ends at %2, the card at %3")
                               .arg(QString::fromLatin1(child->metaObject()->className()))
                               .arg(child->geometry().bottom())
                               .arg(card->height())));
        }
    }
}

void TestMessageView::longRecipientListsStayWithinTheWindow()
{
    // 100 in To, 100 in Cc, and the envelope: all of them plus five Bcc-only recipients.
    const QByteArray raw = "From: ann@example.test\r\nTo: " + addresses("to", 100) + "\r\nCc: " + addresses("cc", 100)
        + "\r\nSubject: a long list\r\n\r\nHello all\r\n";
    const QByteArrayList rcpts = envelope("to", 100) + envelope("cc", 100) + envelope("hidden", 5);
    const QString id = deliverOverSmtp(m_store, { raw, rcpts, {} });
    QMainWindow window;
    auto *view = new MessageView(&m_store);
    window.setCentralWidget(view);
    window.resize(1280, 720);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy loaded(view, &MessageView::messageLoaded);
    view->showMessage(id);
    QVERIFY(loaded.wait(10000));
    for (int tab = 0; tab < view->tabs()->count(); ++tab) {
        view->setCurrentTab(MessageView::Tab(tab));
        QTest::qWait(20);
        QVERIFY2(view->minimumSizeHint().height() < 600, qPrintable(QString::number(view->minimumSizeHint().height())));
        QVERIFY2(
            window.minimumSizeHint().height() < 600, qPrintable(QString::number(window.minimumSizeHint().height())));
    }
    // The header card lists a few of each and says how many more; the rest is one click away.
    QLabel *addressLabel = labelContaining(view->headerCard(), QStringLiteral("to1@example.test"));
    QVERIFY(addressLabel);
    QVERIFY(!addressLabel->text().contains(QStringLiteral("to100@example.test")));
    QVERIFY(addressLabel->text().contains(QStringLiteral("and 97 more")));
    QVERIFY(view->headerCard()->height() < 200);
    const QString expand = addressLabel->text().section(QStringLiteral("href=\""), 1, 1).section(u'"', 0, 0);
    QVERIFY(!expand.isEmpty());
    Q_EMIT addressLabel->linkActivated(expand);
    QTRY_VERIFY(addressLabel->text().contains(QStringLiteral("to100@example.test")));
    QTest::qWait(50);
    // Expanded, the list scrolls within a bounded height.
    QVERIFY2(view->headerCard()->height() < 300, qPrintable(QString::number(view->headerCard()->height())));
    QVERIFY(view->minimumSizeHint().height() < 600);
    QVERIFY(window.minimumSizeHint().height() < 600);

    // The Envelope & session tab reaches every recipient, the last (Bcc-only) one included.
    view->setCurrentTab(MessageView::EnvelopeTab);
    QTest::qWait(50);
    QLabel *rcptLabel = labelContaining(view->envelopeWidget(), QStringLiteral("<hidden5@example.test>"));
    QVERIFY(rcptLabel);
    QScrollArea *area = nullptr;
    for (QWidget *p = rcptLabel->parentWidget(); p && !area; p = p->parentWidget()) {
        area = qobject_cast<QScrollArea *>(p);
    }
    QVERIFY2(area, "the recipients are not in a scroll area");
    const int lineHeight = rcptLabel->fontMetrics().lineSpacing();
    const QPoint last = rcptLabel->mapTo(area->widget(), QPoint(0, rcptLabel->height() - lineHeight / 2));
    area->ensureVisible(last.x(), last.y(), 0, lineHeight);
    QTest::qWait(20);
    const QRect lastLine(0, rcptLabel->height() - lineHeight, rcptLabel->width(), lineHeight);
    QVERIFY(rcptLabel->isVisible());
    QVERIFY(rcptLabel->visibleRegion().contains(lastLine));
    QVERIFY(area->viewport()->rect().contains(rcptLabel->mapTo(area->viewport(), lastLine.center())));
}

void TestMessageView::messageContentNeverSetsTheMinimumSize_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QByteArrayList>("rcpts");
    const QByteArray head = "From: ann@example.test\r\nTo: bob@example.test\r\n";
    QTest::newRow("a thousand recipients")
        << "From: ann@example.test\r\nTo: " + addresses("r", 1000) + "\r\nSubject: many\r\n\r\nHi\r\n"
        << envelope("r", 1000);
    QTest::newRow("a subject of 5,000 characters") << head + "Subject: " + QByteArray("word ").repeated(1000)
            + "\r\n\r\nHi\r\n" << QByteArrayList { "b@x.test" };
    QTest::newRow("a subject that is one long word") << head + "Subject: " + QByteArray("x").repeated(600)
            + "\r\n\r\nHi\r\n" << QByteArrayList { "b@x.test" };
    QByteArray attachments = head
        + "Subject: attachments\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
          "--b\r\nContent-Type: text/plain\r\n\r\nSee attached\r\n";
    for (int i = 0; i < 40; ++i) {
        attachments += "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; "
                       "filename=\"a-rather-long-attachment-name-for-the-quarterly-report-number-"
            + QByteArray::number(i) + ".csv\"\r\n\r\nx\r\n";
    }
    attachments += "--b--\r\n";
    QTest::newRow("forty attachments with long names") << attachments << QByteArrayList { "b@x.test" };
    QTest::newRow("a recipient with a long unbroken address")
        << "From: ann@example.test\r\nTo: " + QByteArray("y").repeated(60) + "@" + QByteArray("d").repeated(180)
            + ".test\r\nSubject: long address\r\n\r\nHi\r\n"
        << QByteArrayList { QByteArray("y").repeated(60) + "@" + QByteArray("d").repeated(180) + ".test" };
}

void TestMessageView::messageContentNeverSetsTheMinimumSize()
{
    QFETCH(QByteArray, raw);
    QFETCH(QByteArrayList, rcpts);
    const QString id = deliverOverSmtp(m_store, { raw, rcpts, {} });
    MessageView view(&m_store);
    QVERIFY(showMessage(view, id));
    for (int tab = 0; tab < view.tabs()->count(); ++tab) {
        view.setCurrentTab(MessageView::Tab(tab));
        QTest::qWait(20);
        for (QWidget *w : sizeSettingWidgets(&view)) {
            const QSize hint = w->minimumSizeHint().expandedTo(w->minimumSize());
            QVERIFY2(hint.height() < 600 && hint.width() < 700,
                qPrintable(QStringLiteral("%1 %2: %3x%4")
                               .arg(QString::fromLatin1(w->metaObject()->className()), w->objectName())
                               .arg(hint.width())
                               .arg(hint.height())));
        }
    }
}

void TestMessageView::theChosenTabSticksWhenTheMessageHasIt()
{
    const QString text = deliverOverSmtp(
        m_store, { "From: a@x.test\r\nTo: b@x.test\r\nSubject: text only\r\n\r\nPlain words\r\n", { "b@x.test" }, {} });
    const QString html = deliverOverSmtp(m_store,
        { "From: a@x.test\r\nTo: b@x.test\r\nSubject: html\r\nMIME-Version: 1.0\r\n"
          "Content-Type: text/html; charset=utf-8\r\n\r\n<p>Rich words</p>\r\n",
            { "b@x.test" }, {} });
    MessageView view(&m_store);
    // The default is HTML; a message without HTML shows its text, as Mailpit does.
    QVERIFY(showMessage(view, text));
    QCOMPARE(view.currentTab(), MessageView::TextTab);
    // That was not the user's choice: the next HTML message opens on HTML again.
    QVERIFY(showMessage(view, html));
    QCOMPARE(view.currentTab(), MessageView::HtmlTab);
    // A tab the user chose sticks while messages have it.
    view.tabs()->tabBar()->setCurrentIndex(MessageView::HeadersTab);
    QVERIFY(showMessage(view, text));
    QCOMPARE(view.currentTab(), MessageView::HeadersTab);
    QVERIFY(showMessage(view, html));
    QCOMPARE(view.currentTab(), MessageView::HeadersTab);
    // Text chosen sticks for HTML messages too (they have a text rendering).
    view.tabs()->tabBar()->setCurrentIndex(MessageView::TextTab);
    QVERIFY(showMessage(view, text));
    QCOMPARE(view.currentTab(), MessageView::TextTab);
    QVERIFY(showMessage(view, html));
    QCOMPARE(view.currentTab(), MessageView::TextTab);
    // HTML chosen: text-only mail falls back to Text, and the choice is kept for the next HTML message.
    view.tabs()->tabBar()->setCurrentIndex(MessageView::HtmlTab);
    QVERIFY(showMessage(view, text));
    QCOMPARE(view.currentTab(), MessageView::TextTab);
    QCOMPARE(view.chosenTab(), MessageView::HtmlTab);
    QVERIFY(showMessage(view, html));
    QCOMPARE(view.currentTab(), MessageView::HtmlTab);
    // Clicking the Text tab while it is shown as the fallback makes it the choice.
    QVERIFY(showMessage(view, text));
    Q_EMIT view.tabs()->tabBar()->tabBarClicked(MessageView::TextTab);
    QCOMPARE(view.chosenTab(), MessageView::TextTab);
    QVERIFY(showMessage(view, html));
    QCOMPARE(view.currentTab(), MessageView::TextTab);
    // setCurrentTab() (a restored or menu choice) is the user's choice too.
    view.setCurrentTab(MessageView::HtmlTab);
    QCOMPARE(view.chosenTab(), MessageView::HtmlTab);
}

void TestMessageView::transcriptShowsThisMessagesPartOfTheSession()
{
    // One session, three messages, each after a long run of NOOPs: the transcript of the third is long.
    const quint64 session = 424242;
    QString third;
    for (int m = 1; m <= 3; ++m) {
        Transcript t;
        if (m == 1) {
            t << entry(Out, "220 mx.test ESMTP Letterbox") << entry(In, "EHLO client.example.test")
              << entry(Out, "250 mx.test");
        }
        for (int i = 0; i < 80; ++i) {
            t << entry(In, "NOOP " + QByteArray::number(m) + "." + QByteArray::number(i)) << entry(Out, "250 2.0.0 Ok");
        }
        t << entry(In, "MAIL FROM:<ann@example.test>") << entry(Out, "250 2.1.0 Ok")
          << entry(In, "RCPT TO:<bob@example.test>") << entry(Out, "250 2.1.5 Ok") << entry(In, "DATA")
          << entry(Out, "354 End data with <CR><LF>.<CR><LF>") << entry(In, "[60 octets of message data]");
        const QByteArray raw = "From: ann@example.test\r\nTo: bob@example.test\r\nSubject: message "
            + QByteArray::number(m) + "\r\n\r\nHi\r\n";
        third = deliverOverSmtp(m_store, { raw, { "bob@example.test" }, t, session });
    }
    MessageView view(&m_store);
    QVERIFY(showMessage(view, third));
    TranscriptModel *model = view.transcriptModel();
    // The previous message's final reply, then this message's part.
    int start = -1;
    for (int row = model->rowCount() - 2; row >= 0; --row) {
        if (model->transcript().at(row).text.startsWith("250 2.0.0 Ok: queued as ")) {
            start = row + 1;
            break;
        }
    }
    QVERIFY(start > 300);
    QCOMPARE(model->transcript().at(start).text, QByteArray("NOOP 3.0"));
    view.setCurrentTab(MessageView::EnvelopeTab);
    auto *table = view.envelopeWidget()->findChild<QTableView *>();
    QVERIFY(table);
    // Scrolled to the start of this message's part…
    QTRY_COMPARE(table->rowAt(0), start);
    // …which is highlighted, and only it.
    const QVariant mine = model->index(start, TranscriptModel::TextColumn).data(Qt::BackgroundRole);
    QVERIFY(mine.isValid());
    QVERIFY(model->index(model->rowCount() - 1, TranscriptModel::TextColumn).data(Qt::BackgroundRole).isValid());
    QVERIFY(!model->index(start - 1, TranscriptModel::TextColumn).data(Qt::BackgroundRole).isValid());
    QVERIFY(!model->index(0, TranscriptModel::TextColumn).data(Qt::BackgroundRole).isValid());
    QCOMPARE(model->messageStart(), start);
}

void TestMessageView::importedMessagesSayTheyHaveNoSession()
{
    // A message imported by an older Letterbox, which recorded no line for it: no session at all.
    IncomingMessage legacy
        = MessageImporter::incoming(UiTest::simpleMessage(QStringLiteral("imported")), 1764000000000);
    legacy.transcript.clear();
    const QString id = QString::fromLatin1(legacy.id);
    std::promise<bool> stored;
    m_store.deliver(std::move(legacy), [&stored](const DeliveryResult &r) { stored.set_value(r.ok); });
    QVERIFY(stored.get_future().get());
    MessageView view(&m_store);
    QVERIFY(showMessage(view, id));
    view.setCurrentTab(MessageView::EnvelopeTab);
    QLabel *note = labelContaining(view.envelopeWidget(),
        QStringLiteral("This message was imported, not received over SMTP: there is no session."));
    QVERIFY(note);
    QTRY_VERIFY(note->isVisible());
    auto *table = view.envelopeWidget()->findChild<QTableView *>();
    QVERIFY(table && !table->isVisible());
    // A message received over SMTP shows its transcript, not the note.
    const QString smtp = deliverOverSmtp(m_store,
        { UiTest::simpleMessage(QStringLiteral("received")), { "bob@example.test" },
            { entry(Out, "220 mx.test ESMTP"), entry(In, "[40 octets of message data]") } });
    QVERIFY(showMessage(view, smtp));
    QTRY_VERIFY(table->isVisible());
    QVERIFY(!note->isVisible());
    // An import the store recorded a line for shows that line, and claims no SMTP session.
    IncomingMessage in = MessageImporter::incoming(
        UiTest::simpleMessage(QStringLiteral("noted")), 1764000000000, QStringLiteral("/tmp/noted.eml"));
    const QString noted = QString::fromLatin1(in.id);
    std::promise<bool> done;
    m_store.deliver(std::move(in), [&done](const DeliveryResult &r) { done.set_value(r.ok); });
    QVERIFY(done.get_future().get());
    QVERIFY(showMessage(view, noted));
    QTRY_VERIFY(table->isVisible());
    QVERIFY(!note->isVisible());
    QCOMPARE(view.transcriptModel()->rowCount(), 1);
    QVERIFY(labelContaining(view.envelopeWidget(), QStringLiteral("Not received over SMTP")));
}

void TestMessageView::messagesMadeHereSayHowTheyWereMade_data()
{
    QTest::addColumn<bool>("composer");
    QTest::addColumn<QString>("client");
    QTest::addColumn<QString>("note");
    QTest::newRow("written in the composer")
        << true << QStringLiteral("(written in the composer)")
        << QStringLiteral("This message was written in the composer, not received over SMTP: there is no session.");
    QTest::newRow("made by the send API")
        << false << QStringLiteral("127.0.0.1 (through the send API)")
        << QStringLiteral("This message was made by the send API (POST /api/v1/send), not received over SMTP: there "
                          "is no session.");
}

void TestMessageView::messagesMadeHereSayHowTheyWereMade()
{
    // README "Composing and the send API": no SMTP client, no session; the window says which way it came rather
    // than calling it imported or showing an empty transcript.
    QFETCH(bool, composer);
    QFETCH(QString, client);
    QFETCH(QString, note);
    MessageBuilder builder;
    builder.from = { QString(), QStringLiteral("app@example.test") };
    builder.to = { { QString(), QStringLiteral("bob@example.test") } };
    builder.subject = QStringLiteral("made here");
    builder.text = QStringLiteral("Hello");
    QString error;
    std::optional<IncomingMessage> in = MessageSubmission::incoming(builder,
        composer ? MessageSubmission::Source::Composer : MessageSubmission::Source::Api,
        composer ? ClientAddress() : ClientAddress::fromString(u"127.0.0.1"), 0, "mx.test", 1 << 20, 1764000000000,
        &error);
    QVERIFY2(in, qPrintable(error));
    const QString id = QString::fromLatin1(in->id);
    std::promise<bool> stored;
    m_store.deliver(std::move(*in), [&stored](const DeliveryResult &r) { stored.set_value(r.ok); });
    QVERIFY(stored.get_future().get());
    MessageView view(&m_store);
    QVERIFY(showMessage(view, id));
    view.setCurrentTab(MessageView::EnvelopeTab);
    QVERIFY(labelContaining(view.envelopeWidget(), client));
    QVERIFY(!labelContaining(view.envelopeWidget(), QStringLiteral("imported")));
    QLabel *shown = labelContaining(view.envelopeWidget(), note);
    QVERIFY(shown);
    QTRY_VERIFY(shown->isVisible());
    auto *table = view.envelopeWidget()->findChild<QTableView *>();
    QVERIFY(table && !table->isVisible());
}

int main(int argc, char *argv[])
{
    MessageSchemeHandler::registerSchemes();
    QCoreApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
    QApplication app(argc, argv);
    TestMessageView test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_messageview.moc"
