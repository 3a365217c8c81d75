#include "mainwindow.h"
#include "plural.h"

#include "attachdialog.h"
#include "composerwindow.h"
#include "emptystate.h"
#include "htmlview.h"
#include "icons.h"
#include "inboxmodel.h"
#include "inboxview.h"
#include "mailboxesdialog.h"
#include "mailboxlistmodel.h"
#include "messageview.h"
#include "notifier.h"
#include "relaysettingspage.h"
#include "releasedialog.h"
#include "rulesmodel.h"
#include "ruleswindow.h"
#include "sessionsmodel.h"
#include "settingsdialog.h"
#include "sourceview.h"
#include "tagbar.h"
#include "transcriptmodel.h"

#include <mailbox/mailboxsettings.h>
#include <message/mailboxname.h>
#include <message/messagetags.h>
#include <message/safefilename.h>
#include <relay/relayservice.h>
#include <remote/remotemessagestore.h>
#include <remote/remoterulesdocument.h>
#include <rules/ruleengine.h>
#include <service/catcherservice.h>
#include <store/mboxwriter.h>
#include <store/messageimporter.h>
#include <store/messagestore.h>

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFrame>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPointer>
#include <QPushButton>
#include <QSaveFile>
#include <QScreen>
#include <QScrollBar>
#include <QSettings>
#include <QShortcut>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QStyleOption>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QThreadPool>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

#include <utility>

namespace {
QSettings windowSettings()
{
    return QSettings(QStringLiteral("letterbox"), QStringLiteral("letterbox"));
}

bool writeSource(const MessageStore *store, const QString &id, const QString &fileName, QString *error)
{
    std::unique_ptr<QIODevice> source(store->openSource(id));
    if (!source) {
        *error = QObject::tr("message %1 no longer exists").arg(id);
        return false;
    }
    QSaveFile file(fileName);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = file.errorString();
        return false;
    }
    while (!source->atEnd()) {
        const QByteArray chunk = source->read(1 << 20);
        if (chunk.isEmpty() || file.write(chunk) != chunk.size()) {
            *error = file.errorString();
            file.cancelWriting();
            return false;
        }
    }
    if (!file.commit()) {
        *error = file.errorString();
        return false;
    }
    return true;
}

// Writes the messages (oldest first) as one mboxrd file, a batch at a time so that a large export never holds
// every source at once; the file appears complete or not at all.
bool writeMbox(
    const MessageStore *store, const QStringList &ids, const QString &fileName, qint64 *written, QString *error)
{
    QSaveFile file(fileName);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = file.errorString();
        return false;
    }
    constexpr qsizetype Batch = 100;
    *written = 0;
    for (qsizetype start = 0; start < ids.size(); start += Batch) {
        QList<QByteArray> sources;
        QList<QByteArray> senders;
        QList<qint64> received;
        for (const QString &id : ids.mid(start, Batch)) {
            // Deleted since it was listed: nothing to write.
            if (const std::optional<StoredMessage> m = store->message(id)) {
                sources << m->raw;
                senders << m->mailFrom.toUtf8();
                received << m->summary.receivedMs;
            }
        }
        if (!MboxWriter::write(&file, sources, senders, received, error)) {
            file.cancelWriting();
            return false;
        }
        *written += sources.size();
    }
    if (!file.commit()) {
        *error = file.errorString();
        return false;
    }
    return true;
}

// The width a column's title needs, as QHeaderView measures it when the model gives no size hint (which may be
// wider: typical contents): bold, with room for a sort indicator.
int titleWidth(const QHeaderView *header, int section)
{
    QStyleOptionHeader option;
    option.initFrom(header);
    QFont bold = header->font();
    bold.setBold(true);
    option.fontMetrics = QFontMetrics(bold);
    option.section = section;
    option.text = header->model()->headerData(section, header->orientation()).toString();
    if (header->isSortIndicatorShown()) {
        option.sortIndicator = QStyleOptionHeader::SortDown;
    }
    return header->style()->sizeFromContents(QStyle::CT_HeaderSection, &option, QSize(), header).width();
}

// One sentence for a write the store could not make: the banner and the job's status message say the same.
QString writeFailure(MessageStore::Write what, qint64 messages, const QString &error)
{
    const QString n = counted(messages, MainWindow::tr("message"), MainWindow::tr("messages"));
    switch (what) {
    case MessageStore::Write::Delivery:
        return MainWindow::tr("Could not store %1 (the sender was told to try again later): %2").arg(n, error);
    case MessageStore::Write::Removal:
        return MainWindow::tr("Could not delete %1: %2").arg(n, error);
    case MessageStore::Write::RemovalOfAll:
        return MainWindow::tr("Could not delete all messages: %1").arg(error);
    case MessageStore::Write::MarkRead:
        return MainWindow::tr("Could not mark %1 read: %2").arg(n, error);
    case MessageStore::Write::MarkUnread:
        return MainWindow::tr("Could not mark %1 unread: %2").arg(n, error);
    case MessageStore::Write::Tagging:
        return MainWindow::tr("Could not change the tags of %1: %2").arg(n, error);
    case MessageStore::Write::Pin:
        return MainWindow::tr("Could not pin %1: %2").arg(n, error);
    case MessageStore::Write::Unpin:
        return MainWindow::tr("Could not unpin %1: %2").arg(n, error);
    }
    return error;
}
QString listenerName(CatcherService::Listener listener)
{
    switch (listener) {
    case CatcherService::Listener::Api:
        return MainWindow::tr("API");
    case CatcherService::Listener::Smtps:
        return MainWindow::tr("SMTPS");
    case CatcherService::Listener::Pop3:
        return MainWindow::tr("POP3");
    case CatcherService::Listener::Pop3s:
        return MainWindow::tr("POP3S");
    case CatcherService::Listener::Imap:
        return MainWindow::tr("IMAP");
    case CatcherService::Listener::Imaps:
        return MainWindow::tr("IMAPS");
    case CatcherService::Listener::Smtp:
    case CatcherService::Listener::None:
        break;
    }
    return MainWindow::tr("SMTP");
}
} // namespace

