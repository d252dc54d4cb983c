#include "continuo/audio/RecordingBuffer.h"

#include <algorithm>

namespace continuo::audio {

RecordingBuffer::RecordingBuffer(const TempoMap& tempo) : tempo_(tempo) {}

Tick RecordingBuffer::toTick(double seconds) const { return std::max<Tick>(0, tempo_.tickAt(seconds)); }

void RecordingBuffer::release(int channel, int pitch, Tick tick) {
    Held& h = held_[std::size_t(channel)][std::size_t(pitch)];
    if (!h.down) return; // a note-off with no note-on (pressed before recording started)
    Note n;
    n.pitch = pitch;
    n.velocity = h.velocity;
    n.start = h.start;
    n.length = std::max<Tick>(0, tick - h.start);
    n.channel = channel;
    notes_.push_back(n);
    h.down = false;
}

void RecordingBuffer::add(double seconds, const MidiMessage& m) {
    const Tick tick = toTick(seconds);
    const int ch = m.channel();
    activity_.lastSeconds = std::max(activity_.lastSeconds, seconds);
    if (m.isNoteOn()) activity_.lastNoteOnSeconds = seconds;
    if (m.type() == 0xB0 && m.data1 == 64) {
        if (m.data2 >= 64) pedals_ = std::uint16_t(pedals_ | (1u << ch));
        else pedals_ = std::uint16_t(pedals_ & ~(1u << ch));
    }
    switch (m.type()) {
    case 0x90:
    case 0x80:
        if (m.isNoteOn()) {
            release(ch, m.data1, tick); // same key struck again without a release
            held_[std::size_t(ch)][m.data1] = Held{true, tick, m.data2};
        } else {
            release(ch, m.data1, tick);
        }
        break;
    case 0xB0:
        events_.push_back({tick, ChannelEvent::Kind::Controller, ch, m.data1, m.data2});
        break;
    case 0xC0: events_.push_back({tick, ChannelEvent::Kind::Program, ch, m.data1, 0}); break;
    case 0xD0: events_.push_back({tick, ChannelEvent::Kind::ChannelPressure, ch, 0, m.data1}); break;
    case 0xA0: events_.push_back({tick, ChannelEvent::Kind::PolyPressure, ch, m.data1, m.data2}); break;
    case 0xE0: events_.push_back({tick, ChannelEvent::Kind::PitchBend, ch, 0, m.data1 | (m.data2 << 7)}); break;
    default: break;
    }
}

void RecordingBuffer::closeHeld(double seconds) {
    const Tick tick = toTick(seconds);
    for (int ch = 0; ch < 16; ++ch)
        for (int p = 0; p < 128; ++p) release(ch, p, tick);
}

int RecordingBuffer::heldCount() const {
    int n = 0;
    for (const auto& channel : held_)
        for (const Held& h : channel) n += h.down ? 1 : 0;
    return n;
}

InputActivity RecordingBuffer::activity() const {
    InputActivity a = activity_;
    a.heldKeys = heldCount();
    for (const auto& channel : held_)
        for (const Held& h : channel)
            if (h.down) {
                const double at = tempo_.secondsAt(h.start);
                if (a.earliestHeldSeconds < 0 || at < a.earliestHeldSeconds) a.earliestHeldSeconds = at;
            }
    a.pedalDown = pedals_ != 0;
    return a;
}

RecordedTake RecordingBuffer::takeNew() {
    RecordedTake out;
    out.notes.assign(notes_.begin() + std::ptrdiff_t(notesTaken_), notes_.end());
    out.events.assign(events_.begin() + std::ptrdiff_t(eventsTaken_), events_.end());
    notesTaken_ = notes_.size();
    eventsTaken_ = events_.size();
    std::sort(out.notes.begin(), out.notes.end(), noteLess);
    return out;
}

RecordedTake RecordingBuffer::finish(double endSeconds) {
    closeHeld(endSeconds);
    RecordedTake out;
    out.notes = notes_;
    out.events = events_;
    std::sort(out.notes.begin(), out.notes.end(), noteLess);
    std::stable_sort(out.events.begin(), out.events.end(),
                     [](const ChannelEvent& a, const ChannelEvent& b) { return a.tick < b.tick; });
    return out;
}

} // namespace continuo::audio
