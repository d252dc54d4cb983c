#include "continuo/audio/PlaybackSnapshot.h"

#include <algorithm>
#include <cmath>

namespace continuo::audio {

TempoTable::TempoTable(const TempoMap& map) : ppq_(map.ticksPerQuarter()) {
    for (const TempoChange& c : map.changes())
        segments_.push_back({double(c.tick), map.secondsAt(c.tick), c.microsPerQuarter / (1e6 * ppq_)});
    if (segments_.empty()) segments_.push_back({0.0, 0.0, 0.5 / ppq_});
}

double TempoTable::secondsAt(double tick) const noexcept {
    auto it = std::upper_bound(segments_.begin(), segments_.end(), tick,
                               [](double t, const Segment& s) { return t < s.tick; });
    const Segment& s = it == segments_.begin() ? segments_.front() : *(it - 1);
    return s.seconds + (tick - s.tick) * s.secondsPerTick;
}

double TempoTable::tickAt(double seconds) const noexcept {
    auto it = std::upper_bound(segments_.begin(), segments_.end(), seconds,
                               [](double sec, const Segment& s) { return sec < s.seconds; });
    const Segment& s = it == segments_.begin() ? segments_.front() : *(it - 1);
    return s.tick + (seconds - s.seconds) / s.secondsPerTick;
}

BeatGrid::BeatGrid(const std::vector<TimeSignature>& signatures, int ppq) {
    for (const TimeSignature& ts : signatures) {
        const int den = ts.denominator > 0 ? ts.denominator : 4;
        Metre m{double(ts.tick), 4.0 * ppq / den, std::max(1, ts.numerator)};
        if (!metres_.empty() && metres_.back().tick == m.tick) metres_.back() = m;
        else metres_.push_back(m);
    }
    if (metres_.empty() || metres_.front().tick > 0) metres_.insert(metres_.begin(), Metre{0.0, double(ppq), 4});
}

Beat BeatGrid::beatAtOrAfter(double tick) const noexcept {
    auto it = std::upper_bound(metres_.begin(), metres_.end(), tick,
                               [](double t, const Metre& m) { return t < m.tick; });
    std::size_t i = it == metres_.begin() ? 0 : std::size_t(it - metres_.begin()) - 1;
    const Metre& m = metres_[i];
    // A little slack so that a beat computed from a rounded sample position is not skipped.
    const double k = std::ceil((tick - m.tick) / m.beatTicks - 1e-9);
    const double beatTick = m.tick + k * m.beatTicks;
    if (i + 1 < metres_.size() && beatTick >= metres_[i + 1].tick)
        return Beat{metres_[i + 1].tick, true}; // a new signature starts a new bar
    const long long index = (long long)k;
    const long long inBar = ((index % m.beatsPerBar) + m.beatsPerBar) % m.beatsPerBar;
    return Beat{beatTick, inBar == 0};
}

double BeatGrid::barTicksAt(double tick) const noexcept {
    auto it = std::upper_bound(metres_.begin(), metres_.end(), tick,
                               [](double t, const Metre& m) { return t < m.tick; });
    const Metre& m = it == metres_.begin() ? metres_.front() : *(it - 1);
    return m.beatTicks * m.beatsPerBar;
}

PlaybackSnapshot::PlaybackSnapshot(const TempoMap& tempo, const std::vector<TimeSignature>& signatures)
    : tempo_(tempo), beats_(signatures, tempo.ticksPerQuarter()) {}

std::unique_ptr<PlaybackSnapshot> PlaybackSnapshot::build(const std::vector<Track>& tracks, const TempoMap& tempo,
                                                          const std::vector<TimeSignature>& signatures,
                                                          Tick endTick) {
    std::unique_ptr<PlaybackSnapshot> s(new PlaybackSnapshot(tempo, signatures));
    // Sort key: tick, then a rank so that at one instant controllers come first (a pedal
    // press and a chord on the same tick), then note-offs, then note-ons.
    struct Item {
        Tick tick;
        int rank;
        MidiMessage message;
    };
    std::vector<Item> items;
    std::size_t total = 0;
    for (const Track& t : tracks) total += 2 * t.notes.size() + t.events.size();
    items.reserve(total);
    Tick last = endTick;
    bool channelSeen[16] = {};
    for (const Track& t : tracks) {
        const int trackChannel = std::clamp(t.channel, 0, 15);
        if (!channelSeen[trackChannel] && trackChannel != 9) {
            s->setup_.push_back(MidiMessage::program(trackChannel, t.program));
            channelSeen[trackChannel] = true;
        }
        for (const Note& n : t.notes) {
            const int ch = std::clamp(n.channel, 0, 15);
            const int vel = std::clamp(n.velocity, 1, 127);
            items.push_back({n.start, 2, MidiMessage::noteOn(ch, n.pitch, vel)});
            items.push_back({n.end(), 1, MidiMessage::noteOff(ch, n.pitch)});
            last = std::max(last, n.end());
        }
        for (const ChannelEvent& e : t.events) {
            const int ch = std::clamp(e.channel, 0, 15);
            MidiMessage m;
            switch (e.kind) {
            case ChannelEvent::Kind::Controller: m = MidiMessage::controller(ch, e.number, e.value); break;
            case ChannelEvent::Kind::Program: m = MidiMessage::program(ch, e.number); break;
            case ChannelEvent::Kind::PitchBend:
                m = {std::uint8_t(0xE0 | ch), std::uint8_t(e.value & 127), std::uint8_t((e.value >> 7) & 127)};
                break;
            case ChannelEvent::Kind::ChannelPressure:
                m = {std::uint8_t(0xD0 | ch), std::uint8_t(e.value & 127), 0};
                break;
            case ChannelEvent::Kind::PolyPressure:
                m = {std::uint8_t(0xA0 | ch), std::uint8_t(e.number & 127), std::uint8_t(e.value & 127)};
                break;
            }
            items.push_back({e.tick, 0, m});
            last = std::max(last, e.tick);
        }
    }
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
        return a.tick != b.tick ? a.tick < b.tick : a.rank < b.rank;
    });
    s->messages_.reserve(items.size());
    for (const Item& it : items) s->messages_.push_back({s->tempo_.secondsAt(double(it.tick)), it.message});
    s->endTick_ = last;
    s->endSeconds_ = s->tempo_.secondsAt(double(last));
    return s;
}

std::unique_ptr<PlaybackSnapshot> PlaybackSnapshot::build(const Sequence& sequence) {
    return build(sequence.tracks, sequence.tempo, sequence.timeSignatures, sequence.endTick);
}

std::unique_ptr<PlaybackSnapshot> PlaybackSnapshot::empty() {
    return build(std::vector<Track>{}, TempoMap{}, std::vector<TimeSignature>{TimeSignature{}});
}

std::size_t PlaybackSnapshot::firstAtOrAfter(double seconds) const noexcept {
    auto it = std::lower_bound(messages_.begin(), messages_.end(), seconds,
                               [](const ScheduledMessage& m, double s) { return m.seconds < s; });
    return std::size_t(it - messages_.begin());
}

} // namespace continuo::audio