MainWindow::MainWindow(MessageStore *store, CatcherService *catcher, const AppSettings &settings,
    const CatcherConfig &base, QWidget *parent)
    : QMainWindow(parent)
    , m_store(store)
    , m_catcher(catcher)
    , m_settings(settings)
    , m_relayPasswords(new RelayPasswordStore(QStringLiteral("letterbox-relay"), this))
    , m_base(base)
    , m_inbox(new InboxModel(store, this))
    , m_sessions(new SessionsModel(this))
    , m_notifier(new Notifier(this))
    , m_searchTimer(new QTimer(this))
    , m_countsTimer(new QTimer(this))
    , m_readTimer(new QTimer(this))
{
    setWindowTitle(tr("Letterbox"));
    setWindowIcon(Icons::icon(Icons::App));
    setAcceptDrops(true);
    setObjectName(QStringLiteral("mainWindow"));

    m_inboxView = new InboxView(this);
    m_inboxView->setModel(m_inbox);
    m_inboxView->setContextMenuPolicy(Qt::CustomContextMenu);
    // An empty inbox teaches in the large pane, where the reader goes (docs/UI.md "Empty states teach"); the
    // list pane only says so.
    m_listEmpty = new QLabel(this);
    m_listEmpty->setAlignment(Qt::AlignCenter);
    m_listEmpty->setEnabled(false);
    m_listEmpty->setWordWrap(true);
    m_inboxStack = new QStackedWidget(this);
    m_inboxStack->addWidget(m_inboxView);
    m_inboxStack->addWidget(m_listEmpty);
    m_message = new MessageView(store, this);
    m_message->setRelayService(m_catcher ? m_catcher->relay() : nullptr);
    m_empty = new EmptyState(this);
    m_readerStack = new QStackedWidget(this);
    m_readerStack->addWidget(m_message);
    m_readerStack->addWidget(m_empty);

    // A failed write stays in sight until it is dismissed or one of its kind works: a status-bar message that fades
    // after seconds is easily missed when deleting does nothing on a full disk.
    m_writeErrorBar = new QFrame(this);
    m_writeErrorBar->setObjectName(QStringLiteral("writeErrorBar"));
    m_writeErrorBar->setStyleSheet(QStringLiteral("#writeErrorBar { background: #fdecea; border: 1px solid #c62828; } "
                                                  "#writeErrorBar QLabel { color: #b71c1c; }"));
    m_writeError = new QLabel(m_writeErrorBar);
    m_writeError->setWordWrap(true);
    m_writeError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_writeError->setAccessibleName(tr("Storage error"));
    auto *dismiss = new QToolButton(m_writeErrorBar);
    dismiss->setText(QStringLiteral("\u2715"));
    dismiss->setAutoRaise(true);
    dismiss->setToolTip(tr("Dismiss"));
    dismiss->setAccessibleName(tr("Dismiss the storage error"));
    auto *errorLayout = new QHBoxLayout(m_writeErrorBar);
    errorLayout->setContentsMargins(8, 4, 4, 4);
    errorLayout->addWidget(m_writeError, 1);
    errorLayout->addWidget(dismiss, 0, Qt::AlignTop);
    m_writeErrorBar->hide();
    connect(dismiss, &QToolButton::clicked, this, [this] {
        m_writeErrorBar->hide();
        m_failedWrite = FailedWrite::None;
    });
    m_indexingNotice = new QLabel(this);
    m_indexingNotice->setWordWrap(true);
    m_indexingNotice->setContentsMargins(8, 4, 8, 4);
    m_indexingNotice->setAccessibleName(tr("Search progress"));
    m_indexingNotice->hide();
    m_inboxColumn = new QWidget(this);
    auto *column = new QVBoxLayout(m_inboxColumn);
    column->setContentsMargins(0, 0, 0, 0);
    column->setSpacing(0);
    column->addWidget(m_writeErrorBar);
    column->addWidget(m_indexingNotice);
    column->addWidget(m_inboxStack, 1);

    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->addWidget(m_inboxColumn);
    m_splitter->addWidget(m_readerStack);
    m_splitter->setStretchFactor(0, 2);
    m_splitter->setStretchFactor(1, 3);
    m_splitter->setChildrenCollapsible(false);
    // The mailbox sidebar goes left of the list (createMailboxSidebar()), in a splitter of its own: the list and
    // the message keep their saved sizes.
    m_mailboxSplitter = new QSplitter(Qt::Horizontal, this);
    m_mailboxSplitter->addWidget(m_splitter);
    m_mailboxSplitter->setChildrenCollapsible(false);
    setCentralWidget(m_mailboxSplitter);

    m_searchTimer->setSingleShot(true);
    m_searchTimer->setInterval(250);
    connect(m_searchTimer, &QTimer::timeout, this, &MainWindow::updateSearch);
    m_countsTimer->setSingleShot(true);
    m_countsTimer->setInterval(250);
    connect(m_countsTimer, &QTimer::timeout, this, &MainWindow::updateCounts);
    m_readTimer->setSingleShot(true);
    m_readTimer->setInterval(0);
    connect(m_readTimer, &QTimer::timeout, this, [this] {
        const int row = m_inbox->rowOf(m_readTimerId);
        if (row >= 0 && !m_inbox->summaryAt(row).read) {
            const QString id = m_readTimerId;
            m_store->setRead({ id }, true, this,
                [this](const QString &error) { finishJob(QStringLiteral("mark-read"), error.isEmpty(), QString()); });
        }
    });

    createActions();
    createMenus();
    createToolBar();
    createSessionsDock();
    createMailboxSidebar();

    // The listening state is always in sight (docs/UI.md "Layout"): permanent widgets, which neither a hovered
    // action's status tip nor a job's message covers.
    auto *listening = new QWidget(this);
    auto *listeningLayout = new QHBoxLayout(listening);
    listeningLayout->setContentsMargins(0, 0, 0, 0);
    m_listening = new QLabel(listening);
    m_listening->setAccessibleName(tr("Listening state"));
    m_choosePort = new QPushButton(tr("Choose another port…"), listening);
    m_choosePort->setFlat(true);
    connect(m_choosePort, &QPushButton::clicked, this, [this] { showSettings(true); });
    listeningLayout->addWidget(m_listening);
    listeningLayout->addWidget(m_choosePort);
    m_counts = new QLabel(this);
    statusBar()->addPermanentWidget(listening);
    statusBar()->addPermanentWidget(m_counts);

    // What the user (or Follow Newest) selects is shown, nothing else: the view makes a row current without
    // selecting it when it gets the focus or loses its current row, and opening that would mark it read behind
    // the user's back. A click makes the row current before it selects it, hence both signals.
    connect(
        m_inboxView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &MainWindow::showSelectedMessage);
    connect(m_inboxView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        showSelectedMessage();
        updateSelectionActions();
    });
    connect(m_inboxView, &QTableView::customContextMenuRequested, this, [this](const QPoint &pos) {
        const QModelIndex index = m_inboxView->indexAt(pos);
        if (!index.isValid()) {
            return;
        }
        QMenu menu;
        menu.addAction(m_actions.value(QStringLiteral("toggleRead")));
        menu.addAction(m_actions.value(QStringLiteral("pin")));
        menu.addAction(m_actions.value(QStringLiteral("addTag")));
        menu.addAction(m_actions.value(QStringLiteral("export")));
        menu.addAction(m_actions.value(QStringLiteral("exportMbox")));
        menu.addAction(m_actions.value(QStringLiteral("release")));
        menu.addSeparator();
        menu.addAction(m_actions.value(QStringLiteral("delete")));
        if (hasRules()) {
            // Refuse what this message's client sent, to test the application's error handling next time.
            const MessageSummary summary = m_inbox->summaryAt(index.row());
            const bool shown = m_message->messageId() == summary.id && m_message->content().isValid();
            menu.addSeparator();
            menu.addAction(tr("Reject Mail From This Sender…"), this,
                [this, sender = summary.mailFrom] { proposeSenderRule(sender); });
            QStringList recipients = shown ? m_message->content().stored.rcptTo : QStringList();
            if (!shown) {
                for (const MailAddressList *list : { &summary.toList, &summary.ccList, &summary.bccList }) {
                    for (const MailAddress &a : *list) {
                        recipients << a.address;
                    }
                }
            }
            QMenu *rcpt = menu.addMenu(tr("Reject This Recipient"));
            rcpt->setEnabled(!recipients.isEmpty());
            for (const QString &address : std::as_const(recipients)) {
                rcpt->addAction(address, this, [this, address] { proposeRecipientRule(address); });
            }
            QAction *host = menu.addAction(tr("Reject This Client Host…"));
            const QString client = shown ? m_message->content().stored.clientAddress : QString();
            host->setEnabled(!client.isEmpty());
            host->setToolTip(
                client.isEmpty() ? tr("Open the message first (imported messages have no client)") : client);
            connect(host, &QAction::triggered, this, [this, client] { proposeHostRule(client); });
        }
        menu.exec(m_inboxView->viewport()->mapToGlobal(pos));
    });
    connect(m_inbox, &InboxModel::messagesArrived, this, &MainWindow::onArrived);
    connect(m_inbox, &InboxModel::matchCountChanged, this, &MainWindow::updateEmptyState);
    connect(m_inbox, &InboxModel::matchCountChanged, this, &MainWindow::updateMatchCount);
    connect(
        m_inbox, &QAbstractItemModel::modelAboutToBeReset, this, [this] { m_rowsBeforeReset = m_inbox->rowCount(); });
    connect(m_inbox, &QAbstractItemModel::modelReset, this, &MainWindow::updateEmptyState);
    // A reset clears the selection without a signal: the message shown is selected again when it is still listed
    // (the model runs a search again by itself once the index caught up), else the reader clears.
    connect(m_inbox, &QAbstractItemModel::modelReset, this, &MainWindow::reselectShownMessage);
    connect(m_inbox, &InboxModel::completenessChanged, this, &MainWindow::updateIndexingNotice);
    connect(m_inbox, &InboxModel::queryFailed, this,
        [this](const QString &error) { statusBar()->showMessage(tr("Search failed: %1").arg(error), 5000); });
    connect(m_inboxView->horizontalHeader(), &QHeaderView::sortIndicatorChanged, m_inboxView, &QTableView::scrollToTop);
    connect(m_inbox, &QAbstractItemModel::rowsRemoved, this, [this] {
        if (!m_pendingSelection.isEmpty()) {
            selectMessage(m_pendingSelection);
        }
        clearReaderIfGone();
        updateSelectionActions();
    });
    connect(m_inbox, &QAbstractItemModel::rowsInserted, this, [this] {
        if (!m_pendingSelection.isEmpty() && m_inbox->rowOf(m_pendingSelection) >= 0) {
            selectMessage(m_pendingSelection);
        }
    });
    connect(m_message, &MessageView::messageLoaded, this, [this](const QString &id) {
        updateReleaseAction();
        if (!m_message->content().isValid()) {
            // It vanished before it loaded: the reader cleared itself.
            m_readerId.clear();
            return;
        }
        m_readTimerId = id;
        m_readTimer->start();
    });
    connect(m_message, &MessageView::messageLinkActivated, this, [this](const QString &id) {
        // A bounce and its original may be in different mailboxes (the bounce follows its recipient's routes).
        if (!m_inbox->mailbox().isEmpty()) {
            selectMailbox(QString());
        }
        selectMessage(id);
    });
    connect(m_message, &MessageView::partSaved, this, [this](const QString &fileName, bool ok, const QString &error) {
        statusBar()->showMessage(ok ? tr("Saved %1").arg(QDir::toNativeSeparators(fileName))
                                    : tr("Could not save %1: %2").arg(QDir::toNativeSeparators(fileName), error),
            5000);
    });
    connect(m_empty, &EmptyState::clearSearchRequested, this, &MainWindow::clearSearch);
    connect(m_empty, &EmptyState::chooseAnotherPortRequested, this, [this] { showSettings(true); });

    connect(m_store, &MessageStore::messageStored, this, [this](const MessageSummary &summary) {
        m_notifier->messageArrived(summary);
        scheduleCounts();
    });
    for (auto signal : { &MessageStore::messagesRemoved, &MessageStore::messagesPruned }) {
        connect(m_store, signal, this, &MainWindow::scheduleCounts);
        // Deleted elsewhere too (the API, retention), even when not listed (a search hides it).
        connect(m_store, signal, this, [this](const QStringList &ids) {
            if (!m_readerId.isEmpty() && ids.contains(m_readerId)) {
                clearReader();
            }
        });
    }
    connect(m_store, &MessageStore::messagesCleared, this, &MainWindow::scheduleCounts);
    connect(m_store, &MessageStore::messagesCleared, this, [this] {
        m_pendingSelection.clear();
        clearReader();
        updateSelectionActions();
    });
    connect(m_store, &MessageStore::readChanged, this, &MainWindow::scheduleCounts);
    // Emitted on whichever thread wrote (a worker, the store's writer): queued here.
    connect(m_store, &MessageStore::writeFailed, this,
        [this](MessageStore::Write what, qint64 messages, const QString &error) {
            switch (what) {
            case MessageStore::Write::Delivery:
                m_failedWrite = FailedWrite::Delivery;
                break;
            case MessageStore::Write::Removal:
            case MessageStore::Write::RemovalOfAll:
                m_failedWrite = FailedWrite::Removal;
                break;
            case MessageStore::Write::MarkRead:
            case MessageStore::Write::MarkUnread:
            case MessageStore::Write::Tagging:
            case MessageStore::Write::Pin:
            case MessageStore::Write::Unpin:
                m_failedWrite = FailedWrite::ReadFlag;
                break;
            }
            m_writeError->setText(writeFailure(what, messages, error));
            m_writeErrorBar->show();
        });
    const auto worked = [this](FailedWrite kind) {
        if (m_failedWrite == kind) {
            m_failedWrite = FailedWrite::None;
            m_writeErrorBar->hide();
        }
    };
    connect(m_store, &MessageStore::messageStored, this, [worked] { worked(FailedWrite::Delivery); });
    connect(m_store, &MessageStore::messagesRemoved, this, [worked] { worked(FailedWrite::Removal); });
    connect(m_store, &MessageStore::messagesCleared, this, [worked] { worked(FailedWrite::Removal); });
    connect(m_store, &MessageStore::readChanged, this, [worked] { worked(FailedWrite::ReadFlag); });

    if (m_catcher) {
        connect(m_catcher, &CatcherService::connectionOpened, m_sessions, &SessionsModel::addSession);
        connect(m_catcher, &CatcherService::connectionClosed, m_sessions, &SessionsModel::closeSession);
        connect(m_catcher, &CatcherService::transcriptLine, m_sessions, &SessionsModel::addEntry);
        connect(m_catcher, &CatcherService::messageDelivered, m_sessions,
            [this](quint64 id, const MessageSummary &) { m_sessions->addDelivery(id); });
        connect(m_catcher, &CatcherService::ruleApplied, m_sessions, &SessionsModel::addRuleDecision);
        connect(m_catcher, &CatcherService::listenersChanged, this, &MainWindow::updateListening);
    }
    connect(m_sessions, &SessionsModel::openCountChanged, this, &MainWindow::scheduleCounts);

    m_notifier->setLookup([store = m_store, notifier = m_notifier](const QString &id, auto found) {
        store->summary(id, notifier,
            [found](const std::optional<MessageSummary> &summary) { found(summary.value_or(MessageSummary())); });
    });
    auto *trayMenu = new QMenu(this);
    trayMenu->addAction(tr("Show Letterbox"), this, [this] {
        showNormal();
        raise();
        activateWindow();
    });
    trayMenu->addAction(m_actions.value(QStringLiteral("markAllRead")));
    trayMenu->addSeparator();
    trayMenu->addAction(m_actions.value(QStringLiteral("quit")));
    m_notifier->setTrayMenu(trayMenu);
    m_notifier->setTrayEnabled(m_settings.trayIcon);
    m_notifier->setNotificationsEnabled(m_settings.notifications);
    connect(m_notifier, &Notifier::activated, this, [this](const QString &id) {
        showNormal();
        raise();
        activateWindow();
        if (!id.isEmpty()) {
            // The message may be in another mailbox than the one listed.
            if (!m_inbox->mailbox().isEmpty()) {
                selectMailbox(QString());
            }
            selectMessage(id);
        } else {
            m_inboxView->scrollToTop();
        }
    });
    connect(m_notifier, &Notifier::trayActivated, this, [this] {
        if (isVisible() && !isMinimized()) {
            hide();
        } else {
            showNormal();
            raise();
            activateWindow();
        }
    });

    // Presenting (docs/UI.md "The presentation"): a hint says how to leave full screen, and Esc does.
    m_fullScreenHint = new QLabel(tr("Press F11 or Esc to leave full screen"), this);
    m_fullScreenHint->setObjectName(QStringLiteral("fullScreenHint"));
    m_fullScreenHint->setStyleSheet(QStringLiteral("#fullScreenHint { background: rgba(32, 33, 36, 215); color: white; "
                                                   "border-radius: 6px; padding: 10px 18px; }"));
    m_fullScreenHint->setAttribute(Qt::WA_TransparentForMouseEvents);
    m_fullScreenHint->hide();
    m_fullScreenHintTimer = new QTimer(this);
    m_fullScreenHintTimer->setSingleShot(true);
    m_fullScreenHintTimer->setInterval(3000);
    connect(m_fullScreenHintTimer, &QTimer::timeout, m_fullScreenHint, &QWidget::hide);
    m_leaveFullScreen = new QShortcut(this);
    connect(m_leaveFullScreen, &QShortcut::activated, this,
        [this] { m_actions.value(QStringLiteral("focusMode"))->setChecked(false); });

    // Tab moves the focus from one part of the window to the next, never from cell to cell: the arrows, J and K
    // do that (docs/UI.md "Feel"). Tables turn Tab into cell navigation by default.
    for (QAbstractItemView *view : findChildren<QAbstractItemView *>()) {
        view->setTabKeyNavigation(false);
    }
    // In reading order: the search and its filters, the list, the message's tabs and what they show, then the
    // Sessions dock (the widgets were made in another order).
    setTabOrder(m_search, m_unreadFilter);
    setTabOrder(m_unreadFilter, m_attachmentFilter);
    setTabOrder(m_attachmentFilter, m_mailboxView);
    setTabOrder(m_mailboxView, m_inboxView);
    setTabOrder(m_inboxView, m_message->tabs()->tabBar());
    m_search->installEventFilter(this);
    m_inboxView->installEventFilter(this);

    restoreState();
    // The saved relay's password, once the command line has had its say (setRelayFromCommandLine() follows the
    // constructor).
    QTimer::singleShot(0, this, [this] {
        if (m_relayNote.isEmpty() && m_settings.relay.isConfigured() && !m_settings.relay.user.isEmpty()) {
            readRelayPassword();
        }
    });
    updateListening();
    updateCounts();
    updateEmptyState();
    updateMatchCount();
    updateSelectionActions();
}

MainWindow::MainWindow(RemoteMessageStore *remote, const AppSettings &settings, QWidget *parent)
    : MainWindow(remote, nullptr, settings, CatcherConfig(), parent)
{
    m_remote = remote;
    setUpAttached();
}

MainWindow::~MainWindow()
{
    // Before the attached catcher's rules document and mirror (members) go: the window's saver thread uses them.
    delete std::exchange(m_rulesWindow, nullptr);
}

RemoteMessageStore *MainWindow::remoteStore() const
{
    return m_remote;
}

void MainWindow::setQuitsOnClose(bool quits)
{
    m_quitsOnClose = quits;
}

void MainWindow::setUpAttached()
{
    // What a catcher running here does: the server does it, and says so in its own logs and settings.
    QStringList hidden { QStringLiteral("newMessage"), QStringLiteral("import"), QStringLiteral("settings"),
        QStringLiteral("mailboxes") };
    // The catcher's relay and rules are reached over its API, when it has them.
    if (!m_remote->has(RemoteMessageStore::Feature::Release)) {
        hidden << QStringLiteral("release");
    }
    if (!m_remote->has(RemoteMessageStore::Feature::Rules)) {
        hidden << QStringLiteral("rules");
    } else if (QMenu *help = findChild<QMenu *>(QStringLiteral("helpMenu"))) {
        QMenu *rules = new QMenu(tr("&Rules"), this);
        rules->setObjectName(QStringLiteral("rulesMenu"));
        rules->addAction(m_actions.value(QStringLiteral("rules")));
        menuBar()->insertMenu(help->menuAction(), rules);
    }
    for (const QString &name : std::as_const(hidden)) {
        if (QAction *action = m_actions.value(name)) {
            action->setVisible(false);
            action->setEnabled(false);
        }
    }
    m_sessionsDock->hide();
    m_sessionsDock->toggleViewAction()->setVisible(false);
    m_choosePort->hide();
    // Mailpit's API lists newest first only: no other order to offer.
    m_inboxView->setSortingEnabled(false);
    if (QMenu *sort = findChild<QMenu *>(QStringLiteral("sortMenu"))) {
        sort->menuAction()->setVisible(false);
    }
    if (!m_remote->has(RemoteMessageStore::Feature::Pins)) {
        m_actions.value(QStringLiteral("pin"))->setVisible(false);
    }
    if (!m_remote->has(RemoteMessageStore::Feature::Envelope)) {
        // Mailpit keeps no envelope or session: the tab would only ever be empty.
        if (m_message->currentTab() == MessageView::EnvelopeTab) {
            m_message->setCurrentTab(MessageView::HtmlTab);
        }
        m_message->tabs()->setTabVisible(MessageView::EnvelopeTab, false);
    }
    QAction *quit = m_actions.value(QStringLiteral("quit"));
    quit->setToolTip(tr("Close this window; the catcher at %1 keeps running").arg(m_remote->location()));
    quit->setStatusTip(quit->toolTip());
    auto *detach = new QAction(tr("&Detach"), this);
    detach->setObjectName(QStringLiteral("detach"));
    detach->setShortcut(QKeySequence::Close);
    detach->setToolTip(tr("Close this window; the catcher at %1 keeps running").arg(m_remote->location()));
    detach->setStatusTip(detach->toolTip());
    connect(detach, &QAction::triggered, this, [this] {
        m_quitting = true;
        close();
    });
    m_actions.insert(detach->objectName(), detach);
    if (QMenu *file = findChild<QMenu *>(QStringLiteral("fileMenu"))) {
        file->insertAction(quit, detach);
    }
    m_empty->setAttached(m_remote->location());
    connect(m_remote, &RemoteMessageStore::stateChanged, this, &MainWindow::updateListening);
    connect(m_remote, &RemoteMessageStore::countsChanged, this, &MainWindow::scheduleCounts);
    connect(m_remote, &RemoteMessageStore::resynchronized, this, [this] {
        m_inbox->refresh();
        scheduleCounts();
        // Rules changed while the events were down are read again too.
        if (m_remoteRules) {
            m_remoteRules->poll();
        }
    });
    updateListening();
    updateCounts();
    updateEmptyState();
    updateSelectionActions();
}

