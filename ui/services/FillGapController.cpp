#include "services/FillGapController.h"

#include "document/Document.h"
#include "document/TakeCommands.h"

#include <QRegularExpression>

#include <algorithm>
#include <cmath>

namespace continuo::ui {

FillGapController::FillGapController(Document* doc, GenerationController* generation, QObject* parent)
    : GenerationKindController(GenerationKind::FillGap, generation, parent), doc_(doc) {}

FillGapController::Gap FillGapController::currentGap() const {
    Gap g;
    const std::vector<Note> selected = doc_->view()->selectedNotes();
    if (!selected.empty()) {
        g.start = selected.front().start; // sorted by onset
        for (const Note& n : selected) g.end = std::max(g.end, n.end());
        g.source = tr("selection");
        return g;
    }
    g.start = doc_->view()->loopStart();
    g.end = doc_->view()->loopEnd();
    g.source = tr("loop region");
    return g;
}

QString FillGapController::describe(const Gap& gap) const {
    if (!gap.isValid()) return tr("No gap: select notes, or drag a loop region on the ruler.");
    auto where = [this](Tick t) {
        // To the nearest tenth of a beat first, so that an end just short of a bar line reads
        // as the next bar's first beat.
        const Tick tenth = std::max<Tick>(1, doc_->barAt(t).beat / 10);
        t = (t + tenth / 2) / tenth * tenth;
        const Document::Bar b = doc_->barAt(t);
        const double beat = 1.0 + double(t - b.start) / double(std::max<Tick>(1, b.beat));
        const bool whole = std::abs(beat - std::round(beat)) < 0.01;
        return tr("bar %1 beat %2").arg(b.index + 1).arg(whole ? QString::number(std::lround(beat))
                                                               : QString::number(beat, 'f', 1));
    };
    const TempoMap& tempo = doc_->tempo();
    const double seconds = tempo.secondsAt(gap.end) - tempo.secondsAt(gap.start);
    const int held = int(notesInGap(*doc_, gap.start, gap.end).size());
    const QString notes = held == 0 ? tr("empty now") : held == 1 ? tr("holds 1 note") : tr("holds %1 notes").arg(held);
    return tr("%1 to %2 · %3 s · %4 · from the %5")
        .arg(where(gap.start), where(gap.end))
        .arg(seconds, 0, 'f', 1)
        .arg(notes, gap.source);
}

bool FillGapController::start(const FillGapSettings& settings) { return start(settings, currentGap()); }

bool FillGapController::start(const FillGapSettings& s, const Gap& gap) {
    if (!gap.isValid()) {
        emit failed(tr("Fill Gap needs a time range: select the notes to replace, or drag a loop region on the ruler."));
        return false;
    }
    const TempoMap& tempo = doc_->tempo();
    auto seconds = [&](const Note& n) {
        return GeneratedNote{tempo.secondsAt(n.start), tempo.secondsAt(n.end()), n.pitch, n.velocity};
    };
    GenerationRequest req;
    req.kind = GenerationKind::FillGap;
    // The model hears the tracks that Continue hears; times are seconds from the piece's start.
    Tick firstBefore = -1;
    for (const Note& n : doc_->notes()) {
        if (!doc_->isTrackInPrimer(n.track)) continue;
        if (n.start < gap.start) {
            if (firstBefore < 0) firstBefore = n.start;
            req.primer.push_back(seconds(n));
        } else if (n.start >= gap.end) {
            req.gap.after.push_back(seconds(n));
        } else {
            req.gap.original.push_back(seconds(n));
        }
    }
    req.primerEndSeconds = tempo.secondsAt(gap.start);
    req.gap.end = tempo.secondsAt(gap.end);
    req.gap.scoreSeconds = std::clamp(s.scoreSeconds, 1.0, 60.0);
    req.sampling = s.sampling;
    req.sampling.lengthSeconds = std::max(1e-3, req.gap.end - req.primerEndSeconds);
    TakeOrigin origin;
    // As for a Continue: the primer starts on the bar line before its first note.
    const Tick bar = doc_->ticksPerBar();
    origin.primerStart = firstBefore < 0 ? gap.start : firstBefore / bar * bar;
    origin.primerEnd = gap.start;
    origin.primerSource = tr("before the gap (%1)").arg(gap.source);
    origin.gapEnd = gap.end;
    return generation_->start(req, origin);
}

} // namespace continuo::ui
