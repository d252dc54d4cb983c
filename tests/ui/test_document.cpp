// Editing operations on the document and their undo/redo.
#include "document/Document.h"
#include "document/EditNotesCommand.h"
#include "document/EditOperations.h"
#include "document/MetreCommand.h"
#include "document/TakeCommands.h"

#include <QUndoStack>
#include <QtTest>

using namespace continuo;
using namespace continuo::ui;

namespace {
Note mk(int pitch, Tick start, Tick length, int velocity = 80) {
    Note n;
    n.pitch = pitch;
    n.start = start;
    n.length = length;
    n.velocity = velocity;
    return n;
}
constexpr Tick Q = kTicksPerQuarter;

/// Two takes of one note (D after the first beat) continuing the sketch, added in one undo step.
std::pair<Take, Take> addTwoTakes(Document& doc) {
    Take a;
    a.id = doc.allocateTakeId();
    a.name = "Take 1";
    a.notes = {mk(62, Q, Q)};
    a.notes[0].id = doc.allocateNoteId();
    a.provenance.primerEnd = Q;
    Take b = a;
    b.id = doc.allocateTakeId();
    b.name = "Take 2";
    doc.undoStack()->push(new AddTakesCommand(&doc, {a, b}));
    return {a, b};
}
} // namespace

class TestDocument : public QObject {
    Q_OBJECT
private slots:
    void addNotesUndoRedo() {
        Document doc;
        QVERIFY(edit::addNotes(doc, {mk(60, 0, Q), mk(64, Q, Q)}, "Draw"));
        QCOMPARE(doc.notes().size(), 2u);
        QCOMPARE(doc.view()->selection().size(), 2u);
        doc.undoStack()->undo();
        QCOMPARE(doc.notes().size(), 0u);
        doc.undoStack()->redo();
        QCOMPARE(doc.notes().size(), 2u);
        QVERIFY(doc.notes()[0].id != doc.notes()[1].id);
    }

    void transposeAndOctave() {
        Document doc;
        edit::addNotes(doc, {mk(60, 0, Q), mk(67, Q, Q)}, "Draw");
        QVERIFY(edit::transposeSelection(doc, 1));
        QCOMPARE(doc.notes()[0].pitch, 61);
        QVERIFY(edit::transposeSelection(doc, -12));
        QCOMPARE(doc.notes()[0].pitch, 49);
        QCOMPARE(doc.notes()[1].pitch, 56);
        doc.undoStack()->undo();
        doc.undoStack()->undo();
        QCOMPARE(doc.notes()[0].pitch, 60);
        QCOMPARE(doc.notes()[1].pitch, 67);
        // Nothing leaves 0..127.
        doc.undoStack()->redo();
        QVERIFY(!edit::transposeSelection(doc, 100));
    }

    void moveDeleteCutPaste() {
        Document doc;
        edit::addNotes(doc, {mk(60, Q, Q), mk(62, 2 * Q, Q)}, "Draw");
        QVERIFY(edit::moveSelection(doc, Q / 4));
        QCOMPARE(doc.notes()[0].start, Q + Q / 4);
        QVERIFY(edit::moveSelection(doc, -100 * Q)); // clamped at 0
        QCOMPARE(doc.notes()[0].start, Tick(0));
        QVERIFY(edit::cutSelection(doc));
        QCOMPARE(doc.notes().size(), 0u);
        QVERIFY(edit::paste(doc, 4 * Q));
        QCOMPARE(doc.notes().size(), 2u);
        QCOMPARE(doc.notes()[0].start, 4 * Q);
        QCOMPARE(doc.notes()[1].start, 5 * Q);
        QCOMPARE(doc.view()->selection().size(), 2u);
        QVERIFY(edit::deleteSelection(doc));
        QCOMPARE(doc.notes().size(), 0u);
        doc.undoStack()->undo(); // delete
        doc.undoStack()->undo(); // paste
        doc.undoStack()->undo(); // cut
        QCOMPARE(doc.notes().size(), 2u);
        QCOMPARE(doc.notes()[0].start, Tick(0));
    }

    void duplicate() {
        Document doc;
        edit::addNotes(doc, {mk(60, 0, Q), mk(62, Q, Q / 2)}, "Draw");
        QVERIFY(edit::duplicateSelection(doc, Grid(4, false)));
        QCOMPARE(doc.notes().size(), 4u);
        QCOMPARE(doc.notes()[2].start, 2 * Q);
        doc.undoStack()->undo();
        QCOMPARE(doc.notes().size(), 2u);
    }

