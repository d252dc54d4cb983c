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
