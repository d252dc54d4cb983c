#include "document/Document.h"

#include <QUndoStack>

#include <algorithm>

namespace continuo::ui {

Document::Document(QObject* parent)
    : QObject(parent), undoStack_(new QUndoStack(this)), view_(new ViewState(project_, this)) {
    project_.normalize(); // one track to draw on
    nextTrackId_ = project_.nextTrackId();
    view_->reset(project_.loop);
    connect(undoStack_, &QUndoStack::cleanChanged, this,
            [this](bool clean) { emit modifiedChanged(!clean); });
}

Document::~Document() = default;

std::vector<Note> Document::notesWithIds(const std::vector<NoteId>& ids) const {
    std::vector<Note> out;
    out.reserve(ids.size());
    for (NoteId id : ids)
        if (const Note* n = note(id)) out.push_back(*n);
    return out;
}

void Document::replaceNotes(const std::vector<NoteId>& removeIds, const std::vector<Note>& insert) {
    if (removeIds.empty() && insert.empty()) return;
    std::vector<Note> added = insert;
    for (Note& n : added) {
        Q_ASSERT(n.id != 0);
        nextNoteId_ = std::max(nextNoteId_, n.id + 1);
        if (trackIndex(n.track) < 0) n.track = view_->activeTrack();
    }
    project_.notes.replace(removeIds, std::move(added));
    emit notesChanged();
    view_->prune(); // notes that no longer exist leave the selection
}

// ---- tracks

void Document::insertTrack(int index, const TrackInfo& track) {
    Q_ASSERT(track.id != 0 && trackIndex(track.id) < 0);
    index = std::clamp(index, 0, int(project_.tracks.size()));
    project_.tracks.insert(project_.tracks.begin() + index, track);
    nextTrackId_ = std::max(nextTrackId_, TrackId(track.id + 1));
    emit tracksChanged();
}

TrackInfo Document::removeTrack(TrackId id) {
    const int i = trackIndex(id);
    if (i < 0 || project_.tracks.size() == 1) return {};
    TrackInfo t = project_.tracks[std::size_t(i)];
    project_.tracks.erase(project_.tracks.begin() + i);
    emit tracksChanged();
    view_->prune(); // the first track becomes the active one when this one was
    return t;
}

void Document::setTrackHeader(TrackId id, const std::string& name, int channel, int program) {
    TrackInfo* t = project_.track(id);
    if (!t) return;
    channel = std::clamp(channel, 0, 15);
    program = std::clamp(program, 0, 127);
    if (t->name == name && t->channel == channel && t->program == program) return;
    t->name = name;
    t->channel = channel;
    t->program = program;
    emit tracksChanged();
}

namespace {
/// Sets one flag of a track; true when it changed.
bool setFlag(project::Project& p, TrackId id, bool TrackInfo::*flag, bool value) {
    TrackInfo* t = p.track(id);
    if (!t || t->*flag == value) return false;
    t->*flag = value;
    return true;
}
} // namespace

void Document::setTrackMuted(TrackId id, bool muted) {
    if (setFlag(project_, id, &TrackInfo::muted, muted)) emit tracksChanged();
}

void Document::setTrackSolo(TrackId id, bool solo) {
    if (setFlag(project_, id, &TrackInfo::solo, solo)) emit tracksChanged();
}

void Document::setTrackVisible(TrackId id, bool visible) {
    if (setFlag(project_, id, &TrackInfo::visible, visible)) emit tracksChanged();
}

void Document::setTrackInPrimer(TrackId id, bool inPrimer) {
    if (setFlag(project_, id, &TrackInfo::inPrimer, inPrimer)) emit tracksChanged();
}

bool Document::isTrackInPrimer(TrackId id) const {
    const TrackInfo* t = track(id);
    return t ? t->inPrimer : true;
}

bool Document::isTrackVisible(TrackId id) const {
    const TrackInfo* t = track(id);
    return t ? t->visible : true;
}

void Document::setTrackEvents(TrackId id, std::vector<ChannelEvent> events) {
    TrackInfo* t = project_.track(id);
    if (!t) return;
    std::stable_sort(events.begin(), events.end(),
                     [](const ChannelEvent& a, const ChannelEvent& b) { return a.tick < b.tick; });
    if (events == t->events) return;
    t->events = std::move(events);
    emit trackEventsChanged(id);
}

// ---- tempo and metre

void Document::setBpm(double bpm) {
    bpm = std::clamp(bpm, 20.0, 400.0);
    TempoMap& tempo = project_.tempo;
    if (tempo.changes().size() == 1 && qFuzzyCompare(tempo.bpmAt(0), bpm)) return;
    tempo.clear(60'000'000.0 / bpm);
    emit tempoChanged();
}

void Document::setTempoMap(const TempoMap& map) {
    project_.tempo = map.ticksPerQuarter() == kTicksPerQuarter ? map : map.rescaled(kTicksPerQuarter);
    emit tempoChanged();
}

void Document::setTimeSignature(const TimeSignature& ts) {
    TimeSignature first = ts;
    first.tick = 0;
    if (first == project_.timeSignatures.front()) return;
    project_.timeSignatures.front() = first;
    emit tempoChanged();
}

// ---- takes

void Document::insertTake(int index, const Take& take) {
    Q_ASSERT(take.id != 0 && takeIndex(take.id) < 0);
    std::vector<Take>& takes = project_.takes;
    index = std::clamp(index, 0, int(takes.size()));
    Take& t = *takes.insert(takes.begin() + index, take);
    std::sort(t.notes.begin(), t.notes.end(), noteLess);
    nextTakeId_ = std::max(nextTakeId_, take.id + 1);
    for (const Note& n : take.notes) nextNoteId_ = std::max(nextNoteId_, n.id + 1);
    emit takesChanged();
}

Take Document::removeTake(TakeId id) {
    const int i = takeIndex(id);
    if (i < 0) return {};
    Take t = project_.takes[std::size_t(i)];
    project_.takes.erase(project_.takes.begin() + i);
    emit takesChanged();
    view_->prune(); // no longer auditioned
    if (primerTake() == id) setPrimerTake(0);
    return t;
}

void Document::renameTake(TakeId id, const QString& name) {
    Take* t = project_.take(id);
    if (!t || t->name == name) return;
    t->name = name;
    emit takeRenamed(id);
}

void Document::setTakeParent(TakeId id, TakeId parent) {
    Take* t = project_.take(id);
    if (!t || parent == id || t->provenance.parentTake == parent) return;
    t->provenance.parentTake = parent;
    emit takesChanged();
}

void Document::appendTakeNotes(TakeId id, const std::vector<Note>& notes) {
    Take* t = project_.take(id);
    if (!t || notes.empty()) return;
    for (Note n : notes) {
        if (n.id == 0) n.id = allocateNoteId();
        t->notes.insert(std::upper_bound(t->notes.begin(), t->notes.end(), n, noteLess), n);
    }
    emit takeNotesChanged(id);
}

void Document::setTakeGenerating(TakeId id, bool generating) {
    Take* t = project_.take(id);
    if (!t || t->generating == generating) return;
    t->generating = generating;
    emit takesChanged();
}

void Document::setPrimerTake(TakeId id) {
    if (takeIndex(id) < 0) id = 0;
    if (id == project_.primerTake) return;
    project_.primerTake = id;
    emit primerTakeChanged(id);
}

// ---- whole document

void Document::setTitle(const QString& title) {
    if (title == project_.title) return;
    project_.title = title;
    emit titleChanged();
}

void Document::reset(const Sequence& source, std::vector<Take> takes) {
    project::Project p = project::Project::fromSequence(source);
    p.takes = std::move(takes);
    p.title = project_.title; // a MIDI file or a new piece: the caller names it
    reset(p);
}

void Document::reset(const project::Project& p) {
    undoStack_->clear();
    project_ = p;
    project_.normalize();
    // Loop and settings are the view's and the panel's while the piece is open.
    project::LoopRegion loop = p.hasLoop ? p.loop : project::LoopRegion{0, project_.ticksPerBar() * 4, false};
    project_.hasLoop = false;
    project_.loop = {};
    project_.settings = {};
    nextNoteId_ = project_.notes.maxId() + 1;
    for (const Take& t : project_.takes)
        for (const Note& n : t.notes) nextNoteId_ = std::max(nextNoteId_, n.id + 1);
    nextTrackId_ = project_.nextTrackId();
    nextTakeId_ = 1;
    for (const Take& t : project_.takes) nextTakeId_ = std::max(nextTakeId_, t.id + 1);
    view_->reset(loop);
    emit tracksChanged();
    emit notesChanged();
    emit tempoChanged();
    emit takesChanged();
    emit primerTakeChanged(project_.primerTake);
    emit titleChanged();
    view_->announce();
    undoStack_->setClean();
}

project::Project Document::toProject(const project::PieceSettings& settings) const {
    project::Project p = project_;
    std::erase_if(p.takes, [](const Take& t) { return t.generating; });
    // A take whose parent is not saved with it hangs from the sketch (a file names only takes
    // it holds as parents).
    for (Take& t : p.takes)
        if (t.provenance.parentTake != 0 && p.takeIndex(t.provenance.parentTake) < 0) t.provenance.parentTake = 0;
    if (p.takeIndex(p.primerTake) < 0) p.primerTake = 0;
    p.hasLoop = true;
    p.loop = view_->loop();
    p.settings = settings;
    return p;
}

Sequence Document::toSequence(bool includeCurrentTake, bool audibleOnly) const {
    // The heard take may still be writing (a live take is not part of the saved piece).
    project::Project::SequenceView view;
    view.audibleOnly = audibleOnly;
    view.heardTake = includeCurrentTake ? take(view_->currentTake()) : nullptr;
    return project_.toSequence(view);
}

bool Document::isModified() const { return !undoStack_->isClean(); }

void Document::setClean() { undoStack_->setClean(); }

} // namespace continuo::ui
