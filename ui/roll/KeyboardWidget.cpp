#include "roll/KeyboardWidget.h"

#include "roll/RollPalette.h"
#include "roll/RollView.h"

#include <QMouseEvent>
#include <QPainter>

namespace continuo::ui {

namespace {
bool isBlack(int pitch) {
    const int pc = pitch % 12;
    return pc == 1 || pc == 3 || pc == 6 || pc == 8 || pc == 10;
}
} // namespace

KeyboardWidget::KeyboardWidget(RollView* view, QWidget* parent) : QWidget(parent), view_(view) {
    setFixedWidth(64);
    setToolTip(tr("Click a key to hear it"));
    connect(view_, &RollView::viewChanged, this, [this] { update(); });
}

void KeyboardWidget::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette::background());
    const int row = view_->rowHeight();
    const int top = view_->yToPitch(0);
    const int bottom = view_->yToPitch(height());
    QFont f = font();
    f.setPixelSize(std::max(8, std::min(11, row - 3)));
    p.setFont(f);
    for (int pitch = top; pitch >= bottom; --pitch) {
        const QRectF r(0, view_->pitchToY(pitch), width(), row);
        const bool black = isBlack(pitch);
        QColor c = black ? QColor(0x22, 0x24, 0x2b) : QColor(0xe8, 0xea, 0xef);
        if (pitch == pressed_) c = palette::note();
        p.fillRect(black ? r.adjusted(0, 0, -22, 0) : r, c);
        if (black) p.fillRect(r.adjusted(width() - 22, 0, 0, 0), QColor(0xe8, 0xea, 0xef));
        p.setPen(QColor(0x9a, 0xa0, 0xad));
        p.drawLine(QPointF(0, r.bottom()), QPointF(width(), r.bottom()));
        if (pitch % 12 == 0 && row >= 8) {
            p.setPen(QColor(0x30, 0x34, 0x40));
            p.drawText(r.adjusted(0, 0, -4, 0), Qt::AlignRight | Qt::AlignVCenter,
                       QStringLiteral("C%1").arg(pitch / 12 - 1));
        }
    }
}

void KeyboardWidget::mousePressEvent(QMouseEvent* e) {
    pressed_ = view_->yToPitch(e->position().y());
    emit previewNote(pressed_, 96, true);
    update();
}

void KeyboardWidget::mouseMoveEvent(QMouseEvent* e) {
    if (pressed_ < 0) return;
    const int pitch = view_->yToPitch(e->position().y());
    if (pitch == pressed_) return;
    emit previewNote(pressed_, 0, false);
    pressed_ = pitch;
    emit previewNote(pressed_, 96, true);
    update();
}

void KeyboardWidget::mouseReleaseEvent(QMouseEvent*) {
    if (pressed_ >= 0) emit previewNote(pressed_, 0, false);
    pressed_ = -1;
    update();
}

} // namespace continuo::ui
