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
//
// This file reads the header and walks the chunks; the events of one track chunk are read
// in MidiTrackParser.cpp.
#include "continuo/core/MidiFile.h"

#include "MidiTrackParser.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <sstream>

namespace continuo {
namespace {

using midi_reader::ByteReader;
using midi_reader::OpenNotes;
using midi_reader::ParseError;
using midi_reader::TrackParse;

/// At most this many warnings per file; the last one says how many more there were.
constexpr std::size_t kMaxWarnings = 100;

/// A file's header counts its tracks in 16 bits. Empty tracks beyond that many (a hostile
/// file can hold millions of 12-byte ones) are not kept.
constexpr std::size_t kMaxTracks = 0xFFFF;

std::string chunkId(std::span<const std::uint8_t> id) {
    std::string s;
    for (std::uint8_t c : id)
        s += (c >= 32 && c < 127) ? char(c) : '?';
    return s;
}

/// The header chunk's time division word, and the byte it starts at.
struct TimeDivision {
    std::uint32_t word;
    std::size_t at;
};

/// Reads the header chunk ("MThd" at `begin`) into `info`: format, track count and the raw
/// division word. A format other than 0, 1 or 2 is an error.
TimeDivision readHeaderChunk(ByteReader& r, std::span<const std::uint8_t> bytes, std::size_t begin,
                             std::size_t end, MidiFileInfo& info) {
    if (end - begin < 4 || std::memcmp(bytes.data() + begin, "MThd", 4) != 0)
        throw ParseError{begin,
                         "expected the header chunk 'MThd' (this is not a Standard MIDI File)"};
    r.skip(4, "header id");
    const std::uint32_t headerLen = r.be(4, "the header length");
    if (headerLen < 6) throw ParseError{begin + 4, "header chunk is shorter than 6 bytes"};
    info.format = int(r.be(2, "the file format"));
    info.declaredTracks = int(r.be(2, "the track count"));
    const std::size_t divisionAt = r.pos();
    const std::uint32_t division = r.be(2, "the time division");
    info.division = int(division);
    r.skip(headerLen - 6, "header chunk");

    if (info.format > 2)
        throw ParseError{begin + 8, "unknown MIDI file format " + std::to_string(info.format) +
                                        " (expected 0, 1 or 2)"};
    return {division, divisionAt};
}

/// Gives the sequence its resolution (and an empty tempo map and metre) from the time
/// division. For SMPTE time it returns the fixed tempo, in microseconds per quarter, that
/// makes the ticks last as long as the file says; 0 for musical time.
double applyTimeDivision(TimeDivision division, MidiFile& file) {
    Sequence& seq = file.sequence;
    double smpteMicrosPerQuarter = 0;
    if (division.word & 0x8000) {
        const int fps = -int(std::int8_t(division.word >> 8));
        const int perFrame = int(division.word & 0xFF);
        if ((fps != 24 && fps != 25 && fps != 29 && fps != 30) || perFrame == 0)
            throw ParseError{division.at,
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
        if (division.word == 0)
            throw ParseError{division.at, "time division is zero ticks per quarter"};
        seq.ticksPerQuarter = int(division.word);
    }
    seq.tempo = TempoMap(seq.ticksPerQuarter);
    seq.timeSignatures.clear();
    return smpteMicrosPerQuarter;
}

/// What walking a file's chunks gathers besides the tracks themselves.
struct ChunkWalk {
    std::vector<TempoChange> tempos;
    std::vector<TimeSignature> signatures;
    OpenNotes open;
    // Format 2: each track is a pattern; they play one after another, each starting where
    // the previous one ended (its end-of-track).
    bool sequential = false;
    Tick patternStart = 0;
    int trackIndex = 0;
    std::size_t droppedEmpty = 0;
    std::size_t firstDroppedAt = 0;
};

/// Whether a track chunk that claims `len` bytes runs past the end of the file.
bool trackRunsPastEnd(const ByteReader& r, std::span<const std::uint8_t> bytes, std::size_t chunkAt,
                      std::uint32_t len, const std::string& where,
                      std::vector<std::string>& warnings) {
    // A track that runs past the end of the file is read as far as it goes when it is
    // the last one: a download or a copy cut short. When another track chunk follows
    // inside the bytes it claims, its length is wrong and nothing after it can be
    // trusted.
    if (len <= r.remaining()) return false;
    const auto rest = bytes.subspan(r.pos(), r.remaining());
    static constexpr std::uint8_t kMTrk[] = {'M', 'T', 'r', 'k'};
    const auto next = std::search(rest.begin(), rest.end(), std::begin(kMTrk), std::end(kMTrk));
    std::ostringstream s;
    s << where << " claims " << len << " bytes but only " << r.remaining() << " remain";
    if (next != rest.end()) {
        s << ", and another track chunk starts at byte "
          << r.pos() + std::size_t(next - rest.begin()) << ": its length is wrong";
        throw ParseError{chunkAt + 4, s.str()};
    }
    s << " (the file is truncated)";
    warnings.push_back(s.str() + " at byte " + std::to_string(chunkAt + 4));
    return true;
}

/// How a track ended (cut off, or without its end-of-track event), then its own warnings,
/// each named after the track.
void reportTrack(TrackParse& tp, const std::string& where, bool truncated, std::size_t trackEnd,
                 std::vector<std::string>& warnings) {
    if (tp.cutOff)
        warnings.push_back(where + " ends at byte " + std::to_string(tp.cutOffAt) +
                           ": the event there is cut off by the end of the " +
                           (truncated ? "file" : "chunk") + " (" + tp.cutOffReason + ")");
    else if (!tp.sawEndOfTrack)
        warnings.push_back(where + " has no end-of-track event (the chunk ends at byte " +
                           std::to_string(trackEnd) + ")");
    for (std::string& w : tp.warnings)
        warnings.push_back(where + ": " + std::move(w));
}

/// The track's tempo changes and time signatures join the file's; the track itself becomes
/// the conductor track or a track of the sequence, or is dropped (empty, beyond kMaxTracks).
void keepTrack(TrackParse& tp, std::size_t chunkAt, MidiFile& file, ChunkWalk& walk) {
    Sequence& seq = file.sequence;
    seq.endTick = std::max(seq.endTick, tp.endTick);
    walk.tempos.insert(walk.tempos.end(), tp.tempos.begin(), tp.tempos.end());
    walk.signatures.insert(walk.signatures.end(), tp.timeSignatures.begin(),
                           tp.timeSignatures.end());
    const bool silent = tp.track.notes.empty() && tp.track.events.empty();
    if (walk.trackIndex == 0 && file.info.format != 0 && silent) {
        // The conductor track (tempo map, metre, and what else it holds): the writer
        // writes one first, with this name and these events.
        seq.conductorName = std::move(tp.track.name);
        seq.conductorEvents = std::move(tp.track.rawEvents);
    } else if (silent && seq.tracks.size() >= kMaxTracks) {
        if (walk.droppedEmpty++ == 0) walk.firstDroppedAt = chunkAt;
    } else {
        // Every other track, in file order, also one with nothing in it but a name.
        seq.tracks.push_back(std::move(tp.track));
    }
}

/// One track chunk ("MTrk"), its id and length read at `chunkAt`: its events, its warnings,
/// and what it adds to the file.
void readTrackChunk(ByteReader& r, std::span<const std::uint8_t> bytes, std::size_t end,
                    std::size_t chunkAt, std::uint32_t len, MidiFile& file, ChunkWalk& walk) {
    const std::string where = "track " + std::to_string(walk.trackIndex + 1);
    const bool truncated = trackRunsPastEnd(r, bytes, chunkAt, len, where, file.info.warnings);
    const std::size_t trackEnd = truncated ? end : r.pos() + len;
    ByteReader tr(bytes, r.pos(), trackEnd);
    r.skip(trackEnd - r.pos(), "track chunk");
    TrackParse tp;
    midi_reader::parseTrack(tr, walk.open, tp, walk.patternStart);
    reportTrack(tp, where, truncated, trackEnd, file.info.warnings);
    if (walk.sequential) walk.patternStart = tp.endTick;
    keepTrack(tp, chunkAt, file, walk);
    ++walk.trackIndex;
}

/// Every chunk after the header, in file order: track chunks are read, unknown chunks and
/// trailing bytes skipped with a warning.
void walkChunks(ByteReader& r, std::span<const std::uint8_t> bytes, std::size_t end, MidiFile& file,
                ChunkWalk& walk) {
    std::vector<std::string>& warnings = file.info.warnings;
    while (r.remaining() > 0) {
        if (r.remaining() < 8) {
            warnings.push_back("ignored " + std::to_string(r.remaining()) +
                               " trailing bytes at byte " + std::to_string(r.pos()));
            break;
        }
        const std::size_t chunkAt = r.pos();
        const std::string id = chunkId(r.take(4, "a chunk id"));
        const std::uint32_t len = r.be(4, "a chunk length");
        if (id != "MTrk") {
            if (len > r.remaining()) {
                warnings.push_back("ignored truncated chunk '" + id + "' at byte " +
                                   std::to_string(chunkAt));
                break;
            }
            warnings.push_back("skipped unknown chunk '" + id + "' at byte " +
                               std::to_string(chunkAt));
            r.skip(len, "unknown chunk");
            continue;
        }
        readTrackChunk(r, bytes, end, chunkAt, len, file, walk);
    }
}

/// The tracks found against what the header says: dropped empty tracks, fewer tracks than
/// declared, format 0 with several, format 2. A file without a track chunk is an error.
void reportTrackCount(const ChunkWalk& walk, std::size_t begin, std::size_t end,
                      MidiFileInfo& info) {
    const int found = walk.trackIndex;
    if (walk.droppedEmpty > 0)
        info.warnings.push_back("ignored " + std::to_string(walk.droppedEmpty) +
                                " track(s) without notes or channel events beyond the " +
                                std::to_string(kMaxTracks) +
                                " tracks a MIDI file can hold (first at byte " +
                                std::to_string(walk.firstDroppedAt) + ")");
    if (found == 0) throw ParseError{end, "the file has no track chunk ('MTrk')"};
    if (found < info.declaredTracks)
        info.warnings.push_back("header declares " + std::to_string(info.declaredTracks) +
                                " tracks, found " + std::to_string(found) + " (byte " +
                                std::to_string(begin + 10) + ")");
    if (info.format == 0 && found > 1)
        info.warnings.push_back("format 0 file with " + std::to_string(found) +
                                " tracks (read as format 1) (byte " + std::to_string(begin + 8) +
                                ")");
    if (walk.sequential)
        info.warnings.push_back("format 2 file (byte " + std::to_string(begin + 8) + "): its " +
                                std::to_string(found) + " pattern(s) play one after another");
}

/// The tempo map from every track's tempo changes, or SMPTE time's fixed tempo.
void buildTempoMap(Sequence& seq, std::vector<TempoChange>& tempos, bool smpte,
                   double smpteMicrosPerQuarter) {
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
}

/// The metre from every track's time signatures, with one at tick 0 (4/4 if none is there).
void buildTimeSignatures(Sequence& seq, std::vector<TimeSignature>& signatures) {
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
}

/// A damaged file can repeat one problem thousands of times: keep the list readable.
void capWarnings(std::vector<std::string>& warnings) {
    if (warnings.size() > kMaxWarnings) {
        const std::size_t more = warnings.size() - (kMaxWarnings - 1);
        warnings.resize(kMaxWarnings - 1);
        warnings.push_back("and " + std::to_string(more) + " more warnings");
    }
}

/// A bare Standard MIDI File ("MThd" first) in bytes [begin, end) of `bytes` (all of them,
/// or the payload of a RIFF chunk). Offsets in errors and warnings name bytes of `bytes`.
MidiFile parseSmf(std::span<const std::uint8_t> bytes, std::size_t begin, std::size_t end) {
    MidiFile file;
    file.info.bytes = bytes.size();

    ByteReader r(bytes, begin, end);
    const TimeDivision division = readHeaderChunk(r, bytes, begin, end, file.info);
    const double smpteMicrosPerQuarter = applyTimeDivision(division, file);

    ChunkWalk walk;
    walk.sequential = file.info.format == 2;
    walkChunks(r, bytes, end, file, walk);
    file.info.trackChunks = walk.trackIndex;
    reportTrackCount(walk, begin, end, file.info);

    Sequence& seq = file.sequence;
    buildTempoMap(seq, walk.tempos, file.info.smpte, smpteMicrosPerQuarter);
    buildTimeSignatures(seq, walk.signatures);
    seq.updateEndTick();
    capWarnings(file.info.warnings);
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
