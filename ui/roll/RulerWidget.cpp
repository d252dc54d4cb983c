#include "roll/RulerWidget.h"

#include "document/Document.h"
#include "roll/RollPalette.h"
#include "roll/RollView.h"

#include <QMouseEvent>
#include <QPainter>

#include <cmath>

namespace continuo::ui {

RulerWidget::RulerWidget(Document* doc, RollView* view, QWidget* parent)
    : QWidget(parent), doc_(doc), view_(view) {
    setFixedHeight(28);
    setToolTip(tr("Click to move the playhead; drag to set the loop region (L toggles the loop)"));
    auto refresh = [this] { update(); };
    connect(view_, &RollView::viewChanged, this, refresh);
    connect(view_, &RollView::playheadChanged, this, refresh);
    connect(doc_, &Document::tempoChanged, this, refresh);
    connect(doc_->view(), &ViewState::loopChanged, this, refresh);
    connect(doc_->view(), &ViewState::currentTakeChanged, this, refresh);
}

void RulerWidget::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), QColor(0x17, 0x19, 0x1f));
    const Tick bar = doc_->ticksPerBar();
    const double ppt = view_->pixelsPerTick();
    const Tick t0 = std::max<Tick>(0, view_->xToTick(0));
    const Tick t1 = view_->xToTick(width()) + 1;

    // Loop region: a band in the upper half.
    {
        const double x0 = view_->tickToX(doc_->view()->loopStart());
        const double x1 = view_->tickToX(doc_->view()->loopEnd());
        QColor c = palette::loop();
        if (!doc_->view()->loopEnabled()) c.setAlpha(22);
        p.fillRect(QRectF(x0, 0, x1 - x0, 8), c);
    }
    if (const Take* take = doc_->take(doc_->view()->currentTake())) {
        // How far back the model listened: the primer range of the auditioned take.
        const double x0 = view_->tickToX(take->provenance.primerStart);
        const double x1 = view_->tickToX(take->provenance.primerEnd);
        p.fillRect(QRectF(x0, height() - 4, x1 - x0, 4), palette::note());
        // An infill take's bar is its gap; a continuation's runs to its last note.
        const double x2 = view_->tickToX(take->provenance.infill ? take->provenance.gapEnd : take->endTick());
        p.fillRect(QRectF(x1, height() - 4, x2 - x1, 4), palette::take());
    }
    // Label every bar when there is room, else every 2nd, 4th, ... Bars follow every time
    // signature of the piece.
    int every = 1;
    while (bar * every * ppt < 36) every *= 2;
    QFont f = font();
    f.setPixelSize(11);
    p.setFont(f);
    for (Document::Bar b = doc_->barAt(t0); b.start <= t1; b = doc_->barAt(b.end)) {
        const double x = std::floor(view_->tickToX(b.start)) + 0.5;
        p.setPen(palette::barLine());
        p.drawLine(QPointF(x, 10), QPointF(x, height()));
        if (b.index % every == 0) {
            p.setPen(palette::text());
            p.drawText(QPointF(x + 4, 22), QString::number(b.index + 1));
        }
        if (b.beat * ppt >= 8) {
            p.setPen(palette::beatLine());
            for (Tick t = b.start + b.beat; t < b.end; t += b.beat) {
                const double bx = std::floor(view_->tickToX(t)) + 0.5;
                p.drawLine(QPointF(bx, height() - 8), QPointF(bx, height()));
            }
        }
    }
    const double ph = view_->tickToX(view_->playhead());
    p.setPen(Qt::NoPen);
    p.setBrush(palette::playhead());
    const QPointF tri[3] = {{ph - 6, 10}, {ph + 6, 10}, {ph, height() - 2.0}};
    p.drawPolygon(tri, 3);
}

void RulerWidget::mousePressEvent(QMouseEvent* e) {
    pressTick_ = std::max<Tick>(0, view_->xToTick(e->position().x()));
    dragging_ = false;
}

void RulerWidget::mouseMoveEvent(QMouseEvent* e) {
    if (pressTick_ < 0) return;
    const Tick t = std::max<Tick>(0, view_->xToTick(e->position().x()));
    if (!dragging_ && std::abs(double(t - pressTick_)) * view_->pixelsPerTick() < 4) return;
    dragging_ = true;
    const bool free = e->modifiers() & Qt::AltModifier;
    const Tick a = free ? pressTick_ : view_->grid().snap(pressTick_);
    const Tick b = free ? t : view_->grid().snap(t);
    if (a != b) {
        doc_->view()->setLoop(std::min(a, b), std::max(a, b));
        doc_->view()->setLoopEnabled(true);
    }
}

void RulerWidget::mouseReleaseEvent(QMouseEvent* e) {
    if (pressTick_ >= 0 && !dragging_) {
        const Tick t = std::max<Tick>(0, view_->xToTick(e->position().x()));
        emit locateRequested((e->modifiers() & Qt::AltModifier) ? t : view_->grid().snap(t));
    }
    pressTick_ = -1;
    dragging_ = false;
}

} // namespace continuo::ui
