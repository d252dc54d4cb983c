#include "continuo/project/PieceNotes.h"

#include <algorithm>
#include <iterator>
#include <unordered_set>

namespace continuo::project {

const Note* PieceNotes::find(NoteId id) const {
    const auto it = byId_.find(id);
    return it == byId_.end() ? nullptr : &notes_[it->second];
}

std::size_t PieceNotes::lowerBound(Tick tick) const {
    const auto it = std::lower_bound(notes_.begin(), notes_.end(), tick,
                                     [](const Note& n, Tick t) { return n.start < t; });
    return std::size_t(it - notes_.begin());
}

std::vector<Note> PieceNotes::overlapping(Tick from, Tick to) const {
    std::vector<Note> out;
    for (std::size_t i = lowerBound(from - maxLength_); i < notes_.size() && notes_[i].start < to; ++i) {
        const Note& n = notes_[i];
        if (n.end() > from || n.start == from) out.push_back(n);
    }
    return out;
}

std::vector<Note> PieceNotes::ofTrack(TrackKey track) const {
    std::vector<Note> out;
    const auto it = byTrack_.find(track);
    if (it == byTrack_.end()) return out;
    out.reserve(it->second.size());
    for (std::size_t i : it->second) out.push_back(notes_[i]);
    return out;
}

std::size_t PieceNotes::countOnTrack(TrackKey track) const {
    const auto it = byTrack_.find(track);
    return it == byTrack_.end() ? 0 : it->second.size();
}

void PieceNotes::assign(std::vector<Note> notes) {
    notes_ = std::move(notes);
    std::stable_sort(notes_.begin(), notes_.end(), noteLess);
    reindex();
}

void PieceNotes::replace(const std::vector<NoteId>& removeIds, std::vector<Note> insert) {
    if (removeIds.empty() && insert.empty()) return;
    if (!removeIds.empty()) {
        const std::unordered_set<NoteId> gone(removeIds.begin(), removeIds.end());
        std::erase_if(notes_, [&](const Note& n) { return gone.count(n.id) != 0; });
    }
    // A few notes into many: a merge keeps this O(n) instead of a full sort.
    std::sort(insert.begin(), insert.end(), noteLess);
    std::vector<Note> merged;
    merged.reserve(notes_.size() + insert.size());
    std::merge(notes_.begin(), notes_.end(), insert.begin(), insert.end(), std::back_inserter(merged), noteLess);
    notes_ = std::move(merged);
    reindex();
}

void PieceNotes::moveTrack(TrackKey from, TrackKey to) {
    if (from == to || countOnTrack(from) == 0) return;
    for (Note& n : notes_)
        if (n.track == from) n.track = to;
    reindex();
}

void PieceNotes::reindex() {
    byId_.clear();
    byId_.reserve(notes_.size());
    byTrack_.clear();
    maxLength_ = 0;
    endTick_ = 0;
    maxId_ = 0;
    for (std::size_t i = 0; i < notes_.size(); ++i) {
        const Note& n = notes_[i];
        byId_[n.id] = i;
        byTrack_[n.track].push_back(i);
        maxLength_ = std::max(maxLength_, n.length);
        endTick_ = std::max(endTick_, n.end());
        maxId_ = std::max(maxId_, n.id);
    }
}

} // namespace continuo::project
