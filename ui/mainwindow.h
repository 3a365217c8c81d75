#pragma once

#include "appsettings.h"
#include "relaypasswordstore.h"

#include <QMainWindow>

#include <functional>
#include <memory>
#include <optional>

class AttachDialog;
class CatcherService;
class EmptyState;
class InboxModel;
class InboxView;
class MailboxListModel;
class MailboxesDialog;
class MessageStore;
class MessageView;
class Notifier;
class QAction;
class QDockWidget;
class QFrame;
class QLabel;
class QLineEdit;
class QPushButton;
class QShortcut;
class QSplitter;
class QStackedWidget;
class QTableView;
class QTimer;
class QToolButton;
class QTreeView;
class RemoteRulesDocument;
class RuleEngine;
class RulesWindow;
class SessionsModel;
class QCheckBox;
class QSortFilterProxyModel;
class RemoteMessageStore;
class TranscriptModel;

// The desktop app's window: the inbox (search, filters, live arrivals), the message pane, the Sessions dock, the
// listening state, tray and notifications, settings. Everything slow (reading and parsing messages, database
// writes, imports and exports) runs off the GUI thread; the window only reads pages of summaries.
class ReleaseDialog;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    // base: the configuration the command line gave (host name, timeouts, limits the settings do not hold).
    MainWindow(MessageStore *store, CatcherService *catcher, const AppSettings &settings, const CatcherConfig &base,
        QWidget *parent = nullptr);
    // Attached to a catcher elsewhere (CONTRACT "--attach URL"): the same inbox, search, views and message actions
    // over its API, Release through the catcher's relay and (a Letterbox's) its rules in the Rules window; what only
    // a catcher running here has (the Sessions dock, listeners, Settings, the mailboxes editor, New Message, Import)
    // is hidden, as is what the server lacks (pins and rules without Letterbox's extensions, Release when a Mailpit
    // has no relay). The remote store must outlive the window.
    MainWindow(RemoteMessageStore *remote, const AppSettings &settings, QWidget *parent = nullptr);
    ~MainWindow() override;

    // The catcher shown when attached; nullptr for this one's.
    RemoteMessageStore *remoteStore() const;
    // Closing the window quits the application (the default), or only closes it (a window opened by File ▸ Attach
    // to Catcher…, beside the local catcher's).
    void setQuitsOnClose(bool quits);
    // File ▸ Attach to Catcher…: asks for the URL and login, attaches off the GUI thread, and opens the catcher in a
    // window of its own (attachedWindowOpened()); this window keeps catching. open is called with the dialog
    // before it is shown (tests drive it from there).
    void attachInteractively(std::function<void(AttachDialog *)> open = {});

    InboxModel *inboxModel() const;
    InboxView *inboxView() const;
    MessageView *messageView() const;
    SessionsModel *sessionsModel() const;
    TranscriptModel *sessionTranscriptModel() const;
    QTableView *sessionsView() const;
    // The Sessions dock's "Refused only" filter.
    QCheckBox *refusedSessionsFilter() const;
    Notifier *notifier() const;
    EmptyState *emptyState() const;
    QLineEdit *searchField() const;
    QAction *action(const QString &name) const;
    // The mailbox sidebar (CONTRACT "Mailboxes"): All mail, Inbox, then each mailbox with its unread count.
    MailboxListModel *mailboxListModel() const;
    QTreeView *mailboxView() const;
    // Lists only that mailbox's messages ("" for All mail) and selects it in the sidebar; All mail when the sidebar
    // does not list it (yet).
    void selectMailbox(const QString &mailbox);
    // File ▸ Mailboxes…: the editor of the mailboxes file, saved through MailboxSettings::replace(); a listener it
    // adds ("New Mailbox on Port…") is added to the SMTP listeners first, as Settings applies them. The dialog is
    // modal; open is called with it before it runs (tests drive it from there).
    void showMailboxes(std::function<void(MailboxesDialog *)> open = {});
    // Adds SMTP listeners to the settings' and restarts the catcher as Settings does (applySettings()).
    bool addSmtpListeners(const QStringList &addresses, QString *error);
    QString listeningText() const;
    QString countsText() const;
    // The red banner over the inbox when a write failed (deleting on a full disk, say); "" when none is shown.
    QString writeErrorText() const;
    // The note over the inbox while a search may miss messages not indexed yet; "" when none is shown.
    QString indexingText() const;
    // Shows the message (its row gets selected when it is loaded in the list).
    void selectMessage(const QString &id);
    QStringList selectedIds() const;
    AppSettings settings() const;
    // Applies settings: restarts the listeners (messages and window state stay) and saves them. When a new
    // listener cannot start, the previous ones keep running and nothing is applied: false with *error naming the
    // address.
    bool applySettings(const AppSettings &settings, const CatcherConfig &config, QString *error = nullptr);

    // The command line gave --relay: its options rule this run, as note says in Settings; the saved relay settings
    // and the keychain are left alone.
    void setRelayFromCommandLine(const QString &note);
    // The relay password for this run (typed in Settings): applied at once and written to the system keychain.
    void setRelayPassword(const QString &password);
    // Release… for the message shown (CONTRACT "Release"): a dialog, not modal to the app; nullptr when no message
    // is shown or no relay is configured. Attached, it releases through the catcher's relay (its API).
    ReleaseDialog *releaseMessage();

    // The Rules window (made on first use); nullptr when the catcher has no rule engine. Attached to a Letterbox,
    // the window is made once the catcher's rules were read (Rules ▸ Rules… reads them off the GUI thread, then
    // shows it): nullptr until then.
    RulesWindow *rulesWindow();
    // Runs then with the Rules window, at once, or attached once the catcher's rules were read (not at all when they
    // cannot be: the status bar says why).
    void withRulesWindow(std::function<void(RulesWindow *)> then);
    // The context menu's "Reject …" actions: a pre-filled rule for the message's sender, a recipient, its client.
    void proposeSenderRule(const QString &address);
    void proposeRecipientRule(const QString &address);
    void proposeHostRule(const QString &address);

    void deleteSelected();
    void markSelected(bool read);
    void markAllRead();
    void deleteAll();
    // Tags and pins (CONTRACT "Mailboxes"), asynchronous like every write here: the store's signals update the list
    // and the header card, a refusal ("tag already exists: x") or failure goes to the status bar.
    // Adds tags to each selected message, keeping the tags it has.
    void addTagsToSelected(const QStringList &tags);
    void renameTag(const QString &from, const QString &to);
    void deleteTag(const QString &name);
    // Lists the messages with the tag: "tag:NAME" (quoted when it has a space) in the search field, run at once.
    void filterByTag(const QString &tag);
    // Pins the selected messages, or unpins them when all are pinned (Message ▸ Pin, Ctrl+P).
    void togglePinSelected();
    // Writes the selected message's source to fileName (worker thread); finished() reports.
    void exportMessage(const QString &id, const QString &fileName);
    // Writes the selected messages or, with none selected, every message the search lists, oldest first, as one
    // mboxrd file (worker thread); jobFinished("export-mbox", …) reports.
    void exportAsMbox(const QString &fileName);
    void importFiles(const QStringList &fileNames);

