// The empty inbox teaches: every snippet carries the real bound port and is right for the stack it names (PHP's
// mail() SMTP settings are Windows-only; nothing claims STARTTLS), each has a Copy button that puts exactly it on
// the clipboard, and nothing is cut off from a 600 px wide pane to a large one.
#include <ui/emptystate.h>

#include <QAbstractButton>
#include <QApplication>
#include <QClipboard>
#include <QLabel>
#include <QSignalSpy>
#include <QTest>

namespace {
QList<QLabel *> snippets(const EmptyState &state)
{
    return state.findChildren<QLabel *>(QStringLiteral("snippet"));
}

// The snippet whose text contains needle.
QString snippetWith(const EmptyState &state, const QString &needle)
{
    for (QLabel *label : snippets(state)) {
        if (label->text().contains(needle)) {
            return label->text();
        }
    }
    return {};
}

// What a label or button needs to show its whole text at its current width.
bool showsAllOf(QWidget *w)
{
    if (auto *label = qobject_cast<QLabel *>(w)) {
        if (label->wordWrap()) {
            return label->height() >= label->heightForWidth(label->width());
        }
        return label->width() >= label->sizeHint().width() && label->height() >= label->sizeHint().height();
    }
    if (auto *button = qobject_cast<QAbstractButton *>(w)) {
        return button->width() >= button->sizeHint().width();
    }
    return true;
}
} // namespace

class TestEmptyState : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everySnippetHasTheRealPort_data();
    void everySnippetHasTheRealPort();
    void snippetsAreRightForTheirStack();
    void copyButtonsCopyTheSnippet();
    void nothingIsCutOff_data();
    void nothingIsCutOff();
    void authenticationIsDescribedAsConfigured();
    void searchAndErrorStatesOfferTheWayOut();
};

void TestEmptyState::everySnippetHasTheRealPort_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("connectTo");
    QTest::newRow("listening on loopback") << QStringLiteral("127.0.0.1") << QStringLiteral("127.0.0.1");
    QTest::newRow("listening on IPv6 loopback") << QStringLiteral("::1") << QStringLiteral("::1");
    QTest::newRow("listening on every interface: clients connect to loopback")
        << QStringLiteral("0.0.0.0") << QStringLiteral("127.0.0.1");
}

void TestEmptyState::everySnippetHasTheRealPort()
{
    QFETCH(QString, host);
    QFETCH(QString, connectTo);
    EmptyState state;
    state.setListening(host, 2526, EmptyState::Auth::Any);
    const QList<QLabel *> all = snippets(state);
    QVERIFY(all.size() >= 10);
    for (QLabel *label : all) {
        QVERIFY2(label->text().contains(QLatin1String("2526")), qPrintable(label->text()));
        QVERIFY2(label->text().contains(connectTo), qPrintable(label->text()));
        QCOMPARE(label->textFormat(), Qt::PlainText);
    }
    const QString url = connectTo.contains(u':') ? QStringLiteral("[%1]:2526").arg(connectTo)
                                                 : QStringLiteral("%1:2526").arg(connectTo);
    QVERIFY(snippetWith(state, QStringLiteral("MAILER_DSN")).contains(QStringLiteral("smtp://") + url));
    QVERIFY(snippetWith(state, QStringLiteral("curl")).contains(QStringLiteral("smtp://") + url));
    QVERIFY(state.text().contains(QStringLiteral("Waiting for mail on ")));
}

void TestEmptyState::snippetsAreRightForTheirStack()
{
    EmptyState state;
    state.setListening(QStringLiteral("127.0.0.1"), 1025, EmptyState::Auth::Any);
    QCOMPARE(snippetWith(state, QStringLiteral("MAILER_DSN")), QStringLiteral("MAILER_DSN=smtp://127.0.0.1:1025"));
    QCOMPARE(snippetWith(state, QStringLiteral("MAIL_MAILER")),
        QStringLiteral("MAIL_MAILER=smtp\nMAIL_HOST=127.0.0.1\nMAIL_PORT=1025"));
    const QString phpMailer = snippetWith(state, QStringLiteral("isSMTP"));
    QVERIFY(phpMailer.contains(QStringLiteral("$mail->Host = '127.0.0.1';")));
    QVERIFY(phpMailer.contains(QStringLiteral("$mail->Port = 1025;")));
    for (const QString &stack : { QStringLiteral("swaks"), QStringLiteral("smtplib"), QStringLiteral("nodemailer"),
             QStringLiteral("EMAIL_HOST"), QStringLiteral("smtp_settings"), QStringLiteral("spring.mail.host") }) {
        QVERIFY2(!snippetWith(state, stack).isEmpty(), qPrintable(stack));
    }
    // php.ini's SMTP= and smtp_port= are read by mail() on Windows only; elsewhere mail() runs sendmail_path.
    const QString ini = snippetWith(state, QStringLiteral("smtp_port"));
    QCOMPARE(ini, QStringLiteral("SMTP = 127.0.0.1\nsmtp_port = 1025"));
    QVERIFY(state.text().contains(QStringLiteral("Windows only")));
    QVERIFY(!state.text().contains(QStringLiteral("letterbox sendmail")));
    // No TLS yet: nothing may suggest a client use it.
    QVERIFY(!state.text().contains(QStringLiteral("STARTTLS is offered")));
    QVERIFY(!snippetWith(state, QStringLiteral("nodemailer")).contains(QStringLiteral("secure: true")));
}