void MainWindow::attachInteractively(std::function<void(AttachDialog *)> open)
{
    auto *dialog = new AttachDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    QSettings s = windowSettings();
    dialog->setUrl(s.value(QStringLiteral("attach/url")).toString());
    dialog->setUser(s.value(QStringLiteral("attach/user")).toString());
    connect(dialog, &AttachDialog::attachRequested, this, [this, dialog] {
        RemoteEndpoint endpoint;
        QString error;
        if (!RemoteEndpoint::parse(dialog->url(), &endpoint, &error)) {
            dialog->setError(error);
            return;
        }
        if (!dialog->user().isEmpty()) {
            endpoint.user = dialog->user();
        }
        dialog->setBusy(true);
        const QString typed = dialog->password();
        const bool remember = dialog->rememberPassword();
        QPointer<AttachDialog> guard(dialog);
        auto proceed = [this, guard, typed, remember](const RemoteEndpoint &endpoint) {
            auto *store = new RemoteMessageStore(endpoint);
            store->attach(this, [this, guard, store, typed, remember](const QString &error) {
                if (!error.isEmpty()) {
                    store->close();
                    store->deleteLater();
                    if (guard) {
                        guard->setError(error);
                    }
                    return;
                }
                const RemoteEndpoint used = store->endpoint();
                QSettings s = windowSettings();
                s.setValue(QStringLiteral("attach/url"), used.displayText());
                s.setValue(QStringLiteral("attach/user"), used.user);
                if (remember && !typed.isEmpty() && !used.user.isEmpty()) {
                    auto *keychain = new RelayPasswordStore(QStringLiteral("letterbox-attach"), this);
                    keychain->setKey(used.user + u'@' + used.displayText());
                    keychain->write(typed, [this, keychain](RelayPasswordStore::Status status, const QString &why) {
                        if (status != RelayPasswordStore::Status::Ok) {
                            statusBar()->showMessage(
                                tr("No system keychain (%1): the password was not remembered.").arg(why), 10000);
                        }
                        keychain->deleteLater();
                    });
                }
                auto *window = new MainWindow(store, m_settings);
                // The store goes with the window, after it: its models, and the workers they started, are done
                // with it by then (closeEvent() waits for them).
                store->setParent(window);
                window->setAttribute(Qt::WA_DeleteOnClose);
                window->setQuitsOnClose(false);
                window->show();
                if (guard) {
                    guard->accept();
                }
                Q_EMIT attachedWindowOpened(window);
            });
        };
        if (!typed.isEmpty() || endpoint.user.isEmpty()) {
            endpoint.password = typed;
            proceed(endpoint);
            return;
        }
        // No password typed: the one the keychain remembers for this user and URL, if any.
        auto *keychain = new RelayPasswordStore(QStringLiteral("letterbox-attach"), this);
        keychain->setKey(endpoint.user + u'@' + endpoint.displayText());
        keychain->read([keychain, endpoint, proceed](
                           RelayPasswordStore::Status, const QString &password, const QString &) mutable {
            endpoint.password = password;
            keychain->deleteLater();
            proceed(endpoint);
        });
    });
    if (open) {
        open(dialog);
    }
    dialog->open();
}

void MainWindow::createActions()
{
    auto add = [this](const QString &name, const QString &text, const QKeySequence &shortcut, const QString &tip,
                   auto slot) {
        auto *action = new QAction(text, this);
        action->setObjectName(name);
        if (!shortcut.isEmpty()) {
            action->setShortcut(shortcut);
        }
        action->setToolTip(tip);
        action->setStatusTip(tip);
        connect(action, &QAction::triggered, this, slot);
        m_actions.insert(name, action);
        addAction(action);
        return action;
    };
    add(QStringLiteral("newMessage"), tr("&New Message…"), QKeySequence::New,
        tr("Write a message and store it in the inbox"), [this] { compose(); })
        ->setIcon(QIcon::fromTheme(QStringLiteral("mail-message-new")));
    add(QStringLiteral("import"), tr("&Import…"), QKeySequence::Open, tr("Import .eml files or mbox mailboxes"),
        [this] { importInteractively(); })
        ->setIcon(Icons::icon(Icons::Import));
    add(QStringLiteral("export"), tr("&Export as .eml…"), QKeySequence(Qt::CTRL | Qt::Key_E),
        tr("Save the selected messages' sources as .eml files"), [this] { exportSelected(); })
        ->setIcon(Icons::icon(Icons::Export));
    add(QStringLiteral("exportMbox"), tr("Export as &mbox…"), QKeySequence(),
        tr("Save the selected messages, or every message the search lists when none is selected, as one mbox file"),
        [this] { exportAsMboxInteractively(); })
        ->setIcon(Icons::icon(Icons::Export));
    add(QStringLiteral("settings"), tr("&Settings…"), QKeySequence(Qt::CTRL | Qt::Key_Comma),
        tr("Addresses, limits, authentication, notifications"), [this] { showSettings(); })
        ->setIcon(Icons::icon(Icons::Settings));
    add(QStringLiteral("attach"), tr("&Attach to Catcher…"), QKeySequence(),
        tr("Show a Letterbox or Mailpit running elsewhere in a window of its own"), [this] { attachInteractively(); });
    add(QStringLiteral("quit"), tr("&Quit"), QKeySequence::Quit, tr("Stop catching and quit"), [this] {
        m_quitting = true;
        close();
    });
    add(QStringLiteral("delete"), tr("&Delete"), QKeySequence::Delete, tr("Delete the selected messages"), [this] {
        deleteSelected();
    })->setIcon(Icons::icon(Icons::Delete));
    add(QStringLiteral("toggleRead"), tr("Mark &Read/Unread"), QKeySequence(Qt::CTRL | Qt::Key_R),
        tr("Mark the selected messages read, or unread when they all are read"),
        [this] {
            const QModelIndexList rows = m_inboxView->selectionModel()->selectedRows();
            bool allRead = !rows.isEmpty();
            for (const QModelIndex &index : rows) {
                allRead = allRead && index.data(InboxModel::ReadRole).toBool();
            }
            markSelected(!allRead);
        })
        ->setIcon(Icons::icon(Icons::MarkRead));
    add(QStringLiteral("markAllRead"), tr("Mark &All Read"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R),
        tr("Mark every message read"), [this] { markAllRead(); });
    // Ctrl+Shift+R is Mark All Read: Release takes Ctrl+Shift+L ("reLease").
    add(QStringLiteral("release"), tr("R&elease…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L),
        tr("Send the message shown, unchanged, through the relay server to addresses you choose"),
        [this] { releaseMessage(); });
    add(QStringLiteral("deleteAll"), tr("Delete A&ll…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Delete),
        tr("Delete every stored message but the pinned ones"), [this] { confirmDeleteAll(); });
    add(QStringLiteral("find"), tr("&Find"), QKeySequence::Find, tr("Search the inbox (Mailpit's search syntax)"),
        [this] {
            if (m_message->isAncestorOf(QApplication::focusWidget())
                && m_message->currentTab() == MessageView::SourceTab) {
                m_message->sourceView()->showFindBar();
                return;
            }
            m_search->setFocus();
            m_search->selectAll();
        });
    add(QStringLiteral("focusSearch"), tr("Focus Search"), QKeySequence(Qt::CTRL | Qt::Key_L), tr("Search the inbox"),
        [this] {
            m_search->setFocus();
            m_search->selectAll();
        });
    add(QStringLiteral("next"), tr("&Next Message"), QKeySequence(Qt::Key_J), tr("Select the next (older) message"),
        [this] { moveSelection(1); });
    add(QStringLiteral("previous"), tr("&Previous Message"), QKeySequence(Qt::Key_K),
        tr("Select the previous (newer) message"), [this] { moveSelection(-1); });
    auto *follow = add(QStringLiteral("follow"), tr("&Follow Newest"), QKeySequence(),
        tr("Select each new message as it arrives"), [] {});
    follow->setCheckable(true);
    follow->setIcon(Icons::icon(Icons::Follow));
    auto *compact = add(QStringLiteral("compact"), tr("&Compact Rows"), QKeySequence(),
        tr("One line per message with a column per field"), [this](bool on) {
            m_inboxView->setRowLayout(on ? InboxView::Layout::Compact : InboxView::Layout::TwoLine);
            // A column per field needs more room than two-line rows: the list widens (to half the window at most)
            // rather than squeezing the subject, the one column that matters most.
            const QList<int> sizes = m_splitter->sizes();
            const int total = sizes.value(0) + sizes.value(1);
            const int wanted = qMin(m_inboxView->compactWidth(), total / 2);
            if (on && sizes.value(0) < wanted) {
                m_splitter->setSizes({ wanted, total - wanted });
            }
        });
    compact->setCheckable(true);
    add(QStringLiteral("zoomIn"), tr("Zoom &In"), QKeySequence(Qt::CTRL | Qt::Key_Equal), tr("Larger message text"),
        [this] { m_message->htmlView()->setZoomFactor(m_message->htmlView()->zoomFactor() + 0.1); });
    add(QStringLiteral("zoomOut"), tr("Zoom &Out"), QKeySequence(Qt::CTRL | Qt::Key_Minus), tr("Smaller message text"),
        [this] { m_message->htmlView()->setZoomFactor(m_message->htmlView()->zoomFactor() - 0.1); });
    add(QStringLiteral("zoomReset"), tr("&Actual Size"), QKeySequence(Qt::CTRL | Qt::Key_0), tr("Message at 100%"),
        [this] { m_message->htmlView()->setZoomFactor(1.0); });
    auto *focus = add(QStringLiteral("focusMode"), tr("F&ocus on Message"), QKeySequence(Qt::Key_F11),
        tr("Show only the rendered message, full screen, for presenting (F11 or Esc leaves)"), [] {});
    focus->setCheckable(true);
    connect(focus, &QAction::toggled, this, &MainWindow::setFocusMode);
    add(QStringLiteral("rules"), tr("&Rules…"), QKeySequence(Qt::CTRL | Qt::Key_U),
        tr("Refuse hosts, senders, recipients, logins or messages on purpose, to test error handling"), [this] {
            withRulesWindow([](RulesWindow *window) {
                window->show();
                window->raise();
                window->activateWindow();
            });
        });
    createTagActions();
    add(QStringLiteral("about"), tr("&About Letterbox"), QKeySequence(), tr("Version and licence"), [this] {
        QMessageBox::about(this, tr("About Letterbox"),
            tr("<h3>Letterbox %1</h3><p>A mail catcher for developers, testers and demos.</p><p>Message store: "
               "%2</p>")
                .arg(QCoreApplication::applicationVersion(), m_store->location().toHtmlEscaped()));
    });
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_actions.value(QStringLiteral("newMessage")));
    file->addSeparator();
    file->addAction(m_actions.value(QStringLiteral("import")));
    file->addAction(m_actions.value(QStringLiteral("export")));
    file->addAction(m_actions.value(QStringLiteral("exportMbox")));
    file->addSeparator();
    file->addAction(m_actions.value(QStringLiteral("attach")));
    file->addSeparator();
    file->addAction(m_actions.value(QStringLiteral("settings")));
    file->setObjectName(QStringLiteral("fileMenu"));
    file->addSeparator();
    file->addAction(m_actions.value(QStringLiteral("quit")));
    QMenu *message = menuBar()->addMenu(tr("&Message"));
    for (const char *name : { "toggleRead", "markAllRead", "", "pin", "addTag", "", "release", "", "delete",
             "deleteAll", "", "find", "focusSearch", "", "next", "previous" }) {
        if (*name == 0) {
            message->addSeparator();
        } else {
            message->addAction(m_actions.value(QLatin1String(name)));
        }
    }
    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_actions.value(QStringLiteral("follow")));
    view->addAction(m_actions.value(QStringLiteral("compact")));
    QMenu *sortMenu = view->addMenu(tr("&Sort By"));
    sortMenu->setObjectName(QStringLiteral("sortMenu"));
    auto *sortGroup = new QActionGroup(this);
    const QList<std::tuple<QString, int, Qt::SortOrder>> sorts {
        { tr("Newest First"), InboxModel::ReceivedColumn, Qt::DescendingOrder },
        { tr("Oldest First"), InboxModel::ReceivedColumn, Qt::AscendingOrder },
        { tr("Sender"), InboxModel::FromColumn, Qt::AscendingOrder },
        { tr("Recipient"), InboxModel::ToColumn, Qt::AscendingOrder },
        { tr("Subject"), InboxModel::SubjectColumn, Qt::AscendingOrder },
        { tr("Largest First"), InboxModel::SizeColumn, Qt::DescendingOrder },
    };
    for (const auto &[text, column, order] : sorts) {
        QAction *sortAction = sortMenu->addAction(text);
        sortAction->setCheckable(true);
        sortAction->setChecked(column == InboxModel::ReceivedColumn && order == Qt::DescendingOrder);
        sortGroup->addAction(sortAction);
        connect(sortAction, &QAction::triggered, this,
            [this, column = column, order = order] { m_inboxView->sortByColumn(column, order); });
    }
    view->addSeparator();
    view->addAction(m_actions.value(QStringLiteral("zoomIn")));
    view->addAction(m_actions.value(QStringLiteral("zoomOut")));
    view->addAction(m_actions.value(QStringLiteral("zoomReset")));
    view->addAction(m_actions.value(QStringLiteral("focusMode")));
    view->addSeparator();
    view->setObjectName(QStringLiteral("viewMenu"));
    if (m_catcher && m_catcher->config().rules) {
        QMenu *rules = menuBar()->addMenu(tr("&Rules"));
        rules->addAction(m_actions.value(QStringLiteral("rules")));
    }
    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->setObjectName(QStringLiteral("helpMenu"));
    help->addAction(m_actions.value(QStringLiteral("about")));
}

