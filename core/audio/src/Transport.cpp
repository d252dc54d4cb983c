#include "continuo/audio/Transport.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <cstring>

namespace continuo::audio {

Transport::Transport(double sampleRate) : sampleRate_(sampleRate), commands_(1024), thru_(1024), liveQueue_(8192), midiOut_(8192) {
    metronome_.prepare(sampleRate);
    snapshots_.publish(PlaybackSnapshot::empty());
}

Transport::~Transport() = default;

void Transport::prepare(double sampleRate) {
    const double seconds = secondsAtFrame(pos_);
    const double countIn = secondsAtFrame(countInEnd_);
    sampleRate_ = sampleRate;
    metronome_.prepare(sampleRate);
    pos_ = frameAt(seconds);
    countInEnd_ = frameAt(countIn);
    if (snap_) {
        recomputeLoop();
        if (playingRt_) seekTo(pos_);
    }
}

bool Transport::post(const TransportCommand& command) { return commands_.push(command); }

void Transport::setSnapshot(std::unique_ptr<PlaybackSnapshot> snapshot) {
    if (snapshot) snapshots_.publish(std::move(snapshot));
}

void Transport::setSnapshotAtLoop(std::unique_ptr<PlaybackSnapshot> snapshot) {
    if (snapshot) atLoop_.publish(std::move(snapshot));
}

void Transport::log(TransportEvent::Kind kind, const MidiMessage& message) noexcept {
    if (SpscQueue<TransportEvent>* q = log_.load(std::memory_order_acquire)) q->push({kind, sample_, pos_, message});
}

void Transport::takeLoopSnapshot(PlaybackSnapshot* next) noexcept {
    // atLoop_ keeps `next` alive until the next one replaces it; the one it replaced (if it
    // was playing) is not touched again.
    snap_ = next;
    fromLoop_ = true;
    recomputeLoop();
    loopSwitches_.fetch_add(1, std::memory_order_acq_rel);
    log(TransportEvent::Kind::LoopSwitch);
}

void Transport::setSynth(std::unique_ptr<Synth> synth) {
    if (synth) synths_.publish(std::move(synth));
}

void Transport::collect() {
    snapshots_.collect();
    atLoop_.collect();
    synths_.collect();
}

double Transport::transportSecondsAt(std::int64_t clockNs) const {
    std::uint64_t before = 0, after = 0;
    std::int64_t ns = 0;
    double seconds = 0.0;
    bool rolling = false;
    do {
        before = anchorSeq_.load(std::memory_order_acquire);
        ns = anchorNs_.load(std::memory_order_relaxed);
        seconds = anchorSeconds_.load(std::memory_order_relaxed);
        rolling = anchorRolling_.load(std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_acquire);
        after = anchorSeq_.load(std::memory_order_relaxed);
    } while (before != after || (before & 1u));
    if (!rolling) return seconds;
    return seconds + double(clockNs - ns) * 1e-9 - latencyCompensation_.load(std::memory_order_relaxed);
}

std::int64_t Transport::frameAt(double seconds) const noexcept {
    return std::int64_t(std::llround(seconds * sampleRate_));
}

void Transport::process(float* out, int frames, std::int64_t clockNs, bool audible) noexcept {
    std::memset(out, 0, sizeof(float) * 2 * std::size_t(std::max(frames, 0)));
    audible_ = audible;
    bufferNs_ = clockNs;
    done_ = 0;

    bool changed = false;
    PlaybackSnapshot* regular = snapshots_.acquire(changed);
    if (changed || !fromLoop_) {
        snap_ = regular;
        fromLoop_ = false;
    }
    if (changed) {
        recomputeLoop();
        if (playingRt_) {
            // The old snapshot's note-offs are gone: release what it started, then go on
            // from the same place in the new one.
            releaseAll(false);
            seekTo(pos_);
        }
    }
    owned_ = synths_.acquire(changed);
    synth_ = audible ? owned_ : nullptr;
    if (changed && synth_ && toSynth_ && playingRt_) // a new synth: only it needs the setup
        for (const MidiMessage& m : snap_->setup()) synth_->send(m);

    TransportCommand command;
    while (commands_.pop(command)) handleCommand(command);
    // A snapshot meant for the loop boundary takes over now when no boundary is coming.
    if (!(playingRt_ && loopEnabled_ && loopEnd_ > loopStart_ && pos_ < loopEnd_)) {
        PlaybackSnapshot* next = atLoop_.acquire(changed);
        if (changed) {
            takeLoopSnapshot(next);
            if (playingRt_) {
                releaseAll(false);
                seekTo(pos_);
            }
        }
    }
    MidiMessage live;
    while (thru_.pop(live))
        send(live);
    // The player struck a key: an answer still open stops before this buffer sounds.
    if (notePlayed_.exchange(false, std::memory_order_acq_rel)) cutLive(0);

    // Anchor for MIDI timestamps: the position at this buffer's first frame.
    const std::uint64_t seq = anchorSeq_.load(std::memory_order_relaxed);
    anchorSeq_.store(seq + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    anchorNs_.store(clockNs, std::memory_order_relaxed);
    anchorSeconds_.store(secondsAtFrame(pos_), std::memory_order_relaxed);
    anchorRolling_.store(playingRt_, std::memory_order_relaxed);
    anchorSeq_.store(seq + 2, std::memory_order_release);

    if (frames > 0) processChunked(out, frames);
    publish();
    midiOut_.wake(); // one wake-up per buffer, when it sent anything
}

void Transport::processChunked(float* out, int frames) noexcept {
    int done = 0;
    while (true) {
        done_ = done;
        fireLive(done);
        if (playingRt_) fireDue();
        if (done == frames) break;
        // A live message due inside this buffer splits it too, rolling or not.
        const int limit = std::clamp(framesToNextLive(done), 1, frames - done);
        if (!playingRt_) {
            render(out + 2 * done, limit);
            sample_ += limit;
            done += limit;
            continue;
        }
        // Render up to the next thing that must happen at an exact sample.
        std::int64_t next = pos_ + limit;
        const auto& messages = snap_->messages();
        if (nextMessage_ < messages.size()) next = std::min(next, frameAt(messages[nextMessage_].seconds));
        next = std::min(next, nextBeatFrame_);
        const bool looping = loopEnabled_ && loopEnd_ > loopStart_ && pos_ >= countInEnd_;
        if (looping && pos_ < loopEnd_) next = std::min(next, loopEnd_);
        if (autoStop_ && !recordingRt_ && !looping) {
            const std::int64_t end = frameAt(snap_->endSeconds());
            if (pos_ < end) next = std::min(next, end);
        }
        const int n = int(std::max<std::int64_t>(1, next - pos_));
        render(out + 2 * done, n);
        pos_ += n;
        sample_ += n;
        done += n;
    }
}

void Transport::fireDue() noexcept {
    const bool looping = loopEnabled_ && loopEnd_ > loopStart_ && pos_ >= countInEnd_;
    if (looping && pos_ == loopEnd_) {
        releaseAll(false);
        log(TransportEvent::Kind::LoopWrap);
        // A/B: the take switched during this pass plays from the loop start of the next.
        bool changed = false;
        PlaybackSnapshot* next = atLoop_.acquire(changed);
        if (changed) takeLoopSnapshot(next);
        seekTo(loopStart_);
    }
    const auto& messages = snap_->messages();
    while (nextMessage_ < messages.size() && frameAt(messages[nextMessage_].seconds) <= pos_) {
        send(messages[nextMessage_].message);
        log(TransportEvent::Kind::Message, messages[nextMessage_].message);
        ++nextMessage_;
    }
    while (nextBeatFrame_ <= pos_) {
        if (metronomeOn_ || pos_ < countInEnd_) metronome_.start(nextBeatAccent_);
        scheduleNextBeat(nextBeatTick_, false);
    }
    if (autoStop_ && !recordingRt_ && !looping && nextMessage_ >= messages.size() &&
        pos_ >= frameAt(snap_->endSeconds()))
        stopPlayback(false);
}

std::int64_t Transport::nsAt(int done) const noexcept {
    return bufferNs_ + std::int64_t(std::llround(double(done) * 1e9 / sampleRate_));
}

int Transport::framesToNextLive(int done) noexcept {
    if (!liveHasPending_) liveHasPending_ = liveQueue_.pop(livePending_);
    if (!liveHasPending_) return INT_MAX;
    const double frames = double(livePending_.clockNs - bufferNs_) * sampleRate_ * 1e-9 - double(done);
    if (frames <= 0) return 0;
    return frames >= double(INT_MAX) ? INT_MAX : int(std::ceil(frames));
}

void Transport::fireLive(int done) noexcept {
    const std::int64_t now = nsAt(done);
    const std::uint32_t cut = liveCut_.load(std::memory_order_relaxed);
    while (true) {
        if (!liveHasPending_) liveHasPending_ = liveQueue_.pop(livePending_);
        if (!liveHasPending_) return;
        const LiveMessage& m = livePending_;
        if (m.answer <= cut) { // the rest of an answer that was stopped
            liveHasPending_ = false;
            continue;
        }
        if (m.clockNs > now) return;
        liveHasPending_ = false;
        if (m.answer != liveCurrent_) {
            liveCurrent_ = m.answer;
            liveChannels_ = 0;
        }
        if (m.end) {
            releaseLive();
            liveEnded_.store(m.answer, std::memory_order_release);
            log(TransportEvent::Kind::LiveEnd);
            continue;
        }
        const MidiMessage& midi = m.message;
        const int ch = midi.channel();
        liveChannels_ = std::uint16_t(liveChannels_ | (1u << ch));
        if (midi.type() == 0x90 || midi.type() == 0x80) {
            std::uint64_t& word = liveNotes_[ch][midi.data1 >> 6];
            const std::uint64_t bit = std::uint64_t(1) << (midi.data1 & 63);
            if (midi.isNoteOn()) {
                word |= bit;
                if (liveFirstSeen_ != m.answer) {
                    liveFirstSeen_ = m.answer;
                    liveFirstNs_.store(now, std::memory_order_relaxed);
                    liveFirstAnswer_.store(m.answer, std::memory_order_release);
                }
            } else {
                word &= ~bit;
            }
        }
        send(midi);
        log(TransportEvent::Kind::Live, midi);
        int sounding = 0;
        for (const auto& channel : liveNotes_) sounding += std::popcount(channel[0]) + std::popcount(channel[1]);
        liveSoundingCount_.store(sounding, std::memory_order_release);
    }
}

void Transport::releaseLive() noexcept {
    for (int ch = 0; ch < 16; ++ch) {
        for (int w = 0; w < 2; ++w)
            for (std::uint64_t bits = liveNotes_[ch][w]; bits; bits &= bits - 1) {
                const MidiMessage off = MidiMessage::noteOff(ch, w * 64 + std::countr_zero(bits));
                send(off);
                log(TransportEvent::Kind::Live, off);
            }
        liveNotes_[ch][0] = liveNotes_[ch][1] = 0;
        if (liveChannels_ & (1u << ch)) { // the answer's pedal
            const MidiMessage up = MidiMessage::controller(ch, 64, 0);
            send(up);
            log(TransportEvent::Kind::Live, up);
        }
    }
    liveChannels_ = 0;
    liveSoundingCount_.store(0, std::memory_order_release);
}

void Transport::cutLive(int done) noexcept {
    const std::uint32_t open = liveOpen_.load(std::memory_order_acquire);
    if (open == 0 || open <= liveCut_.load(std::memory_order_relaxed) || open <= liveEnded_.load(std::memory_order_relaxed))
        return;
    releaseLive();
    liveCutNs_.store(nsAt(done), std::memory_order_relaxed);
    liveCut_.store(open, std::memory_order_release);
    log(TransportEvent::Kind::LiveCut);
    // What is queued of it goes without sounding (fireLive drops it as it comes).
    fireLive(done);
}

void Transport::send(const MidiMessage& message) noexcept {
    if (synth_ && toSynth_) synth_->send(message);
    if (toOut_) sendOut(message);
}

void Transport::sendOut(const MidiMessage& message) noexcept { midiOut_.push({nsAt(done_), message}); }

void Transport::releaseAll(bool cut) noexcept {
    if (toOut_) releaseOut(cut);
    if (!synth_ || !toSynth_) return;
    if (cut) synth_->allSoundOff();
    else synth_->allNotesOff();
}

void Transport::releaseOut(bool cut) noexcept {
    for (int ch = 0; ch < 16; ++ch) {
        sendOut(MidiMessage::controller(ch, 64, 0));  // sustain off
        sendOut(MidiMessage::controller(ch, 123, 0)); // all notes off
        if (cut) sendOut(MidiMessage::controller(ch, 120, 0)); // all sound off
    }
}

void Transport::route(std::uint8_t to) noexcept {
    const bool synth = (to & ToSynth) != 0;
    const bool out = (to & ToMidiOut) != 0;
    // What the one left behind still sounds is released there; the one joining gets the
    // piece's programs and controllers, as at the start of playback.
    if (toSynth_ && !synth && synth_) synth_->allNotesOff();
    if (toOut_ && !out) releaseOut(false);
    const bool joinOut = out && !toOut_;
    const bool joinSynth = synth && !toSynth_;
    toSynth_ = synth;
    toOut_ = out;
    if (playingRt_ && snap_)
        for (const MidiMessage& m : snap_->setup()) {
            if (joinOut) sendOut(m);
            if (joinSynth && synth_) synth_->send(m);
        }
}

void Transport::render(float* out, int frames) noexcept {
    if (!audible_) return;
    if (synth_) synth_->renderAdd(out, frames);
    metronome_.renderAdd(out, frames);
}

void Transport::scheduleNextBeat(double fromTick, bool inclusive) noexcept {
    const Beat beat = snap_->beats().beatAtOrAfter(inclusive ? fromTick : fromTick + 0.5);
    nextBeatTick_ = beat.tick;
    nextBeatAccent_ = beat.downbeat;
    nextBeatFrame_ = frameAt(snap_->tempo().secondsAt(beat.tick));
}

void Transport::seekTo(std::int64_t frame) noexcept {
    pos_ = frame;
    // Half a sample of slack: a message that rounds to this very frame still plays.
    const double from = secondsAtFrame(std::max(frame, countInEnd_)) - 0.5 / sampleRate_;
    nextMessage_ = snap_->firstAtOrAfter(from);
    // A pedal held, a program changed before this point: as if it had played from the start.
    snap_->chase(nextMessage_, [this](const MidiMessage& m) { send(m); });
    scheduleNextBeat(snap_->tempo().tickAt(secondsAtFrame(frame) - 0.5 / sampleRate_), true);
}

void Transport::recomputeLoop() noexcept {
    loopStart_ = frameAt(snap_->tempo().secondsAt(double(loopStartTick_)));
    loopEnd_ = frameAt(snap_->tempo().secondsAt(double(loopEndTick_)));
}

void Transport::startPlayback(bool record) noexcept {
    if (playingRt_) {
        recordingRt_ = recordingRt_ || record; // punch in while playing: no count-in
        return;
    }
    recordingRt_ = record;
    countInEnd_ = pos_;
    std::int64_t from = pos_;
    if (record && countInBars_ > 0) {
        const double startTick = snap_->tempo().tickAt(secondsAtFrame(pos_));
        const double preRoll = snap_->beats().barTicksAt(startTick) * countInBars_;
        from = frameAt(snap_->tempo().secondsAt(startTick - preRoll));
    }
    for (const MidiMessage& m : snap_->setup()) send(m);
    seekTo(from);
    playingRt_ = true;
    log(TransportEvent::Kind::Start);
}

void Transport::stopPlayback(bool cut) noexcept {
    playingRt_ = false;
    recordingRt_ = false;
    if (pos_ < countInEnd_) pos_ = countInEnd_; // stopped during the count-in: back to the start
    countInEnd_ = pos_;
    releaseAll(cut);
}

void Transport::handleCommand(const TransportCommand& c) noexcept {
    using T = TransportCommand::Type;
    switch (c.type) {
    case T::Play: startPlayback(false); break;
    case T::Record: startPlayback(true); break;
    case T::Stop:
        if (playingRt_) stopPlayback(false);
        break;
    case T::Locate: {
        const std::int64_t frame = frameAt(snap_->tempo().secondsAt(double(c.a)));
        countInEnd_ = frame; // a locate cancels a count-in in progress
        if (playingRt_) {
            releaseAll(false);
            seekTo(frame);
        } else {
            pos_ = frame;
        }
        break;
    }
    case T::SetLoop:
        loopStartTick_ = c.a;
        loopEndTick_ = c.b;
        loopEnabled_ = c.flag;
        recomputeLoop();
        break;
    case T::Metronome: metronomeOn_ = c.flag; break;
    case T::CountIn: countInBars_ = int(std::clamp<Tick>(c.a, 0, 4)); break;
    case T::AutoStop: autoStop_ = c.flag; break;
    case T::Panic:
        cutLive(0);
        if (playingRt_) stopPlayback(true);
        else releaseAll(true);
        break;
    case T::Midi:
        send(c.midi);
        break;
    case T::CutLive: cutLive(0); break;
    case T::Route: route(std::uint8_t(c.a)); break;
    }
}

void Transport::publish() noexcept {
    positionFrame_.store(pos_, std::memory_order_release);
    positionTick_.store(Tick(std::llround(snap_->tempo().tickAt(secondsAtFrame(pos_)))), std::memory_order_release);
    playing_.store(playingRt_, std::memory_order_release);
    recording_.store(recordingRt_, std::memory_order_release);
    buffers_.fetch_add(1, std::memory_order_acq_rel);
}

} // namespace continuo::audio
