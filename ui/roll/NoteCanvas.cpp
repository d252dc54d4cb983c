#include "roll/NoteCanvas.h"

#include "document/Document.h"
#include "document/EditNotesCommand.h"
#include "document/MidiTransfer.h"
#include "roll/RollPalette.h"
#include "roll/RollView.h"

#include <QApplication>
#include <QDrag>
#include <QFontMetricsF>
#include <QMimeData>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QUndoStack>

#include <algorithm>
#include <iterator>
#include <limits>
#include <cmath>
#include <set>

namespace continuo::ui {

namespace {
bool isBlackKey(int pitch) {
    const int pc = pitch % 12;
    return pc == 1 || pc == 3 || pc == 6 || pc == 8 || pc == 10;
}
constexpr double kEdgePx = 6.0;
} // namespace

NoteCanvas::NoteCanvas(Document* doc, RollView* view, QWidget* parent)
    : QWidget(parent), doc_(doc), view_(view) {
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    auto refresh = [this] { update(); };
    connect(view_, &RollView::viewChanged, this, refresh);
    connect(doc_, &Document::notesChanged, this, refresh);
    connect(doc_, &Document::tracksChanged, this, refresh);
    connect(doc_->view(), &ViewState::selectionChanged, this, refresh);
    connect(doc_, &Document::tempoChanged, this, refresh);
    connect(doc_->view(), &ViewState::loopChanged, this, refresh);
    connect(doc_->view(), &ViewState::currentTakeChanged, this, refresh);
    connect(doc_, &Document::takesChanged, this, refresh);
    connect(doc_, &Document::takeRenamed, this, refresh);
    connect(doc_->view(), &ViewState::liveNotesChanged, this, refresh);
    connect(doc_->view(), &ViewState::revealChanged, this, refresh);
    connect(doc_, &Document::takeNotesChanged, this, [this](TakeId id) {
        if (id == doc_->view()->currentTake()) update();
    });
    connect(view_, &RollView::playheadChanged, this, [this] { update(); });
}

QRectF NoteCanvas::noteRect(const Note& n) const {
    const double x0 = view_->tickToX(n.start);
    const double x1 = view_->tickToX(n.end());
    const double y = view_->pitchToY(n.pitch);
    return QRectF(x0, y + 1, std::max(2.0, x1 - x0), view_->rowHeight() - 2);
}

void NoteCanvas::paintGrid(QPainter& p, Tick t0, Tick t1) {
    const int h = height();
    const int row = view_->rowHeight();
    const int top = view_->yToPitch(0);
    const int bottom = view_->yToPitch(h);
    for (int pitch = top; pitch >= bottom; --pitch) {
        const QColor c = isBlackKey(pitch) ? palette::blackRow()
                                           : (pitch % 12 == 0 ? palette::cRow() : palette::whiteRow());
        p.fillRect(QRectF(0, view_->pitchToY(pitch), width(), row), c);
    }
    // Vertical lines: bars always, beats and grid steps when they are far enough apart.
    const Tick bar = doc_->ticksPerBar();
    const Tick beat = doc_->ticksPerBeat();
    const Tick step = view_->grid().step();
    const double ppt = view_->pixelsPerTick();
    Tick unit = step;
    if (unit * ppt < 6) unit = beat;
    if (unit * ppt < 6) unit = bar;
    while (unit * ppt < 6) unit *= 2;
    for (Tick t = t0 / unit * unit; t <= t1; t += unit) {
        const double x = std::floor(view_->tickToX(t)) + 0.5;
        const Document::Bar b = doc_->barAt(t); // bars follow every time signature
        const QColor c = t == b.start ? palette::barLine()
                                      : ((t - b.start) % b.beat == 0 ? palette::beatLine() : palette::gridLine());
        p.setPen(c);
        p.drawLine(QPointF(x, 0), QPointF(x, h));
    }
    // Bar lines where a later time signature puts them off the first metre's grid.
    if (doc_->timeSignatures().size() > 1 && bar * ppt >= 6) {
        p.setPen(palette::barLine());
        for (Document::Bar b = doc_->barAt(t0); b.start <= t1; b = doc_->barAt(b.end)) {
            const double x = std::floor(view_->tickToX(b.start)) + 0.5;
            p.drawLine(QPointF(x, 0), QPointF(x, h));
        }
    }
}

int NoteCanvas::paintNotes(QPainter& p, const std::vector<Note>& notes, Tick maxLen, Tick t0,
                           Tick t1, const QColor& base, bool selectable, Tick drawFrom) {
    // First note that can reach into [t0, t1]: start >= t0 - maxLen (notes sorted by start).
    auto first = std::lower_bound(notes.begin(), notes.end(), t0 - maxLen - 1,
                                  [](const Note& n, Tick t) { return n.start < t; });
    const int topPitch = view_->yToPitch(0);
    const int bottomPitch = view_->yToPitch(height());
    const bool showText = view_->rowHeight() >= 12;
    int painted = 0;
    p.setRenderHint(QPainter::Antialiasing, false);
    for (auto it = first; it != notes.end() && it->start <= t1; ++it) {
        const Note& n = *it;
        if (n.end() < t0 || n.pitch > topPitch || n.pitch < bottomPitch || n.start < drawFrom) continue;
        // The piece's notes in their track's colour; hidden tracks are not drawn.
        QColor colour = base;
        if (selectable) {
            const int track = doc_->trackIndex(n.track);
            if (track >= 0 && !doc_->tracks()[std::size_t(track)].visible) continue;
            colour = palette::track(std::max(0, track));
            if (!doc_->isTrackAudible(n.track)) colour = colour.darker(190); // muted, or another track soloed
        }
        const QRectF r = noteRect(n);
        if (selectable && n.start >= ghostFrom_ && n.start < ghostTo_) {
            // In the gap of the auditioned infill take: what keeping it would replace.
            QColor c = colour;
            c.setAlpha(120);
            p.setPen(QPen(c, 1, Qt::DashLine));
            p.setBrush(Qt::NoBrush);
            p.drawRect(r.adjusted(0, 0, -1, -1));
            ++painted;
            continue;
        }
        const bool selected = selectable && doc_->view()->isSelected(n.id);
        p.fillRect(r, palette::byVelocity(selected ? palette::noteSelected() : colour, n.velocity));
        if (r.width() > 3) {
            p.setPen(selected ? palette::noteSelected().lighter(130) : colour.lighter(125));
            p.drawRect(r.adjusted(0, 0, -1, -1));
        }
        if (showText && r.width() > 28 && n.pitch % 12 == 0) {
            p.setPen(QColor(0, 0, 0, 160));
            p.drawText(r.adjusted(3, 0, 0, 0), Qt::AlignVCenter | Qt::AlignLeft,
                       QStringLiteral("C%1").arg(n.pitch / 12 - 1));
        }
        ++painted;
    }
    return painted;
}

void NoteCanvas::paintTakeBand(QPainter& p) {
    const Take* take = doc_->take(doc_->view()->currentTake());
    if (!take) return;
    const TakeProvenance& pv = take->provenance;
    if (pv.infill) {
        paintGapBand(p, *take);
        return;
    }
    // The primer the model listened to, and the take's own region after it.
    const double px0 = view_->tickToX(pv.primerStart);
    const double px1 = view_->tickToX(pv.primerEnd);
    p.fillRect(QRectF(px0, 0, px1 - px0, height()), palette::primerBand());
    const double tx1 = view_->tickToX(std::max(take->endTick(), pv.primerEnd + doc_->ticksPerBar()));
    p.fillRect(QRectF(px1, 0, tx1 - px1, height()), palette::takeBand());
    p.setPen(QPen(palette::take(), 1, Qt::DashLine));
    p.drawLine(QPointF(px1, 0), QPointF(px1, height()));
    p.setPen(palette::take());
    QFont f = font();
    f.setBold(true);
    p.setFont(f);
    const bool heard = doc_->view()->revealedUpTo(take->id) != std::numeric_limits<Tick>::max();
    const QString label = heard               ? tr("%1 — answering…").arg(take->name)
                          : take->generating ? tr("%1 — writing…").arg(take->name)
                                           : tr("%1 · seed %2").arg(take->name).arg(pv.sampling.seed.value());
    p.drawText(QPointF(px1 + 6, 16), label);
    p.setFont(font());
}

void NoteCanvas::setCompareWithParent(bool on) {
    if (on == compare_) return;
    compare_ = on;
    update();
}

void NoteCanvas::paintCompare(QPainter& p, const Take& take, Tick t0, Tick t1) {
    const Take* parent = doc_->take(take.provenance.parentTake);
    const std::vector<Note> added = notesAddedAfterParent(take, parent);
    // Everything drawn so far (grid, bands, the sketch) fades behind the comparison.
    p.fillRect(rect(), QColor(palette::background().red(), palette::background().green(),
                              palette::background().blue(), 150));
    const int topPitch = view_->yToPitch(0);
    const int bottomPitch = view_->yToPitch(height());
    auto visible = [&](const Note& n) {
        return n.end() >= t0 && n.start <= t1 && n.pitch <= topPitch && n.pitch >= bottomPitch;
    };
    p.setRenderHint(QPainter::Antialiasing, false);
    p.setBrush(Qt::NoBrush);
    int outlined = 0;
    // The parent's notes (the sketch's when it continued the sketch, already faded above):
    // outlines in the parent's colour, what the take heard before it began.
    QColor was = parent ? palette::take() : palette::note();
    was.setAlpha(200);
    p.setPen(QPen(was, 1));
    if (parent)
        for (const Note& n : parent->notes)
            if (visible(n)) {
                p.drawRect(noteRect(n).adjusted(0, 0, -1, -1));
                ++outlined;
            }
    // Notes of the take that the parent already had: outlined too.
    if (parent && added.size() != take.notes.size()) {
        std::set<std::pair<Tick, int>> isNew;
        for (const Note& n : added) isNew.emplace(n.start, n.pitch);
        for (const Note& n : take.notes)
            if (!isNew.count({n.start, n.pitch}) && visible(n)) p.drawRect(noteRect(n).adjusted(0, 0, -1, -1));
    }
    // What the take added: bright, with a light edge.
    int highlighted = 0;
    for (const Note& n : added) {
        if (!visible(n)) continue;
        const QRectF r = noteRect(n);
        p.fillRect(r, palette::byVelocity(palette::compareAdded(), std::max(n.velocity, 90)));
        if (r.width() > 3) {
            p.setPen(palette::compareAdded().lighter(140));
            p.drawRect(r.adjusted(0, 0, -1, -1));
        }
        ++highlighted;
    }
    lastComparedAdded_ = highlighted;
    lastComparedParent_ = outlined;
    // Say what is compared with what, under the take's label.
    const QString label = parent ? tr("\"%1\" added %n note(s) after \"%2\" (outlined)", nullptr, int(added.size()))
                                       .arg(take.name, parent->name)
                                 : tr("\"%1\" added %n note(s) to the sketch (faded)", nullptr, int(added.size()))
                                       .arg(take.name);
    QFont f = font();
    f.setBold(true);
    p.setFont(f);
    const QFontMetricsF fm(f);
    const QRectF box(6, 22, fm.horizontalAdvance(label) + 12, fm.height() + 4);
    p.fillRect(box, QColor(0x1e, 0x21, 0x29, 220));
    p.setPen(palette::compareAdded());
    p.drawText(box.adjusted(6, 0, 0, 0), Qt::AlignVCenter | Qt::AlignLeft, label);
    p.setFont(font());
}

void NoteCanvas::setListeningSpan(const ListeningSpan& span) {
    if (span == listening_) return;
    listening_ = span;
    update();
}

void NoteCanvas::setShowListening(bool on) {
    if (on == showListening_) return;
    showListening_ = on;
    update();
}

void NoteCanvas::paintListening(QPainter& p) {
    if (!showsListening()) return;
    const ListeningSpan& s = listening_;
    const double xEnd = view_->tickToX(s.from);
    // Layers that reach equally far share a band; nearer spans stack, so the shade deepens
    // towards the point where Continue starts (the segment being written is heard by all).
    struct Band {
        Tick start;
        int first, last, events;
    };
    std::vector<Band> bands;
    for (int l = 0; l < int(s.layerStarts.size()); ++l) {
        const Tick t = s.layerStarts[std::size_t(l)];
        if (!bands.empty() && bands.back().start == t) {
            bands.back().last = l;
            continue;
        }
        bands.push_back({t, l, l, s.layerEvents[std::size_t(l)]});
    }
    for (const Band& b : bands) {
        const double x0 = view_->tickToX(b.start);
        p.fillRect(QRectF(x0, 0, xEnd - x0, height()), palette::listening(22));
    }
    if (!s.memoryless) {
        const double xs = view_->tickToX(s.segmentStart);
        p.fillRect(QRectF(xs, 0, xEnd - xs, height()), palette::listening(14));
    }
    // Edges and labels along the top, the farthest reach first; a label that would overlap
    // the one before it is left out (its edge still shows).
    std::sort(bands.begin(), bands.end(), [](const Band& a, const Band& b) { return a.start < b.start; });
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 0.9);
    p.setFont(f);
    const QFontMetricsF fm(f);
    double lastLabelEnd = -1e9;
    const QLocale locale;
    for (const Band& b : bands) {
        const double x = view_->tickToX(b.start);
        p.setPen(QPen(palette::listening(170), 1, Qt::DashLine));
        p.drawLine(QPointF(x, 0), QPointF(x, height()));
        QString who = s.memoryless ? tr("window")
                      : b.first == b.last ? tr("layer %1").arg(b.first + 1)
                                          : tr("layers %1–%2").arg(b.first + 1).arg(b.last + 1);
        const QString label = tr("%1 hears from here · %2 events").arg(who, locale.toString(b.events));
        const double w = fm.horizontalAdvance(label) + 8;
        if (x + 4 < lastLabelEnd) continue;
        p.fillRect(QRectF(x + 1, 40, w, fm.height() + 2), palette::background());
        p.setPen(palette::listening());
        p.drawText(QPointF(x + 5, 40 + fm.ascent() + 1), label);
        lastLabelEnd = x + w + 6;
    }
    p.setPen(QPen(palette::listening(220), 2));
    p.drawLine(QPointF(xEnd, 0), QPointF(xEnd, height()));
    p.setFont(font());
}

