// TagChips: the tags painted in the inbox's rows. They fit the room they are given (the subject and date keep
// theirs), end in "+N" for those left out, and a tag looks the same whatever its case (tags are case-insensitive:
// CONTRACT "Mailboxes", Tags) and on every run.
#include <ui/tagchips.h>

#include <QApplication>
#include <QImage>
#include <QPainter>
#include <QPalette>
#include <QTest>

class TestTagChips : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void chipsFitTheirRoom_data();
    void chipsFitTheirRoom();
    void aTagHasOneColourInEveryCase();
    void darkPalettesGetDarkChips();

private:
    static QPalette palette(const QColor &base, const QColor &text)
    {
        QPalette p;
        p.setColor(QPalette::Base, base);
        p.setColor(QPalette::Text, text);
        return p;
    }
};

void TestTagChips::chipsFitTheirRoom_data()
{
    QTest::addColumn<int>("width");
    QTest::addColumn<QStringList>("tags");
    QTest::addColumn<bool>("anyShown");
    const QStringList three { QStringLiteral("shop"), QStringLiteral("urgent"), QStringLiteral("billing") };
    QTest::newRow("no tags take no room") << 400 << QStringList() << false;
    QTest::newRow("room for all") << 400 << three << true;
    QTest::newRow("room for some, then +N") << 110 << three << true;
    QTest::newRow("no room for even +N: nothing") << 8 << three << false;
    QTest::newRow("a long tag is elided") << 400 << QStringList { QString(60, u'x') } << true;
}

void TestTagChips::chipsFitTheirRoom()
{
    QFETCH(int, width);
    QFETCH(QStringList, tags);
    QFETCH(bool, anyShown);
    const QRect area(50, 2, width, 20);
    QImage image(area.right() + 60, 30, QImage::Format_ARGB32);
    image.fill(Qt::white);
    QPainter painter(&image);
    const QFont font = QApplication::font();
    const int used = TagChips::paint(&painter, area, tags, palette(Qt::white, Qt::black), font);
    painter.end();
    QVERIFY2(used <= area.width(), qPrintable(QString::number(used)));
    QCOMPARE(used > 0, anyShown);
    // Painted right-aligned within the area, nothing outside it.
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
            const bool inside = x > area.right() - used && x <= area.right();
            if (!inside && image.pixel(x, y) != qRgb(255, 255, 255)) {
                QFAIL(
                    qPrintable(QStringLiteral("painted at %1,%2, outside %3 px at the right").arg(x).arg(y).arg(used)));
            }
        }
    }
    if (!tags.isEmpty() && anyShown) {
        // Everything that fits in 400 px shows whole ("shop", "urgent", "billing"; the long tag elided).
        const QFont chipFont = TagChips::font(font);
        int all = -TagChips::Spacing;
        for (const QString &tag : tags) {
            all += TagChips::width(QFontMetrics(chipFont).elidedText(tag, Qt::ElideRight,
                                       QFontMetrics(chipFont).averageCharWidth() * TagChips::MaxTagCharacters),
                       chipFont)
                + TagChips::Spacing;
        }
        if (all <= width) {
            QCOMPARE(used, all);
        } else {
            QVERIFY(used < all);
        }
    }
}

void TestTagChips::aTagHasOneColourInEveryCase()
{
    const QPalette light = palette(Qt::white, Qt::black);
    QCOMPARE(TagChips::background(QStringLiteral("Shop"), light), TagChips::background(QStringLiteral("shop"), light));
    QCOMPARE(TagChips::foreground(QStringLiteral("SHOP"), light), TagChips::foreground(QStringLiteral("shop"), light));
    // Different tags are told apart by hue.
    QVERIFY(
        TagChips::background(QStringLiteral("shop"), light) != TagChips::background(QStringLiteral("urgent"), light));
    // Readable: the text is far darker than its chip on a light palette.
    for (const char *tag : { "shop", "urgent", "billing", "auth", "a" }) {
        const QString name = QLatin1String(tag);
        QVERIFY2(
            TagChips::background(name, light).lightness() - TagChips::foreground(name, light).lightness() > 100, tag);
    }
}

void TestTagChips::darkPalettesGetDarkChips()
{
    const QPalette dark = palette(QColor(30, 30, 30), QColor(230, 230, 230));
    const QPalette light = palette(Qt::white, Qt::black);
    for (const char *tag : { "shop", "urgent", "billing", "auth", "a" }) {
        const QString name = QLatin1String(tag);
        QVERIFY2(TagChips::background(name, dark).lightness() < 128, tag);
        QVERIFY2(TagChips::background(name, light).lightness() > 128, tag);
        QVERIFY2(
            TagChips::foreground(name, dark).lightness() - TagChips::background(name, dark).lightness() > 100, tag);
    }
}

QTEST_MAIN(TestTagChips)
#include "tst_tagchips.moc"
