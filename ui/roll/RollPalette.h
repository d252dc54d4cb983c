#pragma once
// Colours of the piano roll (one dark theme, chosen for contrast between the piece, the
// auditioned take and the notes being recorded).
#include <QColor>

namespace continuo::ui::palette {

inline QColor background() { return QColor(0x1e, 0x21, 0x29); }
inline QColor whiteRow() { return QColor(0x25, 0x29, 0x33); }
inline QColor blackRow() { return QColor(0x1b, 0x1e, 0x25); }
inline QColor cRow() { return QColor(0x2b, 0x30, 0x3c); }
inline QColor barLine() { return QColor(0x5a, 0x62, 0x75); }
inline QColor beatLine() { return QColor(0x3a, 0x40, 0x4e); }
inline QColor gridLine() { return QColor(0x2c, 0x31, 0x3c); }
inline QColor note() { return QColor(0x5a, 0xa9, 0xf6); }
inline QColor noteSelected() { return QColor(0xff, 0xd8, 0x66); }
inline QColor take() { return QColor(0xf2, 0x9e, 0x4c); }
/// Compare with parent: the notes a take added after the take it continued from.
inline QColor compareAdded() { return QColor(0xff, 0xf3, 0xd6); }
inline QColor takeBand() { return QColor(0xf2, 0x9e, 0x4c, 28); }
inline QColor primerBand() { return QColor(0x5a, 0xa9, 0xf6, 22); }
inline QColor listening(int alpha = 255) { return QColor(0xb3, 0x9d, 0xf5, alpha); }
inline QColor recording() { return QColor(0xff, 0x5f, 0x6b); }
inline QColor playhead() { return QColor(0x7d, 0xf0, 0x9a); }
inline QColor loop() { return QColor(0x7d, 0xf0, 0x9a, 60); }
inline QColor text() { return QColor(0xc8, 0xcf, 0xdc); }
inline QColor dimText() { return QColor(0x8a, 0x93, 0xa6); }

/// A track's colour by its place in the track list: the first is the piece's blue (a one-track
/// sketch looks as before), then hues far apart on the dark background.
inline QColor track(int index) {
    static const QColor colours[] = {QColor(0x5a, 0xa9, 0xf6), QColor(0x8b, 0xd4, 0x6a), QColor(0xd9, 0x7c, 0xe8),
                                     QColor(0x4f, 0xd1, 0xc5), QColor(0xf0, 0x7a, 0x9c), QColor(0xc9, 0xb4, 0x58),
                                     QColor(0x9d, 0x8c, 0xf7), QColor(0x6f, 0xc0, 0x8f)};
    const int n = int(sizeof colours / sizeof colours[0]);
    return colours[((index % n) + n) % n];
}

/// A note's fill: brighter with velocity, so dynamics are visible at a glance.
inline QColor byVelocity(const QColor& base, int velocity) {
    const double f = 0.45 + 0.55 * (velocity / 127.0);
    return QColor::fromRgbF(float(base.redF() * f), float(base.greenF() * f), float(base.blueF() * f));
}

} // namespace continuo::ui::palette
