#include "services/JamController.h"

#include "document/Document.h"
#include "playback/PlaybackController.h"
#include "services/GenerationController.h"

#include <QLoggingCategory>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <cmath>

#ifdef CONTINUO_HAVE_AUDIO
#include "continuo/audio/Transport.h"
#endif

namespace continuo::ui {

// What the jam heard and did, for a musician's bug report: QT_LOGGING_RULES="continuo.jam=true".
Q_LOGGING_CATEGORY(jamLog, "continuo.jam", QtWarningMsg)

#ifdef CONTINUO_HAVE_AUDIO
/// An answer's way to the synth: each event goes into the transport's live part the moment it
/// is decoded. The first sounds as soon as it can, never before the gap has passed; every
/// later one keeps its distance from the first, so the answer keeps its rhythm whatever the
/// decoder's pace. Called on the worker thread; the UI thread reads the anchor afterwards.
class JamLive final : public LiveOutput {
public:
    JamLive(audio::Transport& transport, std::uint32_t answer, int channel, std::int64_t notBeforeNs)
        : transport_(transport), answer_(answer), channel_(std::clamp(channel, 0, 15)), notBeforeNs_(notBeforeNs) {}

    void noteEvent(double seconds, int pitch, int velocity) override {
        if (!anchored_.load(std::memory_order_relaxed)) {
            anchorNs_ = std::max(transport_.clock().nowNs(), notBeforeNs_);
            anchorSeconds_ = seconds;
            anchored_.store(true, std::memory_order_release);
        }
        const audio::MidiMessage m = velocity > 0 ? audio::MidiMessage::noteOn(channel_, pitch, velocity)
                                                  : audio::MidiMessage::noteOff(channel_, pitch);
        push({nsAt(seconds), answer_, false, m});
    }

    void end(double seconds) override {
        const std::int64_t at = anchored_.load(std::memory_order_acquire) ? nsAt(seconds) : notBeforeNs_;
        push({at, answer_, true, {}});
    }

    /// The answer's own time (request seconds) that sounded at `ns`; < 0 before its first note.
    double secondsAt(std::int64_t ns) const {
        if (!anchored_.load(std::memory_order_acquire)) return -1;
        return anchorSeconds_ + double(ns - anchorNs_) * 1e-9;
    }

private:
    std::int64_t nsAt(double seconds) const { return anchorNs_ + std::llround((seconds - anchorSeconds_) * 1e9); }
    void push(const audio::LiveMessage& m) {
        // The queue holds far more than an answer's events; a full one drops the rest of this
        // answer rather than block the decoder.
        transport_.liveQueue().push(m);
    }

