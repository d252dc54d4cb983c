#pragma once
// A whole piece: tracks of notes and events, tempo map and time signatures.
#include "continuo/core/Note.h"
#include "continuo/core/TempoMap.h"

#include <vector>

namespace continuo {

struct Sequence {
    int ticksPerQuarter = kTicksPerQuarter;
    TempoMap tempo{kTicksPerQuarter};
    std::vector<TimeSignature> timeSignatures{TimeSignature{}};
    std::vector<Track> tracks;
    /// The conductor track of a format-1 file (its first track, when it holds no notes and no
    /// channel events): its name and the raw events kept from it. Tempo and time signatures
    /// are in `tempo` and `timeSignatures`.
    std::string conductorName;
    std::vector<RawEvent> conductorEvents;
    Tick endTick = 0; ///< end of the piece (last event or end-of-track marker)

    std::size_t noteCount() const;
    double durationSeconds() const { return tempo.secondsAt(endTick); }
    /// All notes of all tracks, sorted by noteLess.
    std::vector<Note> allNotes() const;
    /// The same piece at another resolution (ticks rounded to nearest).
    Sequence rescaled(int newTicksPerQuarter) const;
    /// Recomputes endTick from the content (never shrinks below the last event).
    void updateEndTick();
};

} // namespace continuo
