#pragma once
// Tempo changes and time signatures, and conversion between ticks and seconds.
#include "continuo/core/Note.h"

#include <vector>

namespace continuo {

struct TempoChange {
    Tick tick = 0;
    double microsPerQuarter = 500000.0; ///< 500000 = 120 BPM
    double bpm() const { return 60'000'000.0 / microsPerQuarter; }
    bool operator==(const TempoChange&) const = default;
};

struct TimeSignature {
    Tick tick = 0;
    int numerator = 4;
    int denominator = 4; ///< 1, 2, 4, 8, 16, 32
    bool operator==(const TimeSignature&) const = default;
};

/// Piecewise-constant tempo. Always has a change at tick 0 (120 BPM unless told otherwise).
class TempoMap {
public:
    explicit TempoMap(int ticksPerQuarter = kTicksPerQuarter);

    int ticksPerQuarter() const { return ppq_; }
    /// Adds or replaces the change at `tick`; keeps the list sorted.
    void setTempo(Tick tick, double microsPerQuarter);
    void clear(double microsPerQuarter = 500000.0);
    const std::vector<TempoChange>& changes() const { return changes_; }

    double secondsAt(Tick tick) const;
    Tick tickAt(double seconds) const; ///< rounded to the nearest tick
    double bpmAt(Tick tick) const;

    /// The same tempo curve at another resolution.
    TempoMap rescaled(int newTicksPerQuarter) const;

private:
    int ppq_;
    std::vector<TempoChange> changes_;
    std::vector<double> secondsAtChange_; ///< cumulative seconds at each change
    void rebuild();
};

/// Ticks rescaled between resolutions, rounded to nearest (exact whenever it can be).
Tick rescaleTick(Tick tick, int fromPpq, int toPpq);

} // namespace continuo
