#pragma once
// The piece being edited: a continuo::project::Project (tracks with their controllers, tempo
// map, time signatures, takes, what the app does not edit) with notes kept flat for the roll,
// each naming its track (Note::track), plus selection and loop. Lives on the UI thread. Every undoable change goes through a QUndoCommand whose redo()/
// undo() call the setters below; widgets only read and listen to the signals.
#include "continuo/core/Sequence.h"
#include "continuo/project/Project.h"
#include "document/Take.h"

#include <QObject>
#include <QString>

#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

class QUndoStack;

namespace continuo::ui {

using NoteIdSet = std::unordered_set<NoteId>;
using project::TrackId;
/// A track as the document holds it: its notes live in Document::notes() (Note::track names
/// the track), so `notes` here is always empty; name, channel, program, mute/solo/visible,
/// the channel events (pedal, controllers, pitch bend) and the meta/sysex events kept from its
/// file are here. Like the channel events, those stay at their ticks when notes move or the
/// tempo changes.
using TrackInfo = project::ProjectTrack;

class Document : public QObject {
    Q_OBJECT
public:
    explicit Document(QObject* parent = nullptr);
    ~Document() override;

    QUndoStack* undoStack() const { return undoStack_; }

    // ---- notes (sorted by noteLess; ids are unique and never reused within a document)
    const std::vector<Note>& notes() const { return notes_; }
    const Note* note(NoteId id) const;
    std::vector<Note> notesWithIds(const std::vector<NoteId>& ids) const;
    /// Longest note length: bounds the search for notes that reach into a time window.
    Tick maxNoteLength() const { return maxLength_; }
    /// Index of the first note with start >= tick.
    std::size_t lowerBound(Tick tick) const;
    NoteId allocateNoteId() { return nextNoteId_++; }
    /// Gives every note with id 0 a fresh id.
    void assignIds(std::vector<Note>& notes);
    /// Removes the notes with `removeIds`, then inserts `insert` (ids must be set). Inserted
    /// notes whose track does not exist go to the active track.
    void replaceNotes(const std::vector<NoteId>& removeIds, const std::vector<Note>& insert);
    Tick endTick() const; ///< end of the last note (0 when empty)

    // ---- tracks (always at least one)
    const std::vector<TrackInfo>& tracks() const { return tracks_; }
    const TrackInfo* track(TrackId id) const;
    int trackIndex(TrackId id) const;
    TrackId allocateTrackId() { return nextTrackId_++; }
    /// Where new notes go (drawing, pasting, recording). Not undoable.
    TrackId activeTrack() const { return activeTrack_; }
    void setActiveTrack(TrackId id);
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
    bool isTrackAudible(TrackId id) const;
    bool isTrackVisible(TrackId id) const;
    /// Replaces a track's channel events (sustain pedal, controllers, pitch bend); sorted here.
    void setTrackEvents(TrackId id, std::vector<ChannelEvent> events);

    // ---- selection (not undoable)
    const NoteIdSet& selection() const { return selection_; }
    void setSelection(NoteIdSet ids);
    bool isSelected(NoteId id) const { return selection_.count(id) != 0; }
    std::vector<Note> selectedNotes() const;

    // ---- tempo and metre
    const TempoMap& tempo() const { return tempo_; }
    double bpm() const { return tempo_.bpmAt(0); }
    void setBpm(double bpm);
    void setTempoMap(const TempoMap& map);
    /// The metre at the start (what the grid and the transport bar use).
    TimeSignature timeSignature() const { return timeSignatures_.front(); }
    /// Sets the metre at the start; later changes stay.
    void setTimeSignature(const TimeSignature& ts);
    /// Every time signature (sorted, the first at tick 0).
    const std::vector<TimeSignature>& timeSignatures() const { return timeSignatures_; }
    Tick ticksPerBeat() const; ///< at the start
    Tick ticksPerBar() const;  ///< at the start
    /// The bar that holds `tick`, under every time signature (a change starts a new bar).
    struct Bar {
        Tick index = 0;  ///< 0-based bar number
        Tick start = 0;  ///< its first tick
        Tick length = 0; ///< ticks in a whole bar of its metre
        Tick beat = 0;   ///< ticks in one beat of it
        Tick end = 0;    ///< where the next bar starts (sooner when a new signature cuts it short)
    };
    Bar barAt(Tick tick) const;

    // ---- loop region
    Tick loopStart() const { return loopStart_; }
    Tick loopEnd() const { return loopEnd_; }
    bool loopEnabled() const { return loopEnabled_; }
    void setLoop(Tick start, Tick end);
    void setLoopEnabled(bool on);

