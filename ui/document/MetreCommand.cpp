#include "document/MetreCommand.h"

#include "document/Document.h"

#include <QCoreApplication>

#include <algorithm>

namespace continuo::ui {

MetreCommand::MetreCommand(Document* doc, Kind kind, TempoMap tempo, TimeSignature ts)
    : doc_(doc), kind_(kind), beforeTempo_(doc->tempo()), afterTempo_(std::move(tempo)),
      beforeTs_(doc->timeSignature()), afterTs_(ts) {}

MetreCommand* MetreCommand::tempo(Document* doc, double bpm) {
    bpm = std::clamp(bpm, 20.0, 400.0);
    // The piece's first tempo becomes `bpm`. A tempo map with later changes (an imported
    // file's) is scaled as a whole, so that none of its changes is lost.
    const TempoMap& old = doc->tempo();
    TempoMap map(old.ticksPerQuarter());
    const double factor = old.bpmAt(0) / bpm; // on microseconds per quarter
    map.clear(60'000'000.0 / bpm);
    for (const TempoChange& t : old.changes())
        if (t.tick > 0) map.setTempo(t.tick, std::clamp(t.microsPerQuarter * factor, 60'000'000.0 / 1000.0, 60'000'000.0 / 5.0));
    auto* c = new MetreCommand(doc, Tempo, map, doc->timeSignature());
    c->setText(old.changes().size() > 1
                   ? QCoreApplication::translate("Metre", "Tempo %1 BPM (all %2 tempo changes scaled)")
                         .arg(bpm, 0, 'f', 1)
                         .arg(old.changes().size())
                   : QCoreApplication::translate("Metre", "Tempo %1 BPM").arg(bpm, 0, 'f', 1));
    return c;
}

MetreCommand* MetreCommand::timeSignature(Document* doc, int numerator, int denominator) {
    TimeSignature ts = doc->timeSignature();
    ts.numerator = std::clamp(numerator, 1, 32);
    ts.denominator = std::clamp(denominator, 1, 32);
    auto* c = new MetreCommand(doc, Metre, doc->tempo(), ts);
    c->setText(QCoreApplication::translate("Metre", "Time signature %1/%2").arg(ts.numerator).arg(ts.denominator));
    return c;
}

void MetreCommand::redo() {
    doc_->setTempoMap(afterTempo_);
    doc_->setTimeSignature(afterTs_);
}

void MetreCommand::undo() {
    doc_->setTempoMap(beforeTempo_);
    doc_->setTimeSignature(beforeTs_);
}

bool MetreCommand::mergeWith(const QUndoCommand* other) {
    const auto* o = static_cast<const MetreCommand*>(other);
    if (o->doc_ != doc_ || o->kind_ != kind_) return false;
    afterTempo_ = o->afterTempo_;
    afterTs_ = o->afterTs_;
    setText(o->text());
    return true;
}

} // namespace continuo::ui
