// letterbox-screenshots: starts the desktop app's window on a demo mailbox (sent over real SMTP to its own
// listener) and saves PNGs of the main views. Run it under Xvfb: packaging/screenshots.
#include "demosender.h"

#include <rules/ruleengine.h>
#include <service/catcherservice.h>
#include <store/sqlitemessagestore.h>
#include <ui/htmlview.h>
#include <ui/inboxmodel.h>
#include <ui/inboxview.h>
#include <ui/mainwindow.h>
#include <ui/messageschemehandler.h>
#include <ui/messageview.h>
#include <ui/ruleswindow.h>
#include <ui/sessionsmodel.h>

#include <QAction>
#include <QApplication>
#include <QCommandLineParser>
#include <QDeadlineTimer>
#include <QDir>
#include <QLineEdit>
#include <QScreen>
#include <QTableView>
#include <QTemporaryDir>
#include <QThread>

#include <cstdio>
#include <functional>
#include <thread>

namespace {
bool waitUntil(const std::function<bool()> &ready, int ms)
{
    QDeadlineTimer deadline(ms);
    while (!ready()) {
        if (deadline.hasExpired()) {
            return false;
        }
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(10);
    }
    return true;
}

void settle(int ms)
{
    waitUntil([] { return false; }, ms);
}

bool grab(QWidget *window, const QString &directory, const QString &name)
{
    settle(400);
    const QPixmap pixmap = window->screen()->grabWindow(window->winId());
    const QString path = QDir(directory).filePath(name + QStringLiteral(".png"));
    const bool ok = !pixmap.isNull() && pixmap.save(path);
    std::printf("%s %s\n", ok ? "saved" : "FAILED", qPrintable(path));
    return ok;
}
} // namespace

