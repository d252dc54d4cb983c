#pragma once
// What the audio thread plays: an immutable, flattened, time-sorted list of MIDI messages,
// with the tempo and metre needed to place beats and convert between ticks and seconds.
// Built on the UI thread after each edit (build() allocates); the audio thread only reads.
#include "continuo/audio/MidiMessage.h"
#include "continuo/core/Sequence.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace continuo::audio {

struct ScheduledMessage {
    double seconds = 0.0; ///< from tick 0 of the piece
    MidiMessage message;
};

/// Tick <-> seconds on a piecewise-constant tempo, usable on the audio thread (no
/// allocation). Ticks before 0 extrapolate the first tempo, which is what a count-in needs.
class TempoTable {
public:
    explicit TempoTable(const TempoMap& map = TempoMap{});
    double secondsAt(double tick) const noexcept;
    double tickAt(double seconds) const noexcept;
    int ticksPerQuarter() const noexcept { return ppq_; }

private:
    struct Segment {
        double tick;
        double seconds;
        double secondsPerTick;
    };
    std::vector<Segment> segments_;
    int ppq_ = kTicksPerQuarter;
};

struct Beat {
    double tick = 0.0;
    bool downbeat = false; ///< first beat of a bar (accented click)
};

/// Beat positions from the time signatures; the beat is the signature's denominator note.
class BeatGrid {
public:
    BeatGrid(const std::vector<TimeSignature>& signatures, int ticksPerQuarter);
    /// The first beat at or after `tick` (works for negative ticks too).
    Beat beatAtOrAfter(double tick) const noexcept;
    /// Length of the bar that contains `tick`, in ticks.
    double barTicksAt(double tick) const noexcept;

private:
    struct Metre {
        double tick;
        double beatTicks;
        int beatsPerBar;
    };
    std::vector<Metre> metres_;
};

class PlaybackSnapshot {
public:
    /// Flattens tracks into messages: each track's program first, then notes and channel
    /// events in time order; at equal times note-offs precede note-ons, so repeated notes
    /// retrigger. Ticks are at the tempo map's resolution.
    static std::unique_ptr<PlaybackSnapshot> build(const std::vector<Track>& tracks, const TempoMap& tempo,
                                                   const std::vector<TimeSignature>& signatures,
                                                   Tick endTick = 0);
    static std::unique_ptr<PlaybackSnapshot> build(const Sequence& sequence);
    /// Nothing to play: 120 BPM, 4/4 (the metronome still has a grid).
    static std::unique_ptr<PlaybackSnapshot> empty();

    const std::vector<ScheduledMessage>& messages() const { return messages_; }
    /// Program changes sent whenever playback starts.
    const std::vector<MidiMessage>& setup() const { return setup_; }
    const TempoTable& tempo() const { return tempo_; }
    const BeatGrid& beats() const { return beats_; }
    double endSeconds() const { return endSeconds_; }
    Tick endTick() const { return endTick_; }
    /// Index of the first message at or after `seconds` (binary search; audio-thread safe).
    std::size_t firstAtOrAfter(double seconds) const noexcept;
    /// Sends the state the messages before `index` leave each channel in: the last value of
    /// every controller (a held sustain pedal), the last program, pitch bend and channel
    /// pressure. Playback starting or looping mid-piece calls it so that it sounds as if it had
    /// played from the start. Walks back from `index` once; no allocation (audio-thread safe).
    template <class Send> void chase(std::size_t index, Send&& send) const noexcept {
        // Per channel: 128 controller bits, then program, pitch bend and pressure.
        std::uint64_t seen[16][3] = {};
        auto first = [&](int channel, int slot) {
            std::uint64_t& word = seen[channel][slot >> 6];
            const std::uint64_t bit = std::uint64_t(1) << (slot & 63);
            if (word & bit) return false;
            word |= bit;
            return true;
        };
        for (std::size_t i = std::min(index, messages_.size()); i-- > 0;) {
            const MidiMessage& m = messages_[i].message;
            int slot = -1;
            switch (m.type()) {
            case 0xB0: slot = m.data1 < 120 ? m.data1 : -1; break; // 120..127: channel mode, not state
            case 0xC0: slot = 128; break;
            case 0xE0: slot = 129; break;
            case 0xD0: slot = 130; break;
            default: break;
            }
            if (slot >= 0 && first(m.channel(), slot)) send(m);
        }
    }

private:
    PlaybackSnapshot(const TempoMap& tempo, const std::vector<TimeSignature>& signatures);
    std::vector<ScheduledMessage> messages_;
    std::vector<MidiMessage> setup_;
    TempoTable tempo_;
    BeatGrid beats_;
    double endSeconds_ = 0.0;
    Tick endTick_ = 0;
};

} // namespace continuo::audio
