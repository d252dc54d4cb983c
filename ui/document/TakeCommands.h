#pragma once
// Undoable actions on takes: add (after a Continue), discard, rename, keep, continue-from.
#include "document/Take.h"

#include <QUndoCommand>

#include <vector>

namespace continuo::ui {

class Document;

/// Adds finished takes at the end of the list.
class AddTakesCommand : public QUndoCommand {
public:
    AddTakesCommand(Document* doc, std::vector<Take> takes, QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;

private:
    Document* doc_;
    std::vector<Take> takes_;
};

/// Removes one take (discard); undo puts it back where it was. Its children in the takes tree
/// move up to its parent (the sketch for a take continued from the sketch), and back on undo.
class RemoveTakeCommand : public QUndoCommand {
public:
    RemoveTakeCommand(Document* doc, TakeId id, QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;

private:
    Document* doc_;
    Take take_;
    int index_;
    std::vector<TakeId> children_;
    bool wasCurrent_ = false;
    bool wasPrimer_ = false;
};

class RenameTakeCommand : public QUndoCommand {
public:
    RenameTakeCommand(Document* doc, TakeId id, QString name, QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;

private:
    Document* doc_;
    TakeId id_;
    QString before_;
    QString after_;
};

/// Continue from a take: its notes join the primer of the next Continue.
class SetPrimerTakeCommand : public QUndoCommand {
public:
    SetPrimerTakeCommand(Document* doc, TakeId id, QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;

private:
    Document* doc_;
    TakeId before_;
    TakeId after_;
};

/// Keep: the take's notes join the piece (new ids) on a track of their own, or on the track
/// `into` when it names one, and the take leaves the list. A macro of an AddTrackCommand (for
/// a track of its own), an EditNotesCommand and a RemoveTakeCommand. An infill take is kept
/// with makeKeepInfillTakeCommand instead (`into` does not apply: a fill replaces notes where
/// they are).
QUndoCommand* makeKeepTakeCommand(Document* doc, TakeId id, project::TrackId into = 0);

/// The piece's notes whose onsets lie in [start, end), on every track: what keeping an infill
/// take for that gap replaces.
std::vector<Note> notesInGap(const Document& doc, Tick start, Tick end);
/// Keep an infill take: the notes whose onsets lie in its gap are replaced by the take's notes
/// (new ids, on the track that held most of the gap's notes, else the active track); every
/// other note keeps its id and values. One step: an EditNotesCommand and a RemoveTakeCommand.
QUndoCommand* makeKeepInfillTakeCommand(Document* doc, TakeId id);

} // namespace continuo::ui
