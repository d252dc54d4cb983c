#include "document/EditNotesCommand.h"

#include "document/Document.h"

#include <unordered_set>

namespace continuo::ui {

namespace {
std::vector<NoteId> idsOf(const std::vector<Note>& notes) {
    std::vector<NoteId> ids;
    ids.reserve(notes.size());
    for (const Note& n : notes) ids.push_back(n.id);
    return ids;
}
} // namespace

EditNotesCommand::EditNotesCommand(Document* doc, const QString& text, std::vector<Note> before,
                                   std::vector<Note> after, int gesture, QUndoCommand* parent)
    : QUndoCommand(text, parent), doc_(doc), before_(std::move(before)), after_(std::move(after)),
      gesture_(gesture) {}

void EditNotesCommand::redo() {
    doc_->replaceNotes(idsOf(before_), after_);
    if (selectAfter_) {
        const auto ids = idsOf(after_);
        doc_->view()->setSelection(NoteIdSet(ids.begin(), ids.end()));
    }
}

void EditNotesCommand::undo() {
    doc_->replaceNotes(idsOf(after_), before_);
    if (selectAfter_) {
        const auto ids = idsOf(before_);
        doc_->view()->setSelection(NoteIdSet(ids.begin(), ids.end()));
    }
}

bool EditNotesCommand::mergeWith(const QUndoCommand* other) {
    auto* o = dynamic_cast<const EditNotesCommand*>(other);
    if (!o || o->gesture_ != gesture_ || gesture_ == 0) return false;
    // The later step must only touch notes this command already produced.
    std::unordered_set<NoteId> mine;
    for (const Note& n : after_) mine.insert(n.id);
    for (const Note& n : o->before_)
        if (!mine.count(n.id)) return false;
    std::unordered_set<NoteId> replaced;
    for (const Note& n : o->before_) replaced.insert(n.id);
    std::erase_if(after_, [&](const Note& n) { return replaced.count(n.id) != 0; });
    after_.insert(after_.end(), o->after_.begin(), o->after_.end());
    selectAfter_ = selectAfter_ || o->selectAfter_;
    return true;
}

int EditNotesCommand::nextGesture() {
    static int counter = 0;
    return ++counter;
}

} // namespace continuo::ui
