#include "tagchips.h"

#include <QFont>
#include <QFontMetrics>
#include <QPainter>
#include <QPainterPath>
#include <QPalette>
#include <QRect>

namespace {
constexpr int Padding = 6;

// FNV-1a over the lower-cased name: tags are case-insensitive (CONTRACT "Mailboxes", Tags), and qHash() is seeded
// per process, which would give a tag another colour on every start.
int hueOf(const QString &tag)
{
    quint32 hash = 2166136261u;
    for (const QChar c : tag.toLower()) {
        hash = (hash ^ c.unicode()) * 16777619u;
    }
    return int(hash % 360);
}

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < 128;
}

QString elided(const QString &tag, const QFontMetrics &fm)
{
    return fm.elidedText(tag, Qt::ElideRight, fm.averageCharWidth() * TagChips::MaxTagCharacters);
}
} // namespace

QFont TagChips::font(const QFont &textFont)
{
    QFont f = textFont;
    f.setBold(false);
    if (f.pointSizeF() > 0) {
        f.setPointSizeF(f.pointSizeF() * 0.85);
    } else {
        f.setPixelSize(qMax(8, f.pixelSize() * 85 / 100));
    }
    return f;
}

QColor TagChips::background(const QString &tag, const QPalette &palette)
{
    return isDark(palette) ? QColor::fromHsl(hueOf(tag), 90, 70) : QColor::fromHsl(hueOf(tag), 160, 225);
}

QColor TagChips::foreground(const QString &tag, const QPalette &palette)
{
    return isDark(palette) ? QColor::fromHsl(hueOf(tag), 150, 225) : QColor::fromHsl(hueOf(tag), 200, 55);
}

int TagChips::width(const QString &text, const QFont &font)
{
    return QFontMetrics(font).horizontalAdvance(text) + 2 * Padding;
}

int TagChips::paint(
    QPainter *painter, const QRect &area, const QStringList &tags, const QPalette &palette, const QFont &textFont)
{
    if (tags.isEmpty()) {
        return 0;
    }
    const QFont chipFont = font(textFont);
    const QFontMetrics fm(chipFont);
    // The chips that fit, in the tags' order, with room kept for "+N" while some are left out.
    QStringList shown;
    int used = 0;
    for (int i = 0; i < tags.size(); ++i) {
        const QString text = elided(tags.at(i), fm);
        const int w = width(text, chipFont) + (used > 0 ? Spacing : 0);
        const bool last = i == tags.size() - 1;
        const int more = last ? 0 : width(QStringLiteral("+%1").arg(tags.size() - i - 1), chipFont) + Spacing;
        if (used + w + more > area.width()) {
            break;
        }
        shown << text;
        used += w;
    }
    const int left = int(tags.size() - shown.size());
    QString moreText;
    if (left > 0) {
        moreText = QStringLiteral("+%1").arg(left);
        const int w = width(moreText, chipFont) + (used > 0 ? Spacing : 0);
        if (used + w > area.width()) {
            return 0;
        }
        used += w;
    }
    const int height = qMin(area.height(), fm.height() + 2);
    const int top = area.top() + (area.height() - height) / 2;
    int x = area.right() + 1 - used;
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setFont(chipFont);
    auto chip = [&](const QString &text, const QColor &back, const QColor &fore) {
        const QRectF rect(x, top, width(text, chipFont), height);
        QPainterPath path;
        path.addRoundedRect(rect, height / 2.0, height / 2.0);
        painter->fillPath(path, back);
        painter->setPen(fore);
        painter->drawText(rect, Qt::AlignCenter, text);
        x += int(rect.width()) + Spacing;
    };
    for (int i = 0; i < shown.size(); ++i) {
        chip(shown.at(i), background(tags.at(i), palette), foreground(tags.at(i), palette));
    }
    if (left > 0) {
        QColor back = palette.color(QPalette::Text);
        back.setAlphaF(0.12);
        chip(moreText, back, palette.color(QPalette::Text));
    }
    painter->restore();
    return used;
}
