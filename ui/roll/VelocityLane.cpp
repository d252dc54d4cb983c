#include "roll/VelocityLane.h"

#include "document/Document.h"
#include "document/EditNotesCommand.h"
#include "document/EditOperations.h"
#include "roll/RollPalette.h"
#include "roll/RollView.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace continuo::ui {

VelocityLane::VelocityLane(Document* doc, RollView* view, QWidget* parent)
    : QWidget(parent), doc_(doc), view_(view) {
    setMinimumHeight(60);
    setToolTip(tr("Velocity: drag a bar, or drag across the lane to draw a ramp over the selection"));
    auto refresh = [this] { update(); };
    connect(view_, &RollView::viewChanged, this, refresh);
    connect(doc_, &Document::notesChanged, this, refresh);
    connect(doc_, &Document::tracksChanged, this, refresh);
    connect(doc_->view(), &ViewState::selectionChanged, this, refresh);
    connect(doc_->view(), &ViewState::currentTakeChanged, this, refresh);
    connect(doc_->view(), &ViewState::revealChanged, this, refresh);
}

int VelocityLane::velocityAt(double y) const {
    const double h = std::max(1, height() - 8);
    return std::clamp(int(std::lround((1.0 - (y - 4) / h) * 127)), 1, 127);
}

double VelocityLane::yOf(int velocity) const { return 4 + (1.0 - velocity / 127.0) * (height() - 8); }

void VelocityLane::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), QColor(0x19, 0x1b, 0x22));
    p.setPen(palette::beatLine());
    for (int v : {32, 64, 96}) p.drawLine(QPointF(0, yOf(v)), QPointF(width(), yOf(v)));
    const Tick t0 = std::max<Tick>(0, view_->xToTick(0));
    const Tick t1 = view_->xToTick(width()) + 1;
    auto drawBars = [&](const std::vector<Note>& notes, const QColor& base, bool selectable) {
        auto it = std::lower_bound(notes.begin(), notes.end(), t0 - 1,
                                   [](const Note& n, Tick t) { return n.start < t; });
        for (; it != notes.end() && it->start <= t1; ++it) {
            const double x = view_->tickToX(it->start);
            const bool sel = selectable && doc_->view()->isSelected(it->id);
            QColor colour = base; // the piece's notes in their track's colour, hidden tracks not at all
            if (selectable) {
                const int track = doc_->trackIndex(it->track);
                if (track >= 0 && !doc_->tracks()[std::size_t(track)].visible) continue;
                colour = palette::track(std::max(0, track));
            }
            const QColor c = sel ? palette::noteSelected() : colour;
            p.fillRect(QRectF(x, yOf(it->velocity), 3, height() - yOf(it->velocity)), c);
            p.fillRect(QRectF(x - 2, yOf(it->velocity) - 1, 7, 3), c.lighter(120));
        }
    };
    if (const Take* t = doc_->take(doc_->view()->currentTake())) {
        const Tick revealed = doc_->view()->revealedUpTo(t->id);
        std::vector<Note> heard;
        for (const Note& n : t->notes)
            if (n.start < revealed) heard.push_back(n);
        drawBars(heard, palette::take(), false);
    }
    drawBars(doc_->notes(), palette::note(), true);
    if (ramp_) {
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(QPen(palette::noteSelected(), 2));
        p.drawLine(rampFrom_, rampTo_);
    }
    p.setPen(palette::dimText());
    p.drawText(QPointF(6, 14), tr("Velocity"));
}

const Note* VelocityLane::barAt(QPointF pos) const {
    const auto& notes = doc_->notes();
    const Tick t = view_->xToTick(pos.x());
    const Tick slack = Tick(5.0 / view_->pixelsPerTick()) + 1;
    const Note* best = nullptr;
    double bestDist = 1e9;
    for (std::size_t i = doc_->lowerBound(t - slack); i < notes.size() && notes[i].start <= t + slack; ++i) {
        const double d = std::abs(view_->tickToX(notes[i].start) - pos.x()) + (doc_->view()->isSelected(notes[i].id) ? 0 : 0.5);
        if (d < bestDist) {
            bestDist = d;
            best = &notes[i];
        }
    }
    return best;
}

void VelocityLane::mousePressEvent(QMouseEvent* e) {
    if (e->button() != Qt::LeftButton) return;
    gesture_ = EditNotesCommand::nextGesture();
    if (const Note* n = barAt(e->position())) {
        dragging_ = n->id;
        edit::setVelocities(*doc_, {{n->id, velocityAt(e->position().y())}}, gesture_);
        return;
    }
    ramp_ = true;
    rampFrom_ = rampTo_ = e->position();
    update();
}

void VelocityLane::mouseMoveEvent(QMouseEvent* e) {
    if (dragging_) {
        edit::setVelocities(*doc_, {{dragging_, velocityAt(e->position().y())}}, gesture_);
    } else if (ramp_) {
        rampTo_ = e->position();
        update();
    }
}

void VelocityLane::mouseReleaseEvent(QMouseEvent*) {
    if (ramp_ && std::abs(rampTo_.x() - rampFrom_.x()) > 3)
        edit::velocityRamp(*doc_, view_->xToTick(rampFrom_.x()), velocityAt(rampFrom_.y()),
                           view_->xToTick(rampTo_.x()), velocityAt(rampTo_.y()));
    ramp_ = false;
    dragging_ = 0;
    gesture_ = 0;
    update();
}

} // namespace continuo::ui
