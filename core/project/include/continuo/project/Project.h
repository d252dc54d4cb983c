#pragma once
// A Continuo project: everything a Standard MIDI File holds (tracks in file order, empty ones
// too, with their names, channels, programs, notes, controllers, pitch bend and pressure; the
// whole tempo map; every time signature; the conductor track's name; and, kept byte for byte
// at their ticks on their tracks, the meta and sysex events Continuo does not edit: key
// signatures, markers, text, lyrics, copyright, cue points, instrument names,
// sequencer-specific and unknown meta events, F0 sysex and F7 escapes), plus what only a project has (takes with provenance, the loop,
// the Continue settings, per-track mute/solo/visibility). Fields of a newer project file that
// this version does not know are kept and written back unchanged.
//
// Value type, no widgets, and the only owner of a piece's data: the app's Document holds one
// and edits it through its undo commands, and continuo-cli opens, converts and saves through
// the same code (openProjectOrMidi / saveProjectOrMidi / exportMidiFile). The notes of all
// tracks are one indexed list (PieceNotes), each note naming its track.
#include "continuo/core/Expected.h"
#include "continuo/core/Sequence.h"
#include "continuo/core/Sampling.h"
#include "continuo/project/PieceNotes.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace continuo::project {

using TakeId = std::uint64_t;
using TrackId = std::uint32_t;

/// Everything needed to say where a take came from and to make it again.
struct TakeProvenance {
    Tick primerStart = 0;      ///< first tick of the primer (document ticks)
    Tick primerEnd = 0;        ///< where the continuation begins
    QString primerSource;      ///< "sketch", "selection", "playhead", "take: <name>"
    QString modelName;
    QString modelHash;         ///< sha256 of the model file
    QString device;            ///< "cpu", "cuda"
    /// What it was sampled with; the seed is always the number used (never random), and
    /// `variations` is how many takes its request wrote.
    SamplingSettings sampling{.seed = Seed::fixed(0)};
    /// What the take reached against its steering controls (sampling.steering), measured on
    /// its notes; only steered takes have one.
    SteeringReport steeringReport;
    int variation = 0;         ///< index within its request
    bool stopped = false;      ///< cancelled before the requested length: a partial take
    QDateTime created;
    /// The take this one continued from (Takes > Continue From): its notes were part of the
    /// primer. 0: the sketch itself is the parent (the root of the takes tree).
    TakeId parentTake = 0;
    /// An infill take (Generate > Fill Gap) fills [gapStart, gapEnd) instead of continuing:
    /// its notes have onsets in the gap, and keeping it replaces the piece's notes whose onsets
    /// lie there. Its primer is the music before the gap (primerEnd == gapStart).
    bool infill = false;
    Tick gapStart = 0;
    Tick gapEnd = 0;
    double score = -1;         ///< mean nats per token of the real music after the gap given this fill (lower fits better; < 0: not scored)
    double originalScore = -1; ///< the same score with the notes the gap held (< 0: not scored)
    int scoredTokens = 0;      ///< tokens of the music after the gap that were scored
    bool operator==(const TakeProvenance&) const = default;
};

/// A generated continuation and what made it.
struct Take {
    TakeId id = 0;
    QString name;
    std::vector<Note> notes; ///< absolute document ticks, sorted by noteLess
    TakeProvenance provenance;
    bool generating = false; ///< still streaming (never saved, never on the undo stack)

    Tick endTick() const;
    bool operator==(const Take&) const = default;
};

/// The model a piece is continued with, as the project file names it: enough to find it again
/// in the musician's model library (by hash first, then by file name) and to say which one is
/// missing when it is not there. All empty: the piece names none (files written before models
/// were chosen per project), and the app keeps the model it has.
struct ModelChoice {
    QString name;     ///< the model's own name (its metadata), for messages
    QString sha256;   ///< of the model file
    QString fileName; ///< without its folder, e.g. "my-style.safetensors"
    bool isEmpty() const { return sha256.isEmpty() && fileName.isEmpty(); }
    bool operator==(const ModelChoice&) const = default;
};

/// Settings stored with the piece (the Continue panel's last values, and its model).
struct PieceSettings {
    SamplingSettings sampling;
    int gridIndex = 4;
    ModelChoice model;
    bool operator==(const PieceSettings&) const = default;
};

