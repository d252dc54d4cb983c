#include "services/ContinueController.h"

#include "document/Document.h"
#include "document/TakeCommands.h"

#ifdef CONTINUO_HAVE_INFERENCE
#include "continuo/inference/Tokenizer.h"
#endif

#include <QLocale>
#include <QTimer>
#include <QRegularExpression>
#include <QUndoStack>

#include <algorithm>

namespace continuo::ui {

ContinueController::ContinueController(Document* doc, ContinuationService* service, QObject* parent)
    : QObject(parent), doc_(doc), service_(service), primeTimer_(new QTimer(this)) {
    connect(service_, &ContinuationService::noteGenerated, this, &ContinueController::onNote);
    connect(service_, &ContinuationService::progress, this, &ContinueController::onProgress);
    connect(service_, &ContinuationService::finished, this, &ContinueController::onFinished);
    connect(service_, &ContinuationService::timing, this, [this](quint64 request, const ContinuationTiming& t) {
        if (request == requestId_) emit timed(t);
    });
    // Prime once the sketch has been still for a moment: not on every note of a drag.
    primeTimer_->setSingleShot(true);
    primeTimer_->setInterval(300);
    connect(primeTimer_, &QTimer::timeout, this, &ContinueController::primeNow);
    for (auto signal : {&Document::notesChanged, &Document::tempoChanged, &Document::selectionChanged,
                        &Document::tracksChanged})
        connect(doc_, signal, this, &ContinueController::schedulePrime);
    connect(doc_, &Document::primerTakeChanged, this, &ContinueController::schedulePrime);
    connect(service_, &ContinuationService::modelLoaded, this, &ContinueController::schedulePrime);
    // Say how far back the model listens as soon as a model is there, not only after an edit.
    connect(service_, &ContinuationService::modelLoaded, this, &ContinueController::settingsChanged);
}

void ContinueController::setSettingsSource(std::function<ContinueSettings()> source) {
    settingsSource_ = std::move(source);
    schedulePrime();
}

void ContinueController::schedulePrime() {
    if (settingsSource_) primeTimer_->start();
}

void ContinueController::primeNow() {
    if (!settingsSource_ || !service_->isReady()) return;
    const ContinueSettings s = settingsSource_();
    const Primer primer = primerFor(s);
    double primerStart = 0;
    const ContinuationRequest req = requestFor(s, primer, &primerStart);
    const ListeningSpan span = listeningSpanFor(primer, req, primerStart);
    emit listeningChanged(describeListening(span));
    emit listeningSpanChanged(span);
    if (isRunning()) return; // the running request ends with its primer primed; edits re-arm
    service_->prime(req);
}

QString ContinueController::listeningFor(const ContinueSettings& s) const {
    return describeListening(listeningSpanFor(s));
}

QString ContinueController::describeListening(const ListeningSpan& span) const {
    if (!span.valid()) return {};
    const TempoMap& tempo = doc_->tempo();
    const QLocale locale;
    const double end = tempo.secondsAt(span.from);
    auto seconds = [&](Tick from) {
        const double secs = end - tempo.secondsAt(from);
        return secs >= 10 ? QString::number(secs, 'f', 0) : QString::number(secs, 'f', 1);
    };
    const Tick primerStart = span.primerStart;
    const bool fits = std::all_of(span.layerStarts.begin(), span.layerStarts.end(), [&](Tick t) { return t <= primerStart; });
    QString tail = fits ? tr(" All %1 s of the primer are within reach.").arg(seconds(primerStart)) : QString();
    if (span.recallEvents > 0 && span.recallStart <= primerStart)
        tail += tr(" Recall recognises a phrase that comes back from anywhere in the primer.");
    else if (span.recallEvents > 0)
        tail += tr(" Recall recognises phrases that come back from the last %1 events (%2 s).")
                    .arg(locale.toString(span.recallEvents), seconds(span.recallStart));
    if (span.memoryless && fits)
        return tr("Hears all %1 events of the primer (%2 s). This model keeps no memory: it listens to a sliding window of "
                  "%3-%4 events.")
            .arg(locale.toString(span.layerEvents.front()), seconds(primerStart), locale.toString(span.window / 2),
                 locale.toString(span.window - 1));
    if (span.memoryless) {
        return tr("Listens to the last %1 events (%2 s here): a sliding window of %3-%4 events; this model keeps no memory.")
                   .arg(locale.toString(span.layerEvents.front()), seconds(span.layerStarts.front()),
                        locale.toString(span.window / 2), locale.toString(span.window - 1)) +
               tail;
    }
    // Group consecutive layers that reach equally far.
    QStringList parts;
    const int layers = int(span.layerStarts.size());
    for (int l = 0; l < layers;) {
        int e = l;
        while (e + 1 < layers && span.layerEvents[std::size_t(e + 1)] == span.layerEvents[std::size_t(l)]) ++e;
        const QString which = l == e ? tr("layer %1").arg(l + 1) : tr("layers %1-%2").arg(l + 1).arg(e + 1);
        parts << tr("%1 events (%2 s) in %3").arg(locale.toString(span.layerEvents[std::size_t(l)]),
                                                   seconds(span.layerStarts[std::size_t(l)]), which);
        l = e + 1;
    }
    return tr("Listens back %1.").arg(parts.join(tr(", "))) + tail;
}

void ContinueController::settingsChanged() {
    if (settingsSource_) announceListening(settingsSource_());
}

void ContinueController::announceListening(const ContinueSettings& s) {
    const Primer primer = primerFor(s);
    double primerStart = 0;
    const ListeningSpan span = listeningSpanFor(primer, requestFor(s, primer, &primerStart), primerStart);
    emit listeningChanged(describeListening(span));
    emit listeningSpanChanged(span);
}

ListeningSpan ContinueController::listeningSpanFor(const ContinueSettings& s) const {
    const Primer primer = primerFor(s);
    double primerStart = 0;
    const ContinuationRequest req = requestFor(s, primer, &primerStart);
    return listeningSpanFor(primer, req, primerStart);
}

ListeningSpan ContinueController::listeningSpanFor(const Primer& primer, const ContinuationRequest& req,
                                                   double primerStartSeconds) const {
    ListeningSpan span;
    const ModelDescription m = service_->model();
    if (!service_->isReady() || m.segment <= 0 || m.horizons.empty() || primer.end <= primer.start) return span;
#ifdef CONTINUO_HAVE_INFERENCE
    std::vector<tokens::TimedNote> notes;
    for (const GeneratedNote& n : req.primer) notes.push_back({n.start, n.end, n.pitch, n.velocity});
    std::vector<double> at;
    const std::vector<int> toks = tokens::primerTokens(notes, req.primerEndSeconds, &at);
    // The first token written sits at position n: it sees the segment it opens or continues
    // (from the last multiple of the segment length) and each layer's memory before that. A
    // model without memory decodes as the engine does: half a segment remembered, half new,
    // so its window slides between S/2 and S - 1 events.
    span.memoryless = std::all_of(m.horizons.begin(), m.horizons.end(), [](int h) { return h <= 0; });
    span.window = m.segment;
    std::vector<int> horizons = m.horizons;
    int segment = m.segment;
    if (span.memoryless && m.segment >= 2) {
        std::fill(horizons.begin(), horizons.end(), m.segment / 2);
        segment = m.segment - m.segment / 2;
    }
    const std::size_t n = toks.size(), S = std::size_t(segment), segmentStart = n - n % S;
    const TempoMap& tempo = doc_->tempo();
    auto tickOf = [&](std::size_t i) {
        if (i >= n) return primer.end;
        return std::clamp(tempo.tickAt(primerStartSeconds + at[i]), primer.start, primer.end);
    };
    span.from = primer.end;
    span.primerStart = primer.start;
    span.segmentStart = tickOf(segmentStart);
    for (int h : horizons) {
        const std::size_t first = segmentStart > std::size_t(std::max(0, h)) ? segmentStart - std::size_t(std::max(0, h)) : 0;
        span.layerStarts.push_back(tickOf(first));
        span.layerEvents.push_back(int(n - first));
    }
    // Recall keeps an entry for each event read, the newest `recallCapacity` of them.
    if (req.sampling.recall > 0 && m.recallCapacity > 0) {
        span.recallEvents = int(std::min(n, std::size_t(m.recallCapacity)));
        span.recallStart = tickOf(n - std::size_t(span.recallEvents));
    }
#else
    Q_UNUSED(req);
    Q_UNUSED(primerStartSeconds);
#endif
    return span;
}

ContinuationRequest ContinueController::requestFor(const ContinueSettings& s, const Primer& primer,
                                                   double* primerStartSeconds) const {
    const TempoMap& tempo = doc_->tempo();
    const double startSeconds = tempo.secondsAt(primer.start);
    ContinuationRequest req;
    for (const Note& n : primer.notes)
        req.primer.push_back({tempo.secondsAt(n.start) - startSeconds, tempo.secondsAt(n.end()) - startSeconds, n.pitch,
                              n.velocity});
    req.primerEndSeconds = tempo.secondsAt(primer.end) - startSeconds;
    req.sampling = s.sampling;
    if (primerStartSeconds) *primerStartSeconds = startSeconds;
    return req;
}

ContinueController::Primer ContinueController::primerFor(const ContinueSettings& s) const {
    Primer p;
    switch (s.source) {
    case PrimerSource::Sketch:
        p.notes = doc_->notes();
        p.source = tr("whole sketch");
        break;
    case PrimerSource::Selection:
        p.notes = doc_->selectedNotes();
        p.source = tr("selection");
        if (p.notes.empty()) {
            p.notes = doc_->notes();
            p.source = tr("whole sketch");
        }
        break;
    case PrimerSource::UpToPlayhead:
        for (const Note& n : doc_->notes()) {
            if (n.start >= s.playhead) break;
            p.notes.push_back(n.withLength(std::min(n.length, s.playhead - n.start)));
        }
        p.source = tr("up to the playhead");
        break;
    }
    // Tracks left out of the primer (the track list's Primer column).
    if (std::any_of(doc_->tracks().begin(), doc_->tracks().end(), [](const TrackInfo& t) { return !t.inPrimer; }))
        std::erase_if(p.notes, [this](const Note& n) { return !doc_->isTrackInPrimer(n.track); });
    if (const Take* t = doc_->take(doc_->primerTake())) {
        p.notes.insert(p.notes.end(), t->notes.begin(), t->notes.end());
        p.source += tr(" + take \"%1\"").arg(t->name);
    }
    std::sort(p.notes.begin(), p.notes.end(), noteLess);
    if (!p.notes.empty()) {
        // Start the primer on the bar line before its first note: the model hears the upbeat.
        const Tick bar = doc_->ticksPerBar();
        p.start = p.notes.front().start / bar * bar;
        for (const Note& n : p.notes) p.end = std::max(p.end, n.end());
    }
    if (s.source == PrimerSource::UpToPlayhead) p.end = std::max(p.end, s.playhead);
    return p;
}

bool ContinueController::start(const ContinueSettings& s) {
    if (isRunning()) {
        emit failed(tr("A Continue is already running."));
        return false;
    }
    if (!service_->isReady()) {
        emit failed(tr("No model is loaded. Choose one with Generate ▸ Choose Model…"));
        return false;
    }
    if (const std::string problems = s.sampling.validationMessage(); !problems.empty()) {
        emit failed(tr("Continue cannot run: %1.").arg(QString::fromStdString(problems)));
        return false;
    }
    sinceStart_.start();
    firstNoteMs_ = -1;
    primeTimer_->stop();
    const Primer primer = primerFor(s);
    ContinuationRequest req = requestFor(s, primer, &primerStartSeconds_);
    req.id = ++counter_;
    req.sampling.seed = req.sampling.seed.resolve();
    lastSeed_ = req.sampling.seed.value();

    const ModelDescription model = service_->model();
    int number = doc_->nextTakeNumber(QStringLiteral("Take"));
    live_.clear();
    for (int v = 0; v < req.sampling.variations; ++v) {
        Take t;
        t.id = doc_->allocateTakeId();
        t.name = tr("Take %1").arg(number++);
        t.generating = true;
        TakeProvenance& p = t.provenance;
        p.primerStart = primer.start;
        p.primerEnd = primer.end;
        p.primerSource = primer.source;
        p.parentTake = doc_->take(doc_->primerTake()) ? doc_->primerTake() : 0;
        p.modelName = model.name;
        p.modelHash = model.sha256;
        p.device = model.device;
        p.sampling = req.sampling;
        p.variation = v;
        p.created = QDateTime::currentDateTime();
        doc_->insertTake(int(doc_->takes().size()), t);
        live_.push_back(t.id);
    }
    doc_->setCurrentTake(live_.front());
    requestId_ = req.id;
    emit runningChanged(true);
    emit started(lastSeed_, req.sampling.variations);
    service_->start(req);
    return true;
}

void ContinueController::cancel() {
    if (isRunning()) service_->cancel();
}

void ContinueController::onNote(quint64 request, int variation, const GeneratedNote& g) {
    if (request != requestId_ || variation < 0 || variation >= int(live_.size())) return;
    if (firstNoteMs_ < 0) {
        firstNoteMs_ = double(sinceStart_.nsecsElapsed()) / 1e6;
        emit firstNote(firstNoteMs_);
    }
    const TempoMap& tempo = doc_->tempo();
    Note n;
    n.pitch = std::clamp(g.pitch, 0, 127);
    n.velocity = std::clamp(g.velocity, 1, 127);
    n.start = tempo.tickAt(primerStartSeconds_ + g.start);
    n.length = std::max<Tick>(1, tempo.tickAt(primerStartSeconds_ + g.end) - n.start);
    doc_->appendTakeNotes(live_[std::size_t(variation)], {n});
}

void ContinueController::onProgress(quint64 request, const ContinuationProgress& p) {
    if (request != requestId_) return;
    emit progressed(p.fraction, p.tokensPerSecond, p.tokens);
}

void ContinueController::onFinished(quint64 request, bool cancelled, const QString& error, double rate) {
    if (request != requestId_) return;
    requestId_ = 0;
    std::vector<Take> done;
    const TakeId current = doc_->currentTake();
    for (TakeId id : live_) {
        Take t = doc_->removeTake(id);
        t.generating = false;
        if (t.id == 0 || !error.isEmpty()) continue;
        // A stopped Continue keeps what was written: the first bars are often the good ones.
        if (cancelled) {
            if (t.notes.empty()) continue;
            t.provenance.stopped = true;
            t.name += tr(" (stopped)");
        }
        done.push_back(std::move(t));
    }
    live_.clear();
    if (!done.empty()) {
        doc_->undoStack()->push(new AddTakesCommand(doc_, done));
        doc_->setCurrentTake(doc_->take(current) ? current : done.front().id);
    }
    emit runningChanged(false);
    if (!error.isEmpty()) emit finished(false, tr("Continue failed: %1").arg(error));
    else if (cancelled)
        emit finished(false, done.empty() ? tr("Continue cancelled before any notes were written.")
                                          : tr("Continue stopped: kept %n partial take(s).", nullptr, int(done.size())));
    else
        emit finished(true, tr("%n take(s) written (%1 tokens/s).", nullptr, int(done.size()))
                                .arg(rate, 0, 'f', 0));
}

} // namespace continuo::ui
