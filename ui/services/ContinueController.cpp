#include "services/ContinueController.h"

#include "document/Document.h"


#include <QLocale>
#include <QTimer>
#include <QRegularExpression>

#include <algorithm>

namespace continuo::ui {

ContinueController::ContinueController(Document* doc, GenerationController* generation, QObject* parent)
    : GenerationKindController(GenerationKind::Continue, generation, parent), doc_(doc),
      service_(generation->service()), primeTimer_(new QTimer(this)) {
    connect(generation_, &GenerationController::firstNote, this, &ContinueController::firstNote);
    connect(generation_, &GenerationController::timed, this, &ContinueController::timed);
    // Prime once the sketch has been still for a moment: not on every note of a drag.
    primeTimer_->setSingleShot(true);
    primeTimer_->setInterval(300);
    connect(primeTimer_, &QTimer::timeout, this, &ContinueController::primeNow);
    for (auto signal : {&Document::notesChanged, &Document::tempoChanged, &Document::tracksChanged})
        connect(doc_, signal, this, &ContinueController::schedulePrime);
    connect(doc_->view(), &ViewState::selectionChanged, this, &ContinueController::schedulePrime);
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

void ContinueController::setPrimingPaused(bool paused) {
    primingPaused_ = paused;
    if (paused) primeTimer_->stop();
    else schedulePrime();
}

void ContinueController::primeNow() {
    if (primingPaused_ || !settingsSource_ || !service_->isReady()) return;
    const ContinueSettings s = settingsSource_();
    const Primer primer = primerFor(s);
    double primerStart = 0;
    const GenerationRequest req = requestFor(s, primer, &primerStart);
    const ListeningSpan span = listeningSpanFor(primer, req, primerStart);
    emit listeningChanged(describeListening(span));
    emit listeningSpanChanged(span);
    if (generation_->isRunning()) return; // the running request ends with its primer primed; edits re-arm
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
    const GenerationRequest req = requestFor(s, primer, &primerStart);
    return listeningSpanFor(primer, req, primerStart);
}

ListeningSpan ContinueController::listeningSpanFor(const Primer& primer, const GenerationRequest& req,
                                                   double primerStartSeconds) const {
    ListeningSpan span;
    if (!service_->isReady() || primer.end <= primer.start) return span;
    const ListeningPlan plan = service_->listeningPlan(req);
    if (plan.layerStartSeconds.empty()) return span;
    const TempoMap& tempo = doc_->tempo();
    auto tickOf = [&](double seconds) {
        if (seconds >= req.primerEndSeconds) return primer.end; // past the primer's last event
        return std::clamp(tempo.tickAt(primerStartSeconds + seconds), primer.start, primer.end);
    };
    span.memoryless = plan.memoryless;
    span.window = plan.window;
    span.from = primer.end;
    span.primerStart = primer.start;
    span.segmentStart = tickOf(plan.segmentStartSeconds);
    for (double s : plan.layerStartSeconds) span.layerStarts.push_back(tickOf(s));
    span.layerEvents = plan.layerEvents;
    span.recallEvents = plan.recallEvents;
    if (plan.recallEvents > 0) span.recallStart = tickOf(plan.recallStartSeconds);
    return span;
}

GenerationRequest ContinueController::requestFor(const ContinueSettings& s, const Primer& primer,
                                                 double* primerStartSeconds) const {
    const TempoMap& tempo = doc_->tempo();
    const double startSeconds = tempo.secondsAt(primer.start);
    GenerationRequest req;
    req.kind = GenerationKind::Continue;
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
        p.notes = doc_->view()->selectedNotes();
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
    primeTimer_->stop();
    const Primer primer = primerFor(s);
    TakeOrigin origin;
    origin.primerStart = primer.start;
    origin.primerEnd = primer.end;
    origin.primerSource = primer.source;
    origin.parentTake = doc_->take(doc_->primerTake()) ? doc_->primerTake() : 0;
    const GenerationRequest request = requestFor(s, primer, &origin.originSeconds);
    return generation_->start(request, origin);
}

} // namespace continuo::ui
