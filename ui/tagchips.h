#pragma once

#include <QColor>
#include <QStringList>

class QFont;
class QPainter;
class QPalette;
class QRect;

// Tags drawn as small rounded chips, the same in the inbox's rows and the message's header card: each tag gets a
// hue of its own (stable across runs and machines, so "urgent" looks the same tomorrow), light chips on a light
// palette and dark ones on a dark palette.
class TagChips
{
public:
    // The chips' font: the text's, a little smaller.
    static QFont font(const QFont &textFont);
    static QColor background(const QString &tag, const QPalette &palette);
    static QColor foreground(const QString &tag, const QPalette &palette);
    // Width of one chip showing text (font as font() gives it).
    static int width(const QString &text, const QFont &font);
    // Paints as many of tags as fit in area's width (at most maxTagCharacters characters each, elided), right-aligned
    // in area, then "+N" for those left out; returns the width used (0 when none fits or there are none).
    static int paint(
        QPainter *painter, const QRect &area, const QStringList &tags, const QPalette &palette, const QFont &textFont);
    // The widest a chip's text gets in a row before it is elided.
    static constexpr int MaxTagCharacters = 16;
    static constexpr int Spacing = 4;
};
