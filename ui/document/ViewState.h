#pragma once
// What the musician is looking at and working with, apart from the piece itself: the selected
// notes, the active track (where drawn, pasted and recorded notes go), the take being
// auditioned, the loop region and the notes being recorded. None of it is undoable and none of
// it is the music; the loop alone is saved with the project. Lives on the UI thread beside the
// Document, which keeps it consistent with the piece (prune()).
#include "continuo/project/Project.h"

#include <QObject>

#include <limits>

#include <unordered_set>
#include <vector>

namespace continuo::ui {

using NoteIdSet = std::unordered_set<NoteId>;
using project::TakeId;
using project::TrackId;

class ViewState : public QObject {
    Q_OBJECT
public:
    /// `piece` is the document's project: selections and choices are checked against it.
    explicit ViewState(const project::Project& piece, QObject* parent = nullptr);

    // ---- selection (ids of the piece's notes)
    const NoteIdSet& selection() const { return selection_; }
    void setSelection(NoteIdSet ids);
    bool isSelected(NoteId id) const { return selection_.count(id) != 0; }
    std::vector<Note> selectedNotes() const; ///< in the piece's order

    // ---- the active track
    TrackId activeTrack() const { return activeTrack_; }
    void setActiveTrack(TrackId id);

    // ---- the take drawn over the piece and auditioned (0 = none)
    TakeId currentTake() const { return currentTake_; }
    void setCurrentTake(TakeId id);

    // ---- a take heard as it is written (a jam's answer): drawn only as far as it has sounded
    /// Where `id` is drawn up to: the end of time for every take but the one being revealed.
    Tick revealedUpTo(TakeId id) const {
        return id != 0 && id == revealTake_ ? revealTo_ : std::numeric_limits<Tick>::max();
    }
    /// Draws `id` up to `upTo` from now on (id 0: every take whole again).
    void setRevealed(TakeId id, Tick upTo);

    // ---- loop region
    Tick loopStart() const { return loop_.start; }
    Tick loopEnd() const { return loop_.end; }
    bool loopEnabled() const { return loop_.enabled; }
    const project::LoopRegion& loop() const { return loop_; }
    void setLoop(Tick start, Tick end);
    void setLoopEnabled(bool on);

    // ---- notes being recorded (drawn live, committed as one command on stop)
    const std::vector<Note>& liveNotes() const { return liveNotes_; }
    void setLiveNotes(std::vector<Note> notes);

    /// After the piece changed: selected notes that are gone leave the selection, the active
    /// track moves to the first when its track is gone, an auditioned take that is gone stops
    /// being heard. Emits what changed.
    void prune();
    /// A new piece: nothing selected or heard or recorded, the first track active, the loop
    /// `loop` (clamped to start >= 0, start <= end). Emits nothing: announce() does, once the
    /// piece has told its own listeners.
    void reset(const project::LoopRegion& loop);
    /// Emits every signal, as after a change of everything.
    void announce();

signals:
    void selectionChanged();
    void activeTrackChanged(TrackId id);
    void currentTakeChanged(TakeId id);
    void loopChanged();
    void liveNotesChanged();
    void revealChanged();

private:
    const project::Project& piece_;
    NoteIdSet selection_;
    TrackId activeTrack_ = 0;
    TakeId currentTake_ = 0;
    project::LoopRegion loop_;
    std::vector<Note> liveNotes_;
    TakeId revealTake_ = 0;
    Tick revealTo_ = 0;
};

} // namespace continuo::ui
