// The desktop app's responsiveness (docs/benchmarks.md): with 100,000 stored messages, the time from start to the
// first painted inbox; and while a burst of 5,000 messages arrives as fast as a load generator sends them, the
// longest GUI event-loop stall (a 5 ms QTimer heartbeat measuring how late it fires). References measured in the
// same run: a bare Qt window with a table (start-up), and the same heartbeat with no mail arriving (stalls).
// Then a search typed right after a burst stored straight into the store (--search-burst, 15,000): the longest stall
// while the window's search runs, beside what the search cost when it ran a complete list() on the GUI thread (each
// after a burst of its own, in the same run).
// With --attached, the same measures for a window attached (--attach) to a headless letterbox that serves the same
// store over loopback HTTP: its first painted inbox alternated with the local window's and the bare reference's, the
// stalls while the burst goes to the headless catcher's SMTP port, and a search typed into it.
//
//   letterbox-gui-bench --data DIR [--messages 100000] [--burst 5000] [--sessions 4] [--starts 5]
//                       [--search-burst 15000] [--attached]
// Run under Xvfb (packaging/letterbox-dev has xvfb): xvfb-run -a letterbox-gui-bench --data /tmp/gb100k
#include <remote/remoteendpoint.h>
#include <remote/remotemessagestore.h>
#include <service/catcherservice.h>
#include <smtp/messagedelivery.h>
#include <store/messageimporter.h>
#include <store/sqlitemessagestore.h>
#include <ui/appsettings.h>
#include <ui/inboxmodel.h>
#include <ui/inboxview.h>
#include <ui/mainwindow.h>
#include <ui/messageschemehandler.h>
#include <ui/sourceview.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHeaderView>
#include <QLineEdit>
#include <QMainWindow>
#include <QPlainTextEdit>
#include <QProcess>
#include <QStandardItemModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QThread>
#include <QThreadPool>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <random>
#include <thread>

#include <unistd.h>

