#pragma once
// The deterministic work of the stress test (test_stress.cpp), shared with its child process
// (stress_child.cpp) so that both reach the same piece: open a MIDI file through the import
// path of File > Import MIDI, make takes through AddTakesCommand, and perform seeded random
// edits through the real undo commands (add, delete, move, resize, velocity, transpose, notes
// to another track, track header changes, new tracks, take rename/discard/keep/continue-from).
#include "document/Document.h"
#include "document/EditNotesCommand.h"
#include "document/EditOperations.h"
#include "document/TakeCommands.h"
#include "document/TrackCommands.h"

#include <QDateTime>
#include <QFile>
#include <QUndoStack>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace continuo::stress {

using project::TrackId;
using ui::Document;
using ui::Take;
using ui::TakeId;
using ui::TrackInfo;

/// How big a run is: CONTINUO_STRESS=full for the size the requirement names, else a small
/// run that CI can afford.
struct Size {
    double seconds = 600; ///< length of the MIDI file built from MAESTRO performances
    int takes = 30;
    int edits = 1000;
    bool full = false;
};

inline Size sizeFromEnvironment() {
    if (qEnvironmentVariable("CONTINUO_STRESS") == QLatin1String("full"))
        return {7200, 300, 10000, true};
    return {};
}

constexpr std::uint64_t kSeed = 20261207;

/// Opens a MIDI file the way MainWindow::openFile does for anything that is not a .continuo
/// project: project::openProjectOrMidi, then Document::reset.
inline Expected<bool> importMidi(Document& doc, const QString& path) {
    std::vector<std::string> warnings;
    auto p = project::openProjectOrMidi(path, &warnings);
    if (!p) return Error{p.error()};
    doc.reset(p.value());
    return true;
}

/// `count` takes, one AddTakesCommand per Continue (1 to 3 variations each), each a slice of
/// the piece's own notes moved after a primer end and transposed a little; about a third
/// continue from an earlier take. Take notes carry no track (as generated takes do).
inline void makeTakes(Document& doc, int count, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    auto pick = [&](std::int64_t lo, std::int64_t hi) {
        return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
    };
    const QDateTime base(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC);
    int made = 0;
    while (made < count) {
        const int variations = int(std::min<std::int64_t>(pick(1, 3), count - made));
        const auto& notes = doc.notes();
        const std::size_t n = notes.size();
        const Tick primerEnd =
            pick(kTicksPerQuarter, std::max<Tick>(doc.endTick(), 2 * kTicksPerQuarter));
        TakeId parent = 0;
        if (!doc.takes().empty() && pick(0, 2) == 0)
            parent = doc.takes()[std::size_t(pick(0, std::int64_t(doc.takes().size()) - 1))].id;
        std::vector<Take> takes;
        for (int v = 0; v < variations; ++v) {
            Take t;
            t.id = doc.allocateTakeId();
            t.name = QStringLiteral("Take %1").arg(doc.nextTakeNumber(QStringLiteral("Take")) +
                                                   int(takes.size()));
            const std::size_t len = std::size_t(pick(32, 192));
            const std::size_t from = n > len ? std::size_t(pick(0, std::int64_t(n - len))) : 0;
            const int shift = int(pick(-3, 3));
            const Tick offset = primerEnd - (from < n ? notes[from].start : 0);
            for (std::size_t i = from; i < std::min(n, from + len); ++i) {
                Note note = notes[i];
                note.id = doc.allocateNoteId();
                note.track = 0;
                note.pitch = std::clamp(note.pitch + shift, 0, 127);
                note.start = std::max<Tick>(0, note.start + offset);
                t.notes.push_back(note);
            }
            std::sort(t.notes.begin(), t.notes.end(), noteLess);
            ui::TakeProvenance& p = t.provenance;
            p.primerStart = std::max<Tick>(0, primerEnd - 16 * kTicksPerQuarter);
            p.primerEnd = primerEnd;
            p.primerSource = parent ? QStringLiteral("take: %1").arg(doc.take(parent)->name)
                                    : QStringLiteral("sketch");
            p.modelName = QStringLiteral("stress-test");
            p.device = QStringLiteral("cpu");
            p.sampling.seed = Seed::fixed(seed + std::uint64_t(made));
            p.sampling.variations = variations;
            p.variation = v;
            p.created = base.addSecs(made + v);
            p.parentTake = parent;
            takes.push_back(std::move(t));
        }
        made += variations;
        doc.undoStack()->push(new ui::AddTakesCommand(&doc, std::move(takes)));
    }
}