    audio::Transport& transport_;
    const std::uint32_t answer_;
    const int channel_;
    const std::int64_t notBeforeNs_;
    std::atomic<bool> anchored_{false};
    std::int64_t anchorNs_ = 0;     // written once before anchored_ is set
    double anchorSeconds_ = 0;
};
#else
class JamLive {};
#endif

struct JamController::Primer {
    GenerationRequest request;
    TakeOrigin origin;
};

JamController::JamController(Document* doc, PlaybackController* playback, GenerationController* generation,
                             QObject* parent)
    : QObject(parent), doc_(doc), playback_(playback), generation_(generation), poll_(new QTimer(this)) {
    // The pause is heard within a few milliseconds of the gap's end; the rest of the answer's
    // latency is the model's.
    poll_->setInterval(4);
    poll_->setTimerType(Qt::PreciseTimer);
    connect(poll_, &QTimer::timeout, this, &JamController::poll);
    connect(generation_, &GenerationController::finished, this, [this] { onGenerationFinished(); });
    connect(generation_->service(), &ContinuationService::primed, this, [this] { primePending_ = false; });
    connect(generation_, &GenerationController::failed, this, [this](GenerationKind, const QString& why) {
        if (jamming_) emit message(tr("Jam could not answer: %1").arg(why));
    });
}

JamController::~JamController() = default;

double JamController::gapSeconds(double atSeconds) const {
    if (settings_.gapMs > 0) return settings_.gapMs / 1000.0;
    const TempoMap& tempo = doc_->tempo();
    const Tick at = tempo.tickAt(std::max(0.0, atSeconds));
    const double beat = tempo.secondsAt(at + doc_->ticksPerBeat()) - tempo.secondsAt(at);
    return std::max(0.0, settings_.gapBeats) * beat;
}

bool JamController::start() {
    if (jamming_) return true;
#ifdef CONTINUO_HAVE_AUDIO
    if (!generation_->service()->isReady()) {
        emit message(tr("Jam needs a model: choose one with Generate ▸ Choose Model…"));
        return false;
    }
    if (!playback_->transport()) {
        emit message(tr("Jam needs the audio engine."));
        return false;
    }
    if (!playback_->isRecording() && !playback_->record()) return false; // record() says why
    // An edit while jamming must not replace what the engine plays: that releases every note.
    playback_->setSnapshotFrozen(true);
    jamming_ = true;
    answering_ = false;
    heardUpTo_ = playback_->playerActivity().nowSeconds;
    ingested_ = 0;
    lastIngestSeconds_ = -1;
    answerTakes_.clear();
    timings_.clear();
    poll_->start();
    emit jammingChanged(true);
    emit message(tr("Jam: play a phrase and pause — Continuo answers. Play again to take over; J stops."));
    return true;
#else
    emit message(tr("Jam needs the audio engine, which this build does not have."));
    return false;
#endif
}

void JamController::stop() {
    if (!jamming_) return;
    poll_->stop();
#ifdef CONTINUO_HAVE_AUDIO
    if (answering_) {
        audio::Transport* t = playback_->transport();
        audio::TransportCommand cut;
        cut.type = audio::TransportCommand::Type::CutLive;
        if (t) t->post(cut);
        finishAnswer(true);
    }
#endif
    jamming_ = false;
    if (playback_->isRecording()) playback_->stop(); // the last call is recorded as usual
    playback_->setSnapshotFrozen(false);
    emit jammingChanged(false);
}

void JamController::poll() {
#ifdef CONTINUO_HAVE_AUDIO
    if (!jamming_) return;
    audio::Transport* t = playback_->transport();
    const PlayerActivity a = playback_->playerActivity();
    if (!t || !a.valid) { // recording stopped under us (Space, R, or the keyboard went away)
        stop();
        return;
    }
    if (answering_) {
        if (t->liveCutAnswer() >= answerNumber_) finishAnswer(true);
        else if (t->liveEndedAnswer() >= answerNumber_) finishAnswer(false);
        else revealHeard(t->clock().nowNs());
        return;
    }
    if (a.lastNoteOnSeconds < heardUpTo_) return; // nothing new played since the last answer
    const bool paused = a.heldKeys == 0 && (settings_.pedalMayHold || !a.pedalDown);
    if (paused) {
        const double gapEnd = a.lastSeconds + gapSeconds(a.lastSeconds);
        if (a.nowSeconds >= gapEnd) {
            startAnswer(a, gapEnd);
            return;
        }
    }
    ingest(a);
#endif
}

void JamController::ingest(const PlayerActivity& a) {
    // What is settled: everything before the longest-held key (or before now, with every key
    // up). Read a few times a second, not on every note.
    const std::vector<Note>& recorded = doc_->view()->liveNotes();
    if (recorded.size() == ingested_ || generation_->isRunning()) return;
    if (lastIngestSeconds_ >= 0 && a.nowSeconds - lastIngestSeconds_ < 0.25) return;
    // A newer prime supersedes one in progress, whose work is then lost: let the first reading
    // of a long piece finish (it answers with primed()) before the next.
    if (primePending_ && a.nowSeconds - lastIngestSeconds_ < 2.0) return;
    const double settled = a.heldKeys > 0 ? a.earliestHeldSeconds : a.lastSeconds;
    if (settled <= 0) return;
    Primer p = primerUpTo(settled, recorded);
    p.request.settledSeconds = p.request.primerEndSeconds;
    generation_->service()->prime(p.request);
    primePending_ = true;
    ingested_ = recorded.size();
    lastIngestSeconds_ = a.nowSeconds;
}

JamController::Primer JamController::primerUpTo(double endSeconds, const std::vector<Note>& recorded) const {
    std::vector<Note> notes = doc_->notes();
    TakeId parent = 0;
    for (TakeId id : answerTakes_)
        if (const Take* take = doc_->take(id)) {
            notes.insert(notes.end(), take->notes.begin(), take->notes.end());
            parent = id;
        }
    notes.insert(notes.end(), recorded.begin(), recorded.end());
    std::sort(notes.begin(), notes.end(), noteLess);
    const TempoMap& tempo = doc_->tempo();
    const Tick bar = doc_->ticksPerBar();
    const Tick start = notes.empty() ? 0 : notes.front().start / bar * bar;
    const double startSeconds = tempo.secondsAt(start);
    Primer p;
    p.request.kind = GenerationKind::Continue;
    for (const Note& n : notes)
        p.request.primer.push_back({tempo.secondsAt(n.start) - startSeconds, tempo.secondsAt(n.end()) - startSeconds,
                                    n.pitch, n.velocity});
    p.request.primerEndSeconds = std::max(0.0, endSeconds - startSeconds);
    p.origin.primerStart = start;
    p.origin.primerEnd = tempo.tickAt(endSeconds);
    p.origin.primerSource = tr("jam: everything played so far");
    p.origin.parentTake = parent;
    p.origin.originSeconds = startSeconds;
    p.origin.live = true;
    return p;
}

double JamController::answerSeconds(const std::vector<Note>& call, double gapEndSeconds) const {
    const TempoMap& tempo = doc_->tempo();
    double seconds = settings_.longestSeconds;
    switch (settings_.length) {
    case JamSettings::Length::LikeCall:
        if (!call.empty()) {
            Tick first = call.front().start, last = call.front().end();
            for (const Note& n : call) {
                first = std::min(first, n.start);
                last = std::max(last, n.end());
            }
            seconds = tempo.secondsAt(last) - tempo.secondsAt(first);
        }
        break;
    case JamSettings::Length::Bars: {
        const Tick at = tempo.tickAt(gapEndSeconds);
        seconds = tempo.secondsAt(at + doc_->ticksPerBar() * std::max(1, settings_.bars)) - tempo.secondsAt(at);
        break;
    }
    case JamSettings::Length::UntilPlayed: break;
    }
    return std::clamp(seconds, 1.0, std::max(1.0, settings_.longestSeconds));
}

void JamController::startAnswer(const PlayerActivity& a, double gapEndSeconds) {
#ifdef CONTINUO_HAVE_AUDIO
    audio::Transport* t = playback_->transport();
    const std::int64_t nowNs = t->clock().nowNs();
    const std::int64_t gapEndNs = nowNs - std::llround((t->transportSecondsAt(nowNs) - gapEndSeconds) * 1e9);
    // The worker may still be closing the last answer (a cut one stops between two tokens):
    // the pause stays heard, and the next poll tries again.
    if (generation_->isBusy()) {
        qCDebug(jamLog) << "pause at" << gapEndSeconds << "s waits for the model to finish the last answer";
        return;
    }
    heardUpTo_ = gapEndSeconds;
    lastCall_ = doc_->view()->liveNotes();
    const int called = playback_->commitRecorded(tr("Jam call"));
    ingested_ = 0;
    qCDebug(jamLog) << "pause at" << gapEndSeconds << "s: call of" << lastCall_.size() << "notes," << called << "kept";
    if (called == 0 && lastCall_.empty()) return;

    Primer p = primerUpTo(gapEndSeconds, {});
    SamplingSettings sampling = samplingSource_ ? samplingSource_() : SamplingSettings{};
    sampling.variations = 1;
    sampling.lengthSeconds = answerSeconds(lastCall_, gapEndSeconds);
    p.request.sampling = sampling;
    ++answerNumber_;
    auto live = std::make_shared<JamLive>(*t, answerNumber_, settings_.channel, gapEndNs);
    p.request.live = live;
    t->openLive(answerNumber_); // from here a key struck stops it, even before its first note
    if (!generation_->start(p.request, p.origin)) {
        qCDebug(jamLog) << "answer" << answerNumber_ << "could not start";
        t->openLive(0);
        return; // the controller said why
    }
    live_ = live;
    answering_ = true;
    awaitingTake_ = true;
    originSeconds_ = p.origin.originSeconds;
    if (!generation_->liveTakes().empty()) {
        // The roll shows the answer as it sounds: drawn over the piece, up to what was heard.
        const TakeId shown = generation_->liveTakes().front();
        answerTakes_.push_back(shown);
        doc_->view()->setCurrentTake(shown); // not auditioned: the snapshot is frozen while jamming
        doc_->view()->setRevealed(shown, 0);
        lastRevealNs_ = nowNs;
    }
    JamAnswerTiming timing;
    timing.gapEndNs = gapEndNs;
    timing.detectedNs = nowNs;
    timings_.push_back(timing);
    Q_UNUSED(a);
    emit answerStarted();
#else
    Q_UNUSED(a);
    Q_UNUSED(gapEndSeconds);
#endif
}

void JamController::revealHeard(std::int64_t nowNs) {
#ifdef CONTINUO_HAVE_AUDIO
    // About 30 times a second: the roll repaints with the playhead anyway.
    if (!live_ || answerTakes_.empty() || nowNs - lastRevealNs_ < 33'000'000) return;
    lastRevealNs_ = nowNs;
    const double heard = live_->secondsAt(nowNs);
    if (heard >= 0) doc_->view()->setRevealed(answerTakes_.back(), doc_->tempo().tickAt(originSeconds_ + heard) + 1);
#else
    Q_UNUSED(nowNs);
#endif
}

void JamController::finishAnswer(bool cut) {
#ifdef CONTINUO_HAVE_AUDIO
    if (!answering_) return;
    qCDebug(jamLog) << "answer" << answerNumber_ << (cut ? "cut" : "ended");
    answering_ = false;
    audio::Transport* t = playback_->transport();
    JamAnswerTiming& timing = timings_.back();
    if (t && t->liveFirstNoteAnswer() == answerNumber_) timing.firstNoteNs = t->liveFirstNoteNs();
    Tick cutTick = -1;
    if (cut) {
        timing.cutNs = t && t->liveCutAnswer() >= answerNumber_ ? t->liveCutNs() : (t ? t->clock().nowNs() : 0);
        // What had sounded by the cut, in the answer's own time, placed on the piece.
        const double heard = live_ ? live_->secondsAt(timing.cutNs) : -1;
        const double at = heard < 0 ? generation_->lastRequest().primerEndSeconds : heard;
        cutTick = doc_->tempo().tickAt(originSeconds_ + at);
    }
    live_.reset();
    generation_->finishLive(cutTick);
    doc_->view()->setRevealed(0, 0); // kept as heard: drawn whole
#else
    Q_UNUSED(cut);
#endif
}

void JamController::onGenerationFinished() {
    if (!awaitingTake_ || generation_->isRunning() || timings_.empty() || answerTakes_.empty()) return;
    awaitingTake_ = false;
    JamAnswerTiming& timing = timings_.back();
    const Take* take = doc_->take(answerTakes_.back());
    answering_ = false; // a worker that failed ends the answer too
    doc_->view()->setRevealed(0, 0);
    timing.take = take ? take->id : 0;
    if (take && jamming_) doc_->view()->setCurrentTake(take->id); // it stays drawn until the next
    timing.notesKept = take ? int(take->notes.size()) : 0;
    emit answerFinished(timing.take, take && take->provenance.stopped);
}

} // namespace continuo::ui