void NoteCanvas::paintGapBand(QPainter& p, const Take& take) {
    const TakeProvenance& pv = take.provenance;
    // What the model listened to before the gap, and the gap the take fills, edged both sides.
    const double px0 = view_->tickToX(pv.primerStart);
    const double gx0 = view_->tickToX(pv.gapStart);
    const double gx1 = view_->tickToX(pv.gapEnd);
    p.fillRect(QRectF(px0, 0, gx0 - px0, height()), palette::primerBand());
    p.fillRect(QRectF(gx0, 0, gx1 - gx0, height()), palette::takeBand());
    p.setPen(QPen(palette::take(), 1, Qt::DashLine));
    p.drawLine(QPointF(gx0, 0), QPointF(gx0, height()));
    p.drawLine(QPointF(gx1, 0), QPointF(gx1, height()));
    p.setPen(palette::take());
    QFont f = font();
    f.setBold(true);
    p.setFont(f);
    p.drawText(QPointF(gx0 + 6, 16), tr("%1 · fills the gap").arg(take.name));
    p.setFont(font());
    if (pv.score >= 0 && pv.scoredTokens == 0) {
        // Nothing followed the gap to score the fills against.
        p.setPen(palette::dimText());
        p.drawText(QPointF(gx0 + 6, 32), tr("unranked: no music follows the gap"));
    } else if (pv.score >= 0) {
        p.setPen(palette::dimText());
        p.drawText(QPointF(gx0 + 6, 32), tr("fit %1").arg(pv.score, 0, 'f', 2) +
                                             (pv.originalScore >= 0 ? tr(" · your notes %1").arg(pv.originalScore, 0, 'f', 2)
                                                                    : QString()) +
                                             tr(" · lower fits better"));
    }
}