void MainWindow::createToolBar()
{
    QToolBar *bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setMovable(false);
    m_search = new QLineEdit(bar);
    m_search->setPlaceholderText(
        tr("Search: words, \"phrases\", from:, to:, subject:, is:unread, has:attachment, -not"));
    m_search->setClearButtonEnabled(true);
    m_search->setAccessibleName(tr("Search the inbox"));
    m_search->setToolTip(tr("Mailpit's search syntax, as the API's /api/v1/search"));
    m_search->setMinimumWidth(320);
    connect(m_search, &QLineEdit::textChanged, this, [this] { m_searchTimer->start(); });
    connect(m_search, &QLineEdit::returnPressed, this, &MainWindow::updateSearch);
    bar->addWidget(m_search);
    // How many messages match, of all: "30 of 3,012".
    m_matchCount = new QLabel(bar);
    m_matchCount->setObjectName(QStringLiteral("matchCount"));
    m_matchCount->setContentsMargins(6, 0, 6, 0);
    m_matchCount->setAccessibleName(tr("Search matches"));
    m_matchCount->setToolTip(tr("Messages matching the search, of all stored"));
    m_matchCountAction = bar->addWidget(m_matchCount);
    m_unreadFilter = new QToolButton(bar);
    m_unreadFilter->setObjectName(QStringLiteral("unreadFilter"));
    m_unreadFilter->setText(tr("Unread"));
    m_unreadFilter->setCheckable(true);
    m_unreadFilter->setToolTip(tr("Only unread messages (is:unread)"));
    m_attachmentFilter = new QToolButton(bar);
    m_attachmentFilter->setObjectName(QStringLiteral("attachmentFilter"));
    m_attachmentFilter->setText(tr("Attachments"));
    m_attachmentFilter->setCheckable(true);
    m_attachmentFilter->setToolTip(tr("Only messages with attachments (has:attachment)"));
    connect(m_unreadFilter, &QToolButton::toggled, this, &MainWindow::updateSearch);
    connect(m_attachmentFilter, &QToolButton::toggled, this, &MainWindow::updateSearch);
    bar->addWidget(m_unreadFilter);
    bar->addWidget(m_attachmentFilter);
    bar->addSeparator();
    bar->addAction(m_actions.value(QStringLiteral("follow")));
    // A toggle says what it is: an arrow alone reads as Download.
    if (auto *follow = qobject_cast<QToolButton *>(bar->widgetForAction(m_actions.value(QStringLiteral("follow"))))) {
        follow->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    }
    bar->addAction(m_actions.value(QStringLiteral("delete")));
    bar->addAction(m_actions.value(QStringLiteral("export")));
    bar->addSeparator();
    bar->addAction(m_actions.value(QStringLiteral("newMessage")));
    if (auto *compose
        = qobject_cast<QToolButton *>(bar->widgetForAction(m_actions.value(QStringLiteral("newMessage"))))) {
        compose->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    }
}

void MainWindow::compose()
{
    // Its own window, several at once like a mail program's; it deletes itself when closed.
    const CatcherConfig config = m_catcher ? m_catcher->config() : m_base;
    auto *composer = new ComposerWindow(m_store, config.session.hostname, config.session.maxMessageSize, this);
    composer->setAttribute(Qt::WA_DeleteOnClose);
    composer->setMailboxes(config.mailboxes);
    if (m_catcher) {
        composer->setRelay(m_catcher->relay());
    }
    composer->show();
    composer->raise();
    composer->activateWindow();
}

void MainWindow::createSessionsDock()
{
    m_sessionsDock = new QDockWidget(tr("Sessions"), this);
    m_sessionsDock->setObjectName(QStringLiteral("sessionsDock"));
    auto *split = new QSplitter(Qt::Horizontal, m_sessionsDock);
    // The list with its filter above it (issue 16: refused sessions, this run's and those the store kept).
    auto *listColumn = new QWidget(split);
    auto *listLayout = new QVBoxLayout(listColumn);
    listLayout->setContentsMargins(0, 0, 0, 0);
    listLayout->setSpacing(2);
    m_refusedOnly = new QCheckBox(tr("Refused only"), listColumn);
    m_refusedOnly->setObjectName(QStringLiteral("refusedSessionsFilter"));
    m_refusedOnly->setToolTip(
        tr("Only the sessions in which a rule refused something, including those kept from earlier runs"));
    listLayout->addWidget(m_refusedOnly);
    m_sessionsFilter = new QSortFilterProxyModel(this);
    m_sessionsFilter->setSourceModel(m_sessions);
    m_sessionsFilter->setFilterRole(SessionsModel::RefusedRole);
    m_sessionsView = new QTableView(listColumn);
    listLayout->addWidget(m_sessionsView);
    m_sessionsView->setModel(m_sessionsFilter);
    connect(m_refusedOnly, &QCheckBox::toggled, this, [this](bool on) {
        // RefusedRole is a bool, which the proxy reads as "true" or "false".
        m_sessionsFilter->setFilterFixedString(on ? QStringLiteral("true") : QString());
    });
    m_sessionsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_sessionsView->setSelectionMode(QAbstractItemView::SingleSelection);
    // One line of text a row, as in the transcript of a message: more of a session fits the dock.
    const int lineHeight = fontMetrics().height() + 6;
    m_sessionsView->verticalHeader()->hide();
    m_sessionsView->verticalHeader()->setDefaultSectionSize(lineHeight);
    m_sessionsView->setWordWrap(false);
    m_sessionsView->setAccessibleName(tr("SMTP sessions"));
    // Columns as wide as their contents and titles ("Durat", "839 b…" were cut off): the numbers and the client
    // follow their contents, the HELO name (any length a client sends) starts at a width the user can change, the
    // state takes the rest but never less than a title needs.
    QHeaderView *sessionsHeader = m_sessionsView->horizontalHeader();
    sessionsHeader->setStretchLastSection(false);
    sessionsHeader->setSectionResizeMode(QHeaderView::ResizeToContents);
    sessionsHeader->setSectionResizeMode(SessionsModel::HeloColumn, QHeaderView::Interactive);
    sessionsHeader->setSectionResizeMode(SessionsModel::StateColumn, QHeaderView::Stretch);
    int widestTitle = 0;
    for (int c = 0; c < SessionsModel::ColumnCount; ++c) {
        widestTitle = qMax(widestTitle, titleWidth(sessionsHeader, c));
    }
    sessionsHeader->setMinimumSectionSize(widestTitle);
    sessionsHeader->resizeSection(SessionsModel::HeloColumn,
        qMax(sessionsHeader->sectionSizeHint(SessionsModel::HeloColumn), fontMetrics().averageCharWidth() * 18));
    m_sessionTranscript = new TranscriptModel(this);
    m_sessionTranscriptView = new QTableView(split);
    m_sessionTranscriptView->setModel(m_sessionTranscript);
    m_sessionTranscriptView->verticalHeader()->hide();
    m_sessionTranscriptView->verticalHeader()->setDefaultSectionSize(lineHeight);
    m_sessionTranscriptView->setWordWrap(false);
    m_sessionTranscriptView->setAccessibleName(tr("Session transcript"));
    QHeaderView *transcriptHeader = m_sessionTranscriptView->horizontalHeader();
    transcriptHeader->setStretchLastSection(true);
    transcriptHeader->setSectionResizeMode(TranscriptModel::TimeColumn, QHeaderView::ResizeToContents);
    transcriptHeader->setSectionResizeMode(TranscriptModel::DirectionColumn, QHeaderView::ResizeToContents);
    // Every line has the same time format: the lines in sight and a few more tell the width.
    transcriptHeader->setResizeContentsPrecision(200);
    // Half each: six columns of typical sessions ("refused by recipient rule 12", "1,023.9 KB") need about as much
    // room as a transcript line.
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setSizes({ 1, 1 });
    m_sessionsDock->setWidget(split);
    addDockWidget(Qt::BottomDockWidgetArea, m_sessionsDock);
    findChild<QMenu *>(QStringLiteral("viewMenu"))->addAction(m_sessionsDock->toggleViewAction());
    m_sessionsDock->toggleViewAction()->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_J));

    connect(m_sessionsView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
        [this](const QModelIndex &current) {
            m_shownSession = current.isValid() ? current.data(SessionsModel::SessionIdRole).toULongLong() : 0;
            m_sessionTranscript->setTranscript(m_sessions->transcript(m_shownSession));
            m_sessionTranscriptView->scrollToBottom();
        });
    connect(m_sessions, &SessionsModel::entriesAppended, this, [this](quint64 id, const Transcript &entries) {
        if (id != m_shownSession) {
            return;
        }
        QScrollBar *bar = m_sessionTranscriptView->verticalScrollBar();
        const bool atBottom = bar->value() >= bar->maximum() - 2;
        m_sessionTranscript->append(entries);
        if (atBottom) {
            m_sessionTranscriptView->scrollToBottom();
        }
    });
    // Follow the first session when nothing is selected.
    connect(m_sessionsFilter, &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex &, int first) {
        if (!m_sessionsView->selectionModel()->currentIndex().isValid()) {
            m_sessionsView->setCurrentIndex(m_sessionsFilter->index(first, 0));
        }
    });
    // The refused sessions kept by earlier runs, read off the GUI thread (as the inbox's pages are), below this
    // run's; as many as the dock keeps.
    m_store->refusedSessions(0, m_sessions->maxSessions(), this,
        [this](const RefusedSessionPage &page) { m_sessions->addStoredSessions(page.sessions); });
    connect(m_store, &MessageStore::refusedSessionsCleared, m_sessions, &SessionsModel::removeStoredSessions);
}

void MainWindow::restoreState()
{
    QSettings s = windowSettings();
    s.beginGroup(QStringLiteral("window"));
    if (!restoreGeometry(s.value(QStringLiteral("geometry")).toByteArray())) {
        // 1280×800 where there is room, centred; fitToScreen() makes it smaller on a smaller screen.
        const QRect available = screen()->availableGeometry();
        setGeometry(QStyle::alignedRect(
            layoutDirection(), Qt::AlignCenter, QSize(1280, 800).boundedTo(available.size()), available));
    }
    // A geometry saved on a larger screen (or before a panel took room) fits this one.
    fitToScreen();
    QMainWindow::restoreState(s.value(QStringLiteral("state")).toByteArray());
    if (!m_splitter->restoreState(s.value(QStringLiteral("splitter")).toByteArray())) {
        m_splitter->setSizes({ 420, 860 });
    }
    if (!m_mailboxSplitter->restoreState(s.value(QStringLiteral("mailboxSplitter")).toByteArray())) {
        m_mailboxSplitter->setSizes({ 180, 1100 });
    }
    m_actions.value(QStringLiteral("showMailboxes"))
        ->setChecked(s.value(QStringLiteral("showMailboxes"), true).toBool());
    m_savedMailbox = s.value(QStringLiteral("mailbox")).toString();
    const bool compact = s.value(QStringLiteral("compactRows"), false).toBool();
    m_actions.value(QStringLiteral("compact"))->setChecked(compact);
    m_inboxView->setRowLayout(compact ? InboxView::Layout::Compact : InboxView::Layout::TwoLine);
    m_inboxView->horizontalHeader()->restoreState(s.value(QStringLiteral("inboxHeader")).toByteArray());
    m_inboxView->setRowLayout(m_inboxView->rowLayout());
    m_actions.value(QStringLiteral("follow"))->setChecked(s.value(QStringLiteral("followNewest"), false).toBool());
    m_message->setCurrentTab(MessageView::Tab(s.value(QStringLiteral("tab"), 0).toInt()));
    m_message->htmlView()->setPreviewWidth(HtmlView::Width(s.value(QStringLiteral("previewWidth"), 0).toInt()));
    m_message->setMonospaceText(s.value(QStringLiteral("monospaceText"), false).toBool());
    s.endGroup();
}

void MainWindow::saveState()
{
    QSettings s = windowSettings();
    s.beginGroup(QStringLiteral("window"));
    s.setValue(QStringLiteral("geometry"), saveGeometry());
    s.setValue(QStringLiteral("state"), QMainWindow::saveState());
    s.setValue(QStringLiteral("splitter"), m_splitter->saveState());
    s.setValue(QStringLiteral("mailboxSplitter"), m_mailboxSplitter->saveState());
    s.setValue(QStringLiteral("showMailboxes"), m_actions.value(QStringLiteral("showMailboxes"))->isChecked());
    // Until the sidebar listed the last run's mailbox, it is still the one to come back to.
    s.setValue(QStringLiteral("mailbox"), m_mailboxRestored ? m_inbox->mailbox() : m_savedMailbox);
    s.setValue(QStringLiteral("inboxHeader"), m_inboxView->horizontalHeader()->saveState());
    s.setValue(QStringLiteral("compactRows"), m_actions.value(QStringLiteral("compact"))->isChecked());
    s.setValue(QStringLiteral("followNewest"), m_actions.value(QStringLiteral("follow"))->isChecked());
    // The tab the user chose, not the one a message without HTML opened on.
    s.setValue(QStringLiteral("tab"), int(m_message->chosenTab()));
    s.setValue(QStringLiteral("previewWidth"), int(m_message->htmlView()->previewWidth()));
    s.setValue(QStringLiteral("monospaceText"), m_message->textView()->font().fixedPitch());
    s.endGroup();
}

InboxModel *MainWindow::inboxModel() const
{
    return m_inbox;
}

