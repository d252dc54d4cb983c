#pragma once
// The notes of a piece: one list for all of its tracks, sorted by noteLess, each note naming
// its track (Note::track) and carrying an id that is unique in its project. The list keeps the
// indexes that the piano roll's queries need, so that they are answered from the one copy:
//   by id    -- a hash map from id to position;
//   by time  -- a binary search on onsets, bounded below by the longest note's length;
//   by track -- the positions of each track's notes, in order.
// Every change goes through assign() or replace(), which keep the list sorted and the indexes
// current (O(n) per change: a merge, not a sort).
#include "continuo/core/Note.h"

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace continuo::project {

class PieceNotes {
public:
    using TrackKey = std::uint32_t; ///< Note::track (a ProjectTrack id)

    PieceNotes() = default;
    /// Sorts `notes` (stable, by noteLess) and indexes them. Ids are kept as given.
    explicit PieceNotes(std::vector<Note> notes) { assign(std::move(notes)); }

    const std::vector<Note>& all() const { return notes_; }
    std::size_t size() const { return notes_.size(); }
    bool empty() const { return notes_.empty(); }
    const Note& operator[](std::size_t i) const { return notes_[i]; }
    std::vector<Note>::const_iterator begin() const { return notes_.begin(); }
    std::vector<Note>::const_iterator end() const { return notes_.end(); }

    // ---- by id
    const Note* find(NoteId id) const;
    bool contains(NoteId id) const { return byId_.count(id) != 0; }
    /// The largest id in use (0 when empty).
    NoteId maxId() const { return maxId_; }

    // ---- by time
    /// Position of the first note with start >= tick.
    std::size_t lowerBound(Tick tick) const;
    /// The longest note's length: a note sounding at tick t started after t - maxLength().
    Tick maxLength() const { return maxLength_; }
    /// The notes that sound in [from, to) (start < to and end > from; a zero-length note at
    /// `from` counts), in order.
    std::vector<Note> overlapping(Tick from, Tick to) const;
    /// End of the last note (0 when empty).
    Tick endTick() const { return endTick_; }

    // ---- by track
    /// The notes of one track, in order.
    std::vector<Note> ofTrack(TrackKey track) const;
    std::size_t countOnTrack(TrackKey track) const;

    // ---- changes
    /// Replaces every note (sorted here, stable).
    void assign(std::vector<Note> notes);
    /// Removes the notes with `removeIds` (unknown ids are ignored), then merges `insert` in.
    void replace(const std::vector<NoteId>& removeIds, std::vector<Note> insert);
    /// Moves every note of track `from` to track `to`.
    void moveTrack(TrackKey from, TrackKey to);

    bool operator==(const PieceNotes& other) const { return notes_ == other.notes_; }

private:
    void reindex();

    std::vector<Note> notes_;
    std::unordered_map<NoteId, std::size_t> byId_;
    std::unordered_map<TrackKey, std::vector<std::size_t>> byTrack_;
    Tick maxLength_ = 0;
    Tick endTick_ = 0;
    NoteId maxId_ = 0;
};

} // namespace continuo::project