void NoteCanvas::paintEvent(QPaintEvent*) {
    QElapsedTimer timer;
    timer.start();
    QPainter p(this);
    p.fillRect(rect(), palette::background());
    const Tick t0 = std::max<Tick>(0, view_->xToTick(0));
    const Tick t1 = view_->xToTick(width()) + 1;
    paintGrid(p, t0, t1);

    if (doc_->view()->loopEnabled()) {
        const double x0 = view_->tickToX(doc_->view()->loopStart());
        const double x1 = view_->tickToX(doc_->view()->loopEnd());
        p.fillRect(QRectF(x0, 0, x1 - x0, height()), QColor(0x7d, 0xf0, 0x9a, 14));
    }
    paintTakeBand(p);
    paintListening(p);

    const Take* shown = doc_->take(doc_->view()->currentTake());
    const bool fill = shown && shown->provenance.infill;
    ghostFrom_ = fill ? shown->provenance.gapStart : 0;
    ghostTo_ = fill ? shown->provenance.gapEnd : 0;
    int painted = paintNotes(p, doc_->notes(), doc_->maxNoteLength(), t0, t1, palette::note(), true);
    if (const Take* take = doc_->take(doc_->view()->currentTake())) {
        if (compare_) {
            paintCompare(p, *take, t0, t1);
        } else {
            Tick maxLen = 0;
            for (const Note& n : take->notes) maxLen = std::max(maxLen, n.length);
            const Tick revealed = doc_->view()->revealedUpTo(take->id);
            if (revealed == std::numeric_limits<Tick>::max()) {
                painted += paintNotes(p, take->notes, maxLen, t0, t1, palette::take(), false);
            } else { // an answer being heard: what has sounded
                std::vector<Note> heard;
                std::copy_if(take->notes.begin(), take->notes.end(), std::back_inserter(heard),
                             [revealed](const Note& n) { return n.start < revealed; });
                painted += paintNotes(p, heard, maxLen, t0, t1, palette::take(), false);
            }
        }
    }
    if (!doc_->view()->liveNotes().empty()) {
        Tick maxLen = 0;
        for (const Note& n : doc_->view()->liveNotes()) maxLen = std::max(maxLen, n.length);
        painted += paintNotes(p, doc_->view()->liveNotes(), maxLen, t0, t1, palette::recording(), false);
    }

    if (drag_ == Drag::Rubber && !rubber_.isNull()) {
        p.setPen(QPen(palette::noteSelected(), 1, Qt::DashLine));
        p.fillRect(rubber_, QColor(0xff, 0xd8, 0x66, 30));
        p.drawRect(rubber_.adjusted(0, 0, -1, -1));
    }
    const double ph = view_->tickToX(view_->playhead());
    if (ph >= 0 && ph <= width()) {
        p.setPen(QPen(palette::playhead(), 2));
        p.drawLine(QPointF(ph, 0), QPointF(ph, height()));
    }
    lastPaintedNotes_ = painted;
    lastPaintMs_ = double(timer.nsecsElapsed()) / 1e6;
}

