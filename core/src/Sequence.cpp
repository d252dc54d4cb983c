#include "continuo/core/Sequence.h"

#include <algorithm>

namespace continuo {

std::size_t Sequence::noteCount() const {
    std::size_t n = 0;
    for (const Track& t : tracks)
        n += t.notes.size();
    return n;
}

std::vector<Note> Sequence::allNotes() const {
    std::vector<Note> out;
    out.reserve(noteCount());
    for (const Track& t : tracks)
        out.insert(out.end(), t.notes.begin(), t.notes.end());
    std::stable_sort(out.begin(), out.end(), noteLess);
    return out;
}

Sequence Sequence::rescaled(int to) const {
    Sequence out = *this;
    const int from = ticksPerQuarter;
    if (from == to) return out;
    out.ticksPerQuarter = to;
    out.tempo = tempo.rescaled(to);
    for (TimeSignature& ts : out.timeSignatures)
        ts.tick = rescaleTick(ts.tick, from, to);
    for (Track& t : out.tracks) {
        for (Note& n : t.notes) {
            Tick s = rescaleTick(n.start, from, to);
            Tick e = rescaleTick(n.end(), from, to);
            n.start = s;
            n.length = std::max<Tick>(0, e - s);
        }
        for (ChannelEvent& e : t.events)
            e.tick = rescaleTick(e.tick, from, to);
        for (RawEvent& e : t.rawEvents)
            e.tick = rescaleTick(e.tick, from, to);
    }
    for (RawEvent& e : out.conductorEvents)
        e.tick = rescaleTick(e.tick, from, to);
    out.endTick = rescaleTick(endTick, from, to);
    return out;
}

void Sequence::updateEndTick() {
    for (const Track& t : tracks)
        endTick = std::max(endTick, t.endTick());
    for (const TempoChange& c : tempo.changes())
        endTick = std::max(endTick, c.tick);
    for (const TimeSignature& ts : timeSignatures)
        endTick = std::max(endTick, ts.tick);
    for (const RawEvent& e : conductorEvents)
        endTick = std::max(endTick, e.tick);
}

} // namespace continuo
