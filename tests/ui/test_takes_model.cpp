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
            t.provenance.seed = 10 + i;
            takes.push_back(t);
        }
        doc.undoStack()->push(new AddTakesCommand(&doc, takes));
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.data(model.index(2, TakesModel::Seed)).toString(), QString("12"));
        QVERIFY(model.data(model.index(0, TakesModel::Name), Qt::ToolTipRole).toString().contains("Seed 10"));
        Note n;
        n.start = 100;
        n.length = 50;
        doc.appendTakeNotes(takes[1].id, {n, n.withPitch(64)});
        QCOMPARE(model.data(model.index(1, TakesModel::Notes)).toULongLong(), 2u);
        QVERIFY(model.setData(model.index(3, TakesModel::Name), "Dark"));
        QCOMPARE(model.data(model.index(3, TakesModel::Name)).toString(), QString("Dark"));
        QVERIFY(!model.setData(model.index(3, TakesModel::Seed), "1"));
        doc.setCurrentTake(takes[0].id);
        QCOMPARE(model.data(model.index(0, TakesModel::State)).toString(), QString("auditioned"));
        doc.undoStack()->push(new RemoveTakeCommand(&doc, takes[0].id));
        QCOMPARE(model.rowCount(), 3);
        doc.undoStack()->push(makeKeepTakeCommand(&doc, takes[1].id));
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(doc.notes().size(), 2u);
        while (doc.undoStack()->canUndo()) doc.undoStack()->undo();
        QCOMPARE(model.rowCount(), 0);
        while (doc.undoStack()->canRedo()) doc.undoStack()->redo();
        QCOMPARE(model.rowCount(), 2);
    }
};

QTEST_MAIN(TestTakesModel)
#include "test_takes_model.moc"