InboxView *MainWindow::inboxView() const
{
    return m_inboxView;
}

MessageView *MainWindow::messageView() const
{
    return m_message;
}

QCheckBox *MainWindow::refusedSessionsFilter() const
{
    return m_refusedOnly;
}

SessionsModel *MainWindow::sessionsModel() const
{
    return m_sessions;
}

TranscriptModel *MainWindow::sessionTranscriptModel() const
{
    return m_sessionTranscript;
}

QTableView *MainWindow::sessionsView() const
{
    return m_sessionsView;
}

Notifier *MainWindow::notifier() const
{
    return m_notifier;
}

EmptyState *MainWindow::emptyState() const
{
    return m_empty;
}

QLineEdit *MainWindow::searchField() const
{
    return m_search;
}

QAction *MainWindow::action(const QString &name) const
{
    return m_actions.value(name);
}

QString MainWindow::listeningText() const
{
    return m_listening->text();
}

QString MainWindow::countsText() const
{
    return m_counts->text();
}

QString MainWindow::writeErrorText() const
{
    return m_writeErrorBar->isHidden() ? QString() : m_writeError->text();
}

QString MainWindow::indexingText() const
{
    return m_indexingNotice->isHidden() ? QString() : m_indexingNotice->text();
}

AppSettings MainWindow::settings() const
{
    return m_settings;
}

void MainWindow::updateListening()
{
    if (!m_catcher) {
        // Attached: where, and whether the live connection (the events) is up; a red dot while it reconnects.
        const QString text = m_remote ? m_remote->stateText() : tr("Not catching here");
        const bool up = m_remote && m_remote->state() == RemoteMessageStore::State::Connected;
        m_listening->setText(
            QStringLiteral("<span style=\"color:%1\">●</span> %2")
                .arg(up ? QStringLiteral("#2e7d32") : QStringLiteral("#c62828"), text.toHtmlEscaped()));
        m_listening->setToolTip(text);
        m_choosePort->hide();
        if (m_remote && m_remote->state() == RemoteMessageStore::State::Reconnecting) {
            statusBar()->showMessage(text, 5000);
        }
        return;
    }
    const QList<CatcherService::Bound> smtp = m_catcher->smtpListeners();
    if (!m_catcher->isRunning() || smtp.isEmpty()) {
        const QString which = listenerName(m_catcher->failedListener());
        const QString error = m_catcher->failedAddress().isEmpty()
            ? tr("Not listening")
            : tr("%1 cannot listen on %2: %3").arg(which, m_catcher->failedAddress(), m_catcher->errorString());
        m_listening->setText(QStringLiteral("<span style=\"color:#c62828\">● %1</span>").arg(error.toHtmlEscaped()));
        m_listening->setToolTip(error);
        m_choosePort->show();
        m_empty->setListening(QString(), 0, EmptyState::Auth::Any, error);
        return;
    }
    QStringList parts;
    for (const CatcherService::Bound &b : smtp) {
        parts << b.display;
    }
    QString text = tr("Catching on %1").arg(parts.join(QStringLiteral(", ")));
    QStringList smtps;
    for (const CatcherService::Bound &b : m_catcher->smtpsListeners()) {
        smtps << b.display;
    }
    if (!smtps.isEmpty()) {
        text += tr(" · SMTPS %1").arg(smtps.join(QStringLiteral(", ")));
    }
    for (const auto &[name, bound] :
        { std::pair { tr("POP3"), m_catcher->pop3Listeners() }, std::pair { tr("POP3S"), m_catcher->pop3sListeners() },
            std::pair { tr("IMAP"), m_catcher->imapListeners() },
            std::pair { tr("IMAPS"), m_catcher->imapsListeners() } }) {
        QStringList addresses;
        for (const CatcherService::Bound &b : bound) {
            addresses << b.display;
        }
        if (!addresses.isEmpty()) {
            text += tr(" · %1 %2").arg(name, addresses.join(QStringLiteral(", ")));
        }
    }
    if (const std::optional<CatcherService::Bound> api = m_catcher->apiListener()) {
        // https with --api-tls-cert, as the listening line says.
        text += tr(" · API %1://%2").arg(api->tls ? QStringLiteral("https") : QStringLiteral("http"), api->display);
    }
    m_listening->setText(QStringLiteral("<span style=\"color:#2e7d32\">●</span> %1").arg(text.toHtmlEscaped()));
    m_listening->setToolTip(m_catcher->listeningLines().join(u'\n'));
    m_choosePort->hide();
    const AuthConfig &auth = m_catcher->config().session.auth;
    const CatcherService::Bound &shown = smtp.at(qBound<qsizetype>(0, shownListener(), smtp.size() - 1));
    m_empty->setListening(shown.host, shown.port,
        auth.isRequired()      ? EmptyState::Auth::Required
            : auth.isOffered() ? EmptyState::Auth::Any
                               : EmptyState::Auth::Off);
}

void MainWindow::scheduleCounts()
{
    if (!m_countsTimer->isActive()) {
        m_countsTimer->start();
    }
}

void MainWindow::updateCounts()
{
    const qint64 total = m_store->count();
    const qint64 unread = m_store->unreadCount();
    const int open = m_sessions->openCount();
    const QString messages = counted(total, tr("message"), tr("messages"));
    const QString unreadText = tr("%1 unread").arg(QLocale().toString(unread));
    m_notifier->setUnreadCount(unread);
    if (m_remote) {
        // The server's SMTP connections are not told over its API: no count to show. The title names the catcher,
        // so that it is not taken for the local one.
        m_counts->setText(QStringLiteral("%1 · %2").arg(messages, unreadText));
        setWindowTitle(unread > 0 ? tr("Letterbox — %1 (%2 unread)").arg(m_remote->location()).arg(unread)
                                  : tr("Letterbox — %1").arg(m_remote->location()));
        updateMatchCount();
        return;
    }
    m_counts->setText(
        QStringLiteral("%1 · %2 · %3").arg(messages, unreadText, counted(open, tr("connection"), tr("connections"))));
    setWindowTitle(unread > 0 ? tr("Letterbox (%1 unread)").arg(unread) : tr("Letterbox"));
    updateMatchCount();
}

void MainWindow::updateSearch()
{
    m_searchTimer->stop();
    QStringList parts;
    const QString text = m_search->text().trimmed();
    if (!text.isEmpty()) {
        parts << text;
    }
    if (m_unreadFilter->isChecked()) {
        parts << QStringLiteral("is:unread");
    }
    if (m_attachmentFilter->isChecked()) {
        parts << QStringLiteral("has:attachment");
    }
    const QString query = parts.join(u' ');
    if (query == m_inbox->query()) {
        return;
    }
    // The message shown stays selected when it is still listed (reselectShownMessage(), on the model's reset),
    // but the results open at the top, with the newest matches in sight.
    m_inbox->setQuery(query);
    m_inboxView->scrollToTop();
    updateEmptyState();
    updateMatchCount();
}

bool MainWindow::isSearching() const
{
    return !m_search->text().isEmpty() || m_unreadFilter->isChecked() || m_attachmentFilter->isChecked()
        || !m_inbox->query().isEmpty();
}

void MainWindow::clearSearch()
{
    m_search->clear();
    for (QToolButton *filter : { m_unreadFilter, m_attachmentFilter }) {
        const QSignalBlocker blocker(filter);
        filter->setChecked(false);
    }
    updateSearch();
}

void MainWindow::updateMatchCount()
{
    const bool searching = !m_inbox->query().isEmpty();
    if (searching) {
        const QLocale locale;
        // Of the mailbox listed: a search runs within it.
        const int mailboxRow = m_mailboxes ? m_mailboxes->rowOf(m_inbox->mailbox()) : 0;
        const qint64 total = mailboxRow > 0
            ? m_mailboxes->index(mailboxRow, 0).data(MailboxListModel::TotalRole).toLongLong()
            : m_store->count();
        m_matchCount->setText(tr("%1 of %2").arg(locale.toString(m_inbox->matchCount()), locale.toString(total)));
    }
    m_matchCountAction->setVisible(searching);
}

