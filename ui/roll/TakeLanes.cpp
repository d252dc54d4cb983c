#include "roll/TakeLanes.h"

#include "document/Document.h"
#include "document/MidiTransfer.h"
#include "roll/RollPalette.h"
#include "roll/RollView.h"

#include <QApplication>
#include <QDrag>
#include <QMimeData>
#include <QMouseEvent>
#include <QPainter>

#include <algorithm>

namespace continuo::ui {

namespace {
constexpr int kLaneHeight = 18;
constexpr int kMaxShownLanes = 8; ///< more takes than this share the same height
} // namespace

TakeLanes::TakeLanes(Document* doc, RollView* view, QWidget* parent) : QWidget(parent), doc_(doc), view_(view) {
    setObjectName("takeLanes");
    setToolTip(tr("Takes, one lane each on the roll's time line: click a lane to audition its take, drag it "
                  "out of the window to drop it into a DAW as a MIDI file"));
    auto refresh = [this] { update(); };
    connect(view_, &RollView::viewChanged, this, refresh);
    connect(doc_->view(), &ViewState::currentTakeChanged, this, refresh);
    connect(doc_, &Document::takeRenamed, this, refresh);
    connect(doc_, &Document::takeNotesChanged, this, refresh);
    connect(doc_, &Document::primerTakeChanged, this, refresh);
    connect(doc_, &Document::takesChanged, this, &TakeLanes::rebuild);
    rebuild();
}

void TakeLanes::rebuild() {
    lanes_.clear();
    for (const auto& [id, depth] : doc_->takeTree()) lanes_.push_back({id, depth});
    const int shown = std::clamp(int(lanes_.size()), 1, kMaxShownLanes);
    setFixedHeight(shown * kLaneHeight + 2);
    updateGeometry();
    update();
}

QSize TakeLanes::sizeHint() const {
    return {400, std::clamp(int(lanes_.size()), 1, kMaxShownLanes) * kLaneHeight + 2};
}

double TakeLanes::laneHeight() const {
    return lanes_.empty() ? kLaneHeight : double(height() - 2) / double(lanes_.size());
}

TakeId TakeLanes::takeAt(int lane) const {
    return lane >= 0 && lane < laneCount() ? lanes_[std::size_t(lane)].id : 0;
}

int TakeLanes::laneOf(TakeId id) const {
    for (int i = 0; i < laneCount(); ++i)
        if (lanes_[std::size_t(i)].id == id) return i;
    return -1;
}

QRectF TakeLanes::laneRect(int lane) const {
    const double h = laneHeight();
    return {0, 1 + lane * h, double(width()), h};
}

QRectF TakeLanes::noteRect(int lane, const Note& n) const {
    const QRectF r = laneRect(lane);
    // Pitch 24..108 spread over the lane, low notes at the bottom.
    const double inner = std::max(2.0, r.height() - 4);
    const double y = r.bottom() - 2 - inner * std::clamp((n.pitch - 24) / 84.0, 0.0, 1.0);
    const double x0 = view_->tickToX(n.start);
    const double x1 = view_->tickToX(n.end());
    return {x0, y - 1, std::max(1.5, x1 - x0), 2};
}

void TakeLanes::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), QColor(0x19, 0x1b, 0x22));
    p.setPen(palette::beatLine());
    p.drawLine(0, 0, width(), 0);
    if (lanes_.empty()) {
        p.setPen(palette::dimText());
        p.drawText(rect().adjusted(6, 0, 0, 0), Qt::AlignVCenter | Qt::AlignLeft,
                   tr("Takes appear here, one lane each: click a lane to hear it"));
        return;
    }
    const Tick t0 = view_->xToTick(0);
    const Tick t1 = view_->xToTick(width()) + 1;
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 0.85);
    p.setFont(f);
    const QFontMetricsF fm(f);
    for (int i = 0; i < laneCount(); ++i) {
        const Lane& lane = lanes_[std::size_t(i)];
        const Take* take = doc_->take(lane.id);
        if (!take) continue;
        const QRectF r = laneRect(i);
        const bool current = lane.id == doc_->view()->currentTake();
        if (current) p.fillRect(r, QColor(0xf2, 0x9e, 0x4c, 40));
        else if (i % 2) p.fillRect(r, QColor(255, 255, 255, 6));
        // Where the take begins (its primer ends): a faint mark on the time line.
        const double xs = view_->tickToX(take->provenance.infill ? take->provenance.gapStart : take->provenance.primerEnd);
        if (xs >= 0 && xs <= width()) {
            p.setPen(QColor(0xf2, 0x9e, 0x4c, current ? 140 : 60));
            p.drawLine(QPointF(xs, r.top()), QPointF(xs, r.bottom()));
        }
        QColor c = palette::take();
        if (!current) c.setAlpha(170);
        for (const Note& n : take->notes) {
            if (n.end() < t0 || n.start > t1) continue;
            p.fillRect(noteRect(i, n), c);
        }
        // The name at the left edge, indented by its depth in the tree, over a dark backing.
        const QString name = (lane.depth > 0 ? QStringLiteral("↳ ") : QString()) + take->name +
                             (take->generating ? tr(" — writing…") : QString());
        // A long chain (a jam's answers) stops stepping right after a few levels.
        const double indent = 4 + 10.0 * std::min(lane.depth, 6);
        const QRectF label(indent, r.top() + 1, fm.horizontalAdvance(name) + 8, r.height() - 2);
        p.fillRect(label, QColor(0x19, 0x1b, 0x22, 210));
        p.setPen(current ? palette::take().lighter(115) : palette::text());
        p.drawText(label.adjusted(4, 0, 0, 0), Qt::AlignVCenter | Qt::AlignLeft, name);
        if (current) {
            p.setPen(QPen(palette::take(), 1));
            p.drawRect(r.adjusted(0, 0, -1, -1));
        }
    }
}

void TakeLanes::mousePressEvent(QMouseEvent* e) {
    if (e->button() != Qt::LeftButton || lanes_.empty()) return;
    const int lane = int((e->position().y() - 1) / laneHeight());
    pressLane_ = std::clamp(lane, 0, laneCount() - 1);
    pressPos_ = e->position();
    const TakeId id = takeAt(pressLane_);
    if (id == 0) return;
    doc_->view()->setCurrentTake(id);
    emit takeClicked(id);
}

QMimeData* TakeLanes::dragData(int lane) const {
    const TakeId id = takeAt(lane);
    return id ? MidiTransfer::forTake(*doc_, id) : nullptr;
}

void TakeLanes::mouseMoveEvent(QMouseEvent* e) {
    if (pressLane_ < 0 || !(e->buttons() & Qt::LeftButton)) return;
    if ((e->position() - pressPos_).manhattanLength() < QApplication::startDragDistance()) return;
    const int lane = std::exchange(pressLane_, -1);
    const Take* take = doc_->take(takeAt(lane));
    if (!take || take->generating) return; // a take still being written is not whole yet
    QMimeData* mime = dragData(lane);
    if (!mime) return;
    auto* drag = new QDrag(this);
    drag->setMimeData(mime);
    drag->exec(Qt::CopyAction);
}

void TakeLanes::mouseReleaseEvent(QMouseEvent*) { pressLane_ = -1; }

} // namespace continuo::ui
