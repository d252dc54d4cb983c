#pragma once
// Undoable change of tempo and time signature. Notes keep their bar and beat positions (their
// ticks), as in any sequencer: a faster tempo plays the same bars sooner. Consecutive changes
// of the same kind (spin-box steps) merge into one undo step.
#include "continuo/core/Sequence.h"

#include <QUndoCommand>

namespace continuo::ui {

class Document;

class MetreCommand : public QUndoCommand {
public:
    /// Sets one tempo for the whole piece.
    static MetreCommand* tempo(Document* doc, double bpm);
    static MetreCommand* timeSignature(Document* doc, int numerator, int denominator);

    void redo() override;
    void undo() override;
    int id() const override { return kind_; }
    bool mergeWith(const QUndoCommand* other) override;

private:
    enum Kind { Tempo = 0x4d54, Metre = 0x4d53 };
    MetreCommand(Document* doc, Kind kind, TempoMap tempo, TimeSignature ts);
    Document* doc_;
    Kind kind_;
    TempoMap beforeTempo_, afterTempo_;
    TimeSignature beforeTs_, afterTs_;
};

} // namespace continuo::ui
