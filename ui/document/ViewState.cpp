#include "document/ViewState.h"

#include <algorithm>

namespace continuo::ui {

ViewState::ViewState(const project::Project& piece, QObject* parent) : QObject(parent), piece_(piece) {
    if (!piece_.tracks.empty()) activeTrack_ = piece_.tracks.front().id;
}

void ViewState::setSelection(NoteIdSet ids) {
    std::erase_if(ids, [this](NoteId id) { return !piece_.notes.contains(id); });
    if (ids == selection_) return;
    selection_ = std::move(ids);
    emit selectionChanged();
}

std::vector<Note> ViewState::selectedNotes() const {
    std::vector<Note> out;
    out.reserve(selection_.size());
    for (const Note& n : piece_.notes)
        if (selection_.count(n.id)) out.push_back(n);
    return out;
}

void ViewState::setActiveTrack(TrackId id) {
    if (piece_.trackIndex(id) < 0 || id == activeTrack_) return;
    activeTrack_ = id;
    emit activeTrackChanged(id);
}

void ViewState::setCurrentTake(TakeId id) {
    if (piece_.takeIndex(id) < 0) id = 0;
    if (id == currentTake_) return;
    currentTake_ = id;
    emit currentTakeChanged(id);
}

void ViewState::setRevealed(TakeId id, Tick upTo) {
    if (id == 0) upTo = 0;
    if (id == revealTake_ && upTo == revealTo_) return;
    revealTake_ = id;
    revealTo_ = upTo;
    emit revealChanged();
}

void ViewState::setLoop(Tick start, Tick end) {
    if (end < start) std::swap(start, end);
    start = std::max<Tick>(0, start);
    if (start == loop_.start && end == loop_.end) return;
    loop_.start = start;
    loop_.end = end;
    emit loopChanged();
}

void ViewState::setLoopEnabled(bool on) {
    if (on == loop_.enabled) return;
    loop_.enabled = on;
    emit loopChanged();
}

void ViewState::setLiveNotes(std::vector<Note> notes) {
    liveNotes_ = std::move(notes);
    emit liveNotesChanged();
}

void ViewState::prune() {
    const std::size_t selected = selection_.size();
    std::erase_if(selection_, [this](NoteId id) { return !piece_.notes.contains(id); });
    if (selection_.size() != selected) emit selectionChanged();
    if (piece_.trackIndex(activeTrack_) < 0 && !piece_.tracks.empty()) {
        activeTrack_ = piece_.tracks.front().id;
        emit activeTrackChanged(activeTrack_);
    }
    if (currentTake_ != 0 && piece_.takeIndex(currentTake_) < 0) {
        currentTake_ = 0;
        emit currentTakeChanged(0);
    }
}

void ViewState::reset(const project::LoopRegion& loop) {
    selection_.clear();
    liveNotes_.clear();
    currentTake_ = 0;
    activeTrack_ = piece_.tracks.empty() ? 0 : piece_.tracks.front().id;
    loop_ = {std::max<Tick>(0, std::min(loop.start, loop.end)), std::max(loop.start, loop.end), loop.enabled};
}

void ViewState::announce() {
    emit activeTrackChanged(activeTrack_);
    emit selectionChanged();
    emit loopChanged();
    emit currentTakeChanged(0);
    emit liveNotesChanged();
}

} // namespace continuo::ui