void MainWindow::reselectShownMessage()
{
    if (m_readerId.isEmpty()) {
        updateSelectionActions();
        return;
    }
    // The list was perhaps loaded further than its first page before: as far again (at least a few pages), so
    // that a reload by itself or a new sort order keeps the message being read.
    const int reach = qMax(m_rowsBeforeReset, 5 * InboxModel::PageSize);
    int row = m_inbox->rowOf(m_readerId);
    while (row < 0 && m_inbox->rowCount() < reach && m_inbox->canFetchMore({})) {
        const int before = m_inbox->rowCount();
        m_inbox->fetchMore({});
        if (m_inbox->rowCount() == before) {
            break;
        }
        row = m_inbox->rowOf(m_readerId);
    }
    if (row < 0) {
        // No longer listed: it does not match the search, and what is shown is what is listed. While the list
        // may miss messages not indexed yet, it waits for the list that runs again once they are.
        if (m_inbox->isComplete()) {
            m_pendingSelection.clear();
            clearReader();
        }
        updateSelectionActions();
        return;
    }
    // Selected where it is, without scrolling there: a new search or sort order opens at the top, a list that
    // ran again by itself stays where the user was.
    const bool autoScroll = m_inboxView->hasAutoScroll();
    m_inboxView->setAutoScroll(false);
    m_inboxView->selectionModel()->setCurrentIndex(
        m_inbox->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_inboxView->setAutoScroll(autoScroll);
    updateSelectionActions();
}

void MainWindow::updateIndexingNotice()
{
    const qint64 unindexed = m_inbox->unindexedCount();
    m_indexingNotice->setText(unindexed > 0
            ? tr("Still indexing %1 \u2014 results will update").arg(counted(unindexed, tr("message"), tr("messages")))
            : QString());
    m_indexingNotice->setVisible(unindexed > 0);
}

void MainWindow::updateEmptyState()
{
    const bool empty = m_inbox->rowCount() == 0;
    const bool searching = !m_inbox->query().isEmpty();
    if (empty && searching) {
        m_empty->showNoMatches(m_inbox->query());
        m_listEmpty->setText(tr("No matches"));
    } else if (empty) {
        m_empty->showWaiting();
        m_listEmpty->setText(
            m_inbox->mailbox().isEmpty() ? tr("No messages yet") : tr("No messages in %1 yet").arg(m_inbox->mailbox()));
    }
    m_inboxStack->setCurrentWidget(empty ? static_cast<QWidget *>(m_listEmpty) : m_inboxView);
    m_actions.value(QStringLiteral("exportMbox"))->setEnabled(!empty || m_inboxView->selectionModel()->hasSelection());
    // A message asked for by a notification may be shown while the list is still empty.
    const bool teach = empty && m_readerId.isEmpty();
    m_readerStack->setCurrentWidget(teach ? static_cast<QWidget *>(m_empty) : m_message);
}

void MainWindow::showSelectedMessage()
{
    QItemSelectionModel *selection = m_inboxView->selectionModel();
    const QModelIndex current = selection->currentIndex();
    if (!current.isValid() || !selection->isSelected(current)) {
        return;
    }
    const QString id = current.data(InboxModel::IdRole).toString();
    if (id == m_pendingSelection) {
        m_pendingSelection.clear();
    }
    if (id != m_readerId) {
        showInReader(id);
    }
}

void MainWindow::showInReader(const QString &id)
{
    m_readerId = id;
    m_message->showMessage(id);
    updateEmptyState();
}

void MainWindow::clearReader()
{
    m_readerId.clear();
    m_message->clear();
    updateEmptyState();
}

void MainWindow::clearReaderIfGone()
{
    // Its row went (deleted, here or elsewhere) and nothing took its place.
    if (!m_readerId.isEmpty() && m_readerId != m_pendingSelection && m_inbox->rowOf(m_readerId) < 0) {
        clearReader();
    }
}

void MainWindow::updateSelectionActions()
{
    // Also after a reset or a removal, which change the selection without selectionChanged().
    const bool any = m_inboxView->selectionModel()->hasSelection();
    for (const char *name : { "delete", "export", "toggleRead" }) {
        m_actions.value(QLatin1String(name))->setEnabled(any);
    }
    // The selection, or else what the list shows.
    m_actions.value(QStringLiteral("exportMbox"))->setEnabled(any || m_inbox->rowCount() > 0);
    updateReleaseAction();
    updatePinAction();
}

void MainWindow::updateReleaseAction()
{
    QAction *release = m_actions.value(QStringLiteral("release"));
    if (m_remote) {
        // Through the attached catcher's relay: offered when it has one (a Letterbox's release says when it has none).
        release->setEnabled(m_remote->has(RemoteMessageStore::Feature::Release) && m_message->content().isValid());
        const QString tip = tr("Send the message shown, unchanged, through the relay of the catcher at %1 to "
                               "addresses you choose")
                                .arg(m_remote->location());
        release->setToolTip(tip);
        release->setStatusTip(tip);
        return;
    }
    if (!m_catcher) {
        release->setEnabled(false);
        return;
    }
    const bool configured = m_catcher->relay()->config().isConfigured();
    release->setEnabled(configured && m_message->content().isValid());
    // Disabled for want of a relay: say where to set one (a disabled item's tooltip is what explains it).
    const QString tip = configured
        ? tr("Send the message shown, unchanged, through the relay server to addresses you choose")
        : tr("No relay server: set one in Settings, Relay (or start with --relay HOST:PORT)");
    release->setToolTip(tip);
    release->setStatusTip(tip);
}

void MainWindow::setRelayFromCommandLine(const QString &note)
{
    m_relayNote = note;
    updateReleaseAction();
}

void MainWindow::setRelayPassword(const QString &password)
{
    m_relayPassword = password;
    applyRelay();
    if (!m_relayNote.isEmpty()) {
        return;
    }
    m_relayPasswords->write(password, [this](RelayPasswordStore::Status status, const QString &error) {
        m_keychain = status;
        if (status != RelayPasswordStore::Status::Ok) {
            statusBar()->showMessage(
                tr("No system keychain (%1): the relay password is kept for this run only.").arg(error), 10000);
        }
    });
}

void MainWindow::applyRelay()
{
    if (!m_catcher) {
        return;
    }
    if (m_relayNote.isEmpty()) {
        m_catcher->relay()->setConfig(
            m_settings.relay.toConfig(m_relayPassword, QString::fromUtf8(m_base.session.hostname)));
    }
    updateReleaseAction();
}

void MainWindow::readRelayPassword(std::function<void()> then)
{
    m_relayPasswords->read(
        [this, then = std::move(then)](RelayPasswordStore::Status status, const QString &password, const QString &) {
            m_keychain = status;
            // Typed in Settings meanwhile: that one stands.
            if (m_relayPassword.isEmpty()) {
                m_relayPassword = password;
                applyRelay();
            }
            if (then) {
                then();
            }
        });
}

ReleaseDialog *MainWindow::releaseMessage()
{
    if (!m_actions.value(QStringLiteral("release"))->isEnabled()) {
        return nullptr;
    }
    const MessageContent &content = m_message->content();
    ReleaseDialog *dialog = nullptr;
    if (m_remote) {
        // The request runs on the store's pool; the dialog hears back on the GUI thread.
        QPointer<RemoteMessageStore> remote(m_remote);
        const QString id = content.stored.summary.id;
        dialog = new ReleaseDialog(
            [remote, id](const QStringList &to, QObject *context, std::function<void(bool, const QString &)> done) {
                if (!remote) {
                    done(false, tr("detached"));
                    return;
                }
                remote->release(id, to, context, std::move(done));
            },
            tr("the relay of the catcher at %1").arg(m_remote->location()), content.stored.summary.subject, this);
    } else {
        dialog = new ReleaseDialog(m_catcher->relay(), content.stored.summary.id, content.stored.summary.subject, this);
    }
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    return dialog;
}

void MainWindow::onArrived(const QStringList &ids)
{
    updateEmptyState();
    if (m_actions.value(QStringLiteral("follow"))->isChecked() && !ids.isEmpty()) {
        selectMessage(ids.first());
        m_inboxView->scrollTo(m_inbox->index(m_inbox->rowOf(ids.first()), 0));
    }
}

void MainWindow::selectMessage(const QString &id)
{
    const int row = m_inbox->rowOf(id);
    if (row < 0) {
        // Not listed (yet): show it anyway; its row is selected if it arrives.
        m_pendingSelection = id;
        showInReader(id);
        return;
    }
    m_pendingSelection.clear();
    m_inboxView->selectionModel()->setCurrentIndex(
        m_inbox->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_inboxView->scrollTo(m_inbox->index(row, 0));
}

QStringList MainWindow::selectedIds() const
{
    QList<int> rows;
    for (const QModelIndex &index : m_inboxView->selectionModel()->selectedRows()) {
        rows << index.row();
    }
    std::sort(rows.begin(), rows.end());
    QStringList ids;
    for (int row : rows) {
        ids << m_inbox->idAt(row);
    }
    return ids;
}

void MainWindow::moveSelection(int delta)
{
    const int rows = m_inbox->rowCount();
    if (rows == 0) {
        return;
    }
    const QModelIndex current = m_inboxView->selectionModel()->currentIndex();
    // A row made current without being selected (the list got the focus) is where the selection starts.
    const bool selected = current.isValid() && m_inboxView->selectionModel()->isSelected(current);
    int row = current.isValid() ? current.row() + (selected ? delta : 0) : 0;
    if (row >= rows && m_inbox->canFetchMore({})) {
        m_inbox->fetchMore({});
    }
    row = qBound(0, row, m_inbox->rowCount() - 1);
    m_inboxView->selectionModel()->setCurrentIndex(
        m_inbox->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_inboxView->scrollTo(m_inbox->index(row, 0));
}

void MainWindow::runJob(const QString &job, std::function<QString(bool *ok)> work)
{
    QPointer<MainWindow> self(this);
    QThreadPool::globalInstance()->start([self, job, work = std::move(work)] {
        bool ok = false;
        const QString message = work(&ok);
        QMetaObject::invokeMethod(
            qApp,
            [self, job, ok, message] {
                if (self) {
                    self->finishJob(job, ok, message);
                }
            },
            Qt::QueuedConnection);
    });
}

void MainWindow::finishJob(const QString &job, bool ok, const QString &message)
{
    if (!message.isEmpty()) {
        statusBar()->showMessage(message, 6000);
    }
    Q_EMIT jobFinished(job, ok, message);
}

RulesWindow *MainWindow::rulesWindow()
{
    if (!m_rulesWindow && m_catcher && m_catcher->config().rules) {
        m_rulesWindow = new RulesWindow(m_catcher->config().rules, m_catcher->config().rulesDocument, this);
    }
    return m_rulesWindow;
}

bool MainWindow::hasRules() const
{
    return m_remote ? m_remote->has(RemoteMessageStore::Feature::Rules) : m_catcher && m_catcher->config().rules;
}

void MainWindow::withRulesWindow(std::function<void(RulesWindow *)> then)
{
    if (RulesWindow *window = rulesWindow()) {
        then(window);
        return;
    }
    if (!m_remote || !m_remote->has(RemoteMessageStore::Feature::Rules)) {
        return;
    }
    m_rulesWanted << std::move(then);
    if (m_remoteRules) {
        return; // being read
    }
    // The catcher's rules first, off the GUI thread: a window shown empty meanwhile could save over them.
    m_remoteRules = std::make_unique<RemoteRulesDocument>(m_remote->endpoint());
    statusBar()->showMessage(tr("Reading the rules of %1…").arg(m_remote->location()));
    m_remoteRules->fetch(this, [this](const std::optional<QByteArray> &body, const QString &error) {
        QString problem = error;
        const std::optional<RuleSet> set = body ? RuleSet::fromJson(*body, &problem) : std::nullopt;
        if (!set) {
            m_rulesWanted.clear();
            m_remoteRules.reset();
            statusBar()->showMessage(tr("Cannot read the catcher's rules: %1").arg(problem), 10000);
            return;
        }
        statusBar()->clearMessage();
        m_remoteRulesMirror = std::make_unique<RuleEngine>();
        m_remoteRulesMirror->setRules(*set);
        // Others' changes (PUT /api/v1/rules, another window or instance) reach the mirror, and from there the
        // window's list (RulesWindow follows its engine); so does what the window saves, in order.
        m_remoteRules->setApplier([mirror = m_remoteRulesMirror.get()](const QByteArray &changed,
                                      QString *why) { return mirror->setRulesFromJson(changed, why); },
            0);
        m_rulesWindow = new RulesWindow(m_remoteRulesMirror.get(), m_remoteRules.get(), this);
        m_rulesWindow->setAttached(m_remote->location());
        // Polled while shown (README "Attaching the desktop app to a remote catcher").
        m_rulesWindow->installEventFilter(this);
        const QList<std::function<void(RulesWindow *)>> wanted = std::exchange(m_rulesWanted, {});
        for (const auto &then : wanted) {
            then(m_rulesWindow);
        }
    });
}

void MainWindow::proposeSenderRule(const QString &address)
{
    Rule rule;
    rule.pattern = address;
    rule.code = 550;
    rule.enhanced = QStringLiteral("5.7.1");
    rule.text = tr("sender rejected");
    withRulesWindow([rule](RulesWindow *window) {
        window->show();
        window->proposeRule(RuleSet::Stage::Sender, rule);
    });
}

void MainWindow::proposeRecipientRule(const QString &address)
{
    Rule rule;
    rule.pattern = address;
    rule.code = 550;
    rule.enhanced = QStringLiteral("5.1.1");
    rule.text = tr("mailbox unavailable");
    withRulesWindow([rule](RulesWindow *window) {
        window->show();
        window->proposeRule(RuleSet::Stage::Recipient, rule);
    });
}

void MainWindow::proposeHostRule(const QString &address)
{
    Rule rule;
    rule.match = Rule::Match::Cidr;
    rule.pattern = address + (address.contains(u':') ? QStringLiteral("/128") : QStringLiteral("/32"));
    rule.text = tr("Access denied");
    withRulesWindow([rule](RulesWindow *window) {
        window->show();
        window->proposeRule(RuleSet::Stage::Host, rule);
    });
}

void MainWindow::deleteSelected()
{
    const QStringList ids = selectedIds();
    if (ids.isEmpty()) {
        return;
    }
    // The message after the deleted ones (else before) is selected next.
    QList<int> rows;
    for (const QString &id : ids) {
        rows << m_inbox->rowOf(id);
    }
    const int last = *std::max_element(rows.cbegin(), rows.cend());
    const int first = *std::min_element(rows.cbegin(), rows.cend());
    QString next = m_inbox->idAt(last + 1);
    if (next.isEmpty()) {
        next = m_inbox->idAt(first - 1);
    }
    m_pendingSelection = next;
    m_store->remove(ids, this, [this, count = ids.size()](const QString &error) {
        finishJob(QStringLiteral("delete"), error.isEmpty(),
            error.isEmpty() ? tr("Deleted %1").arg(counted(count, tr("message"), tr("messages")))
                            : writeFailure(MessageStore::Write::Removal, count, error));
    });
}

void MainWindow::markSelected(bool read)
{
    const QStringList ids = selectedIds();
    if (ids.isEmpty()) {
        return;
    }
    m_store->setRead(ids, read, this, [this, read, count = ids.size()](const QString &error) {
        finishJob(QStringLiteral("mark"), error.isEmpty(),
            error.isEmpty()
                ? QString()
                : writeFailure(read ? MessageStore::Write::MarkRead : MessageStore::Write::MarkUnread, count, error));
    });
}

void MainWindow::markAllRead()
{
    runJob(QStringLiteral("markAllRead"), [store = m_store](bool *ok) {
        QString error;
        const std::optional<QStringList> ids = store->searchIds(QStringLiteral("is:unread"), QTimeZone::utc(), &error);
        *ok = ids && store->setRead(*ids, true, &error);
        const qint64 n = ids ? ids->size() : 0;
        return *ok ? tr("Marked %1 read").arg(counted(n, tr("message"), tr("messages")))
                   : writeFailure(MessageStore::Write::MarkRead, n, error);
    });
}

void MainWindow::deleteAll()
{
    const qint64 before = m_store->count();
    m_store->removeAll(this, [this, before](const QString &error) {
        if (!error.isEmpty()) {
            finishJob(QStringLiteral("deleteAll"), false,
                writeFailure(MessageStore::Write::RemovalOfAll, m_store->count(), error));
            return;
        }
        // What stayed is what was pinned (CONTRACT "Mailboxes": delete-all skips pinned messages).
        m_store->pinnedCount(this, [this, before](qint64 kept) {
            finishJob(QStringLiteral("deleteAll"), true,
                kept == 0 ? tr("Deleted every message")
                          : tr("Deleted %1; kept %2")
                                .arg(counted(qMax<qint64>(0, before - kept), tr("message"), tr("messages")),
                                    counted(kept, tr("pinned message"), tr("pinned messages"))));
        });
    });
}

void MainWindow::exportMessage(const QString &id, const QString &fileName)
{
    runJob(QStringLiteral("export"), [store = m_store, id, fileName](bool *ok) {
        QString error;
        *ok = writeSource(store, id, fileName, &error);
        return *ok ? tr("Exported %1").arg(QDir::toNativeSeparators(fileName))
                   : tr("Could not export to %1: %2").arg(QDir::toNativeSeparators(fileName), error);
    });
}

void MainWindow::exportSelected()
{
    const QStringList ids = selectedIds();
    if (ids.isEmpty()) {
        return;
    }
    const QString downloads = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
    if (ids.size() == 1) {
        const MessageSummary s = m_inbox->summaryAt(m_inbox->rowOf(ids.first()));
        const QString name = SafeFileName::sanitized(s.subject, ids.first()) + QStringLiteral(".eml");
        const QString fileName = QFileDialog::getSaveFileName(
            this, tr("Export Message"), QDir(downloads).filePath(name), tr("Email messages (*.eml)"));
        if (!fileName.isEmpty()) {
            exportMessage(ids.first(), fileName);
        }
        return;
    }
    const QString directory = QFileDialog::getExistingDirectory(this, tr("Export Messages To"), downloads);
    if (directory.isEmpty()) {
        return;
    }
    for (const QString &id : ids) {
        exportMessage(id, QDir(directory).filePath(id + QStringLiteral(".eml")));
    }
}

void MainWindow::exportAsMboxInteractively()
{
    const QString downloads = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
    const QString fileName = QFileDialog::getSaveFileName(this, tr("Export as mbox"),
        QDir(downloads).filePath(QStringLiteral("letterbox.mbox")), tr("Mailboxes (*.mbox);;All files (*)"));
    if (!fileName.isEmpty()) {
        exportAsMbox(fileName);
    }
}

void MainWindow::exportAsMbox(const QString &fileName)
{
    // The selection as listed, else the search's every match (loaded or not): read on the worker thread.
    QList<std::pair<qint64, QString>> byTime;
    for (const QModelIndex &index : m_inboxView->selectionModel()->selectedRows()) {
        const MessageSummary summary = m_inbox->summaryAt(index.row());
        byTime.append({ summary.receivedMs, summary.id });
    }
    std::sort(byTime.begin(), byTime.end());
    QStringList selected;
    for (const auto &[time, id] : std::as_const(byTime)) {
        selected << id;
    }
    runJob(
        QStringLiteral("export-mbox"), [store = m_store, selected, query = m_inbox->scopedQuery(), fileName](bool *ok) {
            QStringList ids = selected;
            if (ids.isEmpty()) {
                // Newest first from the store; an mbox grows by appending, so oldest first.
                ids = store->searchIds(query, QTimeZone::systemTimeZone());
                std::reverse(ids.begin(), ids.end());
            }
            QString error;
            qint64 written = 0;
            *ok = writeMbox(store, ids, fileName, &written, &error);
            return *ok ? tr("Exported %1 to %2")
                             .arg(counted(written, tr("message"), tr("messages")), QDir::toNativeSeparators(fileName))
                       : tr("Could not export to %1: %2").arg(QDir::toNativeSeparators(fileName), error);
        });
}

void MainWindow::importFiles(const QStringList &fileNames)
{
    runJob(QStringLiteral("import"), [store = m_store, fileNames](bool *ok) {
        int total = 0;
        QStringList errors;
        for (const QString &fileName : fileNames) {
            QString error;
            const int count = MessageImporter::importFile(store, fileName, &error);
            if (count < 0) {
                errors << error;
            } else {
                total += count;
            }
        }
        *ok = errors.isEmpty();
        return *ok ? tr("Imported %1").arg(counted(total, tr("message"), tr("messages")))
                   : tr("Imported %1; failed: %2")
                         .arg(counted(total, tr("message"), tr("messages")), errors.join(QStringLiteral("; ")));
    });
}

void MainWindow::importInteractively()
{
    const QStringList files = QFileDialog::getOpenFileNames(this, tr("Import Messages"), QDir::homePath(),
        tr("Messages and mailboxes (*.eml *.mbox *.mbx *.txt);;All files (*)"));
    if (!files.isEmpty()) {
        importFiles(files);
    }
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    // Files from elsewhere (not our own drag out of the inbox).
    if (event->mimeData()->hasUrls() && !event->mimeData()->hasFormat(QStringLiteral("application/x-letterbox-ids"))) {
        event->acceptProposedAction();
    }
}

void MainWindow::dropEvent(QDropEvent *event)
{
    QStringList files;
    for (const QUrl &url : event->mimeData()->urls()) {
        if (url.isLocalFile()) {
            files << url.toLocalFile();
        }
    }
    if (!files.isEmpty()) {
        importFiles(files);
        event->acceptProposedAction();
    }
}

void MainWindow::showSettings(bool focusSmtp)
{
    SettingsDialog dialog(m_settings, m_base, this);
    if (focusSmtp) {
        dialog.focusSmtpAddress();
    }
    RelaySettingsPage *relayPage = dialog.relayPage();
    relayPage->setCommandLineNote(m_relayNote);
    if (m_keychain) {
        relayPage->setPassword(m_relayPassword, *m_keychain);
    } else if (m_relayNote.isEmpty()) {
        // Asked now, not at start, when no relay user needed it: a keychain may ask to be unlocked.
        QPointer<RelaySettingsPage> page(relayPage);
        readRelayPassword([this, page] {
            if (page) {
                page->setPassword(m_relayPassword, *m_keychain);
            }
        });
    }
    // Applied before the dialog closes: a new address that cannot listen keeps it open, naming the address.
    dialog.setApplier([this, relayPage](const AppSettings &settings, const CatcherConfig &config,
                          CatcherService::Listener *failed, QString *error) {
        const bool ok = applySettings(settings, config, error);
        *failed = ok ? CatcherService::Listener::None : m_catcher->failedListener();
        if (ok && relayPage->isPasswordChanged()) {
            setRelayPassword(relayPage->password());
        }
        return ok;
    });
    dialog.exec();
}

bool MainWindow::applySettings(const AppSettings &settings, const CatcherConfig &config, QString *error)
{
    if (!m_catcher) {
        if (error) {
            *error = tr("an attached window runs no catcher to apply settings to");
        }
        return false;
    }
    // The listeners first: when a new one cannot listen the old ones go on, and nothing else changes.
    const bool ok = m_catcher->restart(config);
    updateListening();
    if (!ok) {
        if (error) {
            *error = tr("%1 cannot listen on %2: %3")
                         .arg(listenerName(m_catcher->failedListener()), m_catcher->failedAddress(),
                             m_catcher->errorString());
        }
        return false;
    }
    m_settings = settings;
    QSettings s = windowSettings();
    s.beginGroup(QStringLiteral("settings"));
    settings.save(s);
    s.endGroup();
    m_store->setMaxMessages(settings.maxMessages);
    m_notifier->setTrayEnabled(settings.trayIcon);
    m_notifier->setNotificationsEnabled(settings.notifications);
    applyRelay();
    return true;
}

void MainWindow::setFocusMode(bool on)
{
    if (on == m_focusMode) {
        return;
    }
    m_focusMode = on;
    if (on) {
        // The docks and toolbars as the user had them, to come back to.
        m_stateBeforeFocus = QMainWindow::saveState();
        m_maximizedBeforeFocus = isMaximized();
        m_tabBeforeFocus = m_message->chosenTab();
    }
    m_inboxColumn->setVisible(!on);
    updateMailboxSidebar();
    m_message->headerCard()->setVisible(!on);
    m_message->tabs()->tabBar()->setVisible(!on);
    menuBar()->setVisible(!on);
    statusBar()->setVisible(!on);
    for (QToolBar *bar : findChildren<QToolBar *>(QString(), Qt::FindDirectChildrenOnly)) {
        bar->setVisible(!on);
    }
    if (on) {
        for (QDockWidget *dock : findChildren<QDockWidget *>(QString(), Qt::FindDirectChildrenOnly)) {
            dock->hide();
        }
        m_message->setCurrentTab(MessageView::HtmlTab);
        showFullScreen();
        m_leaveFullScreen->setKey(QKeySequence(Qt::Key_Escape));
        placeFullScreenHint();
        m_fullScreenHint->show();
        m_fullScreenHint->raise();
        m_fullScreenHintTimer->start();
    } else {
        // Escape belongs to the search and the list again.
        m_leaveFullScreen->setKey(QKeySequence());
        m_fullScreenHintTimer->stop();
        m_fullScreenHint->hide();
        if (m_maximizedBeforeFocus) {
            showMaximized();
        } else {
            showNormal();
        }
        QMainWindow::restoreState(m_stateBeforeFocus);
        // Presenting showed the HTML tab; the user's choice comes back.
        m_message->setCurrentTab(MessageView::Tab(m_tabBeforeFocus));
    }
}

void MainWindow::placeFullScreenHint()
{
    m_fullScreenHint->adjustSize();
    m_fullScreenHint->move((width() - m_fullScreenHint->width()) / 2, height() / 12);
}

void MainWindow::fitToScreen()
{
    if (isMaximized() || isFullScreen()) {
        return;
    }
    const QRect available = screen()->availableGeometry();
    // The window manager's frame, once known; before the window is shown, room for a title bar.
    QMargins frame(geometry().left() - frameGeometry().left(), geometry().top() - frameGeometry().top(),
        frameGeometry().right() - geometry().right(), frameGeometry().bottom() - geometry().bottom());
    if (frame.isNull() && !testAttribute(Qt::WA_WState_Visible)) {
        frame = QMargins(0, style()->pixelMetric(QStyle::PM_TitleBarHeight, nullptr, this), 0, 0);
    }
    QRect framed = geometry().marginsAdded(frame);
    framed.setSize(framed.size().boundedTo(available.size()));
    framed.moveLeft(qBound(available.left(), framed.left(), available.right() - framed.width() + 1));
    framed.moveTop(qBound(available.top(), framed.top(), available.bottom() - framed.height() + 1));
    const QRect inner = framed.marginsRemoved(frame);
    if (inner != geometry()) {
        setGeometry(inner);
    }
}

bool MainWindow::eventFilter(QObject *watched, QEvent *event)
{
    // The attached catcher's rules are followed while its Rules window is open.
    if (watched == m_rulesWindow && m_remoteRules && (event->type() == QEvent::Show || event->type() == QEvent::Hide)) {
        m_remoteRules->setPolling(event->type() == QEvent::Show);
    }
    // Escape in the search field or the list clears the search (as Mailpit's Escape does).
    if ((watched == m_search || watched == m_inboxView) && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if (key->key() == Qt::Key_Escape && key->modifiers() == Qt::NoModifier && isSearching()) {
            clearSearch();
            return true;
        }
        // Down in the search field goes to the results, the first one selected when none is (a keyboard user's way
        // from typing a search to reading what it found, without tabbing through the toolbar).
        if (watched == m_search && key->key() == Qt::Key_Down && key->modifiers() == Qt::NoModifier
            && m_inbox->rowCount() > 0) {
            m_inboxView->setFocus(Qt::ShortcutFocusReason);
            if (!m_inboxView->selectionModel()->hasSelection()) {
                m_inboxView->selectionModel()->setCurrentIndex(
                    m_inbox->index(0, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
                m_inboxView->scrollTo(m_inbox->index(0, 0));
            }
            return true;
        }
    }
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    if (!m_fittedAfterShow) {
        m_fittedAfterShow = true;
        // The frame is known once the window manager framed the window.
        QTimer::singleShot(0, this, &MainWindow::fitToScreen);
    }
}

void MainWindow::resizeEvent(QResizeEvent *event)
{
    QMainWindow::resizeEvent(event);
    if (m_fullScreenHint && m_fullScreenHint->isVisible()) {
        placeFullScreenHint();
    }
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!m_quitsOnClose) {
        // A window beside the local catcher's: closing it detaches. Its store stops (a request under way is
        // abandoned) and the workers that may still read it finish before the window and its store go.
        if (m_focusMode) {
            m_actions.value(QStringLiteral("focusMode"))->setChecked(false);
        }
        if (m_remote) {
            m_remote->close();
        }
        QThreadPool::globalInstance()->waitForDone();
        event->accept();
        return;
    }
    if (!m_quitting && m_settings.closeToTray && m_notifier->isTrayEnabled() && m_notifier->isTrayAvailable()) {
        hide();
        event->ignore();
        return;
    }
    if (m_focusMode) {
        m_actions.value(QStringLiteral("focusMode"))->setChecked(false);
    }
    // An attached window leaves the local window's saved state (mailbox, splitters, docks) alone.
    if (!m_remote) {
        saveState();
    }
    event->accept();
    QCoreApplication::quit();
}

void MainWindow::createTagActions()
{
    // Ctrl+P is free here (nothing prints) and is what mail clients' users reach for to pin or flag.
    auto *pin = new QAction(tr("P&in"), this);
    pin->setObjectName(QStringLiteral("pin"));
    pin->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    pin->setCheckable(true);
    pin->setIcon(Icons::icon(Icons::Pin));
    const QString pinTip = tr("Pin the selected messages, or unpin them: pinned messages stay through Delete All "
                              "and retention");
    pin->setToolTip(pinTip);
    pin->setStatusTip(pinTip);
    pin->setEnabled(false);
    // triggered, not toggled: the check mark follows the selection (updatePinAction()), not the click.
    connect(pin, &QAction::triggered, this, [this] { togglePinSelected(); });
    m_actions.insert(QStringLiteral("pin"), pin);
    addAction(pin);

    auto *tag = new QAction(tr("Add &Tag…"), this);
    tag->setObjectName(QStringLiteral("addTag"));
    tag->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    const QString tagTip = tr("Type a tag in the message's header card; Enter adds it to the selected messages");
    tag->setToolTip(tagTip);
    tag->setStatusTip(tagTip);
    tag->setEnabled(false);
    connect(tag, &QAction::triggered, this, [this] {
        QLineEdit *editor = m_message->tagBar()->editor();
        if (editor->isVisible()) {
            editor->setFocus(Qt::ShortcutFocusReason);
        }
    });
    m_actions.insert(QStringLiteral("addTag"), tag);
    addAction(tag);
    connectTagBar();
}

void MainWindow::connectTagBar()
{
    TagBar *bar = m_message->tagBar();
    connect(bar, &TagBar::addRequested, this, &MainWindow::addTagsToSelected);
    connect(bar, &TagBar::removeRequested, this, &MainWindow::removeTagFromShown);
    connect(bar, &TagBar::filterRequested, this, &MainWindow::filterByTag);
    connect(bar, &TagBar::renameRequested, this, &MainWindow::renameTagInteractively);
    connect(bar, &TagBar::deleteRequested, this, &MainWindow::deleteTagInteractively);
    // A pin set elsewhere (the API, another window) shows in the action's check mark once the list has it.
    connect(m_inbox, &QAbstractItemModel::dataChanged, this, &MainWindow::updatePinAction);
}

void MainWindow::updatePinAction()
{
    const QModelIndexList rows = m_inboxView->selectionModel()->selectedRows();
    bool allPinned = !rows.isEmpty();
    for (const QModelIndex &index : rows) {
        allPinned = allPinned && index.data(InboxModel::PinnedRole).toBool();
    }
    QAction *pin = m_actions.value(QStringLiteral("pin"));
    pin->setEnabled(!rows.isEmpty());
    pin->setChecked(allPinned);
    m_actions.value(QStringLiteral("addTag"))->setEnabled(!rows.isEmpty());
}

void MainWindow::togglePinSelected()
{
    const QModelIndexList rows = m_inboxView->selectionModel()->selectedRows();
    QStringList ids;
    bool allPinned = !rows.isEmpty();
    for (const QModelIndex &index : rows) {
        ids << index.data(InboxModel::IdRole).toString();
        allPinned = allPinned && index.data(InboxModel::PinnedRole).toBool();
    }
    updatePinAction();
    if (ids.isEmpty()) {
        return;
    }
    const bool pinned = !allPinned;
    m_store->setPinned(ids, pinned, this, [this, pinned, count = ids.size()](const QString &error) {
        updatePinAction();
        const QString n = counted(count, tr("message"), tr("messages"));
        finishJob(QStringLiteral("pin"), error.isEmpty(),
            error.isEmpty()
                ? (pinned ? tr("Pinned %1").arg(n) : tr("Unpinned %1").arg(n))
                : writeFailure(pinned ? MessageStore::Write::Pin : MessageStore::Write::Unpin, count, error));
    });
}

void MainWindow::addTagsToSelected(const QStringList &tags)
{
    QStringList ids = selectedIds();
    if (ids.isEmpty() && !m_message->messageId().isEmpty()) {
        ids << m_message->messageId();
    }
    changeTags(ids, tags, {});
}

void MainWindow::removeTagFromShown(const QString &tag)
{
    const QString id = m_message->messageId();
    if (!id.isEmpty()) {
        changeTags({ id }, {}, { tag });
    }
}

void MainWindow::changeTags(const QStringList &ids, const QStringList &add, const QStringList &remove)
{
    if (ids.isEmpty() || (add.isEmpty() && remove.isEmpty())) {
        return;
    }
    // Each message's tags as the store has them now (the list's may be a moment behind an API call), on a worker
    // thread: setTags() gives every ID the same tags, so messages are grouped by the tags they end up with.
    runJob(QStringLiteral("tag"), [store = m_store, ids, add, remove](bool *ok) {
        QHash<QString, QStringList> idsByKey;
        QHash<QString, QStringList> tagsByKey;
        for (const QString &id : ids) {
            const std::optional<MessageSummary> summary = store->summary(id);
            if (!summary) {
                continue;
            }
            QStringList wanted = summary->tags + add;
            wanted.removeIf([&remove](const QString &t) { return remove.contains(t, Qt::CaseInsensitive); });
            wanted = MessageTags::normalized(wanted);
            const QString key = wanted.join(u'\n');
            idsByKey[key] << id;
            tagsByKey.insert(key, wanted);
        }
        *ok = true;
        for (auto it = idsByKey.cbegin(); it != idsByKey.cend(); ++it) {
            QString error;
            if (!store->setTags(it.value(), tagsByKey.value(it.key()), &error)) {
                *ok = false;
                return writeFailure(MessageStore::Write::Tagging, it.value().size(), error);
            }
        }
        return QString();
    });
}

void MainWindow::filterByTag(const QString &tag)
{
    // Mailpit's search syntax: a value with a space is quoted (a tag holds no quote: MessageTags::clean()).
    const QString value = tag.contains(u' ') ? QStringLiteral("\"%1\"").arg(tag) : tag;
    m_search->setText(QStringLiteral("tag:") + value);
    updateSearch();
}

void MainWindow::renameTag(const QString &from, const QString &to)
{
    m_store->renameTag(from, to, this, [this, from, to](const QString &error) {
        finishJob(QStringLiteral("renameTag"), error.isEmpty(),
            error.isEmpty() ? tr("Renamed the tag %1 to %2").arg(from, to)
                            : tr("Could not rename the tag %1: %2").arg(from, error));
        // A search for the old name would list nothing now: it follows the rename.
        const QString old = QStringLiteral("tag:") + (from.contains(u' ') ? u'"' + from + u'"' : from);
        if (error.isEmpty() && m_search->text().trimmed() == old) {
            filterByTag(to);
        }
    });
}

void MainWindow::deleteTag(const QString &name)
{
    m_store->deleteTag(name, this, [this, name](const QString &error) {
        finishJob(QStringLiteral("deleteTag"), error.isEmpty(),
            error.isEmpty() ? tr("Deleted the tag %1").arg(name)
                            : tr("Could not delete the tag %1: %2").arg(name, error));
    });
}

void MainWindow::renameTagInteractively(const QString &tag)
{
    bool ok = false;
    const QString to = QInputDialog::getText(
        this, tr("Rename Tag"), tr("Rename the tag “%1” on every message to:").arg(tag), QLineEdit::Normal, tag, &ok);
    if (ok && !to.trimmed().isEmpty() && to != tag) {
        renameTag(tag, to.trimmed());
    }
}

void MainWindow::deleteTagInteractively(const QString &tag)
{
    if (QMessageBox::question(
            this, tr("Delete Tag"), tr("Remove the tag “%1” from every message? The messages stay.").arg(tag))
        == QMessageBox::Yes) {
        deleteTag(tag);
    }
}

void MainWindow::confirmDeleteAll()
{
    // The counts come from the store's readers: the question opens once they are in.
    m_store->pinnedCount(this, [this](qint64 pinned) {
        const qint64 total = m_store->count();
        const QString question = pinned == 0
            ? tr("Delete all %1? This cannot be undone.")
                  .arg(counted(total, tr("stored message"), tr("stored messages")))
            : tr("Delete %1? %2 kept. This cannot be undone.")
                  .arg(counted(qMax<qint64>(0, total - pinned), tr("message"), tr("messages")),
                      pinned == 1 ? tr("1 pinned message is")
                                  : tr("%1 pinned messages are").arg(QLocale().toString(pinned)));
        if (QMessageBox::question(this, tr("Delete All Messages"), question) == QMessageBox::Yes) {
            deleteAll();
        }
    });
}

void MainWindow::createMailboxSidebar()
{
    m_mailboxes = new MailboxListModel(m_store, m_base.mailboxes, this);
    m_mailboxView = new QTreeView(this);
    m_mailboxView->setObjectName(QStringLiteral("mailboxView"));
    m_mailboxView->setModel(m_mailboxes);
    m_mailboxView->setRootIsDecorated(false);
    m_mailboxView->setHeaderHidden(true);
    m_mailboxView->setUniformRowHeights(true);
    m_mailboxView->setAllColumnsShowFocus(true);
    m_mailboxView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_mailboxView->setAccessibleName(tr("Mailboxes"));
    // Rows as tall as a folder list's in a mail client: easier to aim at than the list's text lines.
    m_mailboxView->setStyleSheet(QStringLiteral("#mailboxView::item { padding: 4px 2px; }"));
    m_mailboxView->setToolTip(tr("Mailboxes: Alt+Up and Alt+Down, or Ctrl+1 to Ctrl+9, choose one"));
    QHeaderView *header = m_mailboxView->header();
    header->setStretchLastSection(false);
    header->setSectionResizeMode(MailboxListModel::NameColumn, QHeaderView::Stretch);
    header->setSectionResizeMode(MailboxListModel::UnreadColumn, QHeaderView::ResizeToContents);
    m_mailboxView->setMinimumWidth(fontMetrics().averageCharWidth() * 14);
    m_mailboxView->hide();
    m_mailboxSplitter->insertWidget(0, m_mailboxView);
    m_mailboxSplitter->setStretchFactor(0, 0);
    m_mailboxSplitter->setStretchFactor(1, 1);

    connect(m_mailboxView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
        [this](const QModelIndex &current) {
            if (current.isValid()) {
                selectMailbox(m_mailboxes->mailboxAt(current.row()));
            }
        });
    connect(m_mailboxes, &MailboxListModel::refreshed, this, &MainWindow::updateMailboxSidebar);
    // A reset (the configuration changed) loses the view's current row: the mailbox listed is current again, or
    // All mail when it is gone.
    connect(m_mailboxes, &QAbstractItemModel::modelReset, this,
        [this] { selectMailbox(m_mailboxes->rowOf(m_inbox->mailbox()) > 0 ? m_inbox->mailbox() : QString()); });

    auto *show = new QAction(tr("&Mailboxes"), this);
    show->setObjectName(QStringLiteral("showMailboxes"));
    show->setCheckable(true);
    show->setChecked(true);
    show->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M));
    show->setToolTip(tr("Show the mailbox sidebar while there is more than one mailbox"));
    show->setStatusTip(show->toolTip());
    connect(show, &QAction::toggled, this, &MainWindow::updateMailboxSidebar);
    m_actions.insert(show->objectName(), show);
    addAction(show);
    findChild<QMenu *>(QStringLiteral("viewMenu"))->addAction(show);
    // Alt+Up/Down as in mail clients' folder lists; J/K and the arrows stay the list's.
    const QList<std::tuple<QString, QString, QKeySequence, int>> moves {
        { QStringLiteral("previousMailbox"), tr("Pre&vious Mailbox"), QKeySequence(Qt::ALT | Qt::Key_Up), -1 },
        { QStringLiteral("nextMailbox"), tr("Ne&xt Mailbox"), QKeySequence(Qt::ALT | Qt::Key_Down), 1 },
    };
    QMenu *view = findChild<QMenu *>(QStringLiteral("viewMenu"));
    for (const auto &[name, text, key, delta] : moves) {
        auto *move = new QAction(text, this);
        move->setObjectName(name);
        move->setShortcut(key);
        move->setToolTip(delta < 0 ? tr("List the mailbox above") : tr("List the mailbox below"));
        connect(move, &QAction::triggered, this, [this, delta = delta] { moveMailbox(delta); });
        m_actions.insert(name, move);
        addAction(move);
        view->addAction(move);
    }
    // Ctrl+1 is All mail, Ctrl+2 Inbox, and so on (Ctrl+0 is Actual Size).
    for (int n = 1; n <= 9; ++n) {
        auto *shortcut = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_0 + n)), this);
        connect(shortcut, &QShortcut::activated, this, [this, n] {
            if (n - 1 < m_mailboxes->rowCount() && m_mailboxView->isVisible()) {
                selectMailbox(m_mailboxes->mailboxAt(n - 1));
            }
        });
    }

    auto *edit = new QAction(tr("Mail&boxes…"), this);
    edit->setObjectName(QStringLiteral("mailboxes"));
    edit->setToolTip(tr("Mailboxes and their routes: by listener, AUTH user, recipient or client"));
    edit->setStatusTip(edit->toolTip());
    edit->setEnabled(m_base.mailboxes != nullptr);
    connect(edit, &QAction::triggered, this, [this] { showMailboxes(); });
    m_actions.insert(edit->objectName(), edit);
    addAction(edit);
    QMenu *file = findChild<QMenu *>(QStringLiteral("fileMenu"));
    const QList<QAction *> fileActions = file->actions();
    const qsizetype settingsAt = fileActions.indexOf(m_actions.value(QStringLiteral("settings")));
    file->insertAction(fileActions.value(settingsAt + 1), edit);
}

