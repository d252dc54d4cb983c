#pragma once
// The real-time heart of the engine: consumes commands and live MIDI from lock-free queues,
// plays the current PlaybackSnapshot through the Synth with every message at its exact
// sample, clicks the metronome, handles count-in and loop. Device-independent: the RtAudio
// callback, the silent clock, the offline renderer and the benchmarks all call process().
//
// Threads: the constructor, post(), setSnapshot(), setSynth() and collect() belong to one
// control thread (the UI thread); thruQueue() has one producer (the MIDI input thread);
// process() runs on one audio thread at a time; the read accessors are safe anywhere.
#include "continuo/audio/Clock.h"
#include "continuo/audio/Handoff.h"
#include "continuo/audio/Metronome.h"
#include "continuo/audio/MidiMessage.h"
#include "continuo/audio/MidiOutQueue.h"
#include "continuo/audio/PlaybackSnapshot.h"
#include "continuo/audio/SpscQueue.h"
#include "continuo/audio/Synth.h"

#include <atomic>
#include <cstdint>
#include <memory>

namespace continuo::audio {

struct TransportCommand {
    enum class Type : std::uint8_t {
        Play, Record, Stop, Locate, SetLoop, Metronome, CountIn, AutoStop, Panic, Midi, CutLive, Route
    };
    Type type = Type::Stop;
    Tick a = 0;        ///< tick (Locate, SetLoop start), count (CountIn) or PlayThrough bits (Route)
    Tick b = 0;        ///< SetLoop end
    bool flag = false; ///< enabled (SetLoop, Metronome, AutoStop)
    MidiMessage midi;  ///< Midi (note previews)
};

/// Where the transport sounds what it plays: bits of a Route command.
enum PlayThrough : std::uint8_t { ToSynth = 1, ToMidiOut = 2, ToBoth = 3 };

/// A message of a live part (a jam answer): sounded when `clockNs` comes on the transport's
/// clock, whether or not the transport rolls. `answer` numbers the answers (from 1); `end`
/// marks where an answer ends: what it still sounds is released there.
struct LiveMessage {
    std::int64_t clockNs = 0;
    std::uint32_t answer = 0;
    bool end = false;
    MidiMessage message;
};

/// What the audio thread did, on its sample clock (tests: Transport::setEventLog).
struct TransportEvent {
    /// Start: playback or recording began; `frame` is where, a count-in's pre-roll included.
    /// Live: a live part's message was sounded. LiveCut: a live answer was stopped (the
    /// player struck a key, or CutLive); LiveEnd: one ended by itself.
    enum class Kind : std::uint8_t { Message, LoopWrap, LoopSwitch, Start, Live, LiveCut, LiveEnd };
    Kind kind = Kind::Message;
    std::int64_t sample = 0; ///< frames rendered since the transport was made (never goes back)
    std::int64_t frame = 0;  ///< the transport position (jumps back at a loop)
    MidiMessage message;     ///< Message: what was sent to the synth from the snapshot
};

class Transport {
public:
    /// Allocates everything the audio thread will need (queues, click waveforms).
    explicit Transport(double sampleRate = 48000.0);
    ~Transport();
    Transport(const Transport&) = delete;
    Transport& operator=(const Transport&) = delete;

    // ---- control thread
    /// Changes the sample rate, keeping the position. Only while no thread is in process()
    /// (between closing one device and opening the next).
    void prepare(double sampleRate);
    /// False when the queue is full (the command is dropped; the UI may retry).
    bool post(const TransportCommand& command);
    void setSnapshot(std::unique_ptr<PlaybackSnapshot> snapshot);
    /// A snapshot that takes over at the next loop boundary (A/B while looping): what plays
    /// now goes on to the loop end, and this one plays from the loop start of the next pass,
    /// sample-exact, without a gap. When the transport is not looping inside the loop, it
    /// takes over at once, as setSnapshot() would.
    void setSnapshotAtLoop(std::unique_ptr<PlaybackSnapshot> snapshot);
    /// How many setSnapshotAtLoop() snapshots have taken over so far (any thread).
    std::uint64_t loopSwitches() const { return loopSwitches_.load(std::memory_order_acquire); }
    /// Tests: the audio thread pushes every snapshot message it sends, every loop wrap and
    /// every loop switch into `log` (dropped when full); nullptr stops. Set it before playing.
    void setEventLog(SpscQueue<TransportEvent>* log) { log_.store(log, std::memory_order_release); }
    void setSynth(std::unique_ptr<Synth> synth);
    /// Frees replaced snapshots and synths (call now and then, e.g. from a UI timer).
    void collect();
    /// Seconds subtracted when mapping a clock time to the transport position: the output
    /// latency, so that a note played in time with the click lands on the beat.
    void setInputLatencyCompensation(double seconds) { latencyCompensation_.store(seconds); }
    /// The clock process() is given the time of (its clockNs), which MIDI input must stamp
    /// with too (default: steadyClock()). It must outlive the transport's use of it.
    void setClock(const Clock& clock) { clock_.store(&clock, std::memory_order_release); }

