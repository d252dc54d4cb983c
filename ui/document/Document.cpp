#include "document/Document.h"

#include <QUndoStack>

#include <algorithm>
#include <map>

namespace continuo::ui {

Document::Document(QObject* parent) : QObject(parent), undoStack_(new QUndoStack(this)) {
    connect(undoStack_, &QUndoStack::cleanChanged, this,
            [this](bool clean) { emit modifiedChanged(!clean); });
}

Document::~Document() = default;

const Note* Document::note(NoteId id) const {
    auto it = index_.find(id);
    return it == index_.end() ? nullptr : &notes_[it->second];
}

std::vector<Note> Document::notesWithIds(const std::vector<NoteId>& ids) const {
    std::vector<Note> out;
    out.reserve(ids.size());
    for (NoteId id : ids)
        if (const Note* n = note(id)) out.push_back(*n);
    return out;
}

std::size_t Document::lowerBound(Tick tick) const {
    auto it = std::lower_bound(notes_.begin(), notes_.end(), tick,
                               [](const Note& n, Tick t) { return n.start < t; });
    return std::size_t(it - notes_.begin());
}

void Document::assignIds(std::vector<Note>& notes) {
    for (Note& n : notes)
        if (n.id == 0) n.id = allocateNoteId();
}

void Document::replaceNotes(const std::vector<NoteId>& removeIds, const std::vector<Note>& insert) {
    if (removeIds.empty() && insert.empty()) return;
    if (!removeIds.empty()) {
        NoteIdSet gone(removeIds.begin(), removeIds.end());
        std::erase_if(notes_, [&](const Note& n) { return gone.count(n.id) != 0; });
    }
    for (const Note& n : insert) {
        Q_ASSERT(n.id != 0);
        nextNoteId_ = std::max(nextNoteId_, n.id + 1);
    }
    // Few inserted notes into many: merge keeps this O(n) instead of a full sort.
    std::vector<Note> added = insert;
    std::sort(added.begin(), added.end(), noteLess);
    std::vector<Note> merged;
    merged.reserve(notes_.size() + added.size());
    std::merge(notes_.begin(), notes_.end(), added.begin(), added.end(), std::back_inserter(merged),
               noteLess);
    notes_ = std::move(merged);
    rebuildIndex();
    // Notes that no longer exist leave the selection.
    const std::size_t before = selection_.size();
    std::erase_if(selection_, [this](NoteId id) { return index_.count(id) == 0; });
    emit notesChanged();
    if (selection_.size() != before) emit selectionChanged();
}

void Document::rebuildIndex() {
    index_.clear();
    index_.reserve(notes_.size());
    maxLength_ = 0;
    for (std::size_t i = 0; i < notes_.size(); ++i) {
        index_[notes_[i].id] = i;
        maxLength_ = std::max(maxLength_, notes_[i].length);
    }
}

Tick Document::endTick() const {
    Tick end = 0;
    // Sorted by start, so only notes that start late can end last; a scan is cheap enough.
    for (const Note& n : notes_) end = std::max(end, n.end());
    return end;
}

void Document::setSelection(NoteIdSet ids) {
    std::erase_if(ids, [this](NoteId id) { return index_.count(id) == 0; });
    if (ids == selection_) return;
    selection_ = std::move(ids);
    emit selectionChanged();
}

std::vector<Note> Document::selectedNotes() const {
    std::vector<Note> out;
    out.reserve(selection_.size());
    for (const Note& n : notes_)
        if (selection_.count(n.id)) out.push_back(n);
    return out;
}

void Document::setBpm(double bpm) {
    bpm = std::clamp(bpm, 20.0, 400.0);
    if (tempo_.changes().size() == 1 && qFuzzyCompare(tempo_.bpmAt(0), bpm)) return;
    tempo_.clear(60'000'000.0 / bpm);
    emit tempoChanged();
}

void Document::setTempoMap(const TempoMap& map) {
    tempo_ = map.ticksPerQuarter() == kTicksPerQuarter ? map : map.rescaled(kTicksPerQuarter);
    emit tempoChanged();
}

void Document::setTimeSignature(const TimeSignature& ts) {
    if (ts == timeSignature_) return;
    timeSignature_ = ts;
    timeSignature_.tick = 0;
    emit tempoChanged();
}

Tick Document::ticksPerBeat() const {
    return Tick(kTicksPerQuarter) * 4 / std::max(1, timeSignature_.denominator);
}

Tick Document::ticksPerBar() const { return ticksPerBeat() * std::max(1, timeSignature_.numerator); }

void Document::setLoop(Tick start, Tick end) {
    if (end < start) std::swap(start, end);
    start = std::max<Tick>(0, start);
    if (start == loopStart_ && end == loopEnd_) return;
    loopStart_ = start;
    loopEnd_ = end;
    emit loopChanged();
}

void Document::setLoopEnabled(bool on) {
    if (on == loopEnabled_) return;
    loopEnabled_ = on;
    emit loopChanged();
}

const Take* Document::take(TakeId id) const {
    int i = takeIndex(id);
    return i < 0 ? nullptr : &takes_[std::size_t(i)];
}

int Document::takeIndex(TakeId id) const {
    for (std::size_t i = 0; i < takes_.size(); ++i)
        if (takes_[i].id == id) return int(i);
    return -1;
}

void Document::insertTake(int index, const Take& take) {
    Q_ASSERT(take.id != 0 && takeIndex(take.id) < 0);
    index = std::clamp(index, 0, int(takes_.size()));
    takes_.insert(takes_.begin() + index, take);
    std::sort(takes_[std::size_t(index)].notes.begin(), takes_[std::size_t(index)].notes.end(),
              noteLess);
    nextTakeId_ = std::max(nextTakeId_, take.id + 1);
    for (const Note& n : take.notes) nextNoteId_ = std::max(nextNoteId_, n.id + 1);
    emit takesChanged();
}

Take Document::removeTake(TakeId id) {
    int i = takeIndex(id);
    if (i < 0) return {};
    Take t = takes_[std::size_t(i)];
    takes_.erase(takes_.begin() + i);
    emit takesChanged();
    if (currentTake_ == id) setCurrentTake(0);
    if (primerTake_ == id) setPrimerTake(0);
    return t;
}

void Document::renameTake(TakeId id, const QString& name) {
    int i = takeIndex(id);
    if (i < 0 || takes_[std::size_t(i)].name == name) return;
    takes_[std::size_t(i)].name = name;
    emit takeRenamed(id);
}

void Document::appendTakeNotes(TakeId id, const std::vector<Note>& notes) {
    int i = takeIndex(id);
    if (i < 0 || notes.empty()) return;
    auto& v = takes_[std::size_t(i)].notes;
    for (Note n : notes) {
        if (n.id == 0) n.id = allocateNoteId();
        v.insert(std::upper_bound(v.begin(), v.end(), n, noteLess), n);
    }
    emit takeNotesChanged(id);
}

void Document::setTakeGenerating(TakeId id, bool generating) {
    int i = takeIndex(id);
    if (i < 0 || takes_[std::size_t(i)].generating == generating) return;
    takes_[std::size_t(i)].generating = generating;
    emit takesChanged();
}

void Document::setCurrentTake(TakeId id) {
    if (id != 0 && takeIndex(id) < 0) id = 0;
    if (id == currentTake_) return;
    currentTake_ = id;
    emit currentTakeChanged(id);
}

void Document::setPrimerTake(TakeId id) {
    if (id != 0 && takeIndex(id) < 0) id = 0;
    if (id == primerTake_) return;
    primerTake_ = id;
    emit primerTakeChanged(id);
}

void Document::setLiveNotes(std::vector<Note> notes) {
    liveNotes_ = std::move(notes);
    emit liveNotesChanged();
}

void Document::setTitle(const QString& title) {
    if (title == title_) return;
    title_ = title;
    emit titleChanged();
}

void Document::reset(const Sequence& source, std::vector<Take> takes) {
    const Sequence seq =
        source.ticksPerQuarter == kTicksPerQuarter ? source : source.rescaled(kTicksPerQuarter);
    undoStack_->clear();
    selection_.clear();
    liveNotes_.clear();
    currentTake_ = 0;
    primerTake_ = 0;
    nextNoteId_ = 1;
    nextTakeId_ = 1;
    notes_ = seq.allNotes();
    for (Note& n : notes_) n.id = 0;
    for (const Take& t : takes)
        for (const Note& n : t.notes) nextNoteId_ = std::max(nextNoteId_, n.id + 1);
    assignIds(notes_);
    rebuildIndex();
    tempo_ = seq.tempo;
    timeSignature_ = seq.timeSignatures.empty() ? TimeSignature{} : seq.timeSignatures.front();
    timeSignature_.tick = 0;
    takes_ = std::move(takes);
    for (Take& t : takes_) {
        nextTakeId_ = std::max(nextTakeId_, t.id + 1);
        t.generating = false;
    }
    loopStart_ = 0;
    loopEnd_ = ticksPerBar() * 4;
    loopEnabled_ = false;
    emit notesChanged();
    emit selectionChanged();
    emit tempoChanged();
    emit loopChanged();
    emit takesChanged();
    emit currentTakeChanged(0);
    emit primerTakeChanged(0);
    emit liveNotesChanged();
    undoStack_->setClean();
}

Sequence Document::toSequence(bool includeCurrentTake) const {
    Sequence seq;
    seq.ticksPerQuarter = kTicksPerQuarter;
    seq.tempo = tempo_;
    seq.timeSignatures = {timeSignature_};
    std::map<int, Track> byChannel;
    auto add = [&](const Note& n) {
        Track& t = byChannel[n.channel];
        t.channel = n.channel;
        t.notes.push_back(n);
    };
    for (const Note& n : notes_) add(n);
    if (includeCurrentTake)
        if (const Take* t = take(currentTake_))
            for (const Note& n : t->notes) add(n);
    for (auto& [channel, track] : byChannel) {
        track.name = channel == 9 ? "Drums" : (channel == 0 ? "Piano" : "Piano " + std::to_string(channel + 1));
        track.sort();
        seq.tracks.push_back(std::move(track));
    }
    seq.updateEndTick();
    return seq;
}

bool Document::isModified() const { return !undoStack_->isClean(); }

void Document::setClean() { undoStack_->setClean(); }

} // namespace continuo::ui
