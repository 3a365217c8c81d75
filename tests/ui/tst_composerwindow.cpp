// ComposerWindow under a real X server, driven by the keyboard as a user would: the fields typed with QTest, a file
// attached, Ctrl+Return; the message must then be in the store with what was typed (read back through ParsedMessage
// and the envelope), and a draft without a recipient or with a bad address must say so in the window and store
// nothing.
#include <mailbox/mailboxsettings.h>
#include <mime/parsedmessage.h>
#include <relay/relayservice.h>
#include <smtp/smtpserver.h>
#include <store/sqlitemessagestore.h>
#include <ui/attachmentsmodel.h>
#include <ui/composerwindow.h>

#include <QAbstractItemView>
#include <QApplication>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QLineEdit>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

class TestComposerWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void focusStartsInTo();
    void sendsWhatWasTyped();
    void invalidDraftsAreNamedInline_data();
    void invalidDraftsAreNamedInline();
    void attachmentsAddAndRemove();
    void escapeAsksBeforeDiscarding();
    void sendsViaTheRelay();
    void sendToLetterboxFollowsTheRecipientRoutes();

private:
    QLineEdit *edit(const char *name) const { return m_window->findChild<QLineEdit *>(QLatin1String(name)); }
    void typeInto(QWidget *widget, const QString &text);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteMessageStore> m_store;
    std::unique_ptr<ComposerWindow> m_window;
};

void TestComposerWindow::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_unique<SqliteMessageStore>();
    QVERIFY(m_store->open(m_dir->path()));
    m_window = std::make_unique<ComposerWindow>(m_store.get(), "mx.test", 64 * 1024 * 1024);
    m_window->show();
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
}

void TestComposerWindow::cleanup()
{
    m_window.reset();
    m_store.reset();
    m_dir.reset();
}

void TestComposerWindow::typeInto(QWidget *widget, const QString &text)
{
    widget->setFocus();
    QTRY_VERIFY(widget->hasFocus());
    QTest::keyClicks(widget, text);
}

void TestComposerWindow::focusStartsInTo()
{
    QCOMPARE(QApplication::focusWidget(), edit("to"));
    // Reading order from there: Cc, Bcc, Subject, then the text body (as in every mail client).
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    QCOMPARE(QApplication::focusWidget(), edit("cc"));
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    QCOMPARE(QApplication::focusWidget(), edit("bcc"));
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    QCOMPARE(QApplication::focusWidget(), edit("subject"));
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    QCOMPARE(QApplication::focusWidget()->objectName(), QStringLiteral("textBody"));
}

