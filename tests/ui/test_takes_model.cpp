// QAbstractItemModelTester on the takes model through adds, streaming, renames, removals,
// undo and redo.
#include "document/Document.h"
#include "document/TakeCommands.h"
#include "panels/TakesModel.h"

#include <QAbstractItemModelTester>
#include <QUndoStack>
#include <QtTest>

using namespace continuo;
using namespace continuo::ui;

class TestTakesModel : public QObject {
    Q_OBJECT
private slots:
    void modelIsConsistent() {
        Document doc;
        TakesModel model(&doc);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        std::vector<Take> takes;
        for (int i = 0; i < 4; ++i) {
            Take t;
            t.id = doc.allocateTakeId();
            t.name = QStringLiteral("Take %1").arg(i + 1);
            t.provenance.sampling.seed = Seed::fixed(10 + i);
            takes.push_back(t);
        }
        // The sketch is the one root; takes continued from it hang under it.
        QCOMPARE(model.rowCount(), 1);
        const QModelIndex sketch = model.sketchIndex();
        QCOMPARE(model.data(sketch).toString(), QString("Sketch"));
        QCOMPARE(model.takeAt(sketch), TakeId(0));
        doc.undoStack()->push(new AddTakesCommand(&doc, takes));
        QCOMPARE(model.rowCount(sketch), 4);
        QCOMPARE(model.data(model.index(2, TakesModel::Seed, sketch)).toString(), QString("12"));
        QVERIFY(model.data(model.index(0, TakesModel::Name, sketch), Qt::ToolTipRole).toString().contains("Seed 10"));
        Note n;
        n.start = 100;
        n.length = 50;
        doc.appendTakeNotes(takes[1].id, {n, n.withPitch(64)});
        QCOMPARE(model.data(model.index(1, TakesModel::Notes, sketch)).toULongLong(), 2u);
        QVERIFY(model.setData(model.index(3, TakesModel::Name, sketch), "Dark"));
        QCOMPARE(model.data(model.index(3, TakesModel::Name, sketch)).toString(), QString("Dark"));
        QVERIFY(!model.setData(model.index(3, TakesModel::Seed, sketch), "1"));
        doc.view()->setCurrentTake(takes[0].id);
        QCOMPARE(model.data(model.index(0, TakesModel::State, sketch)).toString(), QString("auditioned"));
        doc.undoStack()->push(new RemoveTakeCommand(&doc, takes[0].id));
        QCOMPARE(model.rowCount(sketch), 3);
        doc.undoStack()->push(makeKeepTakeCommand(&doc, takes[1].id));
        QCOMPARE(model.rowCount(sketch), 2);
        QCOMPARE(doc.notes().size(), 2u);
        while (doc.undoStack()->canUndo()) doc.undoStack()->undo();
        QCOMPARE(model.rowCount(sketch), 0);
        while (doc.undoStack()->canRedo()) doc.undoStack()->redo();
        QCOMPARE(model.rowCount(sketch), 2);
    }

    void fillsWithNothingAfterTheGapSayTheyAreUnranked() {
        // Fill Gap ranks fills by how the real music after the gap follows them; at the end of a
        // piece nothing follows, every score is 0 over 0 events, and a column of "0.00" would
        // read as a tie of perfect fits.
        Document doc;
        TakesModel model(&doc);
        std::vector<Take> takes;
        for (int i = 0; i < 2; ++i) {
            Take t;
            t.id = doc.allocateTakeId();
            t.name = QStringLiteral("Fill %1").arg(i + 1);
            t.provenance.infill = true;
            t.provenance.gapStart = 0;
            t.provenance.gapEnd = 4 * kTicksPerQuarter;
            t.provenance.score = i == 0 ? 0.0 : 2.5;
            t.provenance.scoredTokens = i == 0 ? 0 : 40;
            takes.push_back(t);
        }
        doc.undoStack()->push(new AddTakesCommand(&doc, takes));
        const QModelIndex sketch = model.sketchIndex();
        QCOMPARE(model.data(model.index(0, TakesModel::Fit, sketch)).toString(), QString("unranked"));
        QVERIFY(model.data(model.index(0, TakesModel::Fit, sketch), Qt::ToolTipRole).toString().contains("no music follows the gap"));
        QCOMPARE(model.data(model.index(1, TakesModel::Fit, sketch)).toString(), QString("2.50"));
        QVERIFY(model.data(model.index(1, TakesModel::Fit, sketch), Qt::ToolTipRole).toString().contains("40 events"));
    }

    void takesFormATree() {
        Document doc;
        TakesModel model(&doc);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        // a and b continue the sketch; c and d continue a; e continues c.
        auto add = [&doc](const QString& name, TakeId parent) {
            Take t;
            t.id = doc.allocateTakeId();
            t.name = name;
            t.provenance.parentTake = parent;
            doc.undoStack()->push(new AddTakesCommand(&doc, {t}));
            return t.id;
        };
        const TakeId a = add("A", 0), b = add("B", 0), c = add("C", a), d = add("D", a), e = add("E", c);
        const QModelIndex sketch = model.sketchIndex();
        QCOMPARE(model.rowCount(sketch), 2);
        const QModelIndex ia = model.indexOf(a);
        QCOMPARE(ia.parent(), sketch);
        QCOMPARE(model.rowCount(ia), 2);
        QCOMPARE(model.takeAt(model.index(1, 0, ia)), d);
        QCOMPARE(model.indexOf(e).parent(), model.indexOf(c));
        QCOMPARE(model.data(model.indexOf(e, TakesModel::Name)).toString(), QString("E"));
        QCOMPARE(model.rowCount(model.indexOf(b)), 0);

        // Discarding a parent: its children move up to the grandparent, and back on undo.
        doc.undoStack()->push(new RemoveTakeCommand(&doc, c));
        QCOMPARE(doc.take(e)->provenance.parentTake, a);
        QCOMPARE(model.indexOf(e).parent(), model.indexOf(a));
        QCOMPARE(model.rowCount(model.indexOf(a)), 2); // d, e
        doc.undoStack()->undo();
        QCOMPARE(doc.take(e)->provenance.parentTake, c);
        QCOMPARE(model.indexOf(e).parent(), model.indexOf(c));
        // Keeping a take of the sketch: its notes join the piece, its children hang from the sketch.
        doc.undoStack()->push(makeKeepTakeCommand(&doc, a));
        QCOMPARE(doc.take(c)->provenance.parentTake, TakeId(0));
        QCOMPARE(doc.take(d)->provenance.parentTake, TakeId(0));
        QCOMPARE(doc.take(e)->provenance.parentTake, c);
        QCOMPARE(model.rowCount(sketch), 3); // b, c, d
        doc.undoStack()->undo();
        QCOMPARE(doc.take(c)->provenance.parentTake, a);
        QCOMPARE(doc.take(d)->provenance.parentTake, a);
        QCOMPARE(model.rowCount(sketch), 2);
        doc.undoStack()->redo();
        QCOMPARE(doc.take(d)->provenance.parentTake, TakeId(0));
    }
};

QTEST_MAIN(TestTakesModel)
#include "test_takes_model.moc"
