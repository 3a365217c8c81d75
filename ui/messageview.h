#pragma once

#include "messagecontent.h"

#include <QWidget>

class HeadersModel;
class HtmlView;
class MessageLoader;
class MessageStore;
class PartsModel;
class RelayLogModel;
class RelayService;
class QLabel;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QTextBrowser;
class QTreeView;
class QCheckBox;
class QHBoxLayout;
class QFormLayout;
class QPushButton;
class QSplitter;
class SourceView;
class TagBar;
class TranscriptModel;

// The message pane: a header card that never scrolls away (subject, addresses, date, size, TLS, AUTH user, tags and
// pin, attachment chips), then tabs: HTML, Text, Headers, Source, Parts, Envelope & session. Messages load on a worker
// thread; the pane shows the newest one asked for. No message sets the pane's minimum size: long address lists
// collapse ("and 95 more") and scroll within a bounded height, as do long subjects, attachment rows and the
// envelope. The Envelope & session tab lists the message's relay log (release, auto-relay) when it has one. The tab
// the user chose stays while messages have it; a message without HTML opens on Text.
class MessageView : public QWidget
{
    Q_OBJECT
public:
    enum Tab { HtmlTab, TextTab, HeadersTab, SourceTab, PartsTab, EnvelopeTab };

    explicit MessageView(MessageStore *store, QWidget *parent = nullptr);
    ~MessageView() override;
    // Where the relay log comes from (none: no relay section); it must outlive this view.
    void setRelayService(RelayService *relay);

    void showMessage(const QString &id);
    void clear();
    QString messageId() const;
    const MessageContent &content() const;
    bool isLoading() const;

    // The tab shown.
    Tab currentTab() const;
    // Shows tab and makes it the user's choice (chosenTab()).
    void setCurrentTab(Tab tab);
    // The tab the user chose last (by clicking, the keyboard or setCurrentTab()): what each message opens on,
    // except that a message without HTML opens on Text when the choice is HTML (as Mailpit does), and one without
    // text opens on HTML when the choice is Text. This, not the tab shown, is the choice to keep across runs.
    Tab chosenTab() const;
    HtmlView *htmlView() const;
    QTabWidget *tabs() const;
    SourceView *sourceView() const;
    QTextBrowser *textView() const;
    HeadersModel *headersModel() const;
    PartsModel *partsModel() const;
    TranscriptModel *transcriptModel() const;
    RelayLogModel *relayLogModel() const;
    // The Relay section of the Envelope & session tab, hidden while the log is empty.
    QWidget *relaySection() const;
    QWidget *envelopeWidget() const;
    QWidget *headerCard() const;
    // The card's tags and pin mark, kept live with the store (tagsChanged(), pinnedChanged()).
    TagBar *tagBar() const;
    void setMonospaceText(bool monospace);

    // Writes a part's decoded bytes to fileName (on a worker thread); false now when the part is unknown.
    bool savePart(const QString &partId, const QString &fileName);
    // Saves the part through a sanitised name in a private temporary folder and opens it with the desktop's
    // handler.
    bool openPart(const QString &partId);
    void saveAllAttachments(const QString &directory);
    // Asks for a file name (sanitised from the part's name) and saves.
    void savePartInteractively(const QString &partId);
    void saveAllInteractively();

Q_SIGNALS:
    // The message finished loading (content valid) or vanished (invalid).
    void messageLoaded(const QString &id);
    void partSaved(const QString &fileName, bool ok, const QString &error);
    // A link to another message was clicked: a bounce's original, or an original's bounce.
    void messageLinkActivated(const QString &id);

private:
    void onLoaded(const QString &id, const MessageContent &content);
    void fillHeaderCard();
    void fillBounceLinks();
    void fillAddresses();
    void fillAttachmentBar();
    void onTagsChanged(const QStringList &ids);
    void onPinnedChanged(const QStringList &ids, bool pinned);
    void loadTagCompletions();
    void fillEnvelope();
    void fillTranscript();
    void loadRelayLog();
    void scrollTranscriptIfShown();
    void showTab(Tab tab);
    void loadSourceIfShown();

    MessageStore *m_store;
    MessageLoader *m_loader;
    MessageContent m_content;
    QString m_requestedId;
    bool m_sourceLoaded = false;
    Tab m_chosenTab = HtmlTab;
    bool m_switchingTab = false; // the pane, not the user, is changing the tab
    QStringList m_expandedFields; // address fields shown whole ("to", "cc", …)
    bool m_transcriptScrollPending = false;

    QStackedWidget *m_stack;
    QLabel *m_placeholder;
    QWidget *m_page;
    QWidget *m_card;
    QLabel *m_subject;
    QWidget *m_subjectArea;
    QLabel *m_addresses;
    QWidget *m_addressArea;
    QLabel *m_meta;
    QLabel *m_bounceLinks; // a bounce's original, an original's bounces (CONTRACT "Failure scenarios (rules)")
    TagBar *m_tagBar;
    QWidget *m_attachmentArea;
    QWidget *m_attachmentBar;
    QHBoxLayout *m_attachmentLayout;
    QTabWidget *m_tabs;
    HtmlView *m_html;
    QLabel *m_noHtml;
    QStackedWidget *m_htmlStack;
    QTextBrowser *m_text;
    QCheckBox *m_monospace;
    QTableView *m_headersView;
    HeadersModel *m_headers;
    SourceView *m_source;
    QTreeView *m_partsView;
    PartsModel *m_parts;
    QWidget *m_envelope;
    QSplitter *m_envelopeSplit;
    QWidget *m_envelopeArea;
    QWidget *m_envelopeFields;
    QFormLayout *m_envelopeForm;
    QLabel *m_transcriptTitle;
    QTableView *m_transcriptView;
    QLabel *m_noSession;
    QPushButton *m_copyTranscript;
    TranscriptModel *m_transcript;
    RelayService *m_relay = nullptr;
    RelayLogModel *m_relayLog;
    QString m_relayLogFor; // the message whose log m_relayLog holds
    QWidget *m_relaySection;
    QTableView *m_relayView;
    QString m_tempDir;
};
