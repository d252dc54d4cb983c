#include "services/FillGapController.h"

#include "document/Document.h"
#include "document/TakeCommands.h"

#include <QRegularExpression>
#include <QUndoStack>

#include <algorithm>
#include <cmath>

namespace continuo::ui {

namespace {
/// Fill Gap's request ids live apart from Continue's (both controllers listen to one service).
constexpr quint64 kIdBase = quint64(1) << 62;
} // namespace

FillGapController::FillGapController(Document* doc, ContinuationService* service, QObject* parent)
    : QObject(parent), doc_(doc), service_(service) {
    connect(service_, &ContinuationService::progress, this, &FillGapController::onProgress);
    connect(service_, &ContinuationService::infillFinished, this, &FillGapController::onFinished);
}

FillGapController::Gap FillGapController::currentGap() const {
    Gap g;
    const std::vector<Note> selected = doc_->selectedNotes();
    if (!selected.empty()) {
        g.start = selected.front().start; // sorted by onset
        for (const Note& n : selected) g.end = std::max(g.end, n.end());
        g.source = tr("selection");
        return g;
    }
    g.start = doc_->loopStart();
    g.end = doc_->loopEnd();
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
    if (isRunning() || service_->isBusy()) {
        emit failed(tr("The model is still writing: wait for it or press Cancel."));
        return false;
    }
    if (!service_->isReady()) {
        emit failed(tr("No model is loaded. Choose one with Generate ▸ Choose Model…"));
        return false;
    }
    if (!gap.isValid()) {
        emit failed(tr("Fill Gap needs a time range: select the notes to replace, or drag a loop region on the ruler."));
        return false;
    }
    SamplingSettings sampling = s.sampling;
    sampling.lengthSeconds = std::max(1e-3, doc_->tempo().secondsAt(gap.end) - doc_->tempo().secondsAt(gap.start));
    if (const std::string problems = sampling.validationMessage(); !problems.empty()) {
        emit failed(tr("Fill Gap cannot run: %1.").arg(QString::fromStdString(problems)));
        return false;
    }
    const TempoMap& tempo = doc_->tempo();
    auto seconds = [&](const Note& n) {
        return GeneratedNote{tempo.secondsAt(n.start), tempo.secondsAt(n.end()), n.pitch, n.velocity};
    };
    InfillRequest req;
    req.id = kIdBase + ++counter_;
    // The model hears the tracks that Continue hears; times are seconds from the piece's start.
    Tick firstBefore = -1;
    for (const Note& n : doc_->notes()) {
        if (!doc_->isTrackInPrimer(n.track)) continue;
        if (n.start < gap.start) {
            if (firstBefore < 0) firstBefore = n.start;
            req.before.push_back(seconds(n));
        } else if (n.start >= gap.end) {
            req.after.push_back(seconds(n));
        } else {
            req.original.push_back(seconds(n));
        }
    }
    req.gapStart = tempo.secondsAt(gap.start);
    req.gapEnd = tempo.secondsAt(gap.end);
    req.scoreSeconds = std::clamp(s.scoreSeconds, 1.0, 60.0);
    req.sampling = sampling;
    req.sampling.seed = sampling.seed.resolve();
    lastSeed_ = req.sampling.seed.value();
    request_ = req;
    gap_ = gap;
    settings_ = s;
    // As for a Continue: the primer starts on the bar line before its first note.
    const Tick bar = doc_->ticksPerBar();
    primerStart_ = firstBefore < 0 ? gap.start : firstBefore / bar * bar;
    requestId_ = req.id;
    emit runningChanged(true);
    emit started(lastSeed_, req.sampling.variations);
    service_->startInfill(req);
    return true;
}

void FillGapController::cancel() {
    if (!isRunning()) return;
    // Whatever the worker answers now is dropped: the piece may be replaced next (New, Open).
    cancelled_ = true;
    service_->cancel();
}

void FillGapController::onProgress(quint64 request, const ContinuationProgress& p) {
    if (request != requestId_ || request == 0) return;
    emit progressed(p.fraction, p.tokensPerSecond, p.tokens);
}

void FillGapController::onFinished(quint64 request, const InfillResult& result, bool cancelled, const QString& error) {
    if (request != requestId_ || request == 0) return;
    requestId_ = 0;
    cancelled = cancelled || cancelled_;
    cancelled_ = false;
    std::vector<Take> takes;
    if (error.isEmpty() && !cancelled) {
        const TempoMap& tempo = doc_->tempo();
        const ModelDescription model = service_->model();
        const QDateTime now = QDateTime::currentDateTime();
        int number = doc_->nextTakeNumber(QStringLiteral("Fill"));
        for (const InfillCandidateResult& c : result.candidates) { // best first
            Take t;
            t.id = doc_->allocateTakeId();
            t.name = tr("Fill %1").arg(number++);
            for (const GeneratedNote& g : c.notes) {
                Note n;
                n.id = doc_->allocateNoteId();
                n.pitch = std::clamp(g.pitch, 0, 127);
                n.velocity = std::clamp(g.velocity, 1, 127);
                // Onsets stay inside the gap after the conversion to ticks.
                n.start = std::clamp(tempo.tickAt(g.start), gap_.start, gap_.end - 1);
                n.length = std::max<Tick>(1, tempo.tickAt(g.end) - n.start);
                t.notes.push_back(n);
            }
            std::sort(t.notes.begin(), t.notes.end(), noteLess);
            TakeProvenance& p = t.provenance;
            p.primerStart = primerStart_;
            p.primerEnd = gap_.start;
            p.primerSource = tr("before the gap (%1)").arg(gap_.source);
            p.modelName = model.name;
            p.modelHash = model.sha256;
            p.device = model.device;
            p.sampling = request_.sampling;
            p.variation = c.index;
            p.created = now;
            p.infill = true;
            p.gapStart = gap_.start;
            p.gapEnd = gap_.end;
            p.score = c.score;
            p.originalScore = result.originalScore;
            p.scoredTokens = c.scoredTokens;
            takes.push_back(std::move(t));
        }
    }
    if (!takes.empty()) {
        const TakeId best = takes.front().id;
        doc_->undoStack()->push(new AddTakesCommand(doc_, takes));
        doc_->setCurrentTake(best); // audition the best-ranked fill at once
    }
    emit runningChanged(false);
    if (!error.isEmpty()) emit finished(false, tr("Fill Gap failed: %1").arg(error));
    else if (cancelled) emit finished(false, tr("Fill Gap cancelled."));
    else if (takes.empty()) emit finished(false, tr("Fill Gap wrote no candidates."));
    else if (takes.size() > 1 && std::all_of(result.candidates.begin(), result.candidates.end(),
                                             [](const InfillCandidateResult& c) { return c.scoredTokens == 0; }))
        emit finished(true, tr("%3 fills written for %1 s of music, unranked: no music follows the gap to rank "
                               "them by (%2 s).")
                                .arg(request_.gapEnd - request_.gapStart, 0, 'f', 1)
                                .arg(result.seconds, 0, 'f', 1)
                                .arg(takes.size()));
    else
        emit finished(true, (takes.size() == 1 ? tr("1 fill written for %1 s of music (%2 s).")
                                               : tr("%3 fills written for %1 s of music, best first (%2 s)."))
                                .arg(request_.gapEnd - request_.gapStart, 0, 'f', 1)
                                .arg(result.seconds, 0, 'f', 1)
                                .arg(takes.size()));
}

} // namespace continuo::ui
