#include "continuo/core/TempoMap.h"

#include <algorithm>
#include <cmath>

namespace continuo {

TempoMap::TempoMap(int ticksPerQuarter) : ppq_(std::max(1, ticksPerQuarter)) {
    changes_.push_back({0, 500000.0});
    rebuild();
}

void TempoMap::clear(double microsPerQuarter) {
    if (!(microsPerQuarter > 0.0)) microsPerQuarter = 500000.0;
    changes_.assign(1, TempoChange{0, microsPerQuarter});
    rebuild();
}

void TempoMap::setTempo(Tick tick, double microsPerQuarter) {
    tick = std::max<Tick>(0, tick);
    if (!(microsPerQuarter > 0.0)) return;
    // Appending after the last change (what a file reader does, in tick order) only needs
    // the new entry's cumulative seconds: loading n changes stays linear, not quadratic.
    if (tick > changes_.back().tick) {
        secondsAtChange_.push_back(secondsAt(tick));
        changes_.push_back(TempoChange{tick, microsPerQuarter});
        return;
    }
    auto it = std::lower_bound(changes_.begin(), changes_.end(), tick,
                               [](const TempoChange& c, Tick t) { return c.tick < t; });
    if (it != changes_.end() && it->tick == tick)
        it->microsPerQuarter = microsPerQuarter;
    else
        changes_.insert(it, TempoChange{tick, microsPerQuarter});
    rebuild();
}

void TempoMap::rebuild() {
    secondsAtChange_.resize(changes_.size());
    double seconds = 0.0;
    for (std::size_t i = 0; i < changes_.size(); ++i) {
        if (i > 0)
            seconds += double(changes_[i].tick - changes_[i - 1].tick) *
                       changes_[i - 1].microsPerQuarter / (1e6 * ppq_);
        secondsAtChange_[i] = seconds;
    }
}

double TempoMap::secondsAt(Tick tick) const {
    auto it = std::upper_bound(changes_.begin(), changes_.end(), tick,
                               [](Tick t, const TempoChange& c) { return t < c.tick; });
    std::size_t i = it == changes_.begin() ? 0 : std::size_t(it - changes_.begin()) - 1;
    return secondsAtChange_[i] +
           double(tick - changes_[i].tick) * changes_[i].microsPerQuarter / (1e6 * ppq_);
}

Tick TempoMap::tickAt(double seconds) const {
    auto it = std::upper_bound(secondsAtChange_.begin(), secondsAtChange_.end(), seconds);
    std::size_t i =
        it == secondsAtChange_.begin() ? 0 : std::size_t(it - secondsAtChange_.begin()) - 1;
    double ticks = double(changes_[i].tick) +
                   (seconds - secondsAtChange_[i]) * 1e6 * ppq_ / changes_[i].microsPerQuarter;
    return Tick(std::llround(ticks));
}

double TempoMap::bpmAt(Tick tick) const {
    auto it = std::upper_bound(changes_.begin(), changes_.end(), tick,
                               [](Tick t, const TempoChange& c) { return t < c.tick; });
    return (it == changes_.begin() ? changes_.front() : *(it - 1)).bpm();
}

TempoMap TempoMap::rescaled(int newTicksPerQuarter) const {
    TempoMap out(newTicksPerQuarter);
    out.changes_.clear();
    for (const TempoChange& c : changes_) {
        // At a coarser resolution two changes can land on one tick: the later one wins,
        // as it would have from that tick on.
        const Tick t = rescaleTick(c.tick, ppq_, out.ppq_);
        if (!out.changes_.empty() && out.changes_.back().tick == t)
            out.changes_.back().microsPerQuarter = c.microsPerQuarter;
        else
            out.changes_.push_back({t, c.microsPerQuarter});
    }
    out.rebuild();
    return out;
}

__extension__ typedef __int128 WideTick; // exact products of 64-bit ticks

Tick rescaleTick(Tick tick, int fromPpq, int toPpq) {
    if (fromPpq == toPpq) return tick;
    // Round half away from zero, in integer arithmetic so it is exact for any file.
    WideTick num = (WideTick)tick * toPpq * 2 + (tick >= 0 ? fromPpq : -fromPpq);
    return Tick(num / (2 * (WideTick)fromPpq));
}

} // namespace continuo
