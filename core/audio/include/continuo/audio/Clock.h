#pragma once
// The clock that MIDI input stamps what is played with. It has to be the clock the transport's
// anchor was stamped with (the clockNs of Transport::process), since
// Transport::transportSecondsAt maps one onto the other; the transport names it
// (Transport::clock), and MidiInput reads it there. The engine uses std::chrono::steady_clock
// unless told otherwise (AudioOptions::clock); a transport driven by hand comes with a clock of
// its own, so that when a key was played is a time its caller chose, not the moment a thread
// happened to run.
#include <cstdint>

namespace continuo::audio {

class Clock {
public:
    virtual ~Clock() = default;
    /// Now, in nanoseconds. Called on the audio thread and on MIDI driver threads (JACK's are
    /// real-time): must not allocate, lock or block.
    virtual std::int64_t nowNs() const noexcept = 0;
    /// True when a MIDI driver's delta times (seconds of real time between two messages) are
    /// durations on this clock, so that they can place a burst of messages delivered late
    /// (MidiArrival). A clock that keeps a pace of its own says false: each message is then
    /// stamped with nowNs() when it arrives.
    virtual bool followsDriverTime() const noexcept { return false; }
};

/// std::chrono::steady_clock: the one MIDI drivers' delta times follow.
const Clock& steadyClock() noexcept;

/// When each message of one MIDI input was played, on a clock that follows the driver's time.
/// The driver's delta times keep the spacing between messages, exact even when a burst is
/// delivered late; `nowNs` anchors them. It anchors again at the first message, and whenever
/// the two disagree by more than 20 ms (a long pause, a driver that drifts); a message is never
/// placed after `nowNs`. Real-time safe: it runs on the driver's thread.
class MidiArrival {
public:
    std::int64_t stamp(double driverDeltaSeconds, std::int64_t nowNs) noexcept;
    /// Forget the anchor (a new port: the next delta is not from the last message).
    void reset() noexcept { anchored_ = false; }

private:
    bool anchored_ = false;
    std::int64_t anchorNs_ = 0;
    double elapsed_ = 0.0;
};

} // namespace continuo::audio