const Note* NoteCanvas::hitNote(QPointF pos, bool* nearEnd) const {
    const Tick t = view_->xToTick(pos.x());
    const int pitch = view_->yToPitch(pos.y());
    const auto& notes = doc_->notes();
    const std::size_t hi = doc_->lowerBound(t + 1);
    const std::size_t lo = doc_->lowerBound(t - doc_->maxNoteLength() - 1);
    // Latest-starting note wins (it is drawn on top).
    for (std::size_t i = hi; i-- > lo;) {
        const Note& n = notes[i];
        if (n.pitch != pitch || !doc_->isTrackVisible(n.track)) continue;
        const QRectF r = noteRect(n);
        if (pos.x() >= r.left() - 1 && pos.x() <= r.right() + 1) {
            if (nearEnd) *nearEnd = pos.x() >= r.right() - std::min(kEdgePx, r.width() / 3);
            return &n;
        }
    }
    return nullptr;
}

Tick NoteCanvas::snapped(Tick t, Qt::KeyboardModifiers mods) const {
    return (mods & Qt::AltModifier) ? t : view_->grid().snap(t);
}

void NoteCanvas::mousePressEvent(QMouseEvent* e) {
    setFocus(Qt::MouseFocusReason);
    pressPos_ = e->position();
    const Qt::KeyboardModifiers mods = e->modifiers();
    bool nearEnd = false;
    const Note* hit = hitNote(e->position(), &nearEnd);

    if (e->button() == Qt::RightButton) {
        // Right click deletes the note under the mouse (as in Helio and MidiEditor).
        if (hit)
            doc_->undoStack()->push(new EditNotesCommand(doc_, tr("Delete note"), {*hit}, {}));
        return;
    }
    if (e->button() != Qt::LeftButton) return;
    gesture_ = EditNotesCommand::nextGesture();

    if (hit) {
        anchor_ = *hit;
        if (mods & Qt::ShiftModifier) {
            NoteIdSet sel = doc_->view()->selection();
            if (sel.count(hit->id)) {
                sel.erase(hit->id);
                doc_->view()->setSelection(sel);
                return;
            }
            sel.insert(hit->id);
            doc_->view()->setSelection(sel);
        } else if (!doc_->view()->isSelected(hit->id)) {
            doc_->view()->setSelection({hit->id});
        }
        if ((mods & Qt::ControlModifier) && !(mods & Qt::ShiftModifier)) {
            // Ctrl+drag: the selection leaves the window as a MIDI file (into a DAW); the
            // notes stay where they are.
            drag_ = Drag::Export;
            return;
        }
        original_ = doc_->view()->selectedNotes();
        drag_ = nearEnd ? Drag::Resize : Drag::Move;
        previewPitch_ = hit->pitch;
        emit previewNote(hit->pitch, hit->velocity, true);
        return;
    }

    if (view_->tool() == RollTool::Draw) {
        Note n;
        n.id = doc_->allocateNoteId();
        n.pitch = view_->yToPitch(e->position().y());
        const Tick t = view_->xToTick(e->position().x());
        n.start = std::max<Tick>(0, (mods & Qt::AltModifier) ? t : view_->grid().snapDown(t));
        n.length = view_->grid().step();
        n.velocity = 90;
        auto* cmd = new EditNotesCommand(doc_, tr("Draw note"), {}, {n}, gesture_);
        cmd->setSelectAfter(true);
        doc_->undoStack()->push(cmd);
        anchor_ = n;
        original_ = {n};
        drag_ = Drag::Resize;
        drawing_ = true;
        previewPitch_ = n.pitch;
        emit previewNote(n.pitch, n.velocity, true);
        return;
    }

    drag_ = Drag::Rubber;
    rubber_ = QRect(e->position().toPoint(), QSize(1, 1));
    rubberBase_.clear();
    if (mods & Qt::ShiftModifier)
        rubberBase_.assign(doc_->view()->selection().begin(), doc_->view()->selection().end());
    else
        doc_->view()->setSelection({});
}

