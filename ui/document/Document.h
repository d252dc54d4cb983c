#pragma once
// The piece being edited: notes with stable ids, tempo, metre, loop, takes and selection.
// Lives on the UI thread. Every undoable change goes through a QUndoCommand whose redo()/
// undo() call the setters below; widgets only read and listen to the signals.
#include "continuo/core/Sequence.h"
#include "document/Take.h"

#include <QObject>
#include <QString>

#include <unordered_map>
#include <unordered_set>
#include <vector>

class QUndoStack;

namespace continuo::ui {

using NoteIdSet = std::unordered_set<NoteId>;

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
    /// Removes the notes with `removeIds`, then inserts `insert` (ids must be set).
    void replaceNotes(const std::vector<NoteId>& removeIds, const std::vector<Note>& insert);
    Tick endTick() const; ///< end of the last note (0 when empty)

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
    TimeSignature timeSignature() const { return timeSignature_; }
    void setTimeSignature(const TimeSignature& ts);
    Tick ticksPerBeat() const;
    Tick ticksPerBar() const;

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
    TakeId allocateTakeId() { return nextTakeId_++; }
    void insertTake(int index, const Take& take);
    Take removeTake(TakeId id);
    void renameTake(TakeId id, const QString& name);
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
    /// The piece as a Sequence at kTicksPerQuarter (one piano track per channel used).
    Sequence toSequence(bool includeCurrentTake = false) const;
    bool isModified() const;
    void setClean();

signals:
    void notesChanged();
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

    QUndoStack* undoStack_;
    std::vector<Note> notes_;
    std::unordered_map<NoteId, std::size_t> index_;
    Tick maxLength_ = 0;
    NoteId nextNoteId_ = 1;
    NoteIdSet selection_;
    TempoMap tempo_{kTicksPerQuarter};
    TimeSignature timeSignature_;
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