/// Pushes `count` commands onto the undo stack (an edit that would change nothing is drawn
/// again). Returns false when it could not reach `count` (never expected).
inline bool performEdits(Document& doc, int count, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    auto pick = [&](std::int64_t lo, std::int64_t hi) {
        return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
    };
    QUndoStack* stack = doc.undoStack();
    const int target = stack->count() + count;
    // Selects 1..k consecutive notes (in the piece's order) from a random position.
    auto selectSome = [&](int k) {
        ui::NoteIdSet ids;
        const auto& notes = doc.notes();
        if (notes.empty()) return ids;
        const std::size_t at = std::size_t(pick(0, std::int64_t(notes.size()) - 1));
        const std::size_t len = std::size_t(pick(1, k));
        for (std::size_t i = at; i < std::min(notes.size(), at + len); ++i)
            ids.insert(notes[i].id);
        doc.view()->setSelection(ids);
        return ids;
    };
    auto randomTrack = [&] {
        return doc.tracks()[std::size_t(pick(0, std::int64_t(doc.tracks().size()) - 1))].id;
    };
    int attempts = 0;
    while (stack->count() < target) {
        if (++attempts > count * 20) return false;
        const std::int64_t kind = pick(0, 99);
        if (kind < 14) { // draw notes
            std::vector<Note> add;
            const Tick at = pick(0, std::max<Tick>(doc.endTick(), kTicksPerQuarter));
            for (std::int64_t i = 0, k = pick(1, 4); i < k; ++i) {
                Note n;
                n.pitch = int(pick(21, 108));
                n.velocity = int(pick(20, 120));
                n.start = at + pick(0, 4) * kTicksPerQuarter / 2;
                n.length = pick(1, 8) * kTicksPerQuarter / 4;
                n.track = randomTrack();
                add.push_back(n);
            }
            ui::edit::addNotes(doc, std::move(add), QStringLiteral("Draw"));
        } else if (kind < 26) { // delete
            selectSome(6);
            ui::edit::deleteSelection(doc);
        } else if (kind < 40) { // move in time
            selectSome(8);
            ui::edit::moveSelection(doc, pick(-2 * kTicksPerQuarter, 2 * kTicksPerQuarter));
        } else if (kind < 52) { // resize
            selectSome(4);
            std::vector<Note> before = doc.view()->selectedNotes(), after;
            const Tick d = pick(-kTicksPerQuarter / 2, kTicksPerQuarter);
            for (const Note& n : before)
                after.push_back(n.withLength(std::max<Tick>(1, n.length + d)));
            if (before != after)
                stack->push(new ui::EditNotesCommand(&doc, QStringLiteral("Resize"),
                                                     std::move(before), std::move(after)));
        } else if (kind < 66) { // velocity
            const ui::NoteIdSet ids = selectSome(10);
            std::vector<std::pair<NoteId, int>> values;
            for (NoteId id : ids)
                values.emplace_back(id, int(pick(1, 127)));
            std::sort(values.begin(), values.end());
            ui::edit::setVelocities(doc, values);
        } else if (kind < 80) { // transpose
            selectSome(8);
            const int semitones = int(pick(-12, 12));
            ui::edit::transposeSelection(doc, semitones);
        } else if (kind < 86) { // notes to another track
            if (doc.tracks().size() < 2) continue;
            selectSome(8);
            const TrackId to = randomTrack();
            std::vector<Note> before = doc.view()->selectedNotes(), after;
            for (Note n : before) {
                n.track = to;
                after.push_back(n);
            }
            if (before != after)
                stack->push(new ui::EditNotesCommand(&doc, QStringLiteral("Move to track"),
                                                     std::move(before), std::move(after)));
        } else if (kind < 91) { // track name, channel or program
            const TrackInfo* t = doc.track(randomTrack());
            std::string name = t->name;
            int channel = t->channel, program = t->program;
            switch (pick(0, 2)) {
            case 0:
                name = "Part " + std::to_string(pick(1, 999));
                break;
            case 1:
                channel = int(pick(0, 15));
                break;
            default:
                program = int(pick(0, 127));
                break;
            }
            if (name != t->name || channel != t->channel || program != t->program)
                stack->push(new ui::TrackHeaderCommand(&doc, t->id, name, channel, program));
        } else if (kind < 93) { // new track
            if (doc.tracks().size() >= 12) continue;
            TrackInfo t;
            t.name = "Track " + std::to_string(doc.tracks().size() + 1);
            t.channel = int(pick(0, 15));
            t.program = int(pick(0, 127));
            stack->push(new ui::AddTrackCommand(&doc, t, int(doc.tracks().size())));
        } else { // takes: rename, continue from, discard, keep
            if (doc.takes().empty()) continue;
            const Take& t = doc.takes()[std::size_t(pick(0, std::int64_t(doc.takes().size()) - 1))];
            // Few discards and keeps, so that most takes stay for the whole session.
            const std::int64_t what = pick(0, 39);
            if (what < 20) {
                stack->push(new ui::RenameTakeCommand(&doc, t.id, t.name + QStringLiteral(" *")));
            } else if (what < 36) {
                if (doc.primerTake() == t.id) continue;
                stack->push(new ui::SetPrimerTakeCommand(&doc, t.id));
            } else if (what < 38) {
                stack->push(new ui::RemoveTakeCommand(&doc, t.id));
            } else if (QUndoCommand* keep = ui::makeKeepTakeCommand(&doc, t.id)) {
                stack->push(keep);
            }
        }
    }
    return true;
}

