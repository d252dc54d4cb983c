#pragma once
// Small value types for music: notes and channel events, measured in ticks.
#include <cstdint>
#include <string>
#include <vector>

namespace continuo {

using Tick = std::int64_t;
using NoteId = std::uint64_t;

/// Resolution of every document inside Continuo (ticks per quarter note).
constexpr int kTicksPerQuarter = 960;

struct Note {
    NoteId id = 0;     ///< stable id for editing; 0 = not yet assigned
    int pitch = 60;    ///< MIDI key 0..127
    int velocity = 80; ///< 1..127
    Tick start = 0;    ///< onset in ticks
    Tick length = 0;   ///< duration in ticks (>= 0)
    int channel = 0;   ///< 0..15
    /// The project track it belongs to (continuo::project::ProjectTrack::id; 0 = none yet).
    /// Unused inside a Sequence, where a note's track is the Track that holds it.
    std::uint32_t track = 0;

    Tick end() const { return start + length; }
    Note withPitch(int p) const { Note n = *this; n.pitch = p; return n; }
    Note withVelocity(int v) const { Note n = *this; n.velocity = v; return n; }
    Note withStart(Tick t) const { Note n = *this; n.start = t; return n; }
    Note withLength(Tick l) const { Note n = *this; n.length = l; return n; }
    bool operator==(const Note&) const = default;
};

/// Orders notes by onset, then pitch, then length, then id: the order every sorted
/// sequence in Continuo uses.
bool noteLess(const Note& a, const Note& b);

/// A channel message other than note on/off: controllers (sustain pedal is CC 64),
/// program changes, pitch bend, aftertouch. Kept so that nothing a player did is lost.
struct ChannelEvent {
    enum class Kind : std::uint8_t { Controller, Program, PitchBend, ChannelPressure, PolyPressure };
    Tick tick = 0;
    Kind kind = Kind::Controller;
    int channel = 0;
    int number = 0; ///< controller number, program, or key (poly pressure); unused otherwise
    int value = 0;  ///< 0..127, or 0..16383 for pitch bend (8192 = centre)
    bool operator==(const ChannelEvent&) const = default;
};

constexpr int kSustainController = 64;

/// An event of a MIDI file that Continuo does not interpret but keeps, to write it back byte
/// for byte at its tick on its track: a meta event other than tempo, time signature, end of
/// track and the track's name (key signatures, markers, text, lyrics, copyright, cue points,
/// instrument names, sequencer-specific and unknown types), or a system-exclusive message
/// (F0, or an F7 escape).
struct RawEvent {
    enum class Kind : std::uint8_t { Meta, Sysex, Escape };
    Tick tick = 0;
    Kind kind = Kind::Meta;
    int type = 0;     ///< meta event type 0..255 (Meta only)
    std::string data; ///< the bytes after the length, verbatim (sysex: after F0/F7)
    bool operator==(const RawEvent&) const = default;
};

/// Largest payload of one kept meta or sysex event. A bigger one (a MIDI file may claim up
/// to 256 MiB) is dropped by the reader with a warning and refused in a project file.
constexpr std::size_t kMaxRawEventBytes = std::size_t(16) << 20;
/// What a raw event is, as one camel-case word: "keySignature", "marker", "text", "lyric",
/// "copyright", "cuePoint", "instrumentName", "trackName", "sequencerSpecific", ...,
/// "otherMeta" for a type without a name, "sysex" and "sysexEscape".
const char* rawEventCategory(const RawEvent& e);

/// Meta types that are never kept as raw events: end of track, tempo and time signature
/// are what the tempo map, the metre and the track end say.
constexpr bool isInterpretedMeta(int type) { return type == 0x2F || type == 0x51 || type == 0x58; }

/// One instrument part: notes sorted by noteLess, channel events and raw events each sorted
/// by tick (stable: file order at one tick).
struct Track {
    std::string name;
    int channel = 0;
    int program = 0; ///< GM program 0..127 (shown 1..128)
    std::vector<Note> notes;
    std::vector<ChannelEvent> events;
    std::vector<RawEvent> rawEvents;

    void sort();
    Tick endTick() const;
};

/// Sorts raw events by tick, keeping the file order of events at one tick.
void sortRawEvents(std::vector<RawEvent>& events);

} // namespace continuo