    // ---- MIDI input thread (single producer): messages heard at once (MIDI thru)
    SpscQueue<MidiMessage>& thruQueue() { return thru_; }
    /// The player struck a key (thru or not): an open live answer stops at the next buffer.
    /// Any thread; never blocks.
    void notePlayed() noexcept { notePlayed_.store(true, std::memory_order_release); }

    // ---- MIDI out: with the route's ToMidiOut bit set (a Route command), every message the
    // transport sounds and every release is also pushed here, stamped on clock(); the one
    // sender thread (MidiOutput) drains it. The queue lives as long as the transport.
    MidiOutQueue& midiOut() { return midiOut_; }

    // ---- live part (jam answers): one producer thread at a time pushes, in time order
    SpscQueue<LiveMessage>& liveQueue() { return liveQueue_; }
    /// Any thread: answer `answer` is about to be pushed. From now until it ends (its `end`
    /// message sounds) a key struck by the player stops it: its sounding notes are released
    /// and the pedal lifted on its channels, and the rest of it is dropped.
    void openLive(std::uint32_t answer) noexcept { liveOpen_.store(answer, std::memory_order_release); }
    /// Any thread: the answers up to this one were cut (0: none yet), and when, on clock().
    std::uint32_t liveCutAnswer() const { return liveCut_.load(std::memory_order_acquire); }
    std::int64_t liveCutNs() const { return liveCutNs_.load(std::memory_order_acquire); }
    /// The last answer whose end sounded (0: none yet).
    std::uint32_t liveEndedAnswer() const { return liveEnded_.load(std::memory_order_acquire); }
    /// The answer whose first note-on sounded last, and when on clock() (the buffer's time
    /// plus the note's frames into it).
    std::uint32_t liveFirstNoteAnswer() const { return liveFirstAnswer_.load(std::memory_order_acquire); }
    std::int64_t liveFirstNoteNs() const { return liveFirstNs_.load(std::memory_order_acquire); }
    /// Notes of live parts sounding now (any thread; approximate while it changes).
    int liveSounding() const { return liveSoundingCount_.load(std::memory_order_acquire); }

    // ---- any thread
    double sampleRate() const { return sampleRate_; } ///< control thread
    bool isPlaying() const { return playing_.load(std::memory_order_acquire); }
    bool isRecording() const { return recording_.load(std::memory_order_acquire); }
    /// Negative during a count-in that starts at the beginning of the piece.
    Tick positionTick() const { return positionTick_.load(std::memory_order_acquire); }
    std::int64_t positionFrame() const { return positionFrame_.load(std::memory_order_acquire); }
    /// Number of process() calls so far (a heartbeat for device-loss detection).
    std::uint64_t buffersProcessed() const { return buffers_.load(std::memory_order_acquire); }
    /// The transport position (seconds from tick 0) that was sounding at `clockNs` on clock(),
    /// extrapolated from the last buffer, less the input latency compensation. Lock-free
    /// (seqlock).
    double transportSecondsAt(std::int64_t clockNs) const;
    const Clock& clock() const { return *clock_.load(std::memory_order_acquire); }
    double inputLatencyCompensation() const { return latencyCompensation_.load(); }

    // ---- audio thread
    /// Overwrites `frames` interleaved stereo frames. `clockNs` is the time of the buffer's
    /// first frame on clock() (for MIDI timestamps). Never allocates, locks or blocks.
    /// `audible` false advances time and state without touching the synth (silent mode).
    void process(float* interleaved, int frames, std::int64_t clockNs, bool audible = true) noexcept;
    /// Metronome waveform length (tests).
    int clickFrames() const { return metronome_.clickFrames(); }

private:
    void processChunked(float* out, int frames) noexcept;
    /// Sounds the live messages due by `done` frames into the buffer; the frames from `done`
    /// to the next one (INT32_MAX: none queued).
    void fireLive(int done) noexcept;
    int framesToNextLive(int done) noexcept;
    void cutLive(int done) noexcept;
    void releaseLive() noexcept;
    std::int64_t nsAt(int done) const noexcept;
    void handleCommand(const TransportCommand& c) noexcept;
    void startPlayback(bool record) noexcept;
    void stopPlayback(bool cut) noexcept;
    void seekTo(std::int64_t frame) noexcept;
    void recomputeLoop() noexcept;
    void scheduleNextBeat(double fromTick, bool inclusive) noexcept;
    /// Every message the transport sounds goes through here (snapshot, setup, chase, thru,
    /// previews), and every release through releaseAll(): `cut` silences at once (panic,
    /// all sound off), else notes are released and the pedal lifted.
    void send(const MidiMessage& message) noexcept;
    void releaseAll(bool cut) noexcept;
    void sendOut(const MidiMessage& message) noexcept;
    /// The output's notes off and pedal up on every channel; `cut` adds all sound off.
    void releaseOut(bool cut) noexcept;
    void route(std::uint8_t to) noexcept;
    void render(float* out, int frames) noexcept;
    void fireDue() noexcept;
    void publish() noexcept;
    void log(TransportEvent::Kind kind, const MidiMessage& message = {}) noexcept;
    void takeLoopSnapshot(PlaybackSnapshot* next) noexcept;
    std::int64_t frameAt(double seconds) const noexcept;
    double secondsAtFrame(std::int64_t frame) const noexcept { return double(frame) / sampleRate_; }