void TestComposerWindow::sendsWhatWasTyped()
{
    QFile file(m_dir->filePath(QStringLiteral("report.csv")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    const QByteArray csv("name,amount\nAda,42\n");
    file.write(csv);
    file.close();

    edit("from")->clear();
    typeInto(edit("from"), QStringLiteral("Ada Lovelace <ada@example.test>"));
    typeInto(edit("to"), QStringLiteral("Bob <bob@example.test>, team@example.test"));
    typeInto(edit("cc"), QStringLiteral("carol@example.test"));
    typeInto(edit("bcc"), QStringLiteral("audit@example.test"));
    typeInto(edit("subject"), QStringLiteral("Quarterly report"));
    auto *text = m_window->findChild<QPlainTextEdit *>(QStringLiteral("textBody"));
    typeInto(text, QStringLiteral("Hello Bob,"));
    QTest::keyClick(text, Qt::Key_Return);
    QTest::keyClicks(text, QStringLiteral("the report is attached."));
    auto *html = m_window->findChild<QPlainTextEdit *>(QStringLiteral("htmlBody"));
    m_window->findChild<QTabWidget *>(QStringLiteral("bodies"))->setCurrentWidget(html);
    typeInto(html, QStringLiteral("<p>Hello <b>Bob</b></p>"));
    m_window->addAttachments({ file.fileName() });
    QCOMPARE(m_window->attachments()->rowCount(), 1);

    QSignalSpy stored(m_window.get(), &ComposerWindow::messageStored);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return, Qt::ControlModifier);
    QVERIFY(stored.wait(10000));
    const QString id = stored.first().first().toString();
    QTRY_VERIFY(!m_window->isVisible());

    const std::optional<StoredMessage> message = m_store->message(id);
    QVERIFY(message);
    QCOMPARE(message->mailFrom, QStringLiteral("ada@example.test"));
    QCOMPARE(message->rcptTo,
        (QStringList { QStringLiteral("bob@example.test"), QStringLiteral("team@example.test"),
            QStringLiteral("carol@example.test"), QStringLiteral("audit@example.test") }));
    QCOMPARE(message->helo, QStringLiteral("composer"));
    QCOMPARE(message->clientAddress, QString());
    QVERIFY(message->transcript.isEmpty());
    const QByteArray raw = message->raw;
    QVERIFY(raw.startsWith("Received: from composer by mx.test (Letterbox) id " + id.toLatin1() + "; "));
    // RFC 5322 §3.6.3: Bcc in the envelope only.
    QVERIFY(!raw.contains("audit@example.test"));
    const ParsedMessage m = ParsedMessage::parse(raw);
    QCOMPARE(m.from, (MailAddressList { { QStringLiteral("Ada Lovelace"), QStringLiteral("ada@example.test") } }));
    QCOMPARE(m.to,
        (MailAddressList { { QStringLiteral("Bob"), QStringLiteral("bob@example.test") },
            { QString(), QStringLiteral("team@example.test") } }));
    QCOMPARE(m.cc, (MailAddressList { { QString(), QStringLiteral("carol@example.test") } }));
    QCOMPARE(m.subject, QStringLiteral("Quarterly report"));
    QCOMPARE(m.text.trimmed(), QStringLiteral("Hello Bob,\r\nthe report is attached."));
    QCOMPARE(m.html.trimmed(), QStringLiteral("<p>Hello <b>Bob</b></p>"));
    QCOMPARE(m.attachments().size(), 1);
    QCOMPARE(m.attachments()[0].fileName, QStringLiteral("report.csv"));
    QCOMPARE(ParsedMessage::partContent(raw, m.attachments()[0].partId), std::optional<QByteArray>(csv));
}

void TestComposerWindow::invalidDraftsAreNamedInline_data()
{
    QTest::addColumn<QString>("to");
    QTest::addColumn<QString>("cc");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("message");
    QTest::newRow("no recipient at all") << QString() << QString() << QStringLiteral("to")
                                         << QStringLiteral("Add at least one recipient in To, Cc or Bcc.");
    QTest::newRow("a To entry that is no address")
        << QStringLiteral("bob@example.test, alice") << QString() << QStringLiteral("to")
        << QStringLiteral("To: “alice” is not an email address.");
    QTest::newRow("a Cc address without a domain")
        << QStringLiteral("bob@example.test") << QStringLiteral("carol@") << QStringLiteral("cc")
        << QStringLiteral("Cc: “carol@” is not an email address.");
}

void TestComposerWindow::invalidDraftsAreNamedInline()
{
    QFETCH(QString, to);
    QFETCH(QString, cc);
    QFETCH(QString, field);
    QFETCH(QString, message);
    typeInto(edit("to"), to);
    typeInto(edit("cc"), cc);
    typeInto(edit("subject"), QStringLiteral("Not going anywhere"));
    QSignalSpy stored(m_window.get(), &ComposerWindow::messageStored);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(m_window->statusText(), message);
    // The field to fix has the focus; the window stays and nothing is stored.
    QCOMPARE(QApplication::focusWidget(), edit(field.toLatin1().constData()));
    QVERIFY(m_window->isVisible());
    QTest::qWait(200);
    QCOMPARE(stored.size(), 0);
    QCOMPARE(m_store->count(), 0);
}

void TestComposerWindow::attachmentsAddAndRemove()
{
    QFile a(m_dir->filePath(QStringLiteral("a.txt")));
    QVERIFY(a.open(QIODevice::WriteOnly));
    a.write(QByteArray(2048, 'x'));
    a.close();
    m_window->addAttachments({ a.fileName(), a.fileName(), m_dir->filePath(QStringLiteral("missing.bin")) });
    // Each file once; one that is not there is named.
    QCOMPARE(m_window->attachments()->rowCount(), 1);
    QCOMPARE(
        m_window->attachments()->index(0, AttachmentsModel::NameColumn).data().toString(), QStringLiteral("a.txt"));
    QCOMPARE(
        m_window->attachments()->index(0, AttachmentsModel::SizeColumn).data(AttachmentsModel::SizeRole).toLongLong(),
        2048);
    QCOMPARE(m_window->attachments()->index(0, AttachmentsModel::SizeColumn).data().toString(),
        QLocale().formattedDataSize(2048));
    QVERIFY(m_window->statusText().contains(QLatin1String("missing.bin")));
    auto *view = m_window->findChild<QAbstractItemView *>(QStringLiteral("attachments"));
    view->selectionModel()->select(
        m_window->attachments()->index(0, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    auto *remove = m_window->findChild<QPushButton *>(QStringLiteral("removeAttachment"));
    QVERIFY(remove->isEnabled());
    QTest::mouseClick(remove, Qt::LeftButton);
    QCOMPARE(m_window->attachments()->rowCount(), 0);

    // Dropped files are attached (a file manager's drag: text/uri-list).
    QMimeData mime;
    mime.setUrls({ QUrl::fromLocalFile(a.fileName()) });
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_window.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_window.get(), &drop);
    QCOMPARE(m_window->attachments()->rowCount(), 1);
    QCOMPARE(m_window->attachments()->index(0, 0).data(AttachmentsModel::PathRole).toString(),
        QFileInfo(a.fileName()).absoluteFilePath());
}

void TestComposerWindow::escapeAsksBeforeDiscarding()
{
    // Something written: Esc asks; Cancel keeps the window.
    typeInto(edit("subject"), QStringLiteral("Draft"));
    QTimer::singleShot(300, this, [] {
        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
        QVERIFY(box);
        box->button(QMessageBox::Cancel)->click();
    });
    QTest::keyClick(edit("subject"), Qt::Key_Escape);
    QVERIFY(m_window->isVisible());
    // Without a window manager the focus does not come back by itself after the question.
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    // Discard closes it.
    QTimer::singleShot(300, this, [] {
        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
        QVERIFY(box);
        box->button(QMessageBox::Discard)->click();
    });
    QTest::keyClick(edit("subject"), Qt::Key_Escape);
    QTRY_VERIFY(!m_window->isVisible());
    // An empty draft closes without asking.
    ComposerWindow empty(m_store.get(), "mx.test", 1024);
    empty.show();
    empty.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&empty));
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Escape);
    QTRY_VERIFY(!empty.isVisible());
}