MailboxListModel *MainWindow::mailboxListModel() const
{
    return m_mailboxes;
}

QTreeView *MainWindow::mailboxView() const
{
    return m_mailboxView;
}

void MainWindow::updateMailboxSidebar()
{
    const bool wanted
        = m_mailboxes->mailboxes().size() > 1 && m_actions.value(QStringLiteral("showMailboxes"))->isChecked();
    m_mailboxView->setVisible(wanted && !m_focusMode);
    for (const char *name : { "previousMailbox", "nextMailbox" }) {
        m_actions.value(QLatin1String(name))->setEnabled(m_mailboxView->isVisibleTo(this));
    }
    if (!wanted && m_mailboxRestored) {
        // A list limited to a mailbox the window no longer shows would hide mail without saying so.
        selectMailbox(QString());
    } else if (!m_mailboxRestored && m_mailboxes->isLoaded()) {
        m_mailboxRestored = true;
        const int row = m_mailboxes->rowOf(m_savedMailbox);
        selectMailbox(row > 0 ? m_savedMailbox : QString());
    } else if (!m_mailboxView->currentIndex().isValid()) {
        selectMailbox(m_inbox->mailbox());
    }
    m_notifier->setMailboxUnread(m_mailboxes->mailboxes());
    updateMatchCount();
}