    void quantize_data() {
        QTest::addColumn<double>("strength");
        QTest::addColumn<qint64>("expected");
        QTest::newRow("full") << 1.0 << qint64(Q);
        QTest::newRow("half") << 0.5 << qint64(Q - 50);
        QTest::newRow("none") << 0.0 << qint64(Q - 100);
    }
    void quantize() {
        QFETCH(double, strength);
        QFETCH(qint64, expected);
        Document doc;
        edit::addNotes(doc, {mk(60, Q - 100, Q / 3)}, "Draw");
        doc.view()->setSelection({});
        const bool changed = edit::quantize(doc, Grid(4, false), strength, false);
        QCOMPARE(changed, strength > 0);
        QCOMPARE(doc.notes()[0].start, Tick(expected));
        if (changed) {
            doc.undoStack()->undo();
            QCOMPARE(doc.notes()[0].start, Q - 100);
        }
    }

    void velocityEditAndRamp() {
        Document doc;
        edit::addNotes(doc, {mk(60, 0, Q), mk(62, Q, Q), mk(64, 2 * Q, Q)}, "Draw");
        const NoteId first = doc.notes()[0].id;
        const int g = EditNotesCommand::nextGesture();
        QVERIFY(edit::setVelocities(doc, {{first, 50}}, g));
        QVERIFY(edit::setVelocities(doc, {{first, 40}}, g)); // same drag: merges
        QCOMPARE(doc.undoStack()->count(), 2);
        QCOMPARE(doc.note(first)->velocity, 40);
        QVERIFY(edit::velocityRamp(doc, 0, 20, 2 * Q, 120));
        QCOMPARE(doc.notes()[0].velocity, 20);
        QCOMPARE(doc.notes()[1].velocity, 70);
        QCOMPARE(doc.notes()[2].velocity, 120);
        doc.undoStack()->undo();
        doc.undoStack()->undo();
        QCOMPARE(doc.note(first)->velocity, 80);
    }

    void gestureMergesDrawAndResize() {
        Document doc;
        const int g = EditNotesCommand::nextGesture();
        Note n = mk(60, 0, Q);
        n.id = doc.allocateNoteId();
        doc.undoStack()->push(new EditNotesCommand(&doc, "Draw", {}, {n}, g));
        doc.undoStack()->push(new EditNotesCommand(&doc, "Draw", {n}, {n.withLength(2 * Q)}, g));
        QCOMPARE(doc.undoStack()->count(), 1);
        QCOMPARE(doc.notes()[0].length, 2 * Q);
        doc.undoStack()->undo();
        QVERIFY(doc.notes().empty());
    }

    void lowerBoundAndMaxLength() {
        Document doc;
        std::vector<Note> notes;
        for (int i = 0; i < 100; ++i) notes.push_back(mk(60 + i % 12, Tick(i) * Q, Q / 2));
        notes.push_back(mk(40, 10 * Q, 30 * Q));
        edit::addNotes(doc, notes, "Draw");
        QCOMPARE(doc.maxNoteLength(), 30 * Q);
        QCOMPARE(doc.lowerBound(50 * Q), std::size_t(51)); // the long note sorts before
        QVERIFY(std::is_sorted(doc.notes().begin(), doc.notes().end(), noteLess));
    }

    void takeActionsUndo() {
        Document doc;
        edit::addNotes(doc, {mk(60, 0, Q)}, "Draw");
        const auto [a, b] = addTwoTakes(doc);
        QCOMPARE(doc.takes().size(), 2u);
        doc.undoStack()->push(new RenameTakeCommand(&doc, a.id, "Bright"));
        QCOMPARE(doc.take(a.id)->name, QString("Bright"));
        doc.undoStack()->push(new SetPrimerTakeCommand(&doc, b.id));
        QCOMPARE(doc.primerTake(), b.id);
        doc.undoStack()->push(makeKeepTakeCommand(&doc, a.id));
        QCOMPARE(doc.notes().size(), 2u);
        QCOMPARE(doc.takes().size(), 1u);
        doc.undoStack()->push(new RemoveTakeCommand(&doc, b.id));
        QCOMPARE(doc.takes().size(), 0u);
        QCOMPARE(doc.primerTake(), TakeId(0));
        doc.undoStack()->undo(); // discard
        QCOMPARE(doc.takes().size(), 1u);
        doc.undoStack()->undo(); // keep
        QCOMPARE(doc.notes().size(), 1u);
        QCOMPARE(doc.takes().size(), 2u);
        QCOMPARE(doc.takes()[0].id, a.id);
        doc.undoStack()->undo(); // continue-from
        QCOMPARE(doc.primerTake(), TakeId(0));
        doc.undoStack()->undo(); // rename
        QCOMPARE(doc.take(a.id)->name, QString("Take 1"));
        doc.undoStack()->undo(); // add
        QCOMPARE(doc.takes().size(), 0u);
        while (doc.undoStack()->canRedo()) doc.undoStack()->redo();
        QCOMPARE(doc.takes().size(), 0u);
        QCOMPARE(doc.notes().size(), 2u);
    }

