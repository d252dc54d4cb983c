#include "document/TakeCommands.h"

#include "document/Document.h"
#include "document/EditNotesCommand.h"
#include "document/TrackCommands.h"

#include <QCoreApplication>

#include <map>

namespace continuo::ui {

AddTakesCommand::AddTakesCommand(Document* doc, std::vector<Take> takes, QUndoCommand* parent)
    : QUndoCommand(parent), doc_(doc), takes_(std::move(takes)) {
    setText(takes_.size() == 1 ? QCoreApplication::translate("Takes", "Add take")
                               : QCoreApplication::translate("Takes", "Add %n takes", nullptr,
                                                             int(takes_.size())));
}

void AddTakesCommand::redo() {
    for (const Take& t : takes_) doc_->insertTake(int(doc_->takes().size()), t);
}

void AddTakesCommand::undo() {
    for (auto it = takes_.rbegin(); it != takes_.rend(); ++it) doc_->removeTake(it->id);
}

RemoveTakeCommand::RemoveTakeCommand(Document* doc, TakeId id, QUndoCommand* parent)
    : QUndoCommand(parent), doc_(doc), index_(doc->takeIndex(id)) {
    if (const Take* t = doc->take(id)) take_ = *t;
    setText(QCoreApplication::translate("Takes", "Discard take \"%1\"").arg(take_.name));
}

void RemoveTakeCommand::redo() {
    wasCurrent_ = doc_->view()->currentTake() == take_.id;
    wasPrimer_ = doc_->primerTake() == take_.id;
    // Its children move up to its own parent: a discarded take's continuations hang from the
    // take it continued, a kept take's from that (its notes are now part of the piece).
    children_ = doc_->childTakes(take_.id);
    const Take* t = doc_->take(take_.id);
    const TakeId grandparent = t ? t->provenance.parentTake : 0;
    for (TakeId child : children_) doc_->setTakeParent(child, grandparent);
    doc_->removeTake(take_.id);
}

void RemoveTakeCommand::undo() {
    doc_->insertTake(index_, take_);
    for (TakeId child : children_) doc_->setTakeParent(child, take_.id);
    if (wasCurrent_) doc_->view()->setCurrentTake(take_.id);
    if (wasPrimer_) doc_->setPrimerTake(take_.id);
}

RenameTakeCommand::RenameTakeCommand(Document* doc, TakeId id, QString name, QUndoCommand* parent)
    : QUndoCommand(parent), doc_(doc), id_(id), after_(std::move(name)) {
    if (const Take* t = doc->take(id)) before_ = t->name;
    setText(QCoreApplication::translate("Takes", "Rename take to \"%1\"").arg(after_));
}

void RenameTakeCommand::redo() { doc_->renameTake(id_, after_); }
void RenameTakeCommand::undo() { doc_->renameTake(id_, before_); }

SetPrimerTakeCommand::SetPrimerTakeCommand(Document* doc, TakeId id, QUndoCommand* parent)
    : QUndoCommand(parent), doc_(doc), before_(doc->primerTake()), after_(id) {
    const Take* t = doc->take(id);
    setText(t ? QCoreApplication::translate("Takes", "Continue from \"%1\"").arg(t->name)
              : QCoreApplication::translate("Takes", "Continue from the sketch"));
}

void SetPrimerTakeCommand::redo() { doc_->setPrimerTake(after_); }
void SetPrimerTakeCommand::undo() { doc_->setPrimerTake(before_); }

QUndoCommand* makeKeepTakeCommand(Document* doc, TakeId id, TrackId into) {
    const Take* t = doc->take(id);
    if (!t) return nullptr;
    if (t->provenance.infill) return makeKeepInfillTakeCommand(doc, id);
    const TrackInfo* target = into ? doc->track(into) : nullptr;
    auto* macro = new QUndoCommand(
        target ? QCoreApplication::translate("Takes", "Keep take \"%1\" into \"%2\"").arg(t->name, QString::fromStdString(target->name))
               : QCoreApplication::translate("Takes", "Keep take \"%1\"").arg(t->name));
    // By default the take becomes a track of its own (named after it, the piano of the active
    // track), so that it can be muted, hidden or left out of the next primer.
    TrackId trackId = 0;
    int channel = 0;
    if (target) {
        trackId = target->id;
        channel = target->channel;
    } else {
        TrackInfo track;
        track.id = doc->allocateTrackId();
        track.name = t->name.toStdString();
        if (const TrackInfo* active = doc->track(doc->view()->activeTrack())) {
            track.channel = active->channel;
            track.program = active->program;
        }
        new AddTrackCommand(doc, track, int(doc->tracks().size()), macro);
        trackId = track.id;
        channel = track.channel;
    }
    std::vector<Note> notes = t->notes;
    for (Note& n : notes) {
        n.id = doc->allocateNoteId();
        n.track = trackId;
        n.channel = channel;
    }
    new EditNotesCommand(doc, macro->text(), {}, std::move(notes), 0, macro);
    new RemoveTakeCommand(doc, id, macro);
    return macro;
}

std::vector<Note> notesInGap(const Document& doc, Tick start, Tick end) {
    std::vector<Note> out;
    const auto& notes = doc.notes();
    for (std::size_t i = doc.lowerBound(start); i < notes.size() && notes[i].start < end; ++i) out.push_back(notes[i]);
    return out;
}

QUndoCommand* makeKeepInfillTakeCommand(Document* doc, TakeId id) {
    const Take* t = doc->take(id);
    if (!t || !t->provenance.infill) return nullptr;
    const TakeProvenance& p = t->provenance;
    std::vector<Note> gap = notesInGap(*doc, p.gapStart, p.gapEnd);
    // The fill goes to the track that held most of the gap (the active track when it was empty).
    std::map<TrackId, int> count;
    for (const Note& n : gap) ++count[n.track];
    TrackId target = doc->view()->activeTrack();
    int most = 0;
    for (const auto& [track, n] : count)
        if (n > most && doc->track(track)) {
            most = n;
            target = track;
        }
    const TrackInfo* info = doc->track(target);
    std::vector<Note> fill = t->notes;
    for (Note& n : fill) {
        n.id = doc->allocateNoteId();
        n.track = target;
        n.channel = info ? info->channel : n.channel;
    }
    auto* macro = new QUndoCommand(QCoreApplication::translate("Takes", "Fill the gap with \"%1\"").arg(t->name));
    new EditNotesCommand(doc, macro->text(), std::move(gap), std::move(fill), 0, macro);
    new RemoveTakeCommand(doc, id, macro);
    return macro;
}

} // namespace continuo::ui