/// One part. Its notes are in Project::notes, where each names the track (Note::track). Notes
/// carry their own channel (a format-0 file mixes channels in one track); `channel` is the
/// track's main channel, where its program is sent.
struct ProjectTrack {
    TrackId id = 0;            ///< stable within a project (notes name it in Note::track)
    std::string name;
    int channel = 0;
    int program = 0;           ///< GM program 0..127 (shown 1..128)
    bool muted = false;
    bool solo = false;
    bool visible = true;
    bool inPrimer = true;      ///< its notes are part of what Continue continues
    std::vector<ChannelEvent> events; ///< sorted by tick (stable: file order at one tick)
    /// Meta and sysex events kept from its MIDI track, sorted by tick (stable). Like the channel
    /// events they stay at their ticks when notes move or the tempo changes, and go with the
    /// track when it is removed or restored.
    std::vector<RawEvent> rawEvents;
    QJsonObject extra;         ///< fields of the track object this version does not know

    bool operator==(const ProjectTrack&) const = default;
};

struct LoopRegion {
    Tick start = 0;
    Tick end = 4 * 4 * kTicksPerQuarter;
    bool enabled = false;
    bool operator==(const LoopRegion&) const = default;
};

struct Project {
    QString title;
    /// Ticks inside a project are always kTicksPerQuarter.
    TempoMap tempo{kTicksPerQuarter};
    std::vector<TimeSignature> timeSignatures{TimeSignature{}}; ///< sorted, first at tick 0
    std::vector<ProjectTrack> tracks;
    /// Every track's notes in one list sorted by noteLess, each naming its track, with ids
    /// unique in the project (take notes included).
    PieceNotes notes;
    /// The MIDI file's conductor track: its name and the raw events it held (the tempo map and
    /// the time signatures are above). Written first in a format-1 export.
    std::string conductorName;
    std::vector<RawEvent> conductorEvents; ///< sorted by tick (stable)
    Tick endTick = 0;                      ///< end of the piece as its file said (>= last event)
    int midiTicksPerQuarter = kTicksPerQuarter; ///< resolution of the MIDI file it came from
    int midiFormat = 1;                    ///< format of the MIDI file it came from (0 or 1)
    LoopRegion loop;
    bool hasLoop = false;                  ///< false: the app picks a loop (four bars)
    std::vector<Take> takes;
    TakeId primerTake = 0;
    PieceSettings settings;
    QJsonObject extra;                     ///< top-level fields this version does not know

    std::size_t noteCount() const { return notes.size(); }

    // ---- tracks
    const ProjectTrack* track(TrackId id) const;
    ProjectTrack* track(TrackId id);
    /// Position of track `id` in `tracks` (-1: none).
    int trackIndex(TrackId id) const;
    /// A fresh track id (one above the largest in use).
    TrackId nextTrackId() const;

    // ---- takes
    const Take* take(TakeId id) const;
    Take* take(TakeId id);
    /// Position of take `id` in `takes` (-1: none).
    int takeIndex(TakeId id) const;
    /// One more than the highest N among takes named "`prefix` N" (1 when there is none), so
    /// that new takes are numbered on from the ones the list holds.
    int nextTakeNumber(const QString& prefix) const;
    /// The takes whose parent is `parent` (0 = the sketch), in list order. A take whose parent
    /// is not in the list hangs from the sketch.
    std::vector<TakeId> childTakes(TakeId parent) const;
    /// Every take in the tree's order (each followed by the takes continued from it) with its
    /// depth (0: continued the sketch).
    std::vector<std::pair<TakeId, int>> takeTree() const;

    // ---- metre
    /// The bar that holds `tick`, under every time signature (a change starts a new bar).
    struct Bar {
        Tick index = 0;  ///< 0-based bar number
        Tick start = 0;  ///< its first tick
        Tick length = 0; ///< ticks in a whole bar of its metre
        Tick beat = 0;   ///< ticks in one beat of it
        Tick end = 0;    ///< where the next bar starts (sooner when a new signature cuts it short)
    };
    Bar barAt(Tick tick) const;
    Tick ticksPerBeat() const; ///< at the start
    Tick ticksPerBar() const;  ///< at the start

    /// Makes a project built by hand hold what the rest of Continuo relies on: at least one
    /// track; track ids unique and non-zero (a duplicate gets a fresh id, its notes stay with
    /// the first); every note on a track that exists (else on the first); note ids unique and
    /// non-zero, the piece's renumbered above its takes' (which keep theirs); the time
    /// signatures sorted with one at tick 0; the tempo map at kTicksPerQuarter; no take
    /// generating; a primer take that exists (else 0).
    void normalize();