    void undoRestoresTheTrackAndTheAuditionedTake() {
        Document doc;
        edit::addNotes(doc, {mk(60, 0, Q)}, "Draw");
        const std::size_t tracks = doc.tracks().size();
        const auto [a, b] = addTwoTakes(doc);
        // Keep into a track of its own, then undo: the track goes with the notes.
        doc.undoStack()->push(makeKeepTakeCommand(&doc, a.id));
        QCOMPARE(doc.tracks().size(), tracks + 1);
        doc.undoStack()->undo();
        QCOMPARE(doc.tracks().size(), tracks);
        QCOMPARE(doc.notes().size(), 1u);
        QCOMPARE(doc.takes().size(), 2u);
        // Discard the take being auditioned, then undo: it is auditioned again, and the
        // primer it was set as is back too.
        doc.view()->setCurrentTake(b.id);
        doc.undoStack()->push(new SetPrimerTakeCommand(&doc, b.id));
        doc.undoStack()->push(new RemoveTakeCommand(&doc, b.id));
        QVERIFY(doc.view()->currentTake() != b.id);
        QCOMPARE(doc.primerTake(), TakeId(0));
        doc.undoStack()->undo();
        QCOMPARE(doc.view()->currentTake(), b.id);
        QCOMPARE(doc.primerTake(), b.id);
        QCOMPARE(doc.takes()[1].id, b.id);
    }

    void keepInfillTakeReplacesOnlyTheGap() {
        Document doc;
        // Onsets at 0, Q (in the gap [Q, 2Q)), 2Q (the gap's end: outside); a long note from
        // before the gap reaches into it and stays.
        edit::addNotes(doc, {mk(60, 0, 3 * Q), mk(62, Q, Q / 2), mk(64, Q + Q / 2, Q / 2), mk(65, 2 * Q, Q)}, "Draw");
        const std::vector<Note> original = doc.notes();
        QCOMPARE(notesInGap(doc, Q, 2 * Q).size(), 2u);
        Take fill;
        fill.id = doc.allocateTakeId();
        fill.name = "Fill 1";
        fill.notes = {mk(70, Q + 10, Q / 4), mk(71, Q + Q / 2, Q / 4), mk(72, 2 * Q - 1, Q)};
        for (Note& n : fill.notes) n.id = doc.allocateNoteId();
        fill.provenance.infill = true;
        fill.provenance.gapStart = Q;
        fill.provenance.gapEnd = 2 * Q;
        doc.undoStack()->push(new AddTakesCommand(&doc, {fill}));
        const int steps = doc.undoStack()->count();
        doc.undoStack()->push(makeKeepTakeCommand(&doc, fill.id)); // dispatches to the infill keep
        QCOMPARE(doc.undoStack()->count(), steps + 1);
        QCOMPARE(doc.tracks().size(), 1u); // no track of its own
        QCOMPARE(doc.notes().size(), 5u);
        QCOMPARE(doc.notes().front(), original.front());
        QCOMPARE(doc.notes().back(), original.back());
        const std::vector<Note> gap = notesInGap(doc, Q, 2 * Q);
        QCOMPARE(gap.size(), 3u);
        for (std::size_t i = 0; i < gap.size(); ++i) {
            QCOMPARE(gap[i].pitch, fill.notes[i].pitch);
            QCOMPARE(gap[i].start, fill.notes[i].start);
            QCOMPARE(gap[i].track, doc.view()->activeTrack());
        }
        QVERIFY(doc.takes().empty());
        doc.undoStack()->undo();
        QCOMPARE(doc.notes(), original);
        QCOMPARE(doc.takes().size(), 1u);
        QCOMPARE(doc.takes().front(), fill);
        doc.undoStack()->redo();
        QCOMPARE(notesInGap(doc, Q, 2 * Q).size(), 3u);
    }

    void tempoEditKeepsEveryTempoChange() {
        Document doc;
        TempoMap map(doc.tempo().ticksPerQuarter());
        map.clear(60'000'000.0 / 100); // 100 BPM, then 150 BPM from bar 2
        map.setTempo(4 * map.ticksPerQuarter(), 60'000'000.0 / 150);
        doc.setTempoMap(map);
        doc.undoStack()->push(MetreCommand::tempo(&doc, 120));
        QCOMPARE(int(doc.tempo().changes().size()), 2);
        QCOMPARE(doc.tempo().changes()[0].bpm(), 120.0);
        QVERIFY(std::abs(doc.tempo().changes()[1].bpm() - 180.0) < 1e-9); // scaled with the first
        QCOMPARE(doc.tempo().changes()[1].tick, Tick(4 * map.ticksPerQuarter()));
        doc.undoStack()->undo();
        QCOMPARE(doc.tempo().changes(), map.changes());
        // A single tempo stays a single tempo.
        Document plain;
        plain.undoStack()->push(MetreCommand::tempo(&plain, 90));
        QCOMPARE(int(plain.tempo().changes().size()), 1);
        QCOMPARE(plain.bpm(), 90.0);
    }
};

QTEST_GUILESS_MAIN(TestDocument)
#include "test_document.moc"
