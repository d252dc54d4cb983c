#pragma once
// The piece being edited, as the app sees it: a thin QObject around the one
// continuo::project::Project that owns the piece's data (tracks, the notes of all tracks in one
// indexed list, tempo map, time signatures, takes, what the app does not edit), with the
// signals that widgets listen to and the undo stack whose commands edit the project through the
// setters below. What the musician looks at (selection, active track, audition, loop, notes
// being recorded) is the ViewState beside it, not part of the piece. Lives on the UI thread;
// widgets only read and listen.
#include "continuo/core/Sequence.h"
#include "continuo/project/Project.h"
#include "document/Take.h"
#include "document/ViewState.h"

#include <QObject>
#include <QString>

#include <utility>
#include <vector>

class QUndoStack;

namespace continuo::ui {

/// A track as the project holds it: name, channel, program, mute/solo/visible, the channel
/// events (pedal, controllers, pitch bend) and the meta/sysex events kept from its file. Its
/// notes are in the project's note list (Note::track names the track). Channel and raw events
/// stay at their ticks when notes move or the tempo changes.
using TrackInfo = project::ProjectTrack;

class Document : public QObject {
    Q_OBJECT
public:
    explicit Document(QObject* parent = nullptr);
    ~Document() override;

    QUndoStack* undoStack() const { return undoStack_; }
    /// The piece (read-only: changes go through the setters, which emit the signals).
    const project::Project& project() const { return project_; }
    /// Selection, active track, audition, loop and live notes.
    ViewState* view() const { return view_; }

    // ---- notes (sorted by noteLess; ids are unique and never reused within a document)
    const std::vector<Note>& notes() const { return project_.notes.all(); }
    const Note* note(NoteId id) const { return project_.notes.find(id); }
    std::vector<Note> notesWithIds(const std::vector<NoteId>& ids) const;
    /// Longest note length: bounds the search for notes that reach into a time window.
    Tick maxNoteLength() const { return project_.notes.maxLength(); }
    /// Index of the first note with start >= tick.
    std::size_t lowerBound(Tick tick) const { return project_.notes.lowerBound(tick); }
    Tick endTick() const { return project_.notes.endTick(); } ///< end of the last note (0 when empty)
    NoteId allocateNoteId() { return nextNoteId_++; }
    /// Removes the notes with `removeIds`, then inserts `insert` (ids must be set). Inserted
    /// notes whose track does not exist go to the active track.
    void replaceNotes(const std::vector<NoteId>& removeIds, const std::vector<Note>& insert);

    // ---- tracks (always at least one)
    const std::vector<TrackInfo>& tracks() const { return project_.tracks; }
    const TrackInfo* track(TrackId id) const { return project_.track(id); }
    int trackIndex(TrackId id) const { return project_.trackIndex(id); }
    TrackId allocateTrackId() { return nextTrackId_++; }
    /// For undo commands: a track (without notes) in or out of the list. Removing leaves the
    /// track's notes to the caller.
    void insertTrack(int index, const TrackInfo& track);
    TrackInfo removeTrack(TrackId id);
    /// Name, channel and program (undoable through TrackCommands).
    void setTrackHeader(TrackId id, const std::string& name, int channel, int program);
    /// Mute, solo and visibility: how the piece is heard and shown, not what it is (not undoable,
    /// saved with the project).
    void setTrackMuted(TrackId id, bool muted);
    void setTrackSolo(TrackId id, bool solo);
    void setTrackVisible(TrackId id, bool visible);
    /// Whether a track's notes are part of the primer of the next Continue.
    void setTrackInPrimer(TrackId id, bool inPrimer);
    bool isTrackInPrimer(TrackId id) const;
    /// A track sounds when it is not muted and no track is soloed, or it is soloed.
    bool isTrackAudible(TrackId id) const { return project_.isTrackAudible(id); }
    bool isTrackVisible(TrackId id) const;
    /// Replaces a track's channel events (sustain pedal, controllers, pitch bend); sorted here.
    void setTrackEvents(TrackId id, std::vector<ChannelEvent> events);

