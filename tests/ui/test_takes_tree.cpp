// The takes as a tree in the main window: Continue From a take puts the next takes under it,
// the Takes panel shows the tree under the sketch, Compare with Parent highlights what a take
// added after its parent, and discarding or keeping a parent moves its children up (undoably).
#include "MainWindowFixture.h"
#include "document/Document.h"
#include "document/ProjectFile.h"
#include "panels/ContinuePanel.h"
#include "panels/TakesModel.h"
#include "panels/TakesPanel.h"
#include "roll/NoteCanvas.h"
#include "roll/PianoRollWidget.h"
#include "roll/RollView.h"
#include "roll/TakeLanes.h"
#include "services/ContinueController.h"
#include "window/MainWindow.h"

#include <QAction>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTreeView>
#include <QUndoStack>
#include <QtTest>

using namespace continuo;
using namespace continuo::ui;

class TestTakesTree : public QObject {
    Q_OBJECT
    testutil::MainWindowFixture fx_;

    std::unique_ptr<MainWindow> makeWindow(ContinuationService* service) {
        return fx_.makeWindow({.service = service, .exampleMotif = true, .size = {1400, 860}});
    }

    static void screenshot(QWidget* w, const QString& name) {
        if (!qEnvironmentVariableIsSet("CONTINUO_SCREENSHOT_DIR")) return;
        const QString path = qEnvironmentVariable("CONTINUO_SCREENSHOT_DIR") + "/" + name;
        QVERIFY2(w->grab().save(path), qPrintable(path));
        qInfo("screenshot: %s", qPrintable(path));
    }

private slots:
    void continueFromBuildsATree() {
        auto* fake = new testutil::FakeContinuationService(12);
        auto w = makeWindow(fake);
        QVERIFY(QTest::qWaitForWindowExposed(w.get()));
        Document* doc = w->document();
        QUndoStack* stack = doc->undoStack();
        QSignalSpy done(w->continueController(), &ContinueController::finished);
        w->continuePanel()->variationsBox()->setValue(2);

        // Two takes of the sketch.
        w->action("continue")->trigger();
        QVERIFY(done.wait(5000));
        QCOMPARE(doc->takes().size(), 2u);
        const TakeId first = doc->takes()[0].id;
        for (const Take& t : doc->takes()) QCOMPARE(t.provenance.parentTake, TakeId(0));

        // Continue from the first: the next two hang under it.
        doc->view()->setCurrentTake(first);
        w->action("continueFromTake")->trigger();
        w->action("continue")->trigger();
        QVERIFY(done.wait(5000));
        QCOMPARE(doc->takes().size(), 4u);
        const TakeId child = doc->takes()[2].id;
        QCOMPARE(doc->take(child)->provenance.parentTake, first);
        QCOMPARE(doc->takes()[3].provenance.parentTake, first);
        QVERIFY(doc->take(child)->provenance.primerSource.contains(doc->take(first)->name));

        // The panel: the sketch at the root, the first take's children under it, all open.
        TakesModel* model = w->takesPanel()->model();
        QTreeView* view = w->takesPanel()->view();
        QCOMPARE(model->rowCount(), 1);
        QCOMPARE(model->rowCount(model->sketchIndex()), 2);
        const QModelIndex firstRow = model->indexOf(first);
        QCOMPARE(model->rowCount(firstRow), 2);
        QVERIFY(view->isExpanded(firstRow));
        QVERIFY(view->visualRect(model->indexOf(child)).left() > view->visualRect(firstRow).left());
        // Selecting a child in the tree auditions it; the sketch row auditions no take.
        view->setCurrentIndex(model->indexOf(child));
        QCOMPARE(doc->view()->currentTake(), child);
        view->setCurrentIndex(model->sketchIndex());
        QCOMPARE(doc->view()->currentTake(), TakeId(0));
        doc->view()->setCurrentTake(child);
        QCOMPARE(view->currentIndex().internalId(), quintptr(child));

        // Compare with Parent: the child's notes stand out, its parent's are outlined.
        NoteCanvas* canvas = w->pianoRoll()->canvas();
        w->pianoRoll()->zoomToFit();
        QVERIFY(!canvas->comparesWithParent());
        w->action("compareWithParent")->trigger();
        QVERIFY(canvas->comparesWithParent());
        const QImage compared = canvas->grab().toImage();
        QCOMPARE(canvas->lastComparedAdded(), int(doc->take(child)->notes.size()));
        QCOMPARE(canvas->lastComparedParent(), int(doc->take(first)->notes.size()));
        screenshot(w.get(), "takes-tree-compare.png");
        w->action("compareWithParent")->trigger();
        QVERIFY(!canvas->comparesWithParent());
        QVERIFY(canvas->grab().toImage() != compared);

        // Saved with the project, and read back as a tree.
        const QString path = fx_.filePath("tree.continuo");
        QVERIFY(ProjectFile::save(path, *doc).ok());
        Document back;
        QVERIFY(ProjectFile::load(path, back).ok());
        QCOMPARE(back.take(child)->provenance.parentTake, first);
        QCOMPARE(back.childTakes(first), doc->childTakes(first));

        // Discard the parent: its children move up to the sketch; undo puts them back.
        doc->view()->setCurrentTake(first);
        w->action("discardTake")->trigger();
        QCOMPARE(doc->take(child)->provenance.parentTake, TakeId(0));
        QCOMPARE(model->rowCount(model->sketchIndex()), 3);
        stack->undo();
        QCOMPARE(doc->take(child)->provenance.parentTake, first);
        QCOMPARE(model->rowCount(model->indexOf(first)), 2);
        // Keep it: its notes join the piece and its children continue the sketch; undo again.
        doc->view()->setCurrentTake(first);
        w->action("keepTake")->trigger();
        QVERIFY(!doc->take(first));
        QCOMPARE(doc->take(child)->provenance.parentTake, TakeId(0));
        stack->undo();
        QCOMPARE(doc->take(child)->provenance.parentTake, first);
    }

