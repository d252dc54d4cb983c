// Standard MIDI File reader. Every read is bounds-checked against the bytes actually
// present; a length field can never make us read past the end or allocate more than the
// file could hold. Errors carry the byte offset and what was expected there.
//
// Meta and sysex events it does not interpret (key signatures, markers, text, lyrics,
// sysex, ...) are kept verbatim with their ticks (RawEvent), a format-1 file's conductor
// track as Sequence::conductorName/conductorEvents, and tracks with nothing in them keep
// their place, so that the writer gives back what it was given.
//
// Liberal in what it accepts, and it says so: stray system-common and real-time bytes in a
// track, a last track cut short by the end of the file and format 2 (sequential patterns)
// are read, each with a warning naming the byte offset (MidiFileInfo::warnings). What has
// no sensible reading (not MIDI, an impossible header, a middle track whose length runs
// past the end) is still an error.
//
// Work per file is linear in its size (plus sorting): a hostile file with a hundred
// thousand tracks, tempo changes or time signatures costs no more than a musical one of
// the same size.
#include "continuo/core/MidiFile.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <sstream>

namespace continuo {
namespace {

/// At most this many warnings per file; the last one says how many more there were.
constexpr std::size_t kMaxWarnings = 100;

/// A file's header counts its tracks in 16 bits. Empty tracks beyond that many (a hostile
/// file can hold millions of 12-byte ones) are not kept.
constexpr std::size_t kMaxTracks = 0xFFFF;

/// The largest delta time (a 4-byte variable-length quantity).
constexpr std::uint32_t kLongestDelta = 0x0FFFFFFF;

struct ParseError {
    std::size_t offset;
    std::string what;
    bool endOfData = false; ///< the data ran out (as opposed to bytes that make no sense)
};

std::string hexByte(std::uint8_t b) {
    static const char digits[] = "0123456789ABCDEF";
    return std::string("0x") + digits[b >> 4] + digits[b & 0xF];
}

class ByteReader {
  public:
    ByteReader(std::span<const std::uint8_t> bytes, std::size_t begin, std::size_t end)
        : bytes_(bytes), pos_(begin), end_(end) {}

    std::size_t pos() const { return pos_; }
    std::size_t remaining() const { return end_ - pos_; }
    bool atEnd() const { return pos_ >= end_; }

