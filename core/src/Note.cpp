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
    sortRawEvents(rawEvents);
}

void sortRawEvents(std::vector<RawEvent>& events) {
    std::stable_sort(events.begin(), events.end(),
                     [](const RawEvent& a, const RawEvent& b) { return a.tick < b.tick; });
}

const char* rawEventCategory(const RawEvent& e) {
    if (e.kind == RawEvent::Kind::Sysex) return "sysex";
    if (e.kind == RawEvent::Kind::Escape) return "sysexEscape";
    switch (e.type) {
    case 0x00: return "sequenceNumber";
    case 0x01: return "text";
    case 0x02: return "copyright";
    case 0x03: return "trackName";
    case 0x04: return "instrumentName";
    case 0x05: return "lyric";
    case 0x06: return "marker";
    case 0x07: return "cuePoint";
    case 0x08: return "programName";
    case 0x09: return "deviceName";
    case 0x20: return "channelPrefix";
    case 0x21: return "port";
    case 0x54: return "smpteOffset";
    case 0x59: return "keySignature";
    case 0x7F: return "sequencerSpecific";
    default: return "otherMeta";
    }
}

Tick Track::endTick() const {
    Tick end = 0;
    for (const Note& n : notes) end = std::max(end, n.end());
    for (const ChannelEvent& e : events) end = std::max(end, e.tick);
    for (const RawEvent& e : rawEvents) end = std::max(end, e.tick);
    return end;
}

} // namespace continuo