void TestEmptyState::copyButtonsCopyTheSnippet()
{
    EmptyState state;
    state.setListening(QStringLiteral("127.0.0.1"), 2527, EmptyState::Auth::Any);
    state.resize(900, 600);
    state.show();
    QVERIFY(QTest::qWaitForWindowExposed(&state));
    const QList<QLabel *> all = snippets(state);
    QVERIFY(!all.isEmpty());
    for (QLabel *label : all) {
        auto *copy = label->property("copyButton").value<QAbstractButton *>();
        QVERIFY2(copy, qPrintable(label->text()));
        QVERIFY(!copy->accessibleName().isEmpty());
        QApplication::clipboard()->clear();
        copy->click();
        QCOMPARE(QApplication::clipboard()->text(), label->text());
    }
}

void TestEmptyState::nothingIsCutOff_data()
{
    QTest::addColumn<QSize>("size");
    QTest::newRow("a 600 px wide pane") << QSize(600, 500);
    QTest::newRow("the reader pane at 900 by 600") << QSize(900, 600);
    QTest::newRow("a large pane") << QSize(1300, 900);
}

void TestEmptyState::nothingIsCutOff()
{
    QFETCH(QSize, size);
    EmptyState state;
    state.setListening(QStringLiteral("127.0.0.1"), 2528, EmptyState::Auth::Any);
    state.resize(size);
    state.show();
    QVERIFY(QTest::qWaitForWindowExposed(&state));
    QTest::qWait(50);
    QVERIFY(state.minimumSizeHint().width() <= 600);
    QCOMPARE(state.size(), size);
    QVERIFY(snippets(state).size() >= 10);
    for (QWidget *w : state.findChildren<QWidget *>()) {
        if (w->isVisible()) {
            QVERIFY2(showsAllOf(w),
                qPrintable(QStringLiteral("%1 %2x%3: %4")
                               .arg(QString::fromLatin1(w->metaObject()->className()))
                               .arg(w->width())
                               .arg(w->height())
                               .arg(qobject_cast<QLabel *>(w) ? qobject_cast<QLabel *>(w)->text() : QString())));
        }
    }
}

void TestEmptyState::authenticationIsDescribedAsConfigured()
{
    EmptyState state;
    state.setListening(QStringLiteral("127.0.0.1"), 2529, EmptyState::Auth::Any);
    QVERIFY(state.text().contains(QStringLiteral("any user name and password are accepted")));
    state.setListening(QStringLiteral("127.0.0.1"), 2529, EmptyState::Auth::Off);
    QVERIFY(!state.text().contains(QStringLiteral("any user name and password are accepted")));
    QVERIFY(state.text().contains(QStringLiteral("not offered")));
    state.setListening(QStringLiteral("127.0.0.1"), 2529, EmptyState::Auth::Required);
    QVERIFY(!state.text().contains(QStringLiteral("any user name and password are accepted")));
    QVERIFY(state.text().contains(QStringLiteral("credentials file")));
}

void TestEmptyState::searchAndErrorStatesOfferTheWayOut()
{
    EmptyState state;
    state.resize(600, 400);
    state.show();
    state.showNoMatches(QStringLiteral("from:nobody <b>"));
    QVERIFY(state.text().contains(QStringLiteral("No messages match from:nobody <b>")));
    QSignalSpy clear(&state, &EmptyState::clearSearchRequested);
    auto buttons = state.findChildren<QAbstractButton *>();
    auto visible = [&buttons](const QString &text) -> QAbstractButton * {
        for (QAbstractButton *b : buttons) {
            if (b->isVisible() && b->text().contains(text)) {
                return b;
            }
        }
        return nullptr;
    };
    QTRY_VERIFY(visible(QStringLiteral("Clear the search")));
    visible(QStringLiteral("Clear the search"))->click();
    QCOMPARE(clear.size(), 1);

    state.showWaiting();
    state.setListening(QString(), 0, EmptyState::Auth::Any, QStringLiteral("cannot listen on 127.0.0.1:25"));
    QVERIFY(state.text().contains(QStringLiteral("Not catching mail")));
    QVERIFY(state.text().contains(QStringLiteral("cannot listen on 127.0.0.1:25")));
    QSignalSpy choose(&state, &EmptyState::chooseAnotherPortRequested);
    buttons = state.findChildren<QAbstractButton *>();
    QTRY_VERIFY(visible(QStringLiteral("Choose another port")));
    visible(QStringLiteral("Choose another port"))->click();
    QCOMPARE(choose.size(), 1);
}

QTEST_MAIN(TestEmptyState)
#include "tst_emptystate.moc"
