// Standard MIDI File reader. Every read is bounds-checked against the bytes actually
// present; a length field can never make us read past the end or allocate more than the
// file could hold. Errors carry the byte offset and what was expected there.
#include "continuo/core/MidiFile.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <deque>
#include <sstream>

namespace continuo {
namespace {

struct ParseError {
    std::size_t offset;
    std::string what;
};

class ByteReader {
public:
    ByteReader(std::span<const std::uint8_t> bytes, std::size_t begin, std::size_t end)
        : bytes_(bytes), pos_(begin), end_(end) {}

    std::size_t pos() const { return pos_; }
    std::size_t remaining() const { return end_ - pos_; }
    bool atEnd() const { return pos_ >= end_; }

    std::uint8_t u8(const char* what) {
        if (pos_ >= end_) throw ParseError{pos_, std::string("unexpected end of data, expected ") + what};
        return bytes_[pos_++];
    }
    std::uint32_t be(int n, const char* what) {
        if (remaining() < std::size_t(n))
            throw ParseError{pos_, std::string("unexpected end of data, expected ") + what};
        std::uint32_t v = 0;
        for (int i = 0; i < n; ++i) v = (v << 8) | bytes_[pos_++];
        return v;
    }
    /// Variable-length quantity: at most 4 bytes (28 bits), as the standard requires.
    std::uint32_t vlq(const char* what) {
        std::size_t start = pos_;
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) {
            std::uint8_t b = u8(what);
            v = (v << 7) | (b & 0x7F);
            if (!(b & 0x80)) return v;
        }
        throw ParseError{start, std::string("variable-length quantity longer than 4 bytes in ") + what};
    }
    void skip(std::size_t n, const char* what) {
        if (remaining() < n) {
            std::ostringstream s;
            s << what << " claims " << n << " bytes but only " << remaining() << " remain";
            throw ParseError{pos_, s.str()};
        }
        pos_ += n;
    }
    std::span<const std::uint8_t> take(std::size_t n, const char* what) {
        std::size_t at = pos_;
        skip(n, what);
        return bytes_.subspan(at, n);
    }
    std::uint8_t dataByte(const char* what) {
        std::size_t at = pos_;
        std::uint8_t b = u8(what);
        if (b & 0x80) {
            std::ostringstream s;
            s << "expected a data byte (< 0x80) for " << what << ", found 0x" << std::hex << int(b);
            throw ParseError{at, s.str()};
        }
        return b;
    }

private:
    std::span<const std::uint8_t> bytes_;
    std::size_t pos_;
    std::size_t end_;
};

struct OpenNote {
    Tick start;
    int velocity;
};

struct TrackParse {
    Track track;
    std::vector<TempoChange> tempos;
    std::vector<TimeSignature> timeSignatures;
    Tick endTick = 0;
    bool sawEndOfTrack = false;
};

TrackParse parseTrack(ByteReader& r) {
    TrackParse out;
    Track& track = out.track;
    track.channel = -1;
    track.program = -1;
    // Open notes per (channel, key), paired first-in first-out: a second note-on of a key
    // that is still sounding opens a second note, and the next note-off closes the oldest.
    std::vector<std::deque<OpenNote>> open(16 * 128);
    Tick tick = 0;
    std::uint8_t running = 0;

    auto closeNote = [&](int channel, int key, Tick at) {
        auto& q = open[std::size_t(channel * 128 + key)];
        if (q.empty()) return; // note-off with no open note: ignored
        OpenNote on = q.front();
        q.pop_front();
        Note n;
        n.pitch = key;
        n.velocity = on.velocity;
        n.start = on.start;
        n.length = at - on.start;
        n.channel = channel;
        track.notes.push_back(n);
    };

    while (!r.atEnd()) {
        tick += r.vlq("a delta time");
        std::size_t statusAt = r.pos();
        std::uint8_t b = r.u8("an event");
        if (b == 0xFF) {
            std::uint8_t type = r.u8("a meta event type");
            std::uint32_t len = r.vlq("a meta event length");
            auto data = r.take(len, "meta event");
            if (type == 0x2F) {
                out.sawEndOfTrack = true;
                break; // anything after end-of-track inside the chunk is ignored
            } else if (type == 0x51) {
                if (len != 3) throw ParseError{statusAt, "tempo meta event must have 3 data bytes"};
                std::uint32_t us = (std::uint32_t(data[0]) << 16) | (std::uint32_t(data[1]) << 8) | data[2];
                if (us > 0) out.tempos.push_back({tick, double(us)});
            } else if (type == 0x58) {
                if (len >= 2 && data[1] <= 6 && data[0] > 0)
                    out.timeSignatures.push_back({tick, int(data[0]), 1 << data[1]});
            } else if (type == 0x03 && track.name.empty()) {
                track.name.assign(data.begin(), data.end());
            }
            continue;
        }
        if (b == 0xF0 || b == 0xF7) {
            std::uint32_t len = r.vlq("a sysex length");
            r.skip(len, "sysex event");
            continue;
        }
        std::uint8_t status;
        std::uint8_t d1;
        if (b & 0x80) {
            if (b >= 0xF0) {
                std::ostringstream s;
                s << "unexpected system message 0x" << std::hex << int(b) << " in a track";
                throw ParseError{statusAt, s.str()};
            }
            status = b;
            running = b;
            d1 = r.dataByte("a channel message");
        } else {
            if (!running) throw ParseError{statusAt, "data byte with no running status"};
            status = running;
            d1 = b;
        }
        const int channel = status & 0x0F;
        const int kind = status & 0xF0;
        const bool twoBytes = kind != 0xC0 && kind != 0xD0;
        std::uint8_t d2 = twoBytes ? r.dataByte("a channel message") : 0;
        if (track.channel < 0) track.channel = channel;
        switch (kind) {
        case 0x90:
            if (d2 > 0) {
                open[std::size_t(channel * 128 + d1)].push_back({tick, d2});
                break;
            }
            [[fallthrough]]; // note-on with velocity 0 is a note-off
        case 0x80:
            closeNote(channel, d1, tick);
            break;
        case 0xA0:
            track.events.push_back({tick, ChannelEvent::Kind::PolyPressure, channel, d1, d2});
            break;
        case 0xB0:
            track.events.push_back({tick, ChannelEvent::Kind::Controller, channel, d1, d2});
            break;
        case 0xC0:
            if (track.program < 0) track.program = d1;
            track.events.push_back({tick, ChannelEvent::Kind::Program, channel, d1, 0});
            break;
        case 0xD0:
            track.events.push_back({tick, ChannelEvent::Kind::ChannelPressure, channel, 0, d1});
            break;
        case 0xE0:
            track.events.push_back({tick, ChannelEvent::Kind::PitchBend, channel, 0, d1 | (d2 << 7)});
            break;
        }
    }
    out.endTick = tick;
    // Notes still sounding at the end of the track end there.
    for (int key = 0; key < 16 * 128; ++key)
        while (!open[std::size_t(key)].empty()) closeNote(key / 128, key % 128, tick);
    if (track.channel < 0) track.channel = 0;
    if (track.program < 0) track.program = 0;
    track.sort();
    return out;
}

std::string chunkId(std::span<const std::uint8_t> id) {
    std::string s;
    for (std::uint8_t c : id) s += (c >= 32 && c < 127) ? char(c) : '?';
    return s;
}

MidiFile parse(std::span<const std::uint8_t> bytes) {
    MidiFile file;
    file.info.bytes = bytes.size();
    // RIFF-wrapped MIDI (.rmi): the SMF is the payload of the "data" chunk.
    if (bytes.size() >= 12 && std::memcmp(bytes.data(), "RIFF", 4) == 0 &&
        std::memcmp(bytes.data() + 8, "RMID", 4) == 0) {
        ByteReader r(bytes, 12, bytes.size());
        while (r.remaining() >= 8) {
            auto id = r.take(4, "a RIFF chunk id");
            std::uint32_t len = std::uint32_t(r.u8("")) | (std::uint32_t(r.u8("")) << 8) |
                                (std::uint32_t(r.u8("")) << 16) | (std::uint32_t(r.u8("")) << 24);
            std::size_t at = r.pos();
            r.skip(std::min<std::size_t>(len, r.remaining()), "RIFF chunk");
            if (chunkId(id) == "data") {
                MidiFile inner = parse(bytes.subspan(at, std::min<std::size_t>(len, bytes.size() - at)));
                inner.info.bytes = bytes.size();
                return inner;
            }
            if (len & 1) r.skip(std::min<std::size_t>(1, r.remaining()), "RIFF padding");
        }
        throw ParseError{12, "RIFF MIDI file without a data chunk"};
    }

    ByteReader r(bytes, 0, bytes.size());
    if (bytes.size() < 4 || std::memcmp(bytes.data(), "MThd", 4) != 0)
        throw ParseError{0, "expected the header chunk 'MThd' (this is not a Standard MIDI File)"};
    r.skip(4, "header id");
    std::uint32_t headerLen = r.be(4, "the header length");
    if (headerLen < 6) throw ParseError{4, "header chunk is shorter than 6 bytes"};
    file.info.format = int(r.be(2, "the file format"));
    file.info.declaredTracks = int(r.be(2, "the track count"));
    std::size_t divisionAt = r.pos();
    std::uint32_t division = r.be(2, "the time division");
    file.info.division = int(division);
    r.skip(headerLen - 6, "header chunk");

    if (file.info.format == 2)
        throw ParseError{8, "format 2 (sequential patterns) is not supported; save as format 0 or 1"};
    if (file.info.format > 2) {
        std::ostringstream s;
        s << "unknown MIDI file format " << file.info.format << " (expected 0 or 1)";
        throw ParseError{8, s.str()};
    }

    Sequence& seq = file.sequence;
    bool smpte = division & 0x8000;
    double smpteMicrosPerQuarter = 0;
    if (smpte) {
        int fps = -int(std::int8_t(division >> 8));
        int perFrame = int(division & 0xFF);
        if ((fps != 24 && fps != 25 && fps != 29 && fps != 30) || perFrame == 0)
            throw ParseError{divisionAt, "invalid SMPTE time division"};
        // Time is absolute: ticks per second = fps x subframes. Express it as ticks per quarter
        // at a fixed tempo so the rest of Continuo sees ordinary musical time.
        int nominal = fps == 29 ? 30 : fps;
        double realFps = fps == 29 ? 30000.0 / 1001.0 : double(fps);
        seq.ticksPerQuarter = nominal * perFrame;
        smpteMicrosPerQuarter = 1e6 * nominal / realFps;
        file.info.smpte = true;
    } else {
        if (division == 0) throw ParseError{divisionAt, "time division is zero ticks per quarter"};
        seq.ticksPerQuarter = int(division);
    }
    seq.tempo = TempoMap(seq.ticksPerQuarter);
    seq.timeSignatures.clear();

    std::vector<TempoChange> tempos;
    int trackIndex = 0;
    while (r.remaining() > 0) {
        if (r.remaining() < 8) {
            file.info.warnings.push_back("ignored " + std::to_string(r.remaining()) + " trailing bytes");
            break;
        }
        std::size_t chunkAt = r.pos();
        std::string id = chunkId(r.take(4, "a chunk id"));
        std::uint32_t len = r.be(4, "a chunk length");
        if (id != "MTrk") {
            if (len > r.remaining()) {
                file.info.warnings.push_back("ignored truncated chunk '" + id + "' at byte " + std::to_string(chunkAt));
                break;
            }
            file.info.warnings.push_back("skipped unknown chunk '" + id + "' at byte " + std::to_string(chunkAt));
            r.skip(len, "unknown chunk");
            continue;
        }
        if (len > r.remaining()) {
            std::ostringstream s;
            s << "track " << trackIndex + 1 << " claims " << len << " bytes but only " << r.remaining()
              << " remain (the file is truncated)";
            throw ParseError{chunkAt + 4, s.str()};
        }
        ByteReader tr(bytes, r.pos(), r.pos() + len);
        r.skip(len, "track chunk");
        TrackParse tp = parseTrack(tr);
        if (!tp.sawEndOfTrack)
            file.info.warnings.push_back("track " + std::to_string(trackIndex + 1) + " has no end-of-track event");
        seq.endTick = std::max(seq.endTick, tp.endTick);
        tempos.insert(tempos.end(), tp.tempos.begin(), tp.tempos.end());
        for (const TimeSignature& ts : tp.timeSignatures) {
            auto same = std::find_if(seq.timeSignatures.begin(), seq.timeSignatures.end(),
                                     [&](const TimeSignature& o) { return o.tick == ts.tick; });
            if (same == seq.timeSignatures.end()) seq.timeSignatures.push_back(ts);
        }
        if (!tp.track.notes.empty() || !tp.track.events.empty()) seq.tracks.push_back(std::move(tp.track));
        ++trackIndex;
    }
    file.info.trackChunks = trackIndex;
    if (trackIndex == 0) throw ParseError{bytes.size(), "the file has no track chunk ('MTrk')"};
    if (trackIndex < file.info.declaredTracks)
        file.info.warnings.push_back("header declares " + std::to_string(file.info.declaredTracks) +
                                     " tracks, found " + std::to_string(trackIndex));

    if (smpte) {
        seq.tempo.clear(smpteMicrosPerQuarter); // tempo events do not apply to SMPTE time
    } else {
        std::stable_sort(tempos.begin(), tempos.end(),
                         [](const TempoChange& a, const TempoChange& b) { return a.tick < b.tick; });
        for (const TempoChange& t : tempos) seq.tempo.setTempo(t.tick, t.microsPerQuarter);
    }
    std::stable_sort(seq.timeSignatures.begin(), seq.timeSignatures.end(),
                     [](const TimeSignature& a, const TimeSignature& b) { return a.tick < b.tick; });
    if (seq.timeSignatures.empty() || seq.timeSignatures.front().tick != 0)
        seq.timeSignatures.insert(seq.timeSignatures.begin(), TimeSignature{});
    seq.updateEndTick();
    return file;
}

} // namespace

Expected<MidiFile> readMidi(std::span<const std::uint8_t> bytes) {
    try {
        return parse(bytes);
    } catch (const ParseError& e) {
        return Error{"byte " + std::to_string(e.offset) + ": " + e.what};
    } catch (const std::bad_alloc&) {
        return Error{"out of memory while reading the MIDI file"};
    }
}

Expected<MidiFile> readMidiFile(const std::string& path) {
    auto bytes = readFileBytes(path);
    if (!bytes) return Error{bytes.error()};
    auto file = readMidi(bytes.value());
    if (!file) return Error{path + ": " + file.error()};
    return file;
}

} // namespace continuo