void MainWindow::selectMailbox(const QString &mailbox)
{
    const int row = qMax(0, m_mailboxes->rowOf(mailbox));
    const QString listed = m_mailboxes->mailboxAt(row);
    if (m_mailboxView->currentIndex().row() != row) {
        // Its currentRowChanged comes back here with the row already current.
        m_mailboxView->setCurrentIndex(m_mailboxes->index(row, 0));
    }
    if (listed == m_inbox->mailbox()) {
        return;
    }
    m_mailboxRestored = true;
    // As a new search: the list opens at the top; the message shown stays when it is listed.
    m_inbox->setMailbox(listed);
    m_inboxView->scrollToTop();
    updateListening();
    updateEmptyState();
    updateMatchCount();
}

void MainWindow::moveMailbox(int delta)
{
    const int row = qBound(0, m_mailboxView->currentIndex().row() + delta, m_mailboxes->rowCount() - 1);
    selectMailbox(m_mailboxes->mailboxAt(row));
}

bool MainWindow::addSmtpListeners(const QStringList &addresses, QString *error)
{
    AppSettings next = m_settings;
    QStringList smtp;
    for (const QString &part : next.smtp.split(u',', Qt::SkipEmptyParts)) {
        smtp << part.trimmed();
    }
    for (const QString &address : addresses) {
        if (!smtp.contains(address)) {
            smtp << address;
        }
    }
    next.smtp = smtp.join(u',');
    CatcherConfig config;
    if (!next.toConfig(m_base, &config, error)) {
        return false;
    }
    return applySettings(next, config, error);
}

void MainWindow::showMailboxes(std::function<void(MailboxesDialog *)> open)
{
    MailboxSettings *settings = m_base.mailboxes;
    if (!settings || !m_catcher) {
        return;
    }
    // Listener routes compare the address as written (CONTRACT "Mailboxes"): the listeners as configured.
    QStringList listeners;
    const CatcherConfig running = m_catcher->config();
    for (const QList<ListenAddress> *list : { &running.smtp, &running.smtps }) {
        for (const ListenAddress &address : *list) {
            listeners << address.text;
        }
    }
    MailboxesDialog dialog(settings->savedConfig(), listeners, this);
    dialog.setPerUserForced(settings->isPerUserForced());
    // Saved before the dialog closes: a new listener that cannot listen, or a file that cannot be written, keeps
    // it open, saying why.
    dialog.setApplier([this, settings](const MailboxConfig &config, const QStringList &newListeners, QString *error) {
        if (!newListeners.isEmpty() && !addSmtpListeners(newListeners, error)) {
            return false;
        }
        if (!settings->replace(config, error)) {
            return false;
        }
        m_mailboxes->scheduleRefresh();
        return true;
    });
    if (open) {
        open(&dialog);
    }
    dialog.exec();
}

qsizetype MainWindow::shownListener() const
{
    if (!m_base.mailboxes || !m_catcher || m_inbox->mailbox().isEmpty()) {
        return 0;
    }
    const MailboxConfig config = m_base.mailboxes->config();
    const qsizetype at = config.indexOf(m_inbox->mailbox());
    if (at < 0) {
        return 0;
    }
    // CONTRACT "Mailboxes": a listener route names the listener as it is written in the settings.
    const QList<ListenAddress> smtp = m_catcher->config().smtp;
    for (const MailboxRoute &route : config.mailboxes.at(at).routes) {
        for (qsizetype i = 0; route.field == MailboxRoute::Field::Listener && i < smtp.size(); ++i) {
            if (smtp.at(i).text == route.pattern) {
                return i;
            }
        }
    }
    return 0;
}
