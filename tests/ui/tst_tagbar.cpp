// TagBar: the header card's tags and pin. It edits nothing itself: it asks (signals), and shows what it is given.
// Expected tag names come from Mailpit's CleanTag (CONTRACT "Mailboxes", Tags): letters, digits, space, '-', '_'
// and '.'; anything else becomes a space, runs of spaces one, then trimmed.
#include <ui/tagbar.h>

#include <QAbstractItemView>
#include <QApplication>
#include <QCompleter>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>
#include <QToolButton>

class TestTagBar : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void enterAddsTheTypedTags_data();
    void enterAddsTheTypedTags();
    void chipsFilterAndRemove();
    void chipMenuRenamesAndDeletes_data();
    void chipMenuRenamesAndDeletes();
    void thePinMarkFollowsThePin();
    void completesFromTheTagsInUse();
};

void TestTagBar::enterAddsTheTypedTags_data()
{
    QTest::addColumn<QString>("typed");
    QTest::addColumn<QStringList>("added");
    QTest::newRow("a plain tag") << "urgent" << QStringList { "urgent" };
    QTest::newRow("commas separate several") << "shop, urgent" << QStringList { "shop", "urgent" };
    QTest::newRow("characters Mailpit does not allow become spaces") << "a/b!" << QStringList { "a b" };
    QTest::newRow("dots, dashes and underscores stay") << "v1.2_rc-3" << QStringList { "v1.2_rc-3" };
    QTest::newRow("an empty part between commas is none") << "x,,y" << QStringList { "x", "y" };
    QTest::newRow("only spaces add nothing") << "   " << QStringList();
}

void TestTagBar::enterAddsTheTypedTags()
{
    QFETCH(QString, typed);
    QFETCH(QStringList, added);
    TagBar bar;
    bar.show();
    QVERIFY(QTest::qWaitForWindowExposed(&bar));
    QSignalSpy spy(&bar, &TagBar::addRequested);
    bar.editor()->setFocus();
    QTest::keyClicks(bar.editor(), typed);
    QTest::keyClick(bar.editor(), Qt::Key_Return);
    // Read once the key press is over (a completion may be going in).
    QTRY_VERIFY(bar.editor()->text().isEmpty());
    QTest::qWait(20);
    if (added.isEmpty()) {
        QCOMPARE(spy.size(), 0);
    } else {
        QCOMPARE(spy.size(), 1);
        QCOMPARE(spy.at(0).at(0).toStringList(), added);
    }
    // The field is ready for the next tag; the chips wait for the store's answer (setTags()).
    QCOMPARE(bar.editor()->text(), QString());
    QCOMPARE(bar.tags(), QStringList());
}

void TestTagBar::chipsFilterAndRemove()
{
    TagBar bar;
    bar.setTags({ QStringLiteral("shop"), QStringLiteral("two words") });
    bar.show();
    QVERIFY(QTest::qWaitForWindowExposed(&bar));
    QToolButton *shop = bar.chip(QStringLiteral("shop"));
    QVERIFY(shop);
    QVERIFY(shop->isVisible());
    QCOMPARE(shop->accessibleName(), QStringLiteral("Tag shop"));
    QVERIFY(bar.chip(QStringLiteral("two words")));
    QVERIFY(!bar.chip(QStringLiteral("other")));

    QSignalSpy filter(&bar, &TagBar::filterRequested);
    QSignalSpy remove(&bar, &TagBar::removeRequested);
    QTest::mouseClick(shop, Qt::LeftButton);
    QCOMPARE(filter.size(), 1);
    QCOMPARE(filter.at(0).at(0).toString(), QStringLiteral("shop"));
    // The keyboard reaches a chip and its ×: Space presses the focused one.
    QToolButton *x = bar.removeButton(QStringLiteral("two words"));
    QVERIFY(x);
    QCOMPARE(x->accessibleName(), QStringLiteral("Remove tag two words"));
    x->setFocus();
    QTest::keyClick(x, Qt::Key_Space);
    QCOMPARE(remove.size(), 1);
    QCOMPARE(remove.at(0).at(0).toString(), QStringLiteral("two words"));
    // Removing is the store's to do: the chip stays until new tags are set.
    QVERIFY(bar.chip(QStringLiteral("two words")));
    bar.setTags({ QStringLiteral("shop") });
    QVERIFY(!bar.chip(QStringLiteral("two words")));
    QCOMPARE(bar.tags(), QStringList { "shop" });
    bar.setTags({});
    QVERIFY(!bar.chip(QStringLiteral("shop")));
}