int main(int argc, char *argv[])
{
    // Nothing of the user's: settings and data live in a temporary folder.
    QTemporaryDir home;
    qputenv("XDG_CONFIG_HOME", home.filePath(QStringLiteral("config")).toLocal8Bit());
    MessageSchemeHandler::registerSchemes();
    QCoreApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
    QApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("letterbox"));
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({ QStringLiteral("out"), QStringLiteral("Where the PNGs go."), QStringLiteral("DIR") });
    parser.process(app);
    const QString out = parser.value(QStringLiteral("out")).isEmpty() ? QStringLiteral("screenshots")
                                                                      : parser.value(QStringLiteral("out"));
    QDir().mkpath(out);

    SqliteMessageStore store;
    if (!store.open(home.filePath(QStringLiteral("data")))) {
        std::fprintf(stderr, "cannot open the store: %s\n", qPrintable(store.errorString()));
        return 1;
    }
    int failures = 0;
    {
        CatcherService catcher(&store);
        RuleEngine rules;
        CatcherConfig config;
        config.rules = &rules;
        ListenAddress smtp;
        ListenAddress::parse(QStringLiteral("127.0.0.1:0"), &smtp);
        ListenAddress api;
        ListenAddress::parse(QStringLiteral("127.0.0.1:0"), &api);
        config.smtp = { smtp };
        config.api = api;
        config.session.hostname = "letterbox.local";
        if (!catcher.start(config)) {
            std::fprintf(stderr, "cannot listen: %s\n", qPrintable(catcher.errorString()));
            return 1;
        }
        AppSettings settings;
        settings.trayIcon = false;
        settings.notifications = false;
        MainWindow window(&store, &catcher, settings, config);
        window.resize(1440, 900);
        window.show();
        window.messageView()->htmlView()->setPreviewWidth(HtmlView::Width::Desktop);
        settle(1500);
        failures += !grab(&window, out, QStringLiteral("empty-inbox"));

        const quint16 port = catcher.smtpListeners().first().port;
        std::thread sender([port] {
            QString error;
            // A client that gets a command out of sequence first, as the Sessions dock shows it.
            if (!DemoSender::send(QStringLiteral("127.0.0.1"), port, {}, &error, { "RCPT TO:<early@example.com>" })
                || !DemoSender::send(QStringLiteral("127.0.0.1"), port, DemoSender::demoMessages(), &error)) {
                std::fprintf(stderr, "sending the demo mail failed: %s\n", qPrintable(error));
            }
        });
        const qsizetype expected = DemoSender::demoMessages().size();
        waitUntil([&] { return window.inboxModel()->rowCount() >= expected; }, 20000);
        sender.join();

        auto select = [&](const QString &subjectPart) {
            InboxModel *inbox = window.inboxModel();
            for (int row = 0; row < inbox->rowCount(); ++row) {
                if (inbox->summaryAt(row).subject.contains(subjectPart)) {
                    window.selectMessage(inbox->idAt(row));
                    break;
                }
            }
            waitUntil([&] { return !window.messageView()->isLoading(); }, 10000);
            settle(1500);
        };
        MessageView *view = window.messageView();
        view->setCurrentTab(MessageView::HtmlTab);
        select(QStringLiteral("Quarterly"));
        failures += !grab(&window, out, QStringLiteral("inbox-html"));
        const QList<QPair<MessageView::Tab, QString>> tabs { { MessageView::TextTab, QStringLiteral("text") },
            { MessageView::HeadersTab, QStringLiteral("headers") },
            { MessageView::SourceTab, QStringLiteral("source") }, { MessageView::PartsTab, QStringLiteral("parts") },
            { MessageView::EnvelopeTab, QStringLiteral("envelope-session") } };
        for (const auto &[tab, name] : tabs) {
            view->setCurrentTab(tab);
            failures += !grab(&window, out, name);
        }
        // A small laptop screen: everything still fits, nothing is cut off.
        view->setCurrentTab(MessageView::HtmlTab);
        window.resize(1280, 720);
        settle(1500);
        failures += !grab(&window, out, QStringLiteral("inbox-1280x720"));
        window.resize(1440, 900);
        settle(800);
        select(QStringLiteral("order"));
        failures += !grab(&window, out, QStringLiteral("remote-content-blocked"));
        view->htmlView()->setPreviewWidth(HtmlView::Width::Phone);
        failures += !grab(&window, out, QStringLiteral("phone-width"));
        view->htmlView()->setPreviewWidth(HtmlView::Width::Desktop);
        window.action(QStringLiteral("compact"))->trigger();
        failures += !grab(&window, out, QStringLiteral("compact-rows"));
        window.action(QStringLiteral("compact"))->trigger();
        window.searchField()->setText(QStringLiteral("from:nobody@nowhere"));
        settle(800);
        failures += !grab(&window, out, QStringLiteral("empty-search"));
        window.searchField()->clear();

        // The Rules window with the rules of the README's examples, after a client met them.
        QString error;
        const std::optional<RuleSet> examples = RuleSet::fromJson(R"({"version": 1,
            "recipient": [
                {"match": "glob", "pattern": "full@*", "code": 452, "enhanced": "4.2.2", "text": "mailbox full"},
                {"match": "regex", "pattern": "^bogus", "code": 550, "enhanced": "5.1.1",
                 "text": "mailbox unavailable"},
                {"match": "glob", "pattern": "*@slow.example", "action": "accept", "delayMs": 8000,
                 "probability": 30}]})",
            &error);
        rules.setRules(*examples);
        std::thread refused([port] {
            QString ignored;
            DemoSender::send(QStringLiteral("127.0.0.1"), port,
                { { "app@shop.example", { "bogus@example.com" }, "Subject: x\r\n\r\nx\r\n" } }, &ignored);
        });
        refused.join(); // the server runs on its own thread
        RulesWindow *rulesWindow = window.rulesWindow();
        rulesWindow->showStage(RuleSet::Stage::Recipient);
        rulesWindow->resize(1000, 520);
        rulesWindow->show();
        settle(1500);
        failures += !grab(rulesWindow, out, QStringLiteral("rules"));
        rulesWindow->close();
        window.sessionsModel()->flush();
        window.sessionsView()->selectRow(0); // newest first
        settle(500);
        failures += !grab(&window, out, QStringLiteral("session-refused"));
        catcher.stop();
    }
    store.close();
    return failures == 0 ? 0 : 1;
}