void NoteCanvas::mouseMoveEvent(QMouseEvent* e) {
    const Qt::KeyboardModifiers mods = e->modifiers();
    if (drag_ == Drag::None) {
        bool nearEnd = false;
        const Note* hit = hitNote(e->position(), &nearEnd);
        setCursor(hit ? (nearEnd ? Qt::SizeHorCursor : Qt::SizeAllCursor)
                      : (view_->tool() == RollTool::Draw ? Qt::CrossCursor : Qt::ArrowCursor));
        return;
    }
    if (drag_ == Drag::Rubber) {
        updateRubber(e->position().toPoint(), mods);
        return;
    }
    if (drag_ == Drag::Export) {
        if ((e->position() - pressPos_).manhattanLength() < QApplication::startDragDistance()) return;
        drag_ = Drag::None;
        if (QMimeData* mime = MidiTransfer::forSelection(*doc_)) {
            auto* drag = new QDrag(this);
            drag->setMimeData(mime);
            drag->exec(Qt::CopyAction);
        }
        return;
    }
    const Tick dtRaw = Tick(std::llround((e->position().x() - pressPos_.x()) / view_->pixelsPerTick()));
    std::vector<Note> after;
    after.reserve(original_.size());
    if (drag_ == Drag::Move) {
        Tick delta = snapped(anchor_.start + dtRaw, mods) - anchor_.start;
        int dp = view_->yToPitch(e->position().y()) - view_->yToPitch(pressPos_.y());
        Tick minStart = anchor_.start;
        int lo = 127, hi = 0;
        for (const Note& n : original_) {
            minStart = std::min(minStart, n.start);
            lo = std::min(lo, n.pitch);
            hi = std::max(hi, n.pitch);
        }
        delta = std::max(delta, -minStart);
        dp = std::clamp(dp, -lo, 127 - hi);
        for (const Note& n : original_) after.push_back(n.withStart(n.start + delta).withPitch(n.pitch + dp));
        if (dp != 0 && previewPitch_ != anchor_.pitch + dp) {
            stopPreview();
            previewPitch_ = anchor_.pitch + dp;
            emit previewNote(previewPitch_, anchor_.velocity, true);
        }
    } else {
        const Tick minLen = (mods & Qt::AltModifier) ? Tick(10) : view_->grid().step();
        Tick newEnd = snapped(anchor_.end() + dtRaw, mods);
        if (drawing_) {
            // The end of a note being drawn follows the mouse to the end of its grid cell.
            const Tick t = view_->xToTick(e->position().x());
            const Tick step = view_->grid().step();
            newEnd = (mods & Qt::AltModifier) ? t : (t + step - 1) / step * step;
        }
        const Tick dl = std::max(newEnd, anchor_.start + minLen) - anchor_.end();
        for (const Note& n : original_) after.push_back(n.withLength(std::max(minLen, n.length + dl)));
    }
    std::vector<NoteId> ids;
    for (const Note& n : original_) ids.push_back(n.id);
    std::vector<Note> before = doc_->notesWithIds(ids);
    if (before == after || before.size() != after.size()) return;
    doc_->undoStack()->push(new EditNotesCommand(
        doc_, drag_ == Drag::Move ? tr("Move notes") : tr("Resize notes"), std::move(before),
        std::move(after), gesture_));
}

