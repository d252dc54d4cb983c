#pragma once
// The editing commands behind menus and shortcuts, as functions of the document so that
// they are testable without widgets. Each pushes one command (or nothing when it would
// change nothing) and returns whether it did.
#include "document/Grid.h"

#include <vector>

namespace continuo::ui {

class Document;

namespace edit {

bool transposeSelection(Document& doc, int semitones);
bool moveSelection(Document& doc, Tick delta);
bool deleteSelection(Document& doc);
/// Copies the selection to the clipboard (an internal one, plus QClipboard as JSON when a
/// GUI application runs). Returns the notes copied.
std::vector<Note> copySelection(const Document& doc);
bool cutSelection(Document& doc);
/// Pastes the clipboard so that its first note starts at `at`.
bool paste(Document& doc, Tick at);
/// Copies the selection right after itself (rounded up to the grid).
bool duplicateSelection(Document& doc, const Grid& grid);
/// Moves onsets (and ends) toward the grid by `strength` (0..1); selection, or all notes.
bool quantize(Document& doc, const Grid& grid, double strength, bool lengths = true);
/// Sets velocities of notes by id (one command, merged within `gesture`).
bool setVelocities(Document& doc, const std::vector<std::pair<NoteId, int>>& values, int gesture = 0);
/// Linear velocity ramp from (t0, v0) to (t1, v1) over the selected notes in [t0, t1]
/// (all notes in the range when nothing is selected).
bool velocityRamp(Document& doc, Tick t0, int v0, Tick t1, int v1);
void selectAll(Document& doc);
/// Adds notes (ids assigned); selects them.
bool addNotes(Document& doc, std::vector<Note> notes, const QString& text);

/// The clipboard's notes (internal, falling back to the system clipboard).
std::vector<Note> clipboardNotes();

} // namespace edit
} // namespace continuo::ui
