#include "services/GenerationController.h"

#include "document/Document.h"
#include "document/TakeCommands.h"

#include <QUndoStack>

#include <algorithm>

namespace continuo::ui {

namespace {
QString kindName(GenerationKind kind) {
    return kind == GenerationKind::FillGap ? GenerationController::tr("Fill Gap") : GenerationController::tr("Continue");
}
} // namespace

GenerationController::GenerationController(Document* doc, ContinuationService* service, QObject* parent)
    : QObject(parent), doc_(doc), service_(service) {
    qRegisterMetaType<GenerationKind>();
    connect(service_, &ContinuationService::noteGenerated, this, &GenerationController::onNote);
    connect(service_, &ContinuationService::progress, this, [this](quint64 request, const ContinuationProgress& p) {
        if (request == requestId_ && request != 0) emit progressed(request_.kind, p.fraction, p.tokensPerSecond, p.tokens);
    });
    connect(service_, &ContinuationService::timing, this, [this](quint64 request, const ContinuationTiming& t) {
        if (request == requestId_ && request != 0) emit timed(t);
    });
    connect(service_, &ContinuationService::finished, this, &GenerationController::onFinished);
}

bool GenerationController::start(GenerationRequest request, const TakeOrigin& origin) {
    const GenerationKind kind = request.kind;
    if (isBusy()) {
        emit failed(kind, tr("The model is still writing: wait for it or press Cancel."));
        return false;
    }
    if (!service_->isReady()) {
        emit failed(kind, tr("No model is loaded. Choose one with Generate ▸ Choose Model…"));
        return false;
    }
    if (const std::string problems = request.sampling.validationMessage(); !problems.empty()) {
        emit failed(kind, tr("%1 cannot run: %2.").arg(kindName(kind), QString::fromStdString(problems)));
        return false;
    }
    request.id = ++counter_;
    request.sampling.seed = request.sampling.seed.resolve();
    request_ = request;
    origin_ = origin;
    cancelled_ = false;
    sinceStart_.start();
    firstNoteMs_ = -1;
    live_.clear();
    liveHeard_ = false;
    liveCut_ = -1;
    resultWaiting_ = false;
    if (kind == GenerationKind::Continue) {
        // The takes stream in as they are written: shown now, on the undo stack when done.
        const QString prefix = origin.live ? QStringLiteral("Answer") : QStringLiteral("Take");
        int number = doc_->nextTakeNumber(prefix);
        for (int v = 0; v < request.sampling.variations; ++v) {
            Take t;
            t.id = doc_->allocateTakeId();
            t.name = origin.live ? tr("Answer %1").arg(number++) : tr("Take %1").arg(number++);
            t.generating = true;
            t.provenance = provenance(v);
            doc_->insertTake(int(doc_->takes().size()), t);
            live_.push_back(t.id);
        }
        // An answer is heard through its live part: auditioning it too would play it twice.
        if (!origin.live) doc_->view()->setCurrentTake(live_.front());
    }
    requestId_ = request.id;
    emit runningChanged(kind, true);
    emit started(kind, lastSeed(), request.sampling.variations);
    service_->start(request);
    return true;
}

void GenerationController::cancel() {
    if (!isRunning()) return;
    cancelled_ = true;
    service_->cancel();
    if (origin_.live && !liveHeard_) finishLive(-1);
}

void GenerationController::finishLive(Tick cut) {
    if (!isRunning() || !origin_.live || liveHeard_) return;
    liveHeard_ = true;
    liveCut_ = cut;
    if (resultWaiting_) {
        resultWaiting_ = false;
        complete(waiting_);
    } else if (cut >= 0) {
        service_->cancel(); // nothing after the cut will be heard: stop writing it
    }
}

TakeProvenance GenerationController::provenance(int variation) const {
    const ModelDescription model = service_->model();
    TakeProvenance p;
    p.primerStart = origin_.primerStart;
    p.primerEnd = origin_.primerEnd;
    p.primerSource = origin_.primerSource;
    p.parentTake = origin_.parentTake;
    p.modelName = model.name;
    p.modelHash = model.sha256;
    p.device = model.device;
    p.sampling = request_.sampling;
    p.variation = variation;
    p.created = QDateTime::currentDateTime();
    if (request_.kind == GenerationKind::FillGap) {
        p.infill = true;
        p.gapStart = origin_.primerEnd;
        p.gapEnd = origin_.gapEnd;
    }
    return p;
}

Note GenerationController::toNote(const GeneratedNote& g) const {
    const TempoMap& tempo = doc_->tempo();
    Note n;
    n.pitch = std::clamp(g.pitch, 0, 127);
    n.velocity = std::clamp(g.velocity, 1, 127);
    n.start = tempo.tickAt(origin_.originSeconds + g.start);
    n.length = std::max<Tick>(1, tempo.tickAt(origin_.originSeconds + g.end) - n.start);
    return n;
}

void GenerationController::onNote(quint64 request, int variation, const GeneratedNote& g) {
    if (request != requestId_ || request == 0 || variation < 0 || variation >= int(live_.size())) return;
    if (firstNoteMs_ < 0) {
        firstNoteMs_ = double(sinceStart_.nsecsElapsed()) / 1e6;
        emit firstNote(firstNoteMs_);
    }
    doc_->appendTakeNotes(live_[std::size_t(variation)], {toNote(g)});
}

std::vector<Take> GenerationController::finishContinue(const GenerationResult& result) {
    std::vector<Take> done;
    for (TakeId id : live_) {
        Take t = doc_->removeTake(id);
        t.generating = false;
        if (t.id == 0 || !result.error.isEmpty()) continue;
        // Only steered takes carry a report (as their file does).
        if (const auto v = std::size_t(t.provenance.variation); v < result.steering.size() && request_.sampling.steering.any())
            t.provenance.steeringReport = result.steering[v];
        // A stopped answer keeps what was heard: the notes struck before the cut, ended there.
        if (origin_.live && liveCut_ >= 0) {
            std::erase_if(t.notes, [this](const Note& n) { return n.start >= liveCut_; });
            for (Note& n : t.notes) n.length = std::max<Tick>(1, std::min(n.end(), liveCut_) - n.start);
            if (t.notes.empty()) continue;
            t.provenance.stopped = true;
            t.name += tr(" (stopped)");
        } else if (result.cancelled) {
            // A stopped Continue keeps what was written: the first bars are often the good ones.
            if (t.notes.empty()) continue;
            t.provenance.stopped = true;
            t.name += tr(" (stopped)");
        }
        done.push_back(std::move(t));
    }
    live_.clear();
    return done;
}

std::vector<Take> GenerationController::finishFill(const GenerationResult& result) {
    std::vector<Take> takes;
    if (!result.error.isEmpty() || result.cancelled) return takes;
    int number = doc_->nextTakeNumber(QStringLiteral("Fill"));
    for (const InfillCandidateResult& c : result.candidates) { // best first
        Take t;
        t.id = doc_->allocateTakeId();
        t.name = tr("Fill %1").arg(number++);
        for (const GeneratedNote& g : c.notes) {
            Note n = toNote(g);
            n.id = doc_->allocateNoteId();
            // Onsets stay inside the gap after the conversion to ticks.
            n.start = std::clamp(n.start, origin_.primerEnd, origin_.gapEnd - 1);
            n.length = std::max<Tick>(1, doc_->tempo().tickAt(origin_.originSeconds + g.end) - n.start);
            t.notes.push_back(n);
        }
        std::sort(t.notes.begin(), t.notes.end(), noteLess);
        t.provenance = provenance(c.index);
        t.provenance.score = c.score;
        t.provenance.originalScore = result.originalScore;
        t.provenance.scoredTokens = c.scoredTokens;
        if (request_.sampling.steering.any()) t.provenance.steeringReport = c.steering;
        takes.push_back(std::move(t));
    }
    return takes;
}

QString GenerationController::describe(const GenerationResult& result, std::size_t takes) const {
    const int n = int(takes);
    if (request_.kind == GenerationKind::Continue) {
        if (!result.error.isEmpty()) return tr("Continue failed: %1").arg(result.error);
        if (result.cancelled)
            return n == 0 ? tr("Continue cancelled before any notes were written.")
                          : tr("Continue stopped: kept %n partial take(s).", nullptr, n);
        return tr("%n take(s) written (%1 tokens/s).", nullptr, n).arg(result.tokensPerSecond, 0, 'f', 0);
    }
    const double seconds = request_.gap.end - request_.primerEndSeconds;
    if (!result.error.isEmpty()) return tr("Fill Gap failed: %1").arg(result.error);
    if (result.cancelled) return tr("Fill Gap cancelled.");
    if (n == 0) return tr("Fill Gap wrote no candidates.");
    const bool unranked = n > 1 && std::all_of(result.candidates.begin(), result.candidates.end(),
                                               [](const InfillCandidateResult& c) { return c.scoredTokens == 0; });
    if (unranked)
        return tr("%3 fills written for %1 s of music, unranked: no music follows the gap to rank them by (%2 s).")
            .arg(seconds, 0, 'f', 1)
            .arg(result.seconds, 0, 'f', 1)
            .arg(n);
    return (n == 1 ? tr("1 fill written for %1 s of music (%2 s).")
                   : tr("%3 fills written for %1 s of music, best first (%2 s)."))
        .arg(seconds, 0, 'f', 1)
        .arg(result.seconds, 0, 'f', 1)
        .arg(n);
}

void GenerationController::onFinished(quint64 request, const GenerationResult& answer) {
    if (request != requestId_ || request == 0) return;
    if (origin_.live && !liveHeard_ && answer.error.isEmpty()) {
        // Still sounding: the take is kept once it has been heard, or cut.
        waiting_ = answer;
        resultWaiting_ = true;
        return;
    }
    complete(answer);
}

void GenerationController::complete(const GenerationResult& answer) {
    requestId_ = 0;
    GenerationResult result = answer;
    const GenerationKind kind = request_.kind;
    // A cancelled fill drops whatever the worker answers: the piece may be replaced next.
    if (kind == GenerationKind::FillGap) result.cancelled = result.cancelled || cancelled_;
    cancelled_ = false;
    const TakeId current = doc_->view()->currentTake();
    std::vector<Take> takes = kind == GenerationKind::Continue ? finishContinue(result) : finishFill(result);
    if (!takes.empty()) {
        const TakeId first = takes.front().id;
        doc_->undoStack()->push(new AddTakesCommand(doc_, takes));
        // A Continue stays on the take heard while it was written; a fill auditions the best.
        // An answer was heard already: what is auditioned stays.
        if (!origin_.live)
            doc_->view()->setCurrentTake(kind == GenerationKind::Continue && doc_->take(current) ? current : first);
    }
    emit runningChanged(kind, false);
    const bool ok = result.error.isEmpty() && !result.cancelled && !takes.empty();
    emit finished(kind, ok, describe(result, takes.size()));
}

GenerationKindController::GenerationKindController(GenerationKind kind, GenerationController* generation,
                                                   QObject* parent)
    : QObject(parent), generation_(generation), kind_(kind) {
    connect(generation_, &GenerationController::started, this, [this](GenerationKind k, quint64 seed, int n) {
        if (k == kind_) emit started(seed, n);
    });
    connect(generation_, &GenerationController::progressed, this,
            [this](GenerationKind k, double fraction, double rate, int tokens) {
                if (k == kind_) emit progressed(fraction, rate, tokens);
            });
    connect(generation_, &GenerationController::finished, this, [this](GenerationKind k, bool ok, const QString& m) {
        if (k == kind_) emit finished(ok, m);
    });
    connect(generation_, &GenerationController::failed, this, [this](GenerationKind k, const QString& m) {
        if (k == kind_) emit failed(m);
    });
    connect(generation_, &GenerationController::runningChanged, this, [this](GenerationKind k, bool running) {
        if (k == kind_) emit runningChanged(running);
    });
}

void GenerationKindController::cancel() {
    if (isRunning()) generation_->cancel();
}

} // namespace continuo::ui
