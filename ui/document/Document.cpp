#include "document/Document.h"

#include <QRegularExpression>
#include <QUndoStack>

#include <algorithm>

namespace continuo::ui {

Document::Document(QObject* parent) : QObject(parent), undoStack_(new QUndoStack(this)) {
    ensureTrack();
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
    for (Note& n : added)
        if (trackIndex(n.track) < 0) n.track = activeTrack_;
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
    TimeSignature first = ts;
    first.tick = 0;
    if (first == timeSignatures_.front()) return;
    timeSignatures_.front() = first;
    emit tempoChanged();
}

Tick Document::ticksPerBeat() const {
    return Tick(kTicksPerQuarter) * 4 / std::max(1, timeSignature().denominator);
}

Tick Document::ticksPerBar() const { return ticksPerBeat() * std::max(1, timeSignature().numerator); }

Document::Bar Document::barAt(Tick tick) const {
    tick = std::max<Tick>(0, tick);
    Tick index = 0;
    for (std::size_t i = 0; i < timeSignatures_.size(); ++i) {
        const TimeSignature& ts = timeSignatures_[i];
        const Tick beat = Tick(kTicksPerQuarter) * 4 / std::max(1, ts.denominator);
        const Tick length = std::max<Tick>(1, beat * std::max(1, ts.numerator));
        const bool last = i + 1 == timeSignatures_.size();
        const Tick next = last ? 0 : timeSignatures_[i + 1].tick;
        if (last || tick < next) {
            const Tick k = (tick - ts.tick) / length;
            const Tick start = ts.tick + k * length;
            return {index + k, start, length, beat, last ? start + length : std::min(start + length, next)};
        }
        index += (next - ts.tick + length - 1) / length; // bars begun before the next signature
    }
    return {0, 0, kTicksPerQuarter * 4, kTicksPerQuarter, kTicksPerQuarter * 4};
}

// ---- tracks

void Document::ensureTrack() {
    if (!tracks_.empty()) {
        if (trackIndex(activeTrack_) < 0) activeTrack_ = tracks_.front().id;
        return;
    }
    TrackInfo t;
    t.id = nextTrackId_++;
    t.name = "Piano";
    tracks_.push_back(t);
    activeTrack_ = t.id;
}

const TrackInfo* Document::track(TrackId id) const {
    const int i = trackIndex(id);
    return i < 0 ? nullptr : &tracks_[std::size_t(i)];
}

TrackInfo* Document::trackPtr(TrackId id) {
    const int i = trackIndex(id);
    return i < 0 ? nullptr : &tracks_[std::size_t(i)];
}

int Document::trackIndex(TrackId id) const {
    if (id == 0) return -1;
    for (std::size_t i = 0; i < tracks_.size(); ++i)
        if (tracks_[i].id == id) return int(i);
    return -1;
}

void Document::setActiveTrack(TrackId id) {
    if (trackIndex(id) < 0 || id == activeTrack_) return;
    activeTrack_ = id;
    emit activeTrackChanged(id);
}

void Document::insertTrack(int index, const TrackInfo& track) {
    Q_ASSERT(track.id != 0 && trackIndex(track.id) < 0);
    index = std::clamp(index, 0, int(tracks_.size()));
    TrackInfo t = track;
    t.notes.clear();
    tracks_.insert(tracks_.begin() + index, std::move(t));
    nextTrackId_ = std::max(nextTrackId_, TrackId(track.id + 1));
    emit tracksChanged();
}

TrackInfo Document::removeTrack(TrackId id) {
    const int i = trackIndex(id);
    if (i < 0 || tracks_.size() == 1) return {};
    TrackInfo t = tracks_[std::size_t(i)];
    tracks_.erase(tracks_.begin() + i);
    const bool wasActive = activeTrack_ == id;
    ensureTrack();
    emit tracksChanged();
    if (wasActive) emit activeTrackChanged(activeTrack_);
    return t;
}

void Document::setTrackHeader(TrackId id, const std::string& name, int channel, int program) {
    TrackInfo* t = trackPtr(id);
    if (!t) return;
    channel = std::clamp(channel, 0, 15);
    program = std::clamp(program, 0, 127);
    if (t->name == name && t->channel == channel && t->program == program) return;
    t->name = name;
    t->channel = channel;
    t->program = program;
    emit tracksChanged();
}

void Document::setTrackMuted(TrackId id, bool muted) {
    TrackInfo* t = trackPtr(id);
    if (!t || t->muted == muted) return;
    t->muted = muted;
    emit tracksChanged();
}

void Document::setTrackSolo(TrackId id, bool solo) {
    TrackInfo* t = trackPtr(id);
    if (!t || t->solo == solo) return;
    t->solo = solo;
    emit tracksChanged();
}

void Document::setTrackVisible(TrackId id, bool visible) {
    TrackInfo* t = trackPtr(id);
    if (!t || t->visible == visible) return;
    t->visible = visible;
    emit tracksChanged();
}

void Document::setTrackInPrimer(TrackId id, bool inPrimer) {
    TrackInfo* t = trackPtr(id);
    if (!t || t->inPrimer == inPrimer) return;
    t->inPrimer = inPrimer;
    emit tracksChanged();
}

bool Document::isTrackInPrimer(TrackId id) const {
    const TrackInfo* t = track(id);
    return t ? t->inPrimer : true;
}

bool Document::isTrackAudible(TrackId id) const { return project::isTrackAudible(tracks_, id); }

bool Document::isTrackVisible(TrackId id) const {
    const TrackInfo* t = track(id);
    return t ? t->visible : true;
}

void Document::setTrackEvents(TrackId id, std::vector<ChannelEvent> events) {
    TrackInfo* t = trackPtr(id);
    if (!t) return;
    std::stable_sort(events.begin(), events.end(),
                     [](const ChannelEvent& a, const ChannelEvent& b) { return a.tick < b.tick; });
    if (events == t->events) return;
    t->events = std::move(events);
    emit trackEventsChanged(id);
}

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

int Document::nextTakeNumber(const QString& prefix) const {
    const QRegularExpression re("^" + QRegularExpression::escape(prefix) + " (\\d+)$");
    int n = 0;
    for (const Take& t : takes_) {
        const auto m = re.match(t.name);
        if (m.hasMatch()) n = std::max(n, m.captured(1).toInt());
    }
    return n + 1;
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

void Document::setTakeParent(TakeId id, TakeId parent) {
    const int i = takeIndex(id);
    if (i < 0 || parent == id) return;
    TakeProvenance& p = takes_[std::size_t(i)].provenance;
    if (p.parentTake == parent) return;
    p.parentTake = parent;
    emit takesChanged();
}

std::vector<TakeId> Document::childTakes(TakeId parent) const {
    std::vector<TakeId> out;
    for (const Take& t : takes_) {
        // A take whose parent has gone (never on the undo stack) hangs from the sketch.
        const TakeId p = t.provenance.parentTake != 0 && takeIndex(t.provenance.parentTake) >= 0 ? t.provenance.parentTake : 0;
        if (p == parent && t.id != parent) out.push_back(t.id);
    }
    return out;
}

std::vector<std::pair<TakeId, int>> Document::takeTree() const {
    std::vector<std::pair<TakeId, int>> out;
    std::vector<std::pair<TakeId, int>> stack{{0, -1}};
    while (!stack.empty()) {
        const auto [id, depth] = stack.back();
        stack.pop_back();
        if (id != 0) out.emplace_back(id, depth);
        const std::vector<TakeId> children = childTakes(id);
        for (auto it = children.rbegin(); it != children.rend(); ++it) stack.emplace_back(*it, depth + 1);
    }
    return out;
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
    project::Project p = project::Project::fromSequence(source);
    p.takes = std::move(takes);
    p.title = title_; // a MIDI file or a new piece: the caller names it
    reset(p);
}

void Document::reset(const project::Project& p) {
    undoStack_->clear();
    selection_.clear();
    liveNotes_.clear();
    currentTake_ = 0;
    nextNoteId_ = 1;
    nextTakeId_ = 1;
    nextTrackId_ = 1;
    // Tracks keep their ids (unique and non-zero, else renumbered); notes get fresh ids above
    // the take notes' (those keep theirs: a take may be the primer).
    tracks_.clear();
    notes_.clear();
    notes_.reserve(p.noteCount());
    std::unordered_set<TrackId> seen;
    for (const project::ProjectTrack& pt : p.tracks)
        if (pt.id != 0) nextTrackId_ = std::max(nextTrackId_, TrackId(pt.id + 1));
    for (const project::ProjectTrack& pt : p.tracks) {
        TrackInfo t = pt;
        t.notes.clear();
        if (t.id == 0 || !seen.insert(t.id).second) t.id = nextTrackId_++;
        for (Note n : pt.notes) {
            n.id = 0;
            n.track = t.id;
            notes_.push_back(n);
        }
        tracks_.push_back(std::move(t));
    }
    activeTrack_ = 0;
    ensureTrack();
    std::stable_sort(notes_.begin(), notes_.end(), noteLess);
    takes_ = p.takes;
    for (const Take& t : takes_)
        for (const Note& n : t.notes) nextNoteId_ = std::max(nextNoteId_, n.id + 1);
    assignIds(notes_);
    for (Take& t : takes_) {
        nextTakeId_ = std::max(nextTakeId_, t.id + 1);
        t.generating = false;
    }
    rebuildIndex();
    tempo_ = p.tempo.ticksPerQuarter() == kTicksPerQuarter ? p.tempo : p.tempo.rescaled(kTicksPerQuarter);
    timeSignatures_ = p.timeSignatures;
    if (timeSignatures_.empty() || timeSignatures_.front().tick != 0)
        timeSignatures_.insert(timeSignatures_.begin(), TimeSignature{});
    fileEnd_ = p.endTick;
    midiTicksPerQuarter_ = p.midiTicksPerQuarter;
    midiFormat_ = p.midiFormat;
    conductorName_ = p.conductorName;
    conductorEvents_ = p.conductorEvents;
    extra_ = p.extra;
    title_ = p.title;
    if (p.hasLoop) {
        loopStart_ = std::min(p.loop.start, p.loop.end);
        loopEnd_ = std::max(p.loop.start, p.loop.end);
        loopEnabled_ = p.loop.enabled;
    } else {
        loopStart_ = 0;
        loopEnd_ = ticksPerBar() * 4;
        loopEnabled_ = false;
    }
    primerTake_ = takeIndex(p.primerTake) >= 0 ? p.primerTake : 0;
    emit tracksChanged();
    emit activeTrackChanged(activeTrack_);
    emit notesChanged();
    emit selectionChanged();
    emit tempoChanged();
    emit loopChanged();
    emit takesChanged();
    emit currentTakeChanged(0);
    emit primerTakeChanged(primerTake_);
    emit liveNotesChanged();
    emit titleChanged();
    undoStack_->setClean();
}

project::Project Document::piece() const {
    project::Project p;
    p.title = title_;
    p.tempo = tempo_;
    p.timeSignatures = timeSignatures_;
    p.tracks = tracks_;
    std::unordered_map<TrackId, std::size_t> at;
    for (std::size_t i = 0; i < p.tracks.size(); ++i) at[p.tracks[i].id] = i;
    for (const Note& n : notes_) {
        auto it = at.find(n.track);
        p.tracks[it == at.end() ? 0 : it->second].notes.push_back(n); // notes_ is sorted
    }
    p.endTick = fileEnd_;
    p.midiTicksPerQuarter = midiTicksPerQuarter_;
    p.midiFormat = midiFormat_;
    p.conductorName = conductorName_;
    p.conductorEvents = conductorEvents_;
    p.hasLoop = true;
    p.loop = {loopStart_, loopEnd_, loopEnabled_};
    p.extra = extra_;
    return p;
}

project::Project Document::toProject(const project::PieceSettings& settings) const {
    project::Project p = piece();
    for (const Take& t : takes_)
        if (!t.generating) p.takes.push_back(t);
    // A take whose parent is not saved with it hangs from the sketch (a file names only takes
    // it holds as parents).
    for (Take& t : p.takes) {
        const TakeId parent = t.provenance.parentTake;
        if (parent != 0 && std::none_of(p.takes.begin(), p.takes.end(), [parent](const Take& o) { return o.id == parent; }))
            t.provenance.parentTake = 0;
    }
    p.primerTake = primerTake_;
    p.settings = settings;
    return p;
}

Sequence Document::toSequence(bool includeCurrentTake, bool audibleOnly) const {
    // The heard take may still be writing (a live take is not part of the saved piece).
    project::Project::SequenceView view;
    view.audibleOnly = audibleOnly;
    view.heardTake = includeCurrentTake ? take(currentTake_) : nullptr;
    return piece().toSequence(view);
}

bool Document::isModified() const { return !undoStack_->isClean(); }

void Document::setClean() { undoStack_->setClean(); }

} // namespace continuo::ui
