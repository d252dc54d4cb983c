#include "roll/PianoRollWidget.h"

#include "document/Document.h"
#include "roll/KeyboardWidget.h"
#include "roll/NoteCanvas.h"
#include "roll/RollView.h"
#include "roll/RulerWidget.h"
#include "roll/PedalLane.h"
#include "roll/TakeLanes.h"
#include "roll/VelocityLane.h"

#include <QGridLayout>
#include <QLabel>
#include <QScrollBar>
#include <QSplitter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace continuo::ui {

PianoRollWidget::PianoRollWidget(Document* doc, QWidget* parent)
    : QWidget(parent), doc_(doc), view_(new RollView(this)) {
    keyboard_ = new KeyboardWidget(view_, this);
    ruler_ = new RulerWidget(doc_, view_, this);
    canvas_ = new NoteCanvas(doc_, view_, this);
    velocity_ = new VelocityLane(doc_, view_, this);
    pedal_ = new PedalLane(doc_, view_, this);
    lanes_ = new TakeLanes(doc_, view_, this);
    hbar_ = new QScrollBar(Qt::Horizontal, this);
    vbar_ = new QScrollBar(Qt::Vertical, this);
    setFocusProxy(canvas_);

    auto* top = new QWidget(this);
    auto* grid = new QGridLayout(top);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(0);
    auto* corner = new QLabel(this);
    corner->setFixedWidth(keyboard_->width());
    grid->addWidget(corner, 0, 0);
    grid->addWidget(ruler_, 0, 1);
    grid->addWidget(keyboard_, 1, 0);
    grid->addWidget(canvas_, 1, 1);
    grid->addWidget(vbar_, 1, 2);
    grid->setRowStretch(1, 1);
    grid->setColumnStretch(1, 1);

    auto* bottom = new QWidget(this);
    auto* bl = new QGridLayout(bottom);
    bl->setContentsMargins(0, 0, 0, 0);
    bl->setSpacing(0);
    auto* laneLabel = new QLabel(this);
    laneLabel->setFixedWidth(keyboard_->width());
    bl->addWidget(laneLabel, 0, 0);
    bl->addWidget(velocity_, 0, 1);
    bl->addItem(new QSpacerItem(vbar_->sizeHint().width(), 1), 0, 2);
    auto* pedalLabel = new QLabel(this);
    pedalLabel->setFixedWidth(keyboard_->width());
    bl->addWidget(pedalLabel, 1, 0);
    bl->addWidget(pedal_, 1, 1);
    auto* takesLabel = new QLabel(tr("Takes"), this);
    takesLabel->setFixedWidth(keyboard_->width());
    takesLabel->setAlignment(Qt::AlignRight | Qt::AlignTop);
    takesLabel->setStyleSheet("color: #8a93a6; padding: 2px 6px 0 0;");
    bl->addWidget(takesLabel, 2, 0);
    bl->addWidget(lanes_, 2, 1);
    bl->addWidget(hbar_, 3, 1);

    auto* split = new QSplitter(Qt::Vertical, this);
    split->setObjectName("rollSplitter");
    split->addWidget(top);
    split->addWidget(bottom);
    split->setStretchFactor(0, 5);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);
    auto* layout = new QGridLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split, 0, 0);

    connect(view_, &RollView::viewChanged, this, &PianoRollWidget::syncScrollBars);
    connect(doc_, &Document::notesChanged, this, &PianoRollWidget::syncScrollBars);
    // A take streaming past the end of the piece widens the scrollable range.
    connect(doc_, &Document::takeNotesChanged, this, &PianoRollWidget::syncScrollBars);
    connect(doc_->view(), &ViewState::currentTakeChanged, this, &PianoRollWidget::syncScrollBars);
    connect(hbar_, &QScrollBar::valueChanged, this, [this](int v) {
        if (!syncing_) view_->setScrollX(v);
    });
    connect(vbar_, &QScrollBar::valueChanged, this, [this](int v) {
        if (!syncing_) view_->setScrollY(v);
    });
    connect(view_, &RollView::playheadChanged, this, &PianoRollWidget::onPlayhead);
    connect(keyboard_, &KeyboardWidget::previewNote, this, &PianoRollWidget::previewNote);
    connect(canvas_, &NoteCanvas::previewNote, this, &PianoRollWidget::previewNote);
    connect(ruler_, &RulerWidget::locateRequested, this, &PianoRollWidget::locateRequested);
    for (QWidget* w : {static_cast<QWidget*>(keyboard_), static_cast<QWidget*>(ruler_),
                       static_cast<QWidget*>(canvas_), static_cast<QWidget*>(velocity_),
                       static_cast<QWidget*>(pedal_), static_cast<QWidget*>(lanes_)})
        w->installEventFilter(this);
    view_->centerOnPitch(64, 480);
}