    double sampleRate_;
    SpscQueue<TransportCommand> commands_;
    SpscQueue<MidiMessage> thru_;
    SpscQueue<LiveMessage> liveQueue_;
    MidiOutQueue midiOut_;
    Handoff<PlaybackSnapshot> snapshots_;
    Handoff<PlaybackSnapshot> atLoop_; ///< snapshots waiting for the loop boundary
    Handoff<Synth> synths_;
    Metronome metronome_;

    // Audio-thread state.
    const PlaybackSnapshot* snap_ = nullptr;
    bool fromLoop_ = false;      ///< snap_ is atLoop_'s current (else snapshots_')
    std::int64_t sample_ = 0;    ///< monotonic sample clock at pos_
    Synth* owned_ = nullptr; ///< the synth acquired from synths_
    Synth* synth_ = nullptr; ///< owned_, or nullptr while inaudible
    bool audible_ = true;
    bool toSynth_ = true;        ///< route: the built-in synth
    bool toOut_ = false;         ///< route: the MIDI output queue
    int done_ = 0;               ///< frames of this buffer rendered so far (MIDI out stamps)
    bool playingRt_ = false;
    bool recordingRt_ = false;
    std::int64_t pos_ = 0;
    std::size_t nextMessage_ = 0;
    std::int64_t nextBeatFrame_ = 0;
    double nextBeatTick_ = 0.0;
    bool nextBeatAccent_ = false;
    std::int64_t countInEnd_ = 0; ///< messages before this frame are muted; clicks forced
    bool metronomeOn_ = false;
    int countInBars_ = 0;
    bool autoStop_ = true;
    Tick loopStartTick_ = 0, loopEndTick_ = 0;
    bool loopEnabled_ = false;
    std::int64_t loopStart_ = 0, loopEnd_ = 0;
    std::int64_t bufferNs_ = 0;    ///< clock() at this buffer's first frame
    LiveMessage livePending_;      ///< popped, not yet due
    bool liveHasPending_ = false;
    std::uint32_t liveCurrent_ = 0; ///< the answer of the last live message sounded
    std::uint32_t liveFirstSeen_ = 0;
    std::uint64_t liveNotes_[16][2] = {}; ///< live notes sounding, per channel and pitch
    std::uint16_t liveChannels_ = 0;      ///< channels the current answer used

    // Published state.
    std::atomic<bool> playing_{false};
    std::atomic<bool> recording_{false};
    std::atomic<Tick> positionTick_{0};
    std::atomic<std::int64_t> positionFrame_{0};
    std::atomic<std::uint64_t> buffers_{0};
    std::atomic<std::uint64_t> loopSwitches_{0};
    std::atomic<SpscQueue<TransportEvent>*> log_{nullptr};
    std::atomic<double> latencyCompensation_{0.0};
    std::atomic<const Clock*> clock_{&steadyClock()};
    // Seqlock-protected clock anchor: (clock ns at a buffer start, transport seconds there).
    std::atomic<std::uint64_t> anchorSeq_{0};
    std::atomic<std::int64_t> anchorNs_{0};
    std::atomic<double> anchorSeconds_{0.0};
    std::atomic<bool> anchorRolling_{false};
    std::atomic<bool> notePlayed_{false};
    std::atomic<std::uint32_t> liveOpen_{0};
    std::atomic<std::uint32_t> liveCut_{0};
    std::atomic<std::int64_t> liveCutNs_{0};
    std::atomic<std::uint32_t> liveEnded_{0};
    std::atomic<std::uint32_t> liveFirstAnswer_{0};
    std::atomic<std::int64_t> liveFirstNs_{0};
    std::atomic<int> liveSoundingCount_{0};
};

} // namespace continuo::audio
