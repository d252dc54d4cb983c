#include "continuo/core/Note.h"

#include <algorithm>
#include <tuple>

namespace continuo {

bool noteLess(const Note& a, const Note& b) {
    return std::tie(a.start, a.pitch, a.length, a.channel, a.velocity, a.id) <
           std::tie(b.start, b.pitch, b.length, b.channel, b.velocity, b.id);
}

void Track::sort() {
    std::stable_sort(notes.begin(), notes.end(), noteLess);
    std::stable_sort(events.begin(), events.end(),
                     [](const ChannelEvent& a, const ChannelEvent& b) { return a.tick < b.tick; });
}

Tick Track::endTick() const {
    Tick end = 0;
    for (const Note& n : notes) end = std::max(end, n.end());
    for (const ChannelEvent& e : events) end = std::max(end, e.tick);
    return end;
}

} // namespace continuo