bool PianoRollWidget::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::Wheel) {
        wheelEvent(static_cast<QWheelEvent*>(event));
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void PianoRollWidget::wheelEvent(QWheelEvent* e) {
    const QPoint delta = e->angleDelta();
    const int d = delta.y() != 0 ? delta.y() : delta.x();
    const Qt::KeyboardModifiers m = e->modifiers();
    if ((m & Qt::ControlModifier) && (m & Qt::ShiftModifier)) {
        zoomPitch(d > 0 ? 2 : -2);
    } else if (m & Qt::ControlModifier) {
        const QPointF p = canvas_->mapFromGlobal(e->globalPosition());
        view_->setPixelsPerTick(view_->pixelsPerTick() * std::pow(1.0015, d), p.x());
    } else if ((m & Qt::ShiftModifier) || delta.x() != 0) {
        view_->setScrollX(view_->scrollX() - d);
    } else {
        view_->setScrollY(view_->scrollY() - d / 2.0);
    }
    e->accept();
}

void PianoRollWidget::zoomTime(double factor) {
    view_->setPixelsPerTick(view_->pixelsPerTick() * factor, canvas_->width() / 2.0);
}

void PianoRollWidget::zoomPitch(int delta) {
    view_->setRowHeight(view_->rowHeight() + delta, canvas_->height() / 2.0);
}

void PianoRollWidget::zoomToFit(Tick minimumEnd) {
    if (!canvas_->isVisible() || canvas_->height() < 100) {
        pending_ = 2;
        pendingEnd_ = minimumEnd;
        return;
    }
    Tick end = std::max({doc_->endTick(), doc_->ticksPerBar() * 4, minimumEnd});
    if (const Take* t = doc_->take(doc_->view()->currentTake())) end = std::max(end, t->endTick());
    end += doc_->ticksPerBeat();
    view_->setPixelsPerTick(std::max(1, canvas_->width() - 8) / double(end));
    view_->setScrollX(0);
    scrollToContent();
}

void PianoRollWidget::scrollToContent() {
    if (!canvas_->isVisible() || canvas_->height() < 100) {
        pending_ = std::max(pending_, 1);
        return;
    }
    const auto& notes = doc_->notes();
    if (notes.empty()) {
        view_->centerOnPitch(64, canvas_->height());
        return;
    }
    int lo = 127, hi = 0;
    for (const Note& n : notes) {
        lo = std::min(lo, n.pitch);
        hi = std::max(hi, n.pitch);
    }
    view_->centerOnPitch((lo + hi) / 2, canvas_->height());
}

void PianoRollWidget::revealTick(Tick tick) {
    const double x = view_->tickToX(tick);
    const int w = canvas_->width();
    if (x >= w * 0.05 && x <= w * 0.6) return;
    view_->setScrollX(std::max(0.0, view_->scrollX() + x - w / 3.0));
    syncScrollBars();
}

void PianoRollWidget::resizeEvent(QResizeEvent* e) {
    QWidget::resizeEvent(e);
    syncScrollBars();
    if (pending_ != 0 && canvas_->isVisible() && canvas_->height() >= 100) {
        const int what = pending_;
        pending_ = 0;
        what == 2 ? zoomToFit(pendingEnd_) : scrollToContent();
    }
}

void PianoRollWidget::showEvent(QShowEvent* e) {
    QWidget::showEvent(e);
    if (pending_ != 0) {
        // Layouts settle after the first show; finish the deferred scroll then.
        QMetaObject::invokeMethod(this, [this] {
            if (pending_ == 0 || !canvas_->isVisible() || canvas_->height() < 100) return;
            const int what = pending_;
            pending_ = 0;
            what == 2 ? zoomToFit(pendingEnd_) : scrollToContent();
        }, Qt::QueuedConnection);
    }
}

void PianoRollWidget::syncScrollBars() {
    syncing_ = true;
    Tick end = std::max(doc_->endTick(), doc_->ticksPerBar() * 8);
    if (const Take* t = doc_->take(doc_->view()->currentTake())) end = std::max(end, t->endTick());
    const int contentW = int(double(end) * view_->pixelsPerTick()) + canvas_->width();
    hbar_->setRange(0, std::max(0, contentW - canvas_->width()));
    hbar_->setPageStep(canvas_->width());
    hbar_->setSingleStep(20);
    hbar_->setValue(int(view_->scrollX()));
    vbar_->setRange(0, std::max(0, view_->contentHeight() - canvas_->height()));
    vbar_->setPageStep(canvas_->height());
    vbar_->setSingleStep(view_->rowHeight());
    vbar_->setValue(int(view_->scrollY()));
    syncing_ = false;
}

void PianoRollWidget::onPlayhead(Tick t) {
    if (!follow_) return;
    const double x = view_->tickToX(t);
    const int w = canvas_->width();
    // Page-flip when the playhead leaves the view, as most sequencers do.
    if (x > w - 24 || x < 0) view_->setScrollX(std::max(0.0, view_->scrollX() + x - w * 0.1));
}

} // namespace continuo::ui