    std::uint8_t u8(const char* what) {
        if (pos_ >= end_)
            throw ParseError{pos_, std::string("unexpected end of data, expected ") + what, true};
        return bytes_[pos_++];
    }
    std::uint32_t be(int n, const char* what) {
        if (remaining() < std::size_t(n))
            throw ParseError{pos_, std::string("unexpected end of data, expected ") + what, true};
        std::uint32_t v = 0;
        for (int i = 0; i < n; ++i)
            v = (v << 8) | bytes_[pos_++];
        return v;
    }
    std::uint32_t le32(const char* what) {
        if (remaining() < 4)
            throw ParseError{pos_, std::string("unexpected end of data, expected ") + what, true};
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i)
            v |= std::uint32_t(bytes_[pos_++]) << (8 * i);
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
        throw ParseError{start,
                         std::string("variable-length quantity longer than 4 bytes in ") + what};
    }
    void skip(std::size_t n, const char* what) {
        if (remaining() < n) {
            std::ostringstream s;
            s << what << " claims " << n << " bytes but only " << remaining() << " remain";
            throw ParseError{pos_, s.str(), true};
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
        if (b & 0x80)
            throw ParseError{at, std::string("expected a data byte (< 0x80) for ") + what +
                                     ", found " + hexByte(b)};
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

/// Notes still sounding, per (channel, key). Same-pitch overlaps pair first-in first-out:
/// a second note-on of a key that is sounding opens a second note, and the next note-off
/// closes the oldest one. FIFO pairing keeps the note-offs of one key in the order of
/// their note-ons, so the writer's output pairs back to exactly the same notes.
///
/// One instance serves every track of a file; only the keys a track touched are reset, so
/// a file made of many tiny tracks costs nothing per empty track.
class OpenNotes {
  public:
    void open(int channel, int key, OpenNote note) {
        Queue& q = queues_[index(channel, key)];
        if (!q.listed) {
            q.listed = true;
            touched_.push_back(index(channel, key));
        }
        q.notes.push_back(note);
    }
    /// Closes the oldest open note of (channel, key) at `at`; false if none is open.
    bool close(int channel, int key, Tick at, Track& track) {
        Queue& q = queues_[index(channel, key)];
        if (q.head == q.notes.size()) return false;
        const OpenNote on = q.notes[q.head++];
        if (q.head == q.notes.size()) {
            q.notes.clear();
            q.head = 0;
        }
        Note n;
        n.pitch = key;
        n.velocity = on.velocity;
        n.start = on.start;
        n.length = at - on.start;
        n.channel = channel;
        track.notes.push_back(n);
        return true;
    }
    /// Ends every note still sounding at `at` (the end of the track); returns how many.
    std::size_t closeAll(Tick at, Track& track) {
        std::size_t closed = 0;
        std::sort(touched_.begin(), touched_.end());
        for (std::size_t i : touched_) {
            while (close(int(i / 128), int(i % 128), at, track))
                ++closed;
            queues_[i].listed = false;
        }
        touched_.clear();
        return closed;
    }

  private:
    struct Queue {
        std::vector<OpenNote> notes;
        std::size_t head = 0;
        bool listed = false; ///< in touched_
    };
    static std::size_t index(int channel, int key) {
        return std::size_t(channel) * 128 + std::size_t(key);
    }
    std::vector<Queue> queues_ = std::vector<Queue>(16 * 128);
    std::vector<std::size_t> touched_; ///< keys that may hold open notes
};

struct TrackParse {
    Track track;
    std::vector<TempoChange> tempos;
    std::vector<TimeSignature> timeSignatures;
    std::vector<std::string> warnings;
    Tick endTick = 0;
    bool sawEndOfTrack = false;
    /// Set when the chunk (or the file) ends inside an event: the track ends at the last
    /// event read completely, and the cut-off one starts at byte cutOffAt.
    bool cutOff = false;
    std::size_t cutOffAt = 0;
    std::string cutOffReason;
};

/// Data bytes that follow a system-common or real-time status byte on the wire (MIDI 1.0,
/// table VI/VII); -1 for 0xF0, 0xF7 and 0xFF, which mean sysex and meta in a file.
int systemDataBytes(std::uint8_t status) {
    switch (status) {
    case 0xF1: // MTC quarter frame
    case 0xF3: // song select
        return 1;
    case 0xF2: // song position pointer
        return 2;
    case 0xF0:
    case 0xF7:
    case 0xFF:
        return -1;
    default: // 0xF4, 0xF5 (undefined), 0xF6 (tune request), 0xF8-0xFE (real time)
        return 0;
    }
}

/// Stray system messages of one kind in one track, reported once with a count: a file that
/// recorded the MIDI clock has thousands of them.
struct StraySystemMessages {
    std::size_t count = 0;
    std::size_t firstAt = 0;
};

/// Keeps a meta or sysex event the reader does not interpret, verbatim (RawEvent); one bigger
/// than kMaxRawEventBytes is dropped with a warning.
void keepRaw(TrackParse& out, RawEvent::Kind kind, int type, Tick tick, std::span<const std::uint8_t> data,
             std::size_t statusAt) {
    if (data.size() > kMaxRawEventBytes) {
        out.warnings.push_back("dropped a " + std::string(kind == RawEvent::Kind::Meta ? "meta" : "sysex") +
                               " event of " + std::to_string(data.size()) + " bytes (more than " +
                               std::to_string(kMaxRawEventBytes) + ") at byte " + std::to_string(statusAt));
        return;
    }
    RawEvent e;
    e.tick = tick;
    e.kind = kind;
    e.type = type;
    e.data.assign(data.begin(), data.end());
    out.track.rawEvents.push_back(std::move(e));
}

/// Reads one track's events from `r`, starting at tick `base`. An event cut off by the end
/// of the data (a chunk length too short, or a file cut short) ends the track at the last
/// event read completely; bytes that make no sense are an error.
void parseTrack(ByteReader& r, OpenNotes& open, TrackParse& out, Tick base = 0) {
    Track& track = out.track;
    track.channel = -1;
    track.program = -1;
    Tick tick = base;
    Tick lastTick = base; ///< tick of the last event read completely
    // Running status. The standard says meta and sysex events cancel it; files in the wild
    // rely on it surviving them, and a data byte there has no other reading, so keep it.
    std::uint8_t running = 0;
    // A system-common message (0xF1-0xF6) cancels running status on the wire; a real-time
    // one (0xF8-0xFE) may come between any two bytes and leaves it alone. In a file either
    // is stray, and data bytes after a system-common one have no reading other than the
    // running status from before it, so keep it, and warn where a file relies on that.
    std::uint8_t cancelledBy = 0;
    std::size_t cancelledAt = 0;
    StraySystemMessages stray[16]; // by the low nibble of 0xF0-0xFF
    std::vector<std::uint8_t> strayOrder;
    std::size_t eventAt = r.pos(); ///< first byte (delta time) of the event being read
    bool named = false;

    try {
        while (!r.atEnd()) {
            eventAt = r.pos();
            const std::uint32_t delta = r.vlq("a delta time");
            tick += delta;
            const std::size_t statusAt = r.pos();
            const std::uint8_t b = r.u8("an event");
            if (b == 0xFF) {
                const std::uint8_t type = r.u8("a meta event type");
                const std::uint32_t len = r.vlq("a meta event length");
                auto data = r.take(len, "meta event");
                lastTick = tick;
                if (type == 0x2F) {
                    out.sawEndOfTrack = true;
                    break; // anything after end-of-track inside the chunk is ignored
                } else if (type == 0x51) {
                    if (len < 3) {
                        out.warnings.push_back("ignored a tempo event with " + std::to_string(len) +
                                               " data bytes at byte " + std::to_string(statusAt));
                        continue;
                    }
                    const std::uint32_t us =
                        (std::uint32_t(data[0]) << 16) | (std::uint32_t(data[1]) << 8) | data[2];
                    if (us > 0) out.tempos.push_back({tick, double(us)});
                } else if (type == 0x58) {
                    if (len >= 2 && data[1] <= 6 && data[0] > 0)
                        out.timeSignatures.push_back({tick, int(data[0]), 1 << data[1]});
                    else
                        out.warnings.push_back("ignored a malformed time signature at byte " +
                                               std::to_string(statusAt));
                } else if (type == 0x03 && !named && tick == base && len > 0) {
                    // The track's name: its first name event at its start. Any other one
                    // (later, or a second name) is kept as it is.
                    track.name.assign(data.begin(), data.end());
                    named = true;
                } else if (type == 0x01 && len == 0 && delta == kLongestDelta) {
                    // An empty text event after the longest delta there is: how the writer
                    // bridges a gap longer than one delta can say. Time, not an event.
                } else {
                    keepRaw(out, RawEvent::Kind::Meta, type, tick, data, statusAt);
                }
                continue;
            }
            if (b == 0xF0 || b == 0xF7) {
                const std::uint32_t len = r.vlq("a sysex length");
                auto data = r.take(len, "sysex event");
                lastTick = tick;
                keepRaw(out, b == 0xF0 ? RawEvent::Kind::Sysex : RawEvent::Kind::Escape, 0, tick, data,
                        statusAt);
                continue;
            }
            if (b > 0xF0) {
                // A system-common or real-time message recorded into the track: skip it
                // and its data bytes.
                const int n = systemDataBytes(b);
                for (int i = 0; i < n; ++i)
                    r.dataByte("a system message");
                StraySystemMessages& st = stray[b & 0x0F];
                if (st.count++ == 0) {
                    st.firstAt = statusAt;
                    strayOrder.push_back(b);
                }
                if (b < 0xF8 && running && !cancelledBy) {
                    cancelledBy = b;
                    cancelledAt = statusAt;
                }
                lastTick = tick;
                continue;
            }
            std::uint8_t status;
            std::uint8_t d1;
            if (b & 0x80) {
                status = b;
                running = b;
                cancelledBy = 0;
                d1 = r.dataByte("a channel message");
            } else {
                if (!running)
                    throw ParseError{statusAt, "expected a status byte, found data byte " +
                                                   hexByte(b) + " with no running status"};
                if (cancelledBy) {
                    out.warnings.push_back("data bytes at byte " + std::to_string(statusAt) +
                                           " continue the running status " + hexByte(running) +
                                           " across system message " + hexByte(cancelledBy) +
                                           " at byte " + std::to_string(cancelledAt));
                    cancelledBy = 0;
                }
                status = running;
                d1 = b;
            }
            const int channel = status & 0x0F;
            const int kind = status & 0xF0;
            const bool twoBytes = kind != 0xC0 && kind != 0xD0;
            const std::uint8_t d2 = twoBytes ? r.dataByte("a channel message") : 0;
            lastTick = tick;
            if (track.channel < 0) track.channel = channel;
            switch (kind) {
            case 0x90:
                if (d2 > 0) {
                    open.open(channel, d1, {tick, d2});
                    break;
                }
                [[fallthrough]]; // note-on with velocity 0 is a note-off
            case 0x80:
                open.close(channel, d1, tick, track); // a note-off with no open note is ignored
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
                track.events.push_back(
                    {tick, ChannelEvent::Kind::PitchBend, channel, 0, d1 | (d2 << 7)});
                break;
            }
        }
    } catch (const ParseError& e) {
        if (!e.endOfData) throw;
        out.cutOff = true;
        out.cutOffAt = eventAt;
        out.cutOffReason = e.what;
        tick = lastTick;
    }
    for (std::uint8_t b : strayOrder) {
        const StraySystemMessages& st = stray[b & 0x0F];
        out.warnings.push_back("skipped " + std::to_string(st.count) + " stray system message(s) " +
                               hexByte(b) + " (first at byte " + std::to_string(st.firstAt) + ")");
    }
    out.endTick = tick;
    // Notes still sounding at the end of the track end there.
    const std::size_t endAt = out.cutOff ? out.cutOffAt : r.pos();
    if (std::size_t n = open.closeAll(tick, track))
        out.warnings.push_back(std::to_string(n) + " note(s) without a note-off end at tick " +
                               std::to_string(tick) + ", the end of the track (byte " +
                               std::to_string(endAt) + ")");
    if (track.channel < 0) track.channel = 0;
    if (track.program < 0) track.program = 0;
    track.sort();
}

std::string chunkId(std::span<const std::uint8_t> id) {
    std::string s;
    for (std::uint8_t c : id)
        s += (c >= 32 && c < 127) ? char(c) : '?';
    return s;
}

/// A bare Standard MIDI File ("MThd" first) in bytes [begin, end) of `bytes` (all of them,
/// or the payload of a RIFF chunk). Offsets in errors and warnings name bytes of `bytes`.
MidiFile parseSmf(std::span<const std::uint8_t> bytes, std::size_t begin, std::size_t end) {
    MidiFile file;
    file.info.bytes = bytes.size();

    ByteReader r(bytes, begin, end);
    if (end - begin < 4 || std::memcmp(bytes.data() + begin, "MThd", 4) != 0)
        throw ParseError{begin,
                         "expected the header chunk 'MThd' (this is not a Standard MIDI File)"};
    r.skip(4, "header id");
    const std::uint32_t headerLen = r.be(4, "the header length");
    if (headerLen < 6) throw ParseError{begin + 4, "header chunk is shorter than 6 bytes"};
    file.info.format = int(r.be(2, "the file format"));
    file.info.declaredTracks = int(r.be(2, "the track count"));
    const std::size_t divisionAt = r.pos();
    const std::uint32_t division = r.be(2, "the time division");
    file.info.division = int(division);
    r.skip(headerLen - 6, "header chunk");

    if (file.info.format > 2)
        throw ParseError{begin + 8, "unknown MIDI file format " + std::to_string(file.info.format) +
                                        " (expected 0, 1 or 2)"};
    // Format 2: each track is a pattern; they play one after another, each starting where
    // the previous one ended (its end-of-track).
    const bool sequential = file.info.format == 2;
    Tick patternStart = 0;

    Sequence& seq = file.sequence;
    const bool smpte = division & 0x8000;
    double smpteMicrosPerQuarter = 0;
    if (smpte) {
        const int fps = -int(std::int8_t(division >> 8));
        const int perFrame = int(division & 0xFF);
        if ((fps != 24 && fps != 25 && fps != 29 && fps != 30) || perFrame == 0)
            throw ParseError{divisionAt,
                             "invalid SMPTE time division (frames per second must be 24, "
                             "25, 29 or 30, and ticks per frame at least 1)"};
        // SMPTE time is absolute: ticks per second = frames per second x ticks per frame.
        // Continuo works in musical time, so a quarter note becomes one (nominal) second:
        // ticks per quarter = nominal fps x ticks per frame, and a fixed tempo makes those
        // ticks last exactly as long as the file says (29 = 29.97 drop-frame).
        const int nominal = fps == 29 ? 30 : fps;
        const double realFps = fps == 29 ? 30000.0 / 1001.0 : double(fps);
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
    std::vector<TimeSignature> signatures;
    OpenNotes open;
    int trackIndex = 0;
    std::size_t droppedEmpty = 0;
    std::size_t firstDroppedAt = 0;
    while (r.remaining() > 0) {
        if (r.remaining() < 8) {
            file.info.warnings.push_back("ignored " + std::to_string(r.remaining()) +
                                         " trailing bytes at byte " + std::to_string(r.pos()));
            break;
        }
        const std::size_t chunkAt = r.pos();
        const std::string id = chunkId(r.take(4, "a chunk id"));
        const std::uint32_t len = r.be(4, "a chunk length");
        if (id != "MTrk") {
            if (len > r.remaining()) {
                file.info.warnings.push_back("ignored truncated chunk '" + id + "' at byte " +
                                             std::to_string(chunkAt));
                break;
            }
            file.info.warnings.push_back("skipped unknown chunk '" + id + "' at byte " +
                                         std::to_string(chunkAt));
            r.skip(len, "unknown chunk");
            continue;
        }
        const std::string where = "track " + std::to_string(trackIndex + 1);
        // A track that runs past the end of the file is read as far as it goes when it is
        // the last one: a download or a copy cut short. When another track chunk follows
        // inside the bytes it claims, its length is wrong and nothing after it can be
        // trusted.
        const bool truncated = len > r.remaining();
        if (truncated) {
            const auto rest = bytes.subspan(r.pos(), r.remaining());
            static constexpr std::uint8_t kMTrk[] = {'M', 'T', 'r', 'k'};
            const auto next =
                std::search(rest.begin(), rest.end(), std::begin(kMTrk), std::end(kMTrk));
            std::ostringstream s;
            s << where << " claims " << len << " bytes but only " << r.remaining() << " remain";
            if (next != rest.end()) {
                s << ", and another track chunk starts at byte "
                  << r.pos() + std::size_t(next - rest.begin()) << ": its length is wrong";
                throw ParseError{chunkAt + 4, s.str()};
            }
            s << " (the file is truncated)";
            file.info.warnings.push_back(s.str() + " at byte " + std::to_string(chunkAt + 4));
        }
        const std::size_t trackEnd = truncated ? end : r.pos() + len;
        ByteReader tr(bytes, r.pos(), trackEnd);
        r.skip(trackEnd - r.pos(), "track chunk");
        TrackParse tp;
        parseTrack(tr, open, tp, patternStart);
        if (tp.cutOff)
            file.info.warnings.push_back(where + " ends at byte " + std::to_string(tp.cutOffAt) +
                                         ": the event there is cut off by the end of the " +
                                         (truncated ? "file" : "chunk") + " (" + tp.cutOffReason +
                                         ")");
        else if (!tp.sawEndOfTrack)
            file.info.warnings.push_back(where +
                                         " has no end-of-track event (the chunk ends at byte " +
                                         std::to_string(trackEnd) + ")");
        for (std::string& w : tp.warnings)
            file.info.warnings.push_back(where + ": " + std::move(w));
        if (sequential) patternStart = tp.endTick;
        seq.endTick = std::max(seq.endTick, tp.endTick);
        tempos.insert(tempos.end(), tp.tempos.begin(), tp.tempos.end());
        signatures.insert(signatures.end(), tp.timeSignatures.begin(), tp.timeSignatures.end());
        const bool silent = tp.track.notes.empty() && tp.track.events.empty();
        if (trackIndex == 0 && file.info.format != 0 && silent) {
            // The conductor track (tempo map, metre, and what else it holds): the writer
            // writes one first, with this name and these events.
            seq.conductorName = std::move(tp.track.name);
            seq.conductorEvents = std::move(tp.track.rawEvents);
        } else if (silent && seq.tracks.size() >= kMaxTracks) {
            if (droppedEmpty++ == 0) firstDroppedAt = chunkAt;
        } else {
            // Every other track, in file order, also one with nothing in it but a name.
            seq.tracks.push_back(std::move(tp.track));
        }
        ++trackIndex;
    }
    file.info.trackChunks = trackIndex;
    if (droppedEmpty > 0)
        file.info.warnings.push_back("ignored " + std::to_string(droppedEmpty) +
                                     " track(s) without notes or channel events beyond the " +
                                     std::to_string(kMaxTracks) + " tracks a MIDI file can hold (first at byte " +
                                     std::to_string(firstDroppedAt) + ")");
    if (trackIndex == 0) throw ParseError{end, "the file has no track chunk ('MTrk')"};
    if (trackIndex < file.info.declaredTracks)
        file.info.warnings.push_back("header declares " + std::to_string(file.info.declaredTracks) +
                                     " tracks, found " + std::to_string(trackIndex) + " (byte " +
                                     std::to_string(begin + 10) + ")");
    if (file.info.format == 0 && trackIndex > 1)
        file.info.warnings.push_back("format 0 file with " + std::to_string(trackIndex) +
                                     " tracks (read as format 1) (byte " +
                                     std::to_string(begin + 8) + ")");
    if (sequential)
        file.info.warnings.push_back("format 2 file (byte " + std::to_string(begin + 8) +
                                     "): its " + std::to_string(trackIndex) +
                                     " pattern(s) play one after another");

    // Tempo: for one tick, the event read last wins (later track, later in the track).
    // Sorted first so that TempoMap only ever appends (linear, not quadratic).
    if (smpte) {
        seq.tempo.clear(smpteMicrosPerQuarter); // tempo events do not apply to SMPTE time
    } else {
        std::stable_sort(
            tempos.begin(), tempos.end(),
            [](const TempoChange& a, const TempoChange& b) { return a.tick < b.tick; });
        for (const TempoChange& t : tempos)
            seq.tempo.setTempo(t.tick, t.microsPerQuarter);
    }
    // Time signatures: for one tick, the first one read wins.
    std::stable_sort(
        signatures.begin(), signatures.end(),
        [](const TimeSignature& a, const TimeSignature& b) { return a.tick < b.tick; });
    signatures.erase(std::unique(signatures.begin(), signatures.end(),
                                 [](const TimeSignature& a, const TimeSignature& b) {
                                     return a.tick == b.tick;
                                 }),
                     signatures.end());
    seq.timeSignatures = std::move(signatures);
    if (seq.timeSignatures.empty() || seq.timeSignatures.front().tick != 0)
        seq.timeSignatures.insert(seq.timeSignatures.begin(), TimeSignature{});
    seq.updateEndTick();
    // A damaged file can repeat one problem thousands of times: keep the list readable.
    if (file.info.warnings.size() > kMaxWarnings) {
        const std::size_t more = file.info.warnings.size() - (kMaxWarnings - 1);
        file.info.warnings.resize(kMaxWarnings - 1);
        file.info.warnings.push_back("and " + std::to_string(more) + " more warnings");
    }
    return file;
}

MidiFile parse(std::span<const std::uint8_t> bytes) {
    // RIFF-wrapped MIDI (.rmi): the SMF is the payload of the "data" chunk. Exactly one
    // level of wrapping: the payload must be a bare SMF (no recursion a file could abuse).
    if (bytes.size() >= 12 && std::memcmp(bytes.data(), "RIFF", 4) == 0 &&
        std::memcmp(bytes.data() + 8, "RMID", 4) == 0) {
        ByteReader r(bytes, 12, bytes.size());
        while (r.remaining() >= 8) {
            const std::string id = chunkId(r.take(4, "a RIFF chunk id"));
            const std::size_t lenAt = r.pos();
            const std::uint32_t len = r.le32("a RIFF chunk length");
            const std::size_t at = r.pos();
            if (id == "data") {
                if (len > r.remaining())
                    throw ParseError{lenAt, "RIFF data chunk claims " + std::to_string(len) +
                                                " bytes but only " + std::to_string(r.remaining()) +
                                                " remain (the file is truncated)"};
                return parseSmf(bytes, at, at + len);
            }
            r.skip(std::min<std::size_t>(std::size_t(len) + (len & 1u), r.remaining()),
                   "RIFF chunk");
        }
        throw ParseError{12, "RIFF MIDI file without a 'data' chunk"};
    }
    return parseSmf(bytes, 0, bytes.size());
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