void NoteCanvas::updateRubber(QPoint pos, Qt::KeyboardModifiers) {
    rubber_ = QRect(pressPos_.toPoint(), pos).normalized();
    NoteIdSet sel(rubberBase_.begin(), rubberBase_.end());
    const Tick t0 = view_->xToTick(rubber_.left());
    const Tick t1 = view_->xToTick(rubber_.right());
    const int pHi = view_->yToPitch(rubber_.top());
    const int pLo = view_->yToPitch(rubber_.bottom());
    const auto& notes = doc_->notes();
    for (std::size_t i = doc_->lowerBound(t0 - doc_->maxNoteLength() - 1); i < notes.size(); ++i) {
        const Note& n = notes[i];
        if (n.start > t1) break;
        if (n.end() >= t0 && n.pitch >= pLo && n.pitch <= pHi && doc_->isTrackVisible(n.track)) sel.insert(n.id);
    }
    doc_->view()->setSelection(std::move(sel));
    update();
}

void NoteCanvas::stopPreview() {
    if (previewPitch_ >= 0) emit previewNote(previewPitch_, 0, false);
    previewPitch_ = -1;
}

void NoteCanvas::mouseReleaseEvent(QMouseEvent*) {
    stopPreview();
    drag_ = Drag::None;
    drawing_ = false;
    gesture_ = 0;
    rubber_ = QRect();
    original_.clear();
    update();
}

void NoteCanvas::leaveEvent(QEvent*) { unsetCursor(); }

} // namespace continuo::ui