    // ---- tempo and metre
    const TempoMap& tempo() const { return project_.tempo; }
    double bpm() const { return project_.tempo.bpmAt(0); }
    void setBpm(double bpm);
    void setTempoMap(const TempoMap& map);
    /// The metre at the start (what the grid and the transport bar use).
    TimeSignature timeSignature() const { return project_.timeSignatures.front(); }
    /// Sets the metre at the start; later changes stay.
    void setTimeSignature(const TimeSignature& ts);
    /// Every time signature (sorted, the first at tick 0).
    const std::vector<TimeSignature>& timeSignatures() const { return project_.timeSignatures; }
    Tick ticksPerBeat() const { return project_.ticksPerBeat(); } ///< at the start
    Tick ticksPerBar() const { return project_.ticksPerBar(); }   ///< at the start
    using Bar = project::Project::Bar;
    Bar barAt(Tick tick) const { return project_.barAt(tick); }

    // ---- takes
    const std::vector<Take>& takes() const { return project_.takes; }
    const Take* take(TakeId id) const { return project_.take(id); }
    int takeIndex(TakeId id) const { return project_.takeIndex(id); }
    int nextTakeNumber(const QString& prefix) const { return project_.nextTakeNumber(prefix); }
    TakeId allocateTakeId() { return nextTakeId_++; }
    void insertTake(int index, const Take& take);
    Take removeTake(TakeId id);
    void renameTake(TakeId id, const QString& name);
    /// Re-parents a take in the takes tree (0 = the sketch). For undo commands.
    void setTakeParent(TakeId id, TakeId parent);
    std::vector<TakeId> childTakes(TakeId parent) const { return project_.childTakes(parent); }
    /// The order of the Takes panel, the take lanes and B (Project::takeTree).
    std::vector<std::pair<TakeId, int>> takeTree() const { return project_.takeTree(); }
    /// Streaming: notes arriving for a take that is being generated.
    void appendTakeNotes(TakeId id, const std::vector<Note>& notes);
    void setTakeGenerating(TakeId id, bool generating);
    /// A take whose notes join the primer of the next Continue (0 = none). Undoable.
    TakeId primerTake() const { return project_.primerTake; }
    void setPrimerTake(TakeId id);

    // ---- whole document
    QString title() const { return project_.title; }
    void setTitle(const QString& title);
    /// Replaces everything and clears the undo history (new, open, import, recovery).
    void reset(const Sequence& sequence, std::vector<Take> takes = {});
    void reset(const project::Project& project);
    /// The whole piece as a project (save, recovery, convert): the loop from the view, the
    /// takes that have finished, `settings`.
    project::Project toProject(const project::PieceSettings& settings = {}) const;
    /// The piece as a Sequence (Project::toSequence): with `includeCurrentTake`, the
    /// auditioned take heard with it; with `audibleOnly`, only the tracks that sound.
    Sequence toSequence(bool includeCurrentTake = false, bool audibleOnly = false) const;
    /// Resolution and format of the MIDI file the piece came from (export defaults).
    int midiTicksPerQuarter() const { return project_.midiTicksPerQuarter; }
    int midiFormat() const { return project_.midiFormat; }
    bool isModified() const;
    void setClean();

signals:
    void notesChanged();
    void tracksChanged();               ///< a track added, removed, renamed, muted, ...
    void trackEventsChanged(TrackId id); ///< its pedal/controllers changed
    void tempoChanged();
    void takesChanged();             ///< a take added or removed, or its state changed
    void takeRenamed(TakeId id);
    void takeNotesChanged(TakeId id); ///< notes streamed into a take
    void primerTakeChanged(TakeId id);
    void titleChanged();
    void modifiedChanged(bool modified);

private:
    QUndoStack* undoStack_;
    project::Project project_;
    ViewState* view_;
    NoteId nextNoteId_ = 1;
    TrackId nextTrackId_ = 1;
    TakeId nextTakeId_ = 1;
};

} // namespace continuo::ui