void TestComposerWindow::sendsViaTheRelay()
{
    auto *button = m_window->findChild<QPushButton *>(QStringLiteral("sendViaRelay"));
    QVERIFY(button);
    // No relay configured: the button is there but cannot be used.
    QVERIFY(!button->isEnabled());
    RelayService relay(m_store.get());
    m_window->setRelay(&relay);
    QVERIFY(!button->isEnabled());

    // The relay: Letterbox's own SMTP server on loopback, storing into a second store.
    QTemporaryDir relayDir;
    SqliteMessageStore relayed;
    QVERIFY(relayed.open(relayDir.path()));
    SmtpServer server(&relayed);
    QVERIFY2(server.listen(QHostAddress::LocalHost, 0), qPrintable(server.errorString()));
    RelayConfig config;
    config.client.servers
        = { SmtpServerAddress { QStringLiteral("127.0.0.1"), server.listeningAddresses().first().second } };
    config.client.tls = SmtpTlsMode::Off;
    config.client.timeoutMs = 10000;
    relay.setConfig(config);
    m_window->setRelay(&relay);
    QVERIFY(button->isEnabled());

    edit("from")->clear();
    typeInto(edit("from"), QStringLiteral("ada@example.test"));
    typeInto(edit("to"), QStringLiteral("bob@example.test"));
    typeInto(edit("bcc"), QStringLiteral("audit@example.test"));
    typeInto(edit("subject"), QStringLiteral("Via the relay"));
    QSignalSpy finished(m_window.get(), &ComposerWindow::relayFinished);
    QTest::mouseClick(button, Qt::LeftButton);
    QVERIFY(finished.wait(20000));
    QCOMPARE(finished.first().at(0).toBool(), true);
    QVERIFY2(m_window->statusText().startsWith(QLatin1String("Sent via the relay: 250")),
        qPrintable(m_window->statusText()));
    // The result is shown in the window, which stays; nothing went into this Letterbox's own inbox.
    QVERIFY(m_window->isVisible());
    QCOMPARE(m_store->count(), 0);
    QTRY_COMPARE(relayed.count(), 1);
    const QStringList ids = relayed.searchIds(QString());
    const std::optional<StoredMessage> message = relayed.message(ids.value(0));
    QVERIFY(message);
    QCOMPARE(message->mailFrom, QStringLiteral("ada@example.test"));
    QCOMPARE(
        message->rcptTo, (QStringList { QStringLiteral("bob@example.test"), QStringLiteral("audit@example.test") }));
    QVERIFY(!message->raw.contains("audit@example.test"));
    QCOMPARE(ParsedMessage::parse(message->raw).subject, QStringLiteral("Via the relay"));
}

// As the API's send at the root (CONTRACT "Settled details"): routed like SMTP, by the recipient routes only; a
// message to two mailboxes is stored once in each.
void TestComposerWindow::sendToLetterboxFollowsTheRecipientRoutes()
{
    MailboxSettings mailboxes;
    QString error;
    const std::optional<MailboxConfig> config = MailboxConfig::fromJson(R"({"version": 1, "mailboxes": [
        {"name": "shop", "routes": [{"recipient": "*@shop.test"}]},
        {"name": "local", "routes": [{"client": "0.0.0.0/0"}, {"listener": "127.0.0.1:1025"}]}]})",
        &error);
    QVERIFY2(config && mailboxes.replace(*config, &error), qPrintable(error));
    m_window->setMailboxes(&mailboxes);
    typeInto(edit("to"), QStringLiteral("orders@shop.test, bob@example.test"));
    typeInto(edit("subject"), QStringLiteral("Routed"));
    QSignalSpy stored(m_window.get(), &ComposerWindow::messageStored);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return, Qt::ControlModifier);
    QVERIFY(stored.wait(10000));
    const std::optional<SearchResult> all = m_store->list(QString(), MessageSort(), 0, 10);
    QVERIFY(all);
    QStringList boxes;
    for (const MessageSummary &summary : all->messages) {
        boxes << summary.mailbox;
    }
    boxes.sort();
    // No client or listener: the client and listener routes match nothing, so bob's copy is Inbox's.
    QCOMPARE(boxes, (QStringList { QStringLiteral("Inbox"), QStringLiteral("shop") }));
    QCOMPARE(m_store->summary(stored.first().first().toString())->mailbox, QStringLiteral("shop"));
}

QTEST_MAIN(TestComposerWindow)
#include "tst_composerwindow.moc"