    // ---- takes
    const std::vector<Take>& takes() const { return takes_; }
    const Take* take(TakeId id) const;
    int takeIndex(TakeId id) const;
    /// One more than the highest N among takes named "`prefix` N" (1 when there is none), so
    /// that new takes are numbered on from the ones the list holds.
    int nextTakeNumber(const QString& prefix) const;
    TakeId allocateTakeId() { return nextTakeId_++; }
    void insertTake(int index, const Take& take);
    Take removeTake(TakeId id);
    void renameTake(TakeId id, const QString& name);
    /// Re-parents a take in the takes tree (0 = the sketch). For undo commands.
    void setTakeParent(TakeId id, TakeId parent);
    /// The takes whose parent is `parent` (0 = the sketch), in list order.
    std::vector<TakeId> childTakes(TakeId parent) const;
    /// Every take in the tree's order (each followed by the takes continued from it) with its
    /// depth (0: continued the sketch): the order of the Takes panel, the take lanes and B.
    std::vector<std::pair<TakeId, int>> takeTree() const;
    /// Streaming: notes arriving for a take that is being generated.
    void appendTakeNotes(TakeId id, const std::vector<Note>& notes);
    void setTakeGenerating(TakeId id, bool generating);
    /// The take drawn over the piece and auditioned (0 = none). Not undoable.
    TakeId currentTake() const { return currentTake_; }
    void setCurrentTake(TakeId id);
    /// A take whose notes join the primer of the next Continue (0 = none). Undoable.
    TakeId primerTake() const { return primerTake_; }
    void setPrimerTake(TakeId id);

    // ---- notes being recorded (drawn live, committed as one command on stop)
    const std::vector<Note>& liveNotes() const { return liveNotes_; }
    void setLiveNotes(std::vector<Note> notes);

    // ---- whole document
    QString title() const { return title_; }
    void setTitle(const QString& title);
    /// Replaces everything and clears the undo history (new, open, import, recovery).
    void reset(const Sequence& sequence, std::vector<Take> takes = {});
    void reset(const project::Project& project);
    /// The whole piece as a project (save, recovery, convert).
    project::Project toProject(const project::PieceSettings& settings = {}) const;
    /// The same without the takes, the primer take and the settings: the music alone (what
    /// toSequence converts; playback rebuilds it on every change, so it copies no takes).
    project::Project piece() const;
    /// The piece as a Sequence at kTicksPerQuarter: every track with its name, channel,
    /// program, notes, channel events and the meta/sysex events kept from its file; the tempo
    /// map, all time signatures and the file's conductor track. With `includeCurrentTake`, the
    /// auditioned take as one more track (an infill take replaces the notes whose onsets lie in
    /// its gap); with `audibleOnly`, only
    /// the tracks that sound (mute/solo), for playback.
    Sequence toSequence(bool includeCurrentTake = false, bool audibleOnly = false) const;
    /// Resolution and format of the MIDI file the piece came from (export defaults).
    int midiTicksPerQuarter() const { return midiTicksPerQuarter_; }
    int midiFormat() const { return midiFormat_; }
    bool isModified() const;
    void setClean();

signals:
    void notesChanged();
    void tracksChanged();               ///< a track added, removed, renamed, muted, ...
    void trackEventsChanged(TrackId id); ///< its pedal/controllers changed
    void activeTrackChanged(TrackId id);
    void selectionChanged();
    void tempoChanged();
    void loopChanged();
    void takesChanged();             ///< a take added or removed, or its state changed
    void takeRenamed(TakeId id);
    void takeNotesChanged(TakeId id); ///< notes streamed into a take
    void currentTakeChanged(TakeId id);
    void primerTakeChanged(TakeId id);
    void liveNotesChanged();
    void titleChanged();
    void modifiedChanged(bool modified);

private:
    void rebuildIndex();
    void ensureTrack();
    TrackInfo* trackPtr(TrackId id);

    QUndoStack* undoStack_;
    std::vector<Note> notes_;
    std::unordered_map<NoteId, std::size_t> index_;
    Tick maxLength_ = 0;
    NoteId nextNoteId_ = 1;
    NoteIdSet selection_;
    TempoMap tempo_{kTicksPerQuarter};
    std::vector<TimeSignature> timeSignatures_{TimeSignature{}};
    std::vector<TrackInfo> tracks_;
    TrackId nextTrackId_ = 1;
    TrackId activeTrack_ = 0;
    Tick fileEnd_ = 0;
    int midiTicksPerQuarter_ = kTicksPerQuarter;
    int midiFormat_ = 1;
    std::string conductorName_;            ///< the MIDI file's conductor track (kept, not edited)
    std::vector<RawEvent> conductorEvents_;
    QJsonObject extra_;
    Tick loopStart_ = 0;
    Tick loopEnd_ = 4 * 4 * kTicksPerQuarter;
    bool loopEnabled_ = false;
    std::vector<Take> takes_;
    TakeId nextTakeId_ = 1;
    TakeId currentTake_ = 0;
    TakeId primerTake_ = 0;
    std::vector<Note> liveNotes_;
    QString title_;
};

} // namespace continuo::ui
