#pragma once
// One undoable change to the piece's notes: the notes before (by id) and after. Adding has
// no "before", deleting no "after"; move, resize, transpose, quantize and velocity edits
// keep the ids. Consecutive steps of one mouse gesture merge into one command.
#include "continuo/core/Note.h"

#include <QUndoCommand>

#include <vector>

namespace continuo::ui {

class Document;

class EditNotesCommand : public QUndoCommand {
public:
    enum { Id = 0x4e4f5445 };
    /// `gesture` != 0 lets commands of the same gesture (one drag) merge.
    EditNotesCommand(Document* doc, const QString& text, std::vector<Note> before,
                     std::vector<Note> after, int gesture = 0, QUndoCommand* parent = nullptr);

    void redo() override;
    void undo() override;
    int id() const override { return gesture_ != 0 ? Id : -1; }
    bool mergeWith(const QUndoCommand* other) override;

    /// Selects the "after" notes on redo (paste, duplicate, draw).
    void setSelectAfter(bool on) { selectAfter_ = on; }
    const std::vector<Note>& before() const { return before_; }
    const std::vector<Note>& after() const { return after_; }

    /// A fresh number for a new mouse gesture.
    static int nextGesture();

private:
    Document* doc_;
    std::vector<Note> before_;
    std::vector<Note> after_;
    int gesture_;
    bool selectAfter_ = false;
};

} // namespace continuo::ui
