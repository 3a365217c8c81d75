// The window on a small screen (run on a 1280×720 one): a fresh start and a geometry saved on a larger screen
// both fit the available area, so that the status bar and the Sessions dock are never off-screen.
#include "uitestsupport.h"

#include <service/catcherservice.h>
#include <ui/mainwindow.h>
#include <ui/messageschemehandler.h>

#include <QApplication>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>

namespace {
CatcherConfig loopbackConfig()
{
    CatcherConfig config;
    ListenAddress smtp;
    ListenAddress::parse(QStringLiteral("127.0.0.1:0"), &smtp);
    config.smtp = { smtp };
    return config;
}

using UiTest::quietSettings;
} // namespace

class TestWindowGeometry : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void theWindowFitsTheScreen_data();
    void theWindowFitsTheScreen();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteMessageStore> m_store;
    std::unique_ptr<CatcherService> m_catcher;
};

void TestWindowGeometry::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    qputenv("XDG_CONFIG_HOME", m_dir->filePath(QStringLiteral("config")).toLocal8Bit());
    m_store = std::make_unique<SqliteMessageStore>();
    QVERIFY(m_store->open(m_dir->filePath(QStringLiteral("data"))));
    m_catcher = std::make_unique<CatcherService>(m_store.get());
    QVERIFY(m_catcher->start(loopbackConfig()));
}

void TestWindowGeometry::cleanup()
{
    m_catcher.reset();
    QThreadPool::globalInstance()->waitForDone();
    m_store->close();
    m_store.reset();
    m_dir.reset();
}

void TestWindowGeometry::theWindowFitsTheScreen_data()
{
    QTest::addColumn<QSize>("saved");
    QTest::newRow("a fresh start") << QSize();
    QTest::newRow("a geometry saved on a 1920x1200 screen") << QSize(1900, 1150);
    QTest::newRow("a geometry saved taller than this screen") << QSize(1000, 900);
}

void TestWindowGeometry::theWindowFitsTheScreen()
{
    QFETCH(QSize, saved);
    const QRect available = QGuiApplication::primaryScreen()->availableGeometry();
    QVERIFY2(available.height() <= 720, "run on a 1280x720 screen (tests/ui/CMakeLists.txt)");
    if (saved.isValid()) {
        // What the window saves: its geometry, as QWidget::saveGeometry() writes it on the larger screen.
        QWidget big;
        big.setGeometry(QRect(QPoint(0, 0), saved));
        QSettings s(QStringLiteral("letterbox"), QStringLiteral("letterbox"));
        s.setValue(QStringLiteral("window/geometry"), big.saveGeometry());
    }
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QCoreApplication::processEvents();
    QVERIFY2(available.contains(window.frameGeometry()),
        qPrintable(QStringLiteral("%1x%2+%3+%4 does not fit in %5x%6")
                       .arg(window.frameGeometry().width())
                       .arg(window.frameGeometry().height())
                       .arg(window.frameGeometry().x(), 0, 10, QChar(u'+'))
                       .arg(window.frameGeometry().y(), 0, 10, QChar(u'+'))
                       .arg(available.width())
                       .arg(available.height())));
    // The status bar (the listening state) is on the screen.
    const QRect status(window.statusBar()->mapToGlobal(QPoint(0, 0)), window.statusBar()->size());
    QVERIFY(available.contains(status));
}

int main(int argc, char *argv[])
{
    MessageSchemeHandler::registerSchemes();
    QCoreApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
    QApplication app(argc, argv);
    QApplication::setQuitOnLastWindowClosed(false);
    TestWindowGeometry test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_windowgeometry.moc"
