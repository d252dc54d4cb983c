// Standard MIDI File writer: format 1 (conductor track, then one track per part) or
// format 0 (everything in one track), at a chosen resolution. Meta and sysex events the
// reader kept (RawEvent) are written back byte for byte at their ticks on their tracks.
#include "continuo/core/MidiFile.h"

#include <algorithm>
#include <cmath>

namespace continuo {
namespace {

struct Event {
    Tick tick;
    int order; ///< at one tick: note-offs, then meta/controllers, then note-ons, then zero-length
               ///< offs
    std::vector<std::uint8_t> bytes;
};

void putVlq(std::vector<std::uint8_t>& out, std::uint32_t v) {
    std::uint8_t buf[5];
    int n = 0;
    buf[n++] = v & 0x7F;
    while (v >>= 7)
        buf[n++] = std::uint8_t(0x80 | (v & 0x7F));
    while (n)
        out.push_back(buf[--n]);
}

void putBe(std::vector<std::uint8_t>& out, std::uint32_t v, int n) {
    for (int i = n - 1; i >= 0; --i)
        out.push_back(std::uint8_t(v >> (8 * i)));
}

std::uint8_t clamp7(int v) {
    return std::uint8_t(std::clamp(v, 0, 127));
}

/// A track name (FF 03) at tick 0, first at that tick.
void addName(std::vector<Event>& ev, const std::string& name) {
    if (name.empty()) return;
    std::vector<std::uint8_t> b{0xFF, 0x03};
    putVlq(b, std::uint32_t(name.size()));
    b.insert(b.end(), name.begin(), name.end());
    ev.push_back({0, 0, std::move(b)});
}

/// Kept meta and sysex events, byte for byte, at their ticks; at one tick before the channel
/// messages added after them (a reset sysex comes before the program changes it would undo).
void addRaw(std::vector<Event>& ev, const std::vector<RawEvent>& raw) {
    for (const RawEvent& e : raw) {
        std::vector<std::uint8_t> b;
        b.reserve(e.data.size() + 7);
        switch (e.kind) {
        case RawEvent::Kind::Meta:
            b.push_back(0xFF);
            b.push_back(std::uint8_t(e.type));
            break;
        case RawEvent::Kind::Sysex: b.push_back(0xF0); break;
        case RawEvent::Kind::Escape: b.push_back(0xF7); break;
        }
        // A length is one variable-length quantity (28 bits); kMaxRawEventBytes is far below.
        const std::size_t n = std::min<std::size_t>(e.data.size(), 0x0FFFFFFF);
        putVlq(b, std::uint32_t(n));
        b.insert(b.end(), e.data.begin(), e.data.begin() + std::ptrdiff_t(n));
        ev.push_back({e.tick, 1, std::move(b)});
    }
}

void addConductor(std::vector<Event>& ev, const Sequence& s) {
    addName(ev, s.conductorName);
    addRaw(ev, s.conductorEvents);
    for (const TempoChange& t : s.tempo.changes()) {
        auto us = std::uint32_t(std::clamp(std::lround(t.microsPerQuarter), 1L, 0xFFFFFFL));
        ev.push_back(
            {t.tick,
             1,
             {0xFF, 0x51, 0x03, std::uint8_t(us >> 16), std::uint8_t(us >> 8), std::uint8_t(us)}});
    }
    for (const TimeSignature& ts : s.timeSignatures) {
        int log2 = 0;
        while ((1 << log2) < ts.denominator && log2 < 6)
            ++log2;
        ev.push_back(
            {ts.tick, 1, {0xFF, 0x58, 0x04, clamp7(ts.numerator), std::uint8_t(log2), 24, 8}});
    }
}

void addTrack(std::vector<Event>& ev, const Track& t) {
    addName(ev, t.name);
    addRaw(ev, t.rawEvents);
    bool hasProgram = std::any_of(t.events.begin(), t.events.end(), [](const ChannelEvent& e) {
        return e.kind == ChannelEvent::Kind::Program;
    });
    if (!hasProgram && t.program > 0)
        ev.push_back({0, 1, {std::uint8_t(0xC0 | (t.channel & 0x0F)), clamp7(t.program)}});
    for (const ChannelEvent& e : t.events) {
        std::uint8_t ch = std::uint8_t(e.channel & 0x0F);
        switch (e.kind) {
        case ChannelEvent::Kind::Controller:
            ev.push_back({e.tick, 1, {std::uint8_t(0xB0 | ch), clamp7(e.number), clamp7(e.value)}});
            break;
        case ChannelEvent::Kind::Program:
            ev.push_back({e.tick, 1, {std::uint8_t(0xC0 | ch), clamp7(e.number)}});
            break;
        case ChannelEvent::Kind::PitchBend: {
            int v = std::clamp(e.value, 0, 16383);
            ev.push_back({e.tick,
                          1,
                          {std::uint8_t(0xE0 | ch), std::uint8_t(v & 0x7F), std::uint8_t(v >> 7)}});
            break;
        }
        case ChannelEvent::Kind::ChannelPressure:
            ev.push_back({e.tick, 1, {std::uint8_t(0xD0 | ch), clamp7(e.value)}});
            break;
        case ChannelEvent::Kind::PolyPressure:
            ev.push_back({e.tick, 1, {std::uint8_t(0xA0 | ch), clamp7(e.number), clamp7(e.value)}});
            break;
        }
    }
    for (const Note& n : t.notes) {
        std::uint8_t ch = std::uint8_t(n.channel & 0x0F);
        std::uint8_t key = clamp7(n.pitch);
        ev.push_back(
            {n.start,
             2,
             {std::uint8_t(0x90 | ch), key, std::uint8_t(std::clamp(n.velocity, 1, 127))}});
        ev.push_back({n.end(), n.length > 0 ? 0 : 3, {std::uint8_t(0x80 | ch), key, 64}});
    }
}

/// Largest delta time a variable-length quantity can hold (28 bits).
constexpr Tick kMaxDelta = 0x0FFFFFFF;

/// Writes a delta time. A longer gap than one VLQ can hold is bridged with empty text meta
/// events (FF 01 00) after the longest delta, which readers ignore (ours knows them as such), so no time is lost however far apart events are.
/// Returns true if it had to write a meta event (which cancels running status).
bool putDelta(std::vector<std::uint8_t>& body, Tick delta) {
    bool bridged = false;
    while (delta > kMaxDelta) {
        putVlq(body, std::uint32_t(kMaxDelta));
        body.insert(body.end(), {0xFF, 0x01, 0x00});
        delta -= kMaxDelta;
        bridged = true;
    }
    putVlq(body, std::uint32_t(std::max<Tick>(delta, 0)));
    return bridged;
}

void putTrackChunk(std::vector<std::uint8_t>& out, std::vector<Event> ev, Tick endTick) {
    std::stable_sort(ev.begin(), ev.end(), [](const Event& a, const Event& b) {
        return a.tick != b.tick ? a.tick < b.tick : a.order < b.order;
    });
    std::vector<std::uint8_t> body;
    body.reserve(ev.size() * 4 + 16);
    Tick last = 0;
    // Running status, as MIDI files usually have it: a channel message with the same status
    // byte as the previous one omits it. Meta and sysex events cancel it (SMF 1.0).
    std::uint8_t running = 0;
    for (const Event& e : ev) {
        const Tick at = std::max<Tick>(e.tick, last);
        if (putDelta(body, at - last)) running = 0;
        const std::uint8_t status = e.bytes.front();
        if (status >= 0xF0) {
            running = 0;
            body.insert(body.end(), e.bytes.begin(), e.bytes.end());
        } else if (status == running) {
            body.insert(body.end(), e.bytes.begin() + 1, e.bytes.end());
        } else {
            running = status;
            body.insert(body.end(), e.bytes.begin(), e.bytes.end());
        }
        last = at;
    }
    putDelta(body, std::max<Tick>(endTick - last, 0));
    body.insert(body.end(), {0xFF, 0x2F, 0x00});
    out.insert(out.end(), {'M', 'T', 'r', 'k'});
    putBe(out, std::uint32_t(body.size()), 4);
    out.insert(out.end(), body.begin(), body.end());
}

} // namespace

std::vector<std::uint8_t> writeMidi(const Sequence& input, const MidiWriteOptions& options) {
    const int ppq = std::clamp(options.ticksPerQuarter, 1, 0x7FFF);
    Sequence s = input.ticksPerQuarter == ppq ? input : input.rescaled(ppq);
    const bool type0 = options.format == 0;
    std::vector<std::uint8_t> out;
    out.insert(out.end(), {'M', 'T', 'h', 'd', 0, 0, 0, 6});
    putBe(out, type0 ? 0 : 1, 2);
    putBe(out, std::uint32_t(type0 ? 1 : 1 + s.tracks.size()), 2);
    putBe(out, std::uint32_t(ppq), 2);
    if (type0) {
        std::vector<Event> ev;
        addConductor(ev, s);
        for (const Track& t : s.tracks)
            addTrack(ev, t);
        putTrackChunk(out, std::move(ev), s.endTick);
    } else {
        std::vector<Event> conductor;
        addConductor(conductor, s);
        putTrackChunk(out, std::move(conductor), s.endTick);
        for (const Track& t : s.tracks) {
            std::vector<Event> ev;
            addTrack(ev, t);
            putTrackChunk(out, std::move(ev), s.endTick);
        }
    }
    return out;
}

Expected<bool> writeMidiFile(const std::string& path, const Sequence& sequence,
                             const MidiWriteOptions& options) {
    auto bytes = writeMidi(sequence, options);
    return writeFileAtomically(path, bytes);
}

} // namespace continuo
