#pragma once
// Turns timestamped MIDI messages into notes and channel events on the transport's tick
// timeline, as played: no quantize. UI thread only (MidiInput feeds it from its queue).
#include "continuo/audio/MidiMessage.h"
#include "continuo/core/Note.h"
#include "continuo/core/TempoMap.h"

#include <array>
#include <vector>

namespace continuo::audio {

struct RecordedTake {
    std::vector<Note> notes;          ///< sorted by noteLess
    std::vector<ChannelEvent> events; ///< sustain pedal, other controllers, bends...
    bool interrupted = false;         ///< the input went away during the take
};

/// What the player is doing, as far as the messages added so far tell.
struct InputActivity {
    int heldKeys = 0;
    bool pedalDown = false;         ///< the sustain pedal of any channel
    double lastSeconds = -1;        ///< transport time of the last message (< 0: none yet)
    double lastNoteOnSeconds = -1;  ///< of the last key struck
    double earliestHeldSeconds = -1; ///< when the longest-held key still down was struck (< 0: none)
};

class RecordingBuffer {
public:
    explicit RecordingBuffer(const TempoMap& tempo = TempoMap{});

    /// `seconds`: transport time (seconds from tick 0). Ticks before 0 are clamped to 0.
    void add(double seconds, const MidiMessage& message);
    /// Releases every held key at `seconds` (end of take, or the keyboard vanished).
    void closeHeld(double seconds);
    /// Notes finished and events recorded since the last call (for live display).
    RecordedTake takeNew();
    /// Everything so far, sorted; held keys are closed at `endSeconds`.
    RecordedTake finish(double endSeconds);
    int heldCount() const;
    InputActivity activity() const;

private:
    Tick toTick(double seconds) const;
    void release(int channel, int pitch, Tick tick);

    TempoMap tempo_;
    struct Held {
        bool down = false;
        Tick start = 0;
        int velocity = 0;
    };
    std::array<std::array<Held, 128>, 16> held_{};
    std::vector<Note> notes_;
    std::vector<ChannelEvent> events_;
    std::size_t notesTaken_ = 0, eventsTaken_ = 0;
    InputActivity activity_;
    std::uint16_t pedals_ = 0; ///< channels whose sustain pedal is down
};

} // namespace continuo::audio
