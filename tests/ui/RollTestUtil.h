#pragma once
// Helpers for driving the piano roll with synthetic mouse events in tests.
#include "roll/RollView.h"

#include <QApplication>
#include <QMouseEvent>
#include <QWidget>

namespace continuo::ui::testutil {

inline QPointF at(const RollView* view, Tick tick, int pitch) {
    return {view->tickToX(tick) + 1, view->pitchToY(pitch) + view->rowHeight() / 2.0};
}

inline void send(QWidget* w, QEvent::Type type, QPointF pos, Qt::MouseButton button,
                 Qt::KeyboardModifiers mods = Qt::NoModifier) {
    const Qt::MouseButtons buttons = type == QEvent::MouseButtonRelease ? Qt::NoButton : Qt::MouseButtons(button);
    QMouseEvent e(type, pos, w->mapToGlobal(pos), type == QEvent::MouseMove ? Qt::NoButton : button,
                  buttons, mods);
    QApplication::sendEvent(w, &e);
}

inline void drag(QWidget* w, QPointF from, QPointF to, Qt::KeyboardModifiers mods = Qt::NoModifier,
                 Qt::MouseButton button = Qt::LeftButton) {
    send(w, QEvent::MouseButtonPress, from, button, mods);
    for (int i = 1; i <= 4; ++i)
        send(w, QEvent::MouseMove, from + (to - from) * (i / 4.0), button, mods);
    send(w, QEvent::MouseButtonRelease, to, button, mods);
}

} // namespace continuo::ui::testutil