    /// The piece of a MIDI file: one project track per file track, ticks rescaled to
    /// kTicksPerQuarter (exactly reversible for files of up to 960 PPQ), the file's
    /// resolution remembered for export. Notes get ids 1..N, tracks ids 1..T.
    static Project fromSequence(const Sequence& sequence);
    /// Whether a track sounds (project::isTrackAudible).
    bool isTrackAudible(TrackId id) const;

    /// What a Sequence of the piece holds (toSequence).
    struct SequenceView {
        /// Only the tracks that sound (isTrackAudible), without the conductor's and the tracks'
        /// raw events, which nothing hears: what playback and WAV export play.
        bool audibleOnly = false;
        /// A take heard with the piece: a continuation as a track of its own after the
        /// piece's; an infill take in place of the notes whose onsets lie in its gap.
        const Take* heardTake = nullptr;
    };
    /// The piece as a Sequence at kTicksPerQuarter: by default every track (muted ones too)
    /// with its name, channel, program, notes, channel events and raw events; the tempo map,
    /// time signatures and conductor track. The one conversion from a piece to a Sequence:
    /// export, playback, WAV rendering and continuo-cli all go through it.
    Sequence toSequence(const SequenceView& view) const;
    Sequence toSequence() const { return toSequence(SequenceView{}); }
    /// The same, at the resolution of the MIDI file it came from (what export writes).
    Sequence toMidiSequence() const;
};

/// Whether track `id` of `tracks` sounds: with any track soloed only soloed ones do, else
/// unmuted ones. A track not in the list does not.
bool isTrackAudible(const std::vector<ProjectTrack>& tracks, TrackId id);

/// The .continuo JSON format. Version 3 adds the raw meta/sysex events and the conductor
/// track; version 2 (tracks and controllers) and version 1 (notes only, one time signature)
/// files still open.
constexpr int kProjectFormatVersion = 3;
/// A project file larger than this is refused before it is read.
constexpr qint64 kMaxProjectFileBytes = qint64(256) << 20;
QJsonObject projectToJson(const Project& project);
/// Errors say what is wrong and where ("tracks[1].notes[3]: ...").
Expected<Project> projectFromJson(const QJsonObject& json);
QByteArray projectToBytes(const Project& project);
Expected<Project> projectFromBytes(const QByteArray& bytes);
/// Atomic (QSaveFile): a reader never sees half a file, a failed save leaves the old one.
Expected<bool> saveProject(const QString& path, const Project& project);
Expected<Project> loadProject(const QString& path);

namespace json {
/// The steering controls that are on, by their command-line forms ({"key": "D minor",
/// "range": "C2-C6", "density": 4, "polyphony": 3, "velocity": "40-90"}); as a project file and `continue --json` write them; read back leniently: a
/// control whose value does not read stays off.
QJsonObject steeringToJson(const Steering& steering);
Steering steeringFromJson(const QJsonValue& v);
QJsonObject steeringReportToJson(const SteeringReport& report);
SteeringReport steeringReportFromJson(const QJsonValue& v);

} // namespace json

/// True for names that end in .mid, .midi, .smf, .kar or .rmi (any case).
bool isMidiPath(const QString& path);
/// Opens a project or a MIDI file (by its name, see isMidiPath, or its first bytes). `warnings` receives what
/// the MIDI reader repaired. An empty title becomes the file's base name.
Expected<Project> openProjectOrMidi(const QString& path, std::vector<std::string>* warnings = nullptr);
/// Saves a project, or exports it as a Standard MIDI File when the name says MIDI (format
/// and resolution of the file it came from unless `midiFormat`/`midiTicksPerQuarter` > 0).
Expected<bool> saveProjectOrMidi(const QString& path, const Project& project, int midiFormat = -1,
                                 int midiTicksPerQuarter = 0);
/// Writes the project as a Standard MIDI File (atomic), in the format and resolution of the
/// file it came from unless `midiFormat` (0 or 1) / `midiTicksPerQuarter` are given: what
/// File > Export MIDI and `continuo-cli convert` write, byte for byte.
Expected<bool> exportMidiFile(const QString& path, const Project& project, int midiFormat = -1,
                              int midiTicksPerQuarter = 0);

} // namespace continuo::project
