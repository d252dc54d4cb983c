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
inline QColor takeBand() { return QColor(0xf2, 0x9e, 0x4c, 28); }
inline QColor primerBand() { return QColor(0x5a, 0xa9, 0xf6, 22); }
inline QColor recording() { return QColor(0xff, 0x5f, 0x6b); }
inline QColor playhead() { return QColor(0x7d, 0xf0, 0x9a); }
inline QColor loop() { return QColor(0x7d, 0xf0, 0x9a, 60); }
inline QColor text() { return QColor(0xc8, 0xcf, 0xdc); }
inline QColor dimText() { return QColor(0x8a, 0x93, 0xa6); }

/// A note's fill: brighter with velocity, so dynamics are visible at a glance.
inline QColor byVelocity(const QColor& base, int velocity) {
    const double f = 0.45 + 0.55 * (velocity / 127.0);
    return QColor::fromRgbF(float(base.redF() * f), float(base.greenF() * f), float(base.blueF() * f));
}

} // namespace continuo::ui::palette