Q_SIGNALS:
    // A background job finished: what it was, whether it worked, and what it said.
    void jobFinished(const QString &job, bool ok, const QString &message);
    // File ▸ Attach to Catcher… opened window (shown; deleted when closed).
    void attachedWindowOpened(MainWindow *window);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void createActions();
    void createMenus();
    void createToolBar();
    void createSessionsDock();
    void createMailboxSidebar();
    // Shows the sidebar while more than one mailbox exists (a single-inbox user sees Mailpit's window) and the
    // View menu's Mailboxes is on; the first refresh selects the mailbox of the last run.
    void updateMailboxSidebar();
    void moveMailbox(int delta);
    // The SMTP listener (an index into the catcher's) whose mail a listener route sends to the mailbox listed, else
    // the first: the empty state of a project's mailbox teaches the project's port.
    qsizetype shownListener() const;
    // The attached window's differences (constructor for a remote store).
    void setUpAttached();
    // Whether this window offers the rules: a local catcher's engine, or an attached Letterbox's /api/v1/rules.
    bool hasRules() const;
    void restoreState();
    void saveState();
    void updateListening();
    void updateCounts();
    void scheduleCounts();
    void updateSearch();
    void clearSearch();
    bool isSearching() const;
    void updateMatchCount();
    void updateEmptyState();
    void updateIndexingNotice();
    void reselectShownMessage();
    void showSelectedMessage();
    void showInReader(const QString &id);
    void clearReader();
    void clearReaderIfGone();
    void updateSelectionActions();
    void updateReleaseAction();
    // The Pin and Add Tag actions, and the header card's tag requests.
    void createTagActions();
    void connectTagBar();
    void updatePinAction();
    void removeTagFromShown(const QString &tag);
    // Adds and removes tags on each of ids, keeping its others (a worker thread reads and writes).
    void changeTags(const QStringList &ids, const QStringList &add, const QStringList &remove);
    void renameTagInteractively(const QString &tag);
    void deleteTagInteractively(const QString &tag);
    // Delete All… asks with the counts the store gives (how many go, how many pinned ones stay).
    void confirmDeleteAll();
    // The relay settings (and password) to the relay service, unless the command line's relay rules.
    void applyRelay();
    // Reads the password from the keychain, then applies it and runs then.
    void readRelayPassword(std::function<void()> then = {});
    void onArrived(const QStringList &ids);
    void exportSelected();
    void exportAsMboxInteractively();
    void importInteractively();
    void showSettings(bool focusSmtp = false);
    void moveSelection(int delta);
    void setFocusMode(bool on);
    void placeFullScreenHint();
    void fitToScreen();
    // Work that may wait (file I/O, complete searches) on a worker thread; its message and jobFinished() here.
    void runJob(const QString &job, std::function<QString(bool *ok)> work);
    // File ▸ New Message… (Ctrl+N): a ComposerWindow.
    void compose();
    // A job's end, on the GUI thread: its message in the status bar, and jobFinished().
    void finishJob(const QString &job, bool ok, const QString &message);

    MessageStore *m_store;
    CatcherService *m_catcher; // nullptr when attached
    RemoteMessageStore *m_remote = nullptr;
    bool m_quitsOnClose = true;
    AppSettings m_settings;
    RelayPasswordStore *m_relayPasswords;
    QString m_relayPassword;
    std::optional<RelayPasswordStore::Status> m_keychain; // how the keychain answered; nullopt: not asked yet
    QString m_relayNote; // non-empty: the command line's relay rules this run
    CatcherConfig m_base;
    InboxModel *m_inbox;
    InboxView *m_inboxView;
    EmptyState *m_empty;
    QStackedWidget *m_inboxStack;
    QLabel *m_listEmpty; // the list pane's word while the reader pane shows the empty state
    QStackedWidget *m_readerStack; // the message, or the empty state
    QWidget *m_inboxColumn; // the banners over the inbox, and the inbox
    QFrame *m_writeErrorBar;
    QLabel *m_writeError;
    QLabel *m_indexingNotice;
    // Which kind of write the shown error was about: one of that kind that works takes it away.
    enum class FailedWrite { None, Delivery, Removal, ReadFlag };
    FailedWrite m_failedWrite = FailedWrite::None;
    MessageView *m_message;
    QString m_readerId; // the message the reader was asked to show
    QSplitter *m_splitter;
    QSplitter *m_mailboxSplitter; // the sidebar, then m_splitter
    MailboxListModel *m_mailboxes = nullptr;
    QTreeView *m_mailboxView = nullptr;
    QString m_savedMailbox; // the last run's mailbox, selected once the sidebar lists it
    bool m_mailboxRestored = false;
    SessionsModel *m_sessions;
    QTableView *m_sessionsView;
    // The sessions as the dock shows them: all, or with "Refused only" checked those a rule refused something in.
    QSortFilterProxyModel *m_sessionsFilter;
    QCheckBox *m_refusedOnly;
    TranscriptModel *m_sessionTranscript;
    QTableView *m_sessionTranscriptView;
    QDockWidget *m_sessionsDock;
    quint64 m_shownSession = 0;
    Notifier *m_notifier;
    QLineEdit *m_search;
    QToolButton *m_unreadFilter;
    QToolButton *m_attachmentFilter;
    QLabel *m_matchCount;
    QAction *m_matchCountAction;
    QLabel *m_listening;
    QLabel *m_counts;
    QPushButton *m_choosePort;
    QTimer *m_searchTimer;
    QTimer *m_countsTimer;
    QHash<QString, QAction *> m_actions;
    QString m_pendingSelection; // a message to select once its row is loaded
    int m_rowsBeforeReset = 0;
    QString m_readTimerId;
    QTimer *m_readTimer;
    RulesWindow *m_rulesWindow = nullptr;
    // Attached to a Letterbox: its rules (GET|PUT /api/v1/rules) and the mirror the Rules window edits; deleted
    // after the Rules window, whose saves use them.
    std::unique_ptr<RemoteRulesDocument> m_remoteRules;
    std::unique_ptr<RuleEngine> m_remoteRulesMirror;
    QList<std::function<void(RulesWindow *)>> m_rulesWanted; // while the attached catcher's rules are read
    bool m_focusMode = false;
    QByteArray m_stateBeforeFocus; // the docks and toolbars to restore when focus mode ends
    bool m_maximizedBeforeFocus = false;
    int m_tabBeforeFocus = 0; // MessageView::Tab
    QLabel *m_fullScreenHint = nullptr;
    QTimer *m_fullScreenHintTimer;
    QShortcut *m_leaveFullScreen;
    bool m_fittedAfterShow = false;
    bool m_quitting = false;
};