    void lanesUnderTheRoll() {
        auto* fake = new testutil::FakeContinuationService(16);
        auto w = makeWindow(fake);
        QVERIFY(QTest::qWaitForWindowExposed(w.get()));
        Document* doc = w->document();
        TakeLanes* lanes = w->pianoRoll()->takeLanes();
        RollView* view = w->pianoRoll()->view();
        QSignalSpy done(w->continueController(), &ContinueController::finished);
        QCOMPARE(lanes->laneCount(), 0);
        w->continuePanel()->variationsBox()->setValue(3);
        w->action("continue")->trigger();
        QVERIFY(done.wait(5000));
        doc->view()->setCurrentTake(doc->takes()[1].id);
        w->action("continueFromTake")->trigger();
        w->continuePanel()->variationsBox()->setValue(2);
        w->action("continue")->trigger();
        QVERIFY(done.wait(5000));
        // One lane per take, in the tree's order: 1, 2, its children 4 and 5, then 3.
        QCOMPARE(lanes->laneCount(), int(doc->takes().size()));
        QCOMPARE(lanes->takeAt(2), doc->takes()[3].id);
        QCOMPARE(lanes->takeAt(4), doc->takes()[2].id);
        QVERIFY(lanes->isVisible());
        QVERIFY(lanes->height() >= 5 * 14);

        // Clicking lane k auditions its take, as the panel does.
        w->pianoRoll()->zoomToFit();
        for (int k : {0, 3, 4}) {
            const QPoint at = lanes->laneRect(k).center().toPoint();
            QTest::mouseClick(lanes, Qt::LeftButton, {}, at);
            QCOMPARE(doc->view()->currentTake(), lanes->takeAt(k));
            QCOMPARE(w->takesPanel()->model()->takeAt(w->takesPanel()->view()->currentIndex()), lanes->takeAt(k));
        }
        screenshot(w.get(), "takes-lanes.png");
        // B walks the takes in the lanes' order.
        QCOMPARE(doc->view()->currentTake(), lanes->takeAt(4));
        w->action("nextTake")->trigger();
        QCOMPARE(doc->view()->currentTake(), lanes->takeAt(0));
        w->action("nextTake")->trigger();
        w->action("nextTake")->trigger();
        QCOMPARE(doc->view()->currentTake(), lanes->takeAt(2));
        w->action("previousTake")->trigger();
        QCOMPARE(doc->view()->currentTake(), lanes->takeAt(1));
        doc->view()->setCurrentTake(lanes->takeAt(3));

        // The lanes share the roll's time axis: zoom and scroll move their notes with it.
        const Take* take = doc->take(lanes->takeAt(3));
        const Note n = take->notes[3];
        QCOMPARE(lanes->noteRect(3, n).left(), view->tickToX(n.start));
        const double before = lanes->noteRect(3, n).left();
        const double widthBefore = lanes->noteRect(3, n).width();
        w->pianoRoll()->zoomTime(2.0);
        QCOMPARE(lanes->noteRect(3, n).left(), view->tickToX(n.start));
        QVERIFY(lanes->noteRect(3, n).width() > widthBefore * 1.5);
        view->setScrollX(view->scrollX() + 40);
        QCOMPARE(lanes->noteRect(3, n).left(), view->tickToX(n.start));
        QVERIFY(lanes->noteRect(3, n).left() != before);
        // And paint there: the note's stroke is in the take's colour in the lane.
        const QImage img = lanes->grab().toImage();
        const QRectF r = lanes->noteRect(3, n);
        if (r.left() > 200 && r.left() < lanes->width() - 4) {
            const QColor c = img.pixelColor(QPointF(r.left() + 1, r.center().y()).toPoint());
            QVERIFY2(c.red() > 180 && c.green() > 100 && c.blue() < 120, qPrintable(c.name()));
        }

        // Discarding a take removes its lane.
        w->action("discardTake")->trigger();
        QCOMPARE(lanes->laneCount(), int(doc->takes().size()));
    }
};

QTEST_MAIN(TestTakesTree)
#include "test_takes_tree.moc"