void TestTagBar::chipMenuRenamesAndDeletes_data()
{
    QTest::addColumn<QString>("item");
    QTest::addColumn<QString>("signal");
    QTest::newRow("Rename Tag… asks to rename it everywhere") << "Rename Tag…"
                                                              << "rename";
    QTest::newRow("Delete Tag… asks to delete it everywhere") << "Delete Tag…"
                                                              << "delete";
    QTest::newRow("List Messages Tagged asks to filter by it") << "List Messages Tagged “urgent”"
                                                               << "filter";
    QTest::newRow("Remove From This Message asks to remove it") << "Remove From This Message"
                                                                << "remove";
}

void TestTagBar::chipMenuRenamesAndDeletes()
{
    QFETCH(QString, item);
    QFETCH(QString, signal);
    TagBar bar;
    bar.setTags({ QStringLiteral("urgent") });
    bar.show();
    QVERIFY(QTest::qWaitForWindowExposed(&bar));
    QSignalSpy rename(&bar, &TagBar::renameRequested);
    QSignalSpy remove(&bar, &TagBar::deleteRequested);
    QSignalSpy filter(&bar, &TagBar::filterRequested);
    QSignalSpy takeOff(&bar, &TagBar::removeRequested);
    QStringList items;
    // The menu runs its own loop: the item is picked from inside it.
    QTimer::singleShot(100, [&] {
        auto *menu = qobject_cast<QMenu *>(QApplication::activePopupWidget());
        QVERIFY(menu);
        for (QAction *action : menu->actions()) {
            items << action->text();
            if (action->text() == item) {
                menu->setActiveAction(action);
                QTest::keyClick(menu, Qt::Key_Return);
                return;
            }
        }
        menu->close();
    });
    QToolButton *chip = bar.chip(QStringLiteral("urgent"));
    Q_EMIT chip->customContextMenuRequested(QPoint(2, 2));
    QVERIFY2(items.contains(item), qPrintable(items.join(u'|')));
    const QHash<QString, QSignalSpy *> spies { { QStringLiteral("rename"), &rename },
        { QStringLiteral("delete"), &remove }, { QStringLiteral("filter"), &filter },
        { QStringLiteral("remove"), &takeOff } };
    for (auto it = spies.cbegin(); it != spies.cend(); ++it) {
        QCOMPARE(it.value()->size(), it.key() == signal ? 1 : 0);
    }
    QCOMPARE(spies.value(signal)->at(0).at(0).toString(), QStringLiteral("urgent"));
}

void TestTagBar::thePinMarkFollowsThePin()
{
    TagBar bar;
    bar.show();
    QVERIFY(QTest::qWaitForWindowExposed(&bar));
    QVERIFY(!bar.pinMark()->isVisible());
    bar.setPinned(true);
    QVERIFY(bar.isPinned());
    QVERIFY(bar.pinMark()->isVisible());
    QCOMPARE(bar.pinMark()->accessibleName(), QStringLiteral("Pinned"));
    QVERIFY(!bar.pinMark()->pixmap().isNull());
    bar.setPinned(false);
    QVERIFY(!bar.pinMark()->isVisible());
}

void TestTagBar::completesFromTheTagsInUse()
{
    TagBar bar;
    bar.setCompletions({ QStringLiteral("Shop"), QStringLiteral("security"), QStringLiteral("urgent") });
    bar.show();
    bar.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&bar));
    bar.editor()->setFocus();
    QSignalSpy spy(&bar, &TagBar::addRequested);
    // Case-insensitive: "s" offers Shop and security.
    QTest::keyClicks(bar.editor(), QStringLiteral("s"));
    QCompleter *completer = bar.editor()->completer();
    QVERIFY(completer);
    QTRY_VERIFY(completer->popup()->isVisible());
    QCOMPARE(completer->completionCount(), 2);
    QTest::keyClicks(bar.editor(), QStringLiteral("h"));
    QTRY_COMPARE(completer->completionCount(), 1);
    QCOMPARE(completer->currentCompletion(), QStringLiteral("Shop"));
    // Picking the completion adds it as the store spells it, in one step.
    QTRY_VERIFY(completer->popup()->isVisible());
    completer->popup()->setCurrentIndex(completer->completionModel()->index(0, 0));
    QTest::keyClick(completer->popup(), Qt::Key_Return);
    QTRY_COMPARE(spy.size(), 1);
    QCOMPARE(spy.at(0).at(0).toStringList(), QStringList { "Shop" });
    QTRY_COMPARE(bar.editor()->text(), QString());
    QTest::qWait(50);
    QCOMPARE(spy.size(), 1);
}

QTEST_MAIN(TestTagBar)
#include "tst_tagbar.moc"