/// Undoes `count` commands one by one, then (with `redo`) redoes them one by one.
inline void undoSteps(Document& doc, int count) {
    for (int i = 0; i < count; ++i)
        doc.undoStack()->undo();
}
inline void redoSteps(Document& doc, int count) {
    for (int i = 0; i < count; ++i)
        doc.undoStack()->redo();
}

/// What "the piece" is, for comparisons: notes, tracks, takes and the rest that a project file
/// holds. `withIds` false: note ids are left out and the notes put in a canonical order (a
/// project file renumbers notes on load, see assignNoteIds in ProjectFormat.cpp, and does not
/// store the track of a take's note).
struct Piece {
    QString title;
    std::vector<Note> notes;
    std::vector<TrackInfo> tracks;
    std::vector<Take> takes;
    TakeId primerTake = 0;
    std::vector<TempoChange> tempo;
    std::vector<TimeSignature> timeSignatures;
    bool operator==(const Piece&) const = default;
};

inline bool canonicalLess(const Note& a, const Note& b) {
    return std::tie(a.start, a.pitch, a.length, a.track, a.channel, a.velocity) <
           std::tie(b.start, b.pitch, b.length, b.track, b.channel, b.velocity);
}

inline Piece pieceOf(const Document& doc, bool withIds) {
    Piece p;
    p.title = doc.title();
    p.notes = doc.notes();
    p.tracks = doc.tracks();
    p.takes = doc.takes();
    p.primerTake = doc.primerTake();
    p.tempo = doc.tempo().changes();
    p.timeSignatures = doc.timeSignatures();
    if (!withIds) {
        for (Note& n : p.notes)
            n.id = 0;
        std::sort(p.notes.begin(), p.notes.end(), canonicalLess);
        for (Take& t : p.takes) {
            for (Note& n : t.notes)
                n.id = 0;
            std::sort(t.notes.begin(), t.notes.end(), canonicalLess);
        }
    }
    return p;
}

/// First difference between two pieces, for a failure message ("" when equal).
inline QString difference(const Piece& a, const Piece& b) {
    if (a.title != b.title) return QStringLiteral("title '%1' vs '%2'").arg(a.title, b.title);
    if (a.notes.size() != b.notes.size())
        return QStringLiteral("%1 notes vs %2").arg(a.notes.size()).arg(b.notes.size());
    for (std::size_t i = 0; i < a.notes.size(); ++i)
        if (!(a.notes[i] == b.notes[i]))
            return QStringLiteral("note %1: id %2 pitch %3 start %4 vs id %5 pitch %6 start %7")
                .arg(i)
                .arg(a.notes[i].id)
                .arg(a.notes[i].pitch)
                .arg(a.notes[i].start)
                .arg(b.notes[i].id)
                .arg(b.notes[i].pitch)
                .arg(b.notes[i].start);
    if (a.tracks.size() != b.tracks.size())
        return QStringLiteral("%1 tracks vs %2").arg(a.tracks.size()).arg(b.tracks.size());
    for (std::size_t i = 0; i < a.tracks.size(); ++i)
        if (!(a.tracks[i] == b.tracks[i])) return QStringLiteral("track %1 differs").arg(i);
    if (a.takes.size() != b.takes.size())
        return QStringLiteral("%1 takes vs %2").arg(a.takes.size()).arg(b.takes.size());
    for (std::size_t i = 0; i < a.takes.size(); ++i)
        if (!(a.takes[i] == b.takes[i]))
            return QStringLiteral("take %1 (%2) differs").arg(i).arg(a.takes[i].name);
    if (a.primerTake != b.primerTake) return QStringLiteral("primer take differs");
    if (a.tempo != b.tempo) return QStringLiteral("tempo map differs");
    if (a.timeSignatures != b.timeSignatures) return QStringLiteral("time signatures differ");
    return {};
}

} // namespace continuo::stress