namespace {
QElapsedTimer s_clock; // started first thing in main()

// A table view that says when it first painted rows (the reference window's list).
class PaintedTable : public QTableView
{
public:
    std::function<void()> onPainted;

protected:
    void paintEvent(QPaintEvent *event) override
    {
        QTableView::paintEvent(event);
        if (onPainted && model() && model()->rowCount() > 0) {
            auto done = std::move(onPainted);
            onPainted = nullptr;
            done();
        }
    }
};

bool waitUntil(const std::function<bool()> &ready, int ms)
{
    QDeadlineTimer deadline(ms);
    while (!ready()) {
        if (deadline.hasExpired()) {
            return false;
        }
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(2);
    }
    return true;
}

CatcherConfig loopback()
{
    CatcherConfig config;
    ListenAddress smtp;
    ListenAddress::parse(QStringLiteral("127.0.0.1:0"), &smtp);
    config.smtp = { smtp };
    config.session.hostname = "bench.test";
    return config;
}

AppSettings quiet()
{
    AppSettings s;
    s.trayIcon = false;
    s.notifications = false;
    return s;
}

const char *const s_words[] = { "invoice", "report", "meeting", "order", "shipped", "password", "welcome", "weekly",
    "digest", "alert", "receipt", "update", "reminder", "quarterly", "launch", "review" };

// Generated message number i: sender, recipient and two of s_words in the subject and body.
QByteArray benchMessage(qint64 i, std::mt19937 &rng)
{
    std::uniform_int_distribution<int> pick(0, int(std::size(s_words)) - 1);
    const QLatin1String first(s_words[pick(rng)]);
    const QLatin1String second(s_words[pick(rng)]);
    return QStringLiteral("From: Sender %1 <s%1@host%2.test>\r\nTo: user%3@example.test\r\n"
                          "Subject: %4 %5 number %6\r\nMessage-ID: <%6@bench.test>\r\n\r\n"
                          "Hello, this is the %4 about %5 for user %3.\r\n")
        .arg(i % 997)
        .arg(i % 31)
        .arg(i % 211)
        .arg(first, second)
        .arg(i)
        .toUtf8();
}

// Stores count generated messages as fast as the store takes them, from another thread, while this one runs its
// event loop; returns when all are committed.
void storeBurst(MessageStore &store, qint64 firstNumber, int count)
{
    std::atomic<int> left { count };
    std::thread sender([&] {
        std::mt19937 rng { quint32(firstNumber) };
        for (int i = 0; i < count; ++i) {
            store.deliver(
                MessageImporter::incoming(benchMessage(firstNumber + i, rng), 1764000000000 + (firstNumber + i) * 1000),
                [&left](const DeliveryResult &) { --left; });
        }
    });
    waitUntil([&] { return left.load() == 0; }, 600000);
    sender.join();
}

int fill(const QString &dir, qint64 wanted)
{
    SqliteMessageStore store;
    store.setMaxMessages(0);
    if (!store.open(dir)) {
        std::fprintf(stderr, "cannot open %s: %s\n", qPrintable(dir), qPrintable(store.errorString()));
        return 1;
    }
    const qint64 have = store.count();
    std::mt19937 rng(20261130);
    std::atomic<qint64> pending { 0 };
    QElapsedTimer timer;
    timer.start();
    for (qint64 i = have; i < wanted; ++i) {
        const QByteArray data = benchMessage(i, rng);
        ++pending;
        store.deliver(MessageImporter::incoming(data, 1764000000000 + i * 1000),
            [&pending](const DeliveryResult &) { --pending; });
        while (pending > 2000) {
            QThread::msleep(1);
        }
    }
    while (pending > 0) {
        QThread::msleep(5);
    }
    // Parsing and indexing happen between deliveries: let them finish, as on a store that has been running.
    while (store.unindexedCount() > 0) {
        store.search(QStringLiteral("zzzz"), 0, 1);
        QThread::msleep(50);
    }
    std::printf("store: %lld messages (%lld added in %.1f s)\n", static_cast<long long>(store.count()),
        static_cast<long long>(wanted - have), timer.elapsed() / 1000.0);
    store.close();
    return 0;
}

// One start of a window attached to url: from before the application object to the first painted rows (the
// attach's first requests, the window, its first page over HTTP). Prints "startup-ms X".
int startAttachedOnce(int argc, char *argv[], const QString &url)
{
    MessageSchemeHandler::registerSchemes();
    QCoreApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
    QApplication app(argc, argv);
    RemoteEndpoint endpoint;
    QString error;
    if (!RemoteEndpoint::parse(url, &endpoint, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    double painted = -1;
    RemoteMessageStore store(endpoint);
    std::unique_ptr<MainWindow> window;
    store.attach(&app, [&](const QString &why) {
        if (!why.isEmpty()) {
            std::fprintf(stderr, "cannot attach: %s\n", qPrintable(why));
            return;
        }
        window = std::make_unique<MainWindow>(&store, quiet());
        QObject::connect(
            window->inboxView(), &InboxView::firstRowsPainted, [&] { painted = s_clock.nsecsElapsed() / 1e6; });
        window->resize(1280, 800);
        window->show();
    });
    waitUntil([&] { return painted >= 0; }, 30000);
    window.reset();
    store.close();
    QThreadPool::globalInstance()->waitForDone();
    std::printf("startup-ms %.1f\n", painted);
    return painted >= 0 ? 0 : 1;
}

// One start: from before the application object to the first painted rows. Prints "startup-ms X".
int startOnce(int argc, char *argv[], const QString &dir, bool reference)
{
    if (!reference) {
        MessageSchemeHandler::registerSchemes();
        QCoreApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
    }
    QApplication app(argc, argv);
    double painted = -1;
    if (reference) {
        QMainWindow window;
        QStandardItemModel model(50, 5);
        for (int r = 0; r < 50; ++r) {
            for (int c = 0; c < 5; ++c) {
                model.setItem(r, c, new QStandardItem(QStringLiteral("row %1 column %2").arg(r).arg(c)));
            }
        }
        auto *table = new PaintedTable;
        table->setModel(&model);
        table->onPainted = [&] {
            painted = s_clock.nsecsElapsed() / 1e6;
        };
        window.setCentralWidget(table);
        window.resize(1280, 800);
        window.show();
        waitUntil([&] { return painted >= 0; }, 30000);
    } else {
        SqliteMessageStore store;
        if (!store.open(dir)) {
            return 1;
        }
        {
            CatcherService catcher(&store);
            catcher.start(loopback());
            MainWindow window(&store, &catcher, quiet(), loopback());
            QObject::connect(
                window.inboxView(), &InboxView::firstRowsPainted, [&] { painted = s_clock.nsecsElapsed() / 1e6; });
            window.resize(1280, 800);
            window.show();
            waitUntil([&] { return painted >= 0; }, 30000);
            catcher.stop();
        }
        store.close();
    }
    std::printf("startup-ms %.1f\n", painted);
    return painted >= 0 ? 0 : 1;
}

double percentile(QList<double> values, double p)
{
    if (values.isEmpty()) {
        return 0;
    }
    std::sort(values.begin(), values.end());
    return values.at(qMin(values.size() - 1, qsizetype(p * double(values.size()))));
}

struct Heartbeat
{
    QList<double> lateness; // ms per tick
    QElapsedTimer since;
    QTimer timer;
    static constexpr int IntervalMs = 5;

    Heartbeat()
    {
        timer.setTimerType(Qt::PreciseTimer);
        timer.setInterval(IntervalMs);
        QObject::connect(&timer, &QTimer::timeout, [this] {
            lateness << qMax(0.0, since.nsecsElapsed() / 1e6 - IntervalMs);
            since.restart();
        });
    }
    void start()
    {
        lateness.clear();
        since.start();
        timer.start();
    }
    void stop() { timer.stop(); }
};
// A child run of this benchmark (--start-once …): its start-up time in ms, or -1.
double startChild(const QString &program, const QStringList &childArgs)
{
    QProcess child;
    child.start(QFileInfo(program).absoluteFilePath(), childArgs);
    child.waitForFinished(120000);
    const QByteArray out = child.readAllStandardOutput();
    const qsizetype at = out.indexOf("startup-ms ");
    if (at < 0) {
        std::fprintf(stderr, "start-up run failed: %s\n", child.readAllStandardError().constData());
        return -1;
    }
    return out.mid(at + 11).trimmed().toDouble();
}

QString medianLine(QList<double> values)
{
    std::sort(values.begin(), values.end());
    return QStringLiteral("median %1 ms (min %2, max %3)")
        .arg(values.at(values.size() / 2), 0, 'f', 0)
        .arg(values.first(), 0, 'f', 0)
        .arg(values.last(), 0, 'f', 0);
}

double median(QList<double> values)
{
    std::sort(values.begin(), values.end());
    return values.at(values.size() / 2);
}

// --attached: a headless letterbox (the build's own, beside this benchmark's build tree) serves dir's store; the
// window under test is attached to its API over loopback HTTP.
int attached(int argc, char *argv[], const QString &program, const QString &dir, const QCommandLineParser &parser)
{
    QProcess catcher;
    catcher.setProcessChannelMode(QProcess::SeparateChannels);
    catcher.start(QStringLiteral(LETTERBOX_BINARY),
        { QStringLiteral("--headless"), QStringLiteral("--data"), dir, QStringLiteral("--hostname"),
            QStringLiteral("bench.test"), QStringLiteral("--smtp"), QStringLiteral("127.0.0.1:0"),
            QStringLiteral("--api"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--max-messages"),
            QStringLiteral("0") });
    QString apiUrl;
    quint16 smtpPort = 0;
    QDeadlineTimer started(60000);
    while ((apiUrl.isEmpty() || smtpPort == 0) && !started.hasExpired() && catcher.state() != QProcess::NotRunning) {
        if (!catcher.canReadLine()) {
            catcher.waitForReadyRead(1000);
            continue;
        }
        const QString line = QString::fromUtf8(catcher.readLine()).trimmed();
        if (line.startsWith(QLatin1String("API listening on "))) {
            apiUrl = line.mid(17);
        } else if (line.startsWith(QLatin1String("SMTP listening on "))) {
            smtpPort = quint16(line.section(u':', -1).toUInt());
        }
    }
    if (apiUrl.isEmpty() || smtpPort == 0) {
        std::fprintf(stderr, "the headless catcher did not start: %s\n", catcher.readAllStandardError().constData());
        return 1;
    }
    std::printf("headless catcher: SMTP on 127.0.0.1:%u, API at %s\n", smtpPort, qPrintable(apiUrl));

    // Start-up, alternated: the bare reference, the local window (on the same store), the attached window.
    QList<double> bare;
    QList<double> local;
    QList<double> remote;
    const int starts = parser.value(QStringLiteral("starts")).toInt();
    for (int i = 0; i < starts; ++i) {
        bare << startChild(program, { QStringLiteral("--start-once"), dir, QStringLiteral("--reference") });
        local << startChild(program, { QStringLiteral("--start-once"), dir });
        remote << startChild(program, { QStringLiteral("--start-attached-once"), apiUrl });
        if (bare.last() < 0 || local.last() < 0 || remote.last() < 0) {
            catcher.kill();
            return 1;
        }
    }
    std::printf("first painted inbox, attached over loopback HTTP: %s over %d starts\n", qPrintable(medianLine(remote)),
        starts);
    std::printf("first painted inbox, local window on the same store: %s\n", qPrintable(medianLine(local)));
    std::printf("reference (bare Qt window, 50-row table): %s\n", qPrintable(medianLine(bare)));
    std::printf("ratio attached / local: %.2f; attached / bare reference: %.2f\n", median(remote) / median(local),
        median(remote) / median(bare));

    // The burst, sent to the headless catcher, shown by the attached window.
    MessageSchemeHandler::registerSchemes();
    QCoreApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
    QApplication app(argc, argv);
    RemoteEndpoint endpoint;
    QString error;
    RemoteEndpoint::parse(apiUrl, &endpoint, &error);
    RemoteMessageStore store(endpoint);
    std::unique_ptr<MainWindow> window;
    bool ready = false;
    store.attach(&app, [&](const QString &why) {
        if (why.isEmpty()) {
            window = std::make_unique<MainWindow>(&store, quiet());
            window->resize(1280, 800);
            window->show();
        } else {
            std::fprintf(stderr, "cannot attach: %s\n", qPrintable(why));
        }
        ready = true;
    });
    int status = 0;
    if (!waitUntil([&] { return ready; }, 30000) || !window) {
        catcher.kill();
        return 1;
    }
    waitUntil([] { return false; }, 2000);
    Heartbeat heartbeat;
    heartbeat.start();
    waitUntil([] { return false; }, 3000);
    heartbeat.stop();
    const QList<double> idle = heartbeat.lateness;

    const qint64 before = window->inboxModel()->matchCount();
    const int burst = parser.value(QStringLiteral("burst")).toInt();
    QProcess sender;
    sender.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    QElapsedTimer timer;
    heartbeat.start();
    timer.start();
    sender.start(QStringLiteral("python3"),
        { QStringLiteral(LETTERBOX_BENCH_DIR "/smtp-burst.py"), QStringLiteral("127.0.0.1"), QString::number(smtpPort),
            QString::number(burst), parser.value(QStringLiteral("sessions")) });
    const bool shown = waitUntil(
        [&] { return window->inboxModel()->matchCount() >= before + burst && sender.state() == QProcess::NotRunning; },
        600000);
    const double elapsed = timer.elapsed() / 1000.0;
    waitUntil([] { return false; }, 1000);
    heartbeat.stop();
    const QList<double> busy = heartbeat.lateness;
    std::printf("%s", sender.readAllStandardOutput().constData());
    if (!shown) {
        std::fprintf(stderr, "the burst did not all show up in the attached window (%lld of %d)\n",
            static_cast<long long>(window->inboxModel()->matchCount() - before), burst);
        status = 1;
    }
    const auto over = std::count_if(busy.cbegin(), busy.cend(), [](double v) { return v > 50; });
    std::printf("attached: burst of %d over %s sessions: all listed after %.2f s (%.0f msg/s)\n", burst,
        qPrintable(parser.value(QStringLiteral("sessions"))), elapsed, burst / elapsed);
    std::printf("attached: event-loop lateness during the burst: max %.1f ms, p99 %.1f ms, p50 %.2f ms, %lld ticks "
                "over 50 ms (of %lld)\n",
        percentile(busy, 1.0), percentile(busy, 0.99), percentile(busy, 0.5), static_cast<long long>(over),
        static_cast<long long>(busy.size()));
    std::printf("reference, idle attached window: max %.1f ms, p99 %.1f ms (of %lld ticks)\n", percentile(idle, 1.0),
        percentile(idle, 0.99), static_cast<long long>(idle.size()));
    std::printf("ratio of max stalls (burst / idle): %.2f\n", percentile(busy, 1.0) / qMax(0.1, percentile(idle, 1.0)));

    // A search typed into the attached window: the server searches, the window lists the first page.
    const QString word = QStringLiteral("invoice");
    InboxModel *inbox = window->inboxModel();
    double answered = -1;
    const QMetaObject::Connection onLoaded = QObject::connect(inbox, &InboxModel::loaded, [&] {
        if (answered < 0 && inbox->query() == word) {
            answered = timer.nsecsElapsed() / 1e6;
        }
    });
    heartbeat.start();
    timer.start();
    window->searchField()->setText(word);
    QMetaObject::invokeMethod(window->searchField(), "returnPressed");
    const bool listed = waitUntil([&] { return answered >= 0; }, 60000);
    waitUntil([] { return false; }, 200);
    heartbeat.stop();
    QObject::disconnect(onLoaded);
    if (!listed) {
        std::fprintf(stderr, "the attached search did not answer\n");
        status = 1;
    }
    std::printf("attached: search \"%s\" listed after %.0f ms (%lld matches); longest event-loop stall %.1f ms\n",
        qPrintable(word), answered, static_cast<long long>(inbox->matchCount()), percentile(heartbeat.lateness, 1.0));

    window.reset();
    store.close();
    QThreadPool::globalInstance()->waitForDone();
    catcher.terminate();
    catcher.waitForFinished(30000);
    return status;
}
} // namespace

int main(int argc, char *argv[])
{
    s_clock.start();
    QTemporaryDir config;
    qputenv("XDG_CONFIG_HOME", config.path().toLocal8Bit()); // nothing of the user's window state
    // Chromium refuses to start as root with its sandbox; a benchmark run as root (CI machines) turns it off for
    // itself. The shipped app never does.
    if (geteuid() == 0 && !qEnvironmentVariableIsSet("QTWEBENGINE_CHROMIUM_FLAGS")) {
        qputenv("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox");
    }
    QStringList args;
    for (int i = 0; i < argc; ++i) {
        args << QString::fromLocal8Bit(argv[i]);
    }
    const qsizetype once = args.indexOf(QStringLiteral("--start-once"));
    if (once > 0) {
        return startOnce(argc, argv, args.value(once + 1), args.contains(QStringLiteral("--reference")));
    }
    const qsizetype attachedOnce = args.indexOf(QStringLiteral("--start-attached-once"));
    if (attachedOnce > 0) {
        return startAttachedOnce(argc, argv, args.value(attachedOnce + 1));
    }

    QCommandLineParser parser;
    parser.addOption(
        { QStringLiteral("data"), QStringLiteral("Store to fill (kept between runs)."), QStringLiteral("DIR") });
    parser.addOption({ QStringLiteral("messages"), QStringLiteral("Stored messages (100000)."), QStringLiteral("N"),
        QStringLiteral("100000") });
    parser.addOption({ QStringLiteral("burst"), QStringLiteral("Messages in the burst (5000)."), QStringLiteral("N"),
        QStringLiteral("5000") });
    parser.addOption({ QStringLiteral("sessions"), QStringLiteral("Parallel SMTP sessions (4)."), QStringLiteral("N"),
        QStringLiteral("4") });
    parser.addOption(
        { QStringLiteral("source-mb"), QStringLiteral("Also time the Source tab with a message this big (0: skip)."),
            QStringLiteral("MB"), QStringLiteral("10") });
    parser.addOption({ QStringLiteral("starts"), QStringLiteral("Start-up runs of each kind (5)."), QStringLiteral("N"),
        QStringLiteral("5") });
    parser.addOption({ QStringLiteral("search-burst"),
        QStringLiteral("Messages stored just before a search is typed (15000; 0: skip)."), QStringLiteral("N"),
        QStringLiteral("15000") });
    parser.addOption({ QStringLiteral("attached"),
        QStringLiteral("Measure a window attached to a headless letterbox serving the store over loopback HTTP.") });
    parser.parse(args);
    const QString dir = parser.value(QStringLiteral("data"));
    if (dir.isEmpty()) {
        std::fprintf(stderr, "usage: letterbox-gui-bench --data DIR [--messages N] [--burst N]\n");
        return 2;
    }
    if (fill(dir, parser.value(QStringLiteral("messages")).toLongLong()) != 0) {
        return 1;
    }
    if (parser.isSet(QStringLiteral("attached"))) {
        return attached(argc, argv, args.first(), dir, parser);
    }

    // Start-up: alternate the reference and Letterbox, each a fresh process.
    QList<double> ours;
    QList<double> reference;
    const int starts = parser.value(QStringLiteral("starts")).toInt();
    for (int i = 0; i < starts * 2; ++i) {
        const bool isReference = i % 2 == 0;
        QProcess child;
        QStringList childArgs { QStringLiteral("--start-once"), dir };
        if (isReference) {
            childArgs << QStringLiteral("--reference");
        }
        child.start(QFileInfo(args.first()).absoluteFilePath(), childArgs);
        child.waitForFinished(120000);
        const QByteArray out = child.readAllStandardOutput();
        const qsizetype at = out.indexOf("startup-ms ");
        if (at < 0) {
            std::fprintf(stderr, "start-up run failed: %s\n", child.readAllStandardError().constData());
            return 1;
        }
        (isReference ? reference : ours) << out.mid(at + 11).trimmed().toDouble();
    }
    std::sort(ours.begin(), ours.end());
    std::sort(reference.begin(), reference.end());
    const double oursMedian = ours.at(ours.size() / 2);
    const double referenceMedian = reference.at(reference.size() / 2);
    std::printf("first painted inbox, %s stored: median %.0f ms (min %.0f, max %.0f) over %d starts\n",
        qPrintable(QLocale::c().toString(parser.value(QStringLiteral("messages")).toLongLong())), oursMedian,
        ours.first(), ours.last(), starts);
    std::printf("reference (bare Qt window, 50-row table): median %.0f ms (min %.0f, max %.0f)\n", referenceMedian,
        reference.first(), reference.last());
    std::printf("ratio to the reference: %.2f\n", oursMedian / referenceMedian);

    // The Source tab with a big message: SourceView (line numbers, header formatting) against a bare
    // QPlainTextEdit::setPlainText() of the same text, each to its first paint.
    const int sourceMb = parser.value(QStringLiteral("source-mb")).toInt();
    QByteArray bigSource;
    if (sourceMb > 0) {
        bigSource = "Received: from bench ([127.0.0.1]) by bench.test (Letterbox) with ESMTP id X; now\r\n"
                    "From: a@x.test\r\nTo: b@y.test\r\nSubject: big\r\nContent-Type: application/pdf\r\n"
                    "Content-Transfer-Encoding: base64\r\n\r\n";
        const QByteArray line = QByteArray(76, 'Q') + "\r\n";
        while (bigSource.size() < sourceMb * 1024 * 1024) {
            bigSource += line;
        }
    }
    // The burst: the app as the user runs it (window, SMTP, API), a load generator in another process.
    MessageSchemeHandler::registerSchemes();
    QCoreApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
    QApplication app(argc, argv);
    SqliteMessageStore store;
    store.setMaxMessages(0);
    if (!store.open(dir)) {
        return 1;
    }
    int status = 0;
    {
        CatcherService catcher(&store);
        catcher.start(loopback());
        MainWindow window(&store, &catcher, quiet(), loopback());
        window.resize(1280, 800);
        window.show();
        waitUntil([] { return false; }, 2000);
        if (sourceMb > 0) {
            QList<double> ours;
            QList<double> plain;
            for (int round = 0; round < 3; ++round) {
                for (const bool reference : { true, false }) {
                    QElapsedTimer t;
                    QWidget *widget = nullptr;
                    QAbstractScrollArea *area = nullptr;
                    if (reference) {
                        auto *edit = new QPlainTextEdit;
                        edit->setReadOnly(true);
                        edit->resize(900, 700);
                        edit->show();
                        waitUntil([] { return false; }, 200);
                        t.start();
                        edit->setPlainText(QString::fromLatin1(bigSource));
                        widget = edit;
                        area = edit;
                    } else {
                        auto *view = new SourceView;
                        view->resize(900, 700);
                        view->show();
                        waitUntil([] { return false; }, 200);
                        t.start();
                        Heartbeat beat;
                        beat.start();
                        view->setSource(bigSource);
                        // What the GUI thread spends: the call, then attaching the document a worker made.
                        const double call = t.nsecsElapsed() / 1e6;
                        waitUntil([&] { return !view->isLoading(); }, 60000);
                        const double shown = t.nsecsElapsed() / 1e6;
                        waitUntil([] { return false; }, 150); // the paint after it, and the tick that measures it
                        beat.stop();
                        std::printf("source view: setSource() returned after %.1f ms, shown after %.0f ms; longest "
                                    "event-loop stall meanwhile %.0f ms\n",
                            call, shown, percentile(beat.lateness, 1.0));
                        widget = view;
                        area = view->editor();
                    }
                    area->viewport()->repaint();
                    (reference ? plain : ours) << t.nsecsElapsed() / 1e6;
                    delete widget;
                }
            }
            std::sort(ours.begin(), ours.end());
            std::sort(plain.begin(), plain.end());
            std::printf("source view, %d MB message to its first paint: median %.0f ms; reference "
                        "QPlainTextEdit::setPlainText: median %.0f ms; ratio %.2f\n",
                sourceMb, ours.at(1), plain.at(1), ours.at(1) / plain.at(1));
        }
        Heartbeat heartbeat;
        heartbeat.start();
        waitUntil([] { return false; }, 3000);
        heartbeat.stop();
        const QList<double> idle = heartbeat.lateness;

        const qint64 before = store.count();
        const int burst = parser.value(QStringLiteral("burst")).toInt();
        QProcess sender;
        sender.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        QElapsedTimer timer;
        heartbeat.start();
        timer.start();
        sender.start(QStringLiteral("python3"),
            { QStringLiteral(LETTERBOX_BENCH_DIR "/smtp-burst.py"), QStringLiteral("127.0.0.1"),
                QString::number(catcher.smtpListeners().first().port), QString::number(burst),
                parser.value(QStringLiteral("sessions")) });
        const bool shown = waitUntil(
            [&] {
                return window.inboxModel()->matchCount() >= before + burst && sender.state() == QProcess::NotRunning;
            },
            600000);
        const double elapsed = timer.elapsed() / 1000.0;
        waitUntil([] { return false; }, 1000); // what the burst left queued
        heartbeat.stop();
        const QList<double> busy = heartbeat.lateness;
        std::printf("%s", sender.readAllStandardOutput().constData());
        if (!shown) {
            std::fprintf(stderr, "the burst did not all show up in the inbox\n");
            status = 1;
        }
        const auto over = std::count_if(busy.cbegin(), busy.cend(), [](double v) { return v > 50; });
        std::printf("burst of %d over %s sessions: all listed after %.2f s (%.0f msg/s)\n", burst,
            qPrintable(parser.value(QStringLiteral("sessions"))), elapsed, burst / elapsed);
        std::printf(
            "event-loop lateness during the burst: max %.1f ms, p99 %.1f ms, p50 %.2f ms, %lld ticks over 50 ms "
            "(of %lld)\n",
            percentile(busy, 1.0), percentile(busy, 0.99), percentile(busy, 0.5), static_cast<long long>(over),
            static_cast<long long>(busy.size()));
        std::printf("reference, idle window: max %.1f ms, p99 %.1f ms (of %lld ticks)\n", percentile(idle, 1.0),
            percentile(idle, 0.99), static_cast<long long>(idle.size()));
        std::printf(
            "ratio of max stalls (burst / idle): %.2f\n", percentile(busy, 1.0) / qMax(0.1, percentile(idle, 1.0)));

        // A search typed right after a burst: the store has the burst but has not indexed it yet.
        const int searchBurst = parser.value(QStringLiteral("search-burst")).toInt();
        if (searchBurst > 0) {
            const QString word = QStringLiteral("invoice");
            qint64 next = store.count() + 1000000;
            // Before: a complete list() on the GUI thread, as the inbox read until this change (it waited for the
            // writer to index the backlog, then listed the first page).
            storeBurst(store, next, searchBurst);
            next += searchBurst;
            const qint64 backlogBefore = store.unindexedCount();
            heartbeat.start();
            double blocked = 0;
            qint64 matchesBefore = 0;
            QTimer::singleShot(20, [&] {
                QElapsedTimer t;
                t.start();
                const std::optional<SearchResult> page = store.list(word, MessageSort(), 0, InboxModel::PageSize,
                    QTimeZone::systemTimeZone(), nullptr, SearchCompleteness::Complete);
                blocked = t.nsecsElapsed() / 1e6;
                matchesBefore = page ? page->matches : -1;
            });
            waitUntil([&] { return blocked > 0; }, 600000);
            waitUntil([] { return false; }, 200);
            heartbeat.stop();
            const QList<double> synchronous = heartbeat.lateness;
            std::printf("search typed after a burst of %d (%lld not indexed yet), before: complete list() on the GUI "
                        "thread blocked it %.0f ms (%lld matches); longest event-loop stall %.1f ms\n",
                searchBurst, static_cast<long long>(backlogBefore), blocked, static_cast<long long>(matchesBefore),
                percentile(synchronous, 1.0));

            // After: the window's own search, typed into its search field.
            storeBurst(store, next, searchBurst);
            const qint64 backlogAfter = store.unindexedCount();
            InboxModel *inbox = window.inboxModel();
            double answered = -1;
            qint64 answeredUnindexed = -1;
            qint64 answeredMatches = -1;
            const QMetaObject::Connection onLoaded = QObject::connect(inbox, &InboxModel::loaded, [&] {
                if (answered < 0 && inbox->query() == word) {
                    answered = timer.nsecsElapsed() / 1e6;
                    answeredUnindexed = inbox->unindexedCount();
                    answeredMatches = inbox->matchCount();
                }
            });
            heartbeat.start();
            timer.start();
            window.searchField()->setText(word);
            QMetaObject::invokeMethod(window.searchField(), "returnPressed");
            const bool listed = waitUntil([&] { return answered >= 0; }, 60000);
            const bool complete = waitUntil(
                [&] { return inbox->isComplete() && !inbox->isLoading() && store.unindexedCount() == 0; }, 600000);
            const double completeMs = timer.nsecsElapsed() / 1e6;
            waitUntil([] { return false; }, 200);
            heartbeat.stop();
            QObject::disconnect(onLoaded);
            const QList<double> async = heartbeat.lateness;
            if (!listed || !complete) {
                std::fprintf(stderr, "the search did not answer\n");
                status = 1;
            }
            const auto overAsync = std::count_if(async.cbegin(), async.cend(), [](double v) { return v > 50; });
            std::printf("search typed after a burst of %d (%lld not indexed yet), after: first results listed after "
                        "%.0f ms (%lld matches, %lld said to be still indexing), complete after %.0f ms (%lld "
                        "matches); longest event-loop stall %.1f ms, p99 %.1f ms, %lld ticks over 50 ms (of %lld)\n",
                searchBurst, static_cast<long long>(backlogAfter), answered, static_cast<long long>(answeredMatches),
                static_cast<long long>(answeredUnindexed), completeMs, static_cast<long long>(inbox->matchCount()),
                percentile(async, 1.0), percentile(async, 0.99), static_cast<long long>(overAsync),
                static_cast<long long>(async.size()));
            std::printf("ratio of longest stalls (after / before): %.3f\n",
                percentile(async, 1.0) / qMax(0.1, percentile(synchronous, 1.0)));
        }
        catcher.stop();
        QThreadPool::globalInstance()->waitForDone();
    }
    store.close();
    return status;
}
