#include "roll/PedalLane.h"

#include "document/Document.h"
#include "document/EditNotesCommand.h"
#include "document/TrackCommands.h"
#include "roll/RollPalette.h"
#include "roll/RollView.h"

#include <QMouseEvent>
#include <QPainter>
#include <QUndoStack>

#include <algorithm>

namespace continuo::ui {

PedalLane::PedalLane(Document* doc, RollView* view, QWidget* parent) : QWidget(parent), doc_(doc), view_(view) {
    setMinimumHeight(32);
    setMaximumHeight(44);
    setToolTip(tr("Sustain pedal of the active track: drag to hold it down, right-drag or Shift+drag to lift it"));
    auto refresh = [this] { update(); };
    connect(view_, &RollView::viewChanged, this, refresh);
    connect(doc_, &Document::trackEventsChanged, this, refresh);
    connect(doc_, &Document::tracksChanged, this, refresh);
    connect(doc_->view(), &ViewState::activeTrackChanged, this, refresh);
    connect(doc_, &Document::notesChanged, this, refresh);
}

void PedalLane::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), QColor(0x19, 0x1b, 0x22));
    p.setPen(palette::beatLine());
    p.drawLine(0, 0, width(), 0);
    // Every visible track's pedal: the active track's (the one drawing edits) as tall bars,
    // the others as thin strips along the bottom in their colours.
    const Tick end = std::max(doc_->endTick(), view_->xToTick(width()));
    for (int index = 0; index < int(doc_->tracks().size()); ++index) {
        const TrackInfo& t = doc_->tracks()[std::size_t(index)];
        const bool active = t.id == doc_->view()->activeTrack();
        if (!t.visible && !active) continue;
        const QColor c = palette::track(index);
        for (const auto& [down, up] : pedal::regions(t.events, t.channel, end)) {
            const double x0 = view_->tickToX(down), x1 = view_->tickToX(up);
            if (x1 < 0 || x0 > width()) continue;
            if (active) {
                const QRectF r(x0, 6, std::max(1.0, x1 - x0), height() - 14);
                p.fillRect(r, QColor(c.red(), c.green(), c.blue(), 120));
                p.fillRect(QRectF(x0, 6, 2, height() - 14), c.lighter(130));
            } else {
                p.fillRect(QRectF(x0, height() - 6, std::max(1.0, x1 - x0), 4), QColor(c.red(), c.green(), c.blue(), 170));
            }
        }
    }
    if (dragging_) {
        const double x0 = view_->tickToX(from_);
        p.setPen(QPen(down_ ? palette::noteSelected() : palette::recording(), 1, Qt::DashLine));
        p.drawLine(QPointF(x0, 2), QPointF(x0, height() - 2));
    }
    p.setPen(palette::dimText());
    p.drawText(QPointF(6, 20), tr("Pedal"));
}

void PedalLane::mousePressEvent(QMouseEvent* e) {
    if (e->button() != Qt::LeftButton && e->button() != Qt::RightButton) return;
    const TrackInfo* t = doc_->track(doc_->view()->activeTrack());
    if (!t) return;
    dragging_ = true;
    down_ = e->button() == Qt::LeftButton && !(e->modifiers() & Qt::ShiftModifier);
    gesture_ = EditNotesCommand::nextGesture();
    from_ = std::max<Tick>(0, view_->grid().snap(view_->xToTick(e->position().x())));
    startEvents_ = t->events;
    update();
}

void PedalLane::apply(QPointF to) {
    const TrackInfo* t = doc_->track(doc_->view()->activeTrack());
    if (!t) return;
    const Tick at = std::max<Tick>(0, view_->grid().snap(view_->xToTick(to.x())));
    if (at == from_) return;
    doc_->undoStack()->push(new TrackEventsCommand(doc_, t->id, pedal::withPedal(startEvents_, t->channel, from_, at, down_),
                                                   down_ ? tr("Draw pedal") : tr("Lift pedal"), gesture_));
}

void PedalLane::mouseMoveEvent(QMouseEvent* e) {
    if (dragging_) apply(e->position());
}

void PedalLane::mouseReleaseEvent(QMouseEvent* e) {
    if (dragging_) apply(e->position());
    dragging_ = false;
    gesture_ = 0;
    update();
}

} // namespace continuo::ui
