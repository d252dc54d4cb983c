// Piano-roll tools driven by mouse and keyboard, each with undo/redo: draw, move with snap
// (and Alt to bypass), resize, rubber band, delete, paste, transpose, quantize, velocity.
#include "MainWindowFixture.h"
#include "RollTestUtil.h"
#include "document/Document.h"
#include "document/EditOperations.h"
#include "panels/TransportBar.h"
#include "roll/NoteCanvas.h"
#include "roll/PianoRollWidget.h"
#include "roll/VelocityLane.h"
#include "window/MainWindow.h"

#include <QAction>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSpinBox>
#include <QUndoStack>
#include <QtTest>

using namespace continuo;
using namespace continuo::ui;
using namespace continuo::ui::testutil;

namespace {
constexpr Tick Q = kTicksPerQuarter;
}

class TestRollTools : public QObject {
    Q_OBJECT
    MainWindowFixture fx_;
    std::unique_ptr<MainWindow> win_;
    Document* doc() { return win_->document(); }
    NoteCanvas* canvas() { return win_->pianoRoll()->canvas(); }
    RollView* view() { return win_->pianoRoll()->view(); }
    QUndoStack* stack() { return doc()->undoStack(); }

    void addNote(int pitch, Tick start, Tick length, int velocity = 80) {
        Note n;
        n.pitch = pitch;
        n.start = start;
        n.length = length;
        n.velocity = velocity;
        edit::addNotes(*doc(), {n}, "add");
    }

private slots:
    void init() {
        win_ = fx_.makeWindow({.size = {1200, 800}});
        QVERIFY(QTest::qWaitForWindowExposed(win_.get()));
        win_->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(win_.get()));
        view()->setPixelsPerTick(100.0 / Q); // 100 px per quarter
        view()->setScrollX(0);
        view()->centerOnPitch(60, canvas()->height());
        view()->setGrid(Grid(16, false));
    }
    void cleanup() { win_.reset(); }

    void drawNoteAndUndo() {
        win_->action("toolDraw")->trigger();
        // Press a little after beat 2 on C4 and drag to the end of beat 2.
        drag(canvas(), at(view(), Q + 30, 60), at(view(), 2 * Q - 40, 60));
        QCOMPARE(doc()->notes().size(), 1u);
        const Note n = doc()->notes()[0];
        QCOMPARE(n.pitch, 60);
        QCOMPARE(n.start, Q);          // snapped down to the 1/16 grid
        QCOMPARE(n.end(), 2 * Q);      // end snapped to the grid
        QCOMPARE(stack()->count(), 1); // one gesture, one step
        stack()->undo();
        QVERIFY(doc()->notes().empty());
        stack()->redo();
        QCOMPARE(doc()->notes()[0], n);
    }

    void moveWithSnapAndAlt() {
        addNote(60, 0, Q);
        win_->action("toolSelect")->trigger();
        const int before = stack()->count();
        // Drag right by 1.3 quarters and up two semitones: snaps to 1/16 steps.
        drag(canvas(), at(view(), Q / 4, 60), at(view(), Q / 4 + Q * 13 / 10, 62));
        QCOMPARE(doc()->notes()[0].pitch, 62);
        QCOMPARE(doc()->notes()[0].start % (Q / 4), Tick(0));
        QVERIFY(std::abs(double(doc()->notes()[0].start - Q * 13 / 10)) <= Q / 8);
        QCOMPARE(stack()->count(), before + 1);
        stack()->undo();
        QCOMPARE(doc()->notes()[0].start, Tick(0));
        QCOMPARE(doc()->notes()[0].pitch, 60);
        // Alt bypasses the grid.
        drag(canvas(), at(view(), Q / 4, 60), at(view(), Q / 4 + 37, 60), Qt::AltModifier);
        QVERIFY(doc()->notes()[0].start % (Q / 4) != 0);
    }

    void resizeFromRightEdge() {
        addNote(64, 0, Q);
        win_->action("toolSelect")->trigger();
        const QPointF edge(view()->tickToX(Q) - 2, at(view(), 0, 64).y());
        drag(canvas(), edge, edge + QPointF(view()->pixelsPerTick() * Q * 1.1, 0));
        QCOMPARE(doc()->notes()[0].start, Tick(0));
        QCOMPARE(doc()->notes()[0].length % (Q / 4), Tick(0));
        QVERIFY(doc()->notes()[0].length >= 2 * Q - Q / 4);
        stack()->undo();
        QCOMPARE(doc()->notes()[0].length, Q);
    }

    void rubberBandAndShift() {
        addNote(60, 0, Q);
        addNote(62, Q, Q);
        addNote(72, 3 * Q, Q);
        doc()->view()->setSelection({});
        win_->action("toolSelect")->trigger();
        drag(canvas(), at(view(), 0, 63) - QPointF(0, 2), at(view(), 2 * Q + 10, 59));
        QCOMPARE(doc()->view()->selection().size(), 2u);
        // Shift+click adds the third.
        send(canvas(), QEvent::MouseButtonPress, at(view(), 3 * Q + 20, 72), Qt::LeftButton, Qt::ShiftModifier);
        send(canvas(), QEvent::MouseButtonRelease, at(view(), 3 * Q + 20, 72), Qt::LeftButton, Qt::ShiftModifier);
        QCOMPARE(doc()->view()->selection().size(), 3u);
    }

    void keyboardCommands() {
        addNote(60, 0, Q);
        addNote(64, Q, Q);
        edit::selectAll(*doc());
        canvas()->setFocus();
        QTest::keyClick(canvas(), Qt::Key_Up);
        QCOMPARE(doc()->notes()[0].pitch, 61);
        QTest::keyClick(canvas(), Qt::Key_Down, Qt::ShiftModifier);
        QCOMPARE(doc()->notes()[0].pitch, 49);
        QTest::keyClick(canvas(), Qt::Key_Right);
        QCOMPARE(doc()->notes()[0].start, Q / 4);
        // Copy, paste at the playhead, delete, and undo it all.
        QTest::keyClick(canvas(), Qt::Key_C, Qt::ControlModifier);
        view()->setPlayhead(8 * Q);
        QTest::keyClick(canvas(), Qt::Key_V, Qt::ControlModifier);
        QCOMPARE(doc()->notes().size(), 4u);
        QCOMPARE(doc()->view()->selection().size(), 2u);
        QTest::keyClick(canvas(), Qt::Key_Delete);
        QCOMPARE(doc()->notes().size(), 2u);
        QTest::keyClick(canvas(), Qt::Key_Z, Qt::ControlModifier); // undo delete
        QCOMPARE(doc()->notes().size(), 4u);
        QTest::keyClick(canvas(), Qt::Key_Z, Qt::ControlModifier); // undo paste
        QCOMPARE(doc()->notes().size(), 2u);
        QTest::keyClick(canvas(), Qt::Key_Y, Qt::ControlModifier); // redo paste
        QCOMPARE(doc()->notes().size(), 4u);
    }

    void quantizeCommand() {
        addNote(60, Q + 70, Q / 2 + 11);
        doc()->view()->setSelection({});
        win_->transportBar()->quantizeStrengthBox()->setValue(50);
        win_->action("quantize")->trigger();
        QCOMPARE(doc()->notes()[0].start, Q + 35);
        win_->transportBar()->quantizeStrengthBox()->setValue(100);
        win_->action("quantize")->trigger();
        QCOMPARE(doc()->notes()[0].start, Q);
        stack()->undo();
        stack()->undo();
        QCOMPARE(doc()->notes()[0].start, Q + 70);
    }

    void velocityLaneDragAndRamp() {
        addNote(60, 0, Q, 80);
        addNote(62, Q, Q, 80);
        addNote(64, 2 * Q, Q, 80);
        doc()->view()->setSelection({});
        VelocityLane* lane = win_->pianoRoll()->velocityLane();
        const double h = lane->height();
        // Drag the first bar to the top: velocity 127.
        drag(lane, QPointF(view()->tickToX(0) + 1, h / 2), QPointF(view()->tickToX(0) + 1, 0));
        QCOMPARE(doc()->notes()[0].velocity, 127);
        const int steps = stack()->count();
        // A ramp across the lane from low to high sets all three.
        edit::selectAll(*doc());
        drag(lane, QPointF(view()->tickToX(0) - 30, h - 4), QPointF(view()->tickToX(2 * Q) + 30, 4));
        QCOMPARE(stack()->count(), steps + 1);
        QVERIFY(doc()->notes()[0].velocity < doc()->notes()[1].velocity);
        QVERIFY(doc()->notes()[1].velocity < doc()->notes()[2].velocity);
        stack()->undo();
        QCOMPARE(doc()->notes()[1].velocity, 80);
        stack()->undo();
        QCOMPARE(doc()->notes()[0].velocity, 80);
    }

    void tempoAndMetreAreUndoable() {
        addNote(60, 4 * Q, Q);
        const int base = stack()->count();
        TransportBar* bar = win_->transportBar();
        QDoubleSpinBox* tempo = bar->tempoBox();
        const double before = doc()->bpm();
        // Typing a tempo and pressing Enter: one undo step, and the piece is modified.
        doc()->setClean();
        tempo->setFocus();
        tempo->selectAll();
        QTest::keyClicks(tempo, "90");
        QTest::keyClick(tempo, Qt::Key_Return);
        QCOMPARE(doc()->bpm(), 90.0);
        QCOMPARE(stack()->count(), base + 1);
        QVERIFY(doc()->isModified());
        // Arrow steps merge into that step instead of flooding the history.
        QTest::keyClick(tempo, Qt::Key_Up);
        QTest::keyClick(tempo, Qt::Key_Up);
        QCOMPARE(doc()->bpm(), 92.0);
        QCOMPARE(stack()->count(), base + 1);
        // Notes keep their beats; their time in seconds follows the tempo.
        QCOMPARE(doc()->notes()[0].start, 4 * Q);
        QCOMPARE(doc()->tempo().secondsAt(4 * Q), 4 * 60.0 / 92.0);
        // Time signature: numerator then beat unit, one undo step (3/4 on the way to 3/8).
        bar->numeratorBox()->setValue(3);
        QCOMPARE(doc()->timeSignature().numerator, 3);
        QCOMPARE(doc()->ticksPerBar(), 3 * Q);
        bar->denominatorBox()->setCurrentIndex(bar->denominatorBox()->findData(8));
        QCOMPARE(doc()->timeSignature().denominator, 8);
        QCOMPARE(stack()->count(), base + 2);
        stack()->undo();
        QCOMPARE(doc()->timeSignature().denominator, 4);
        QCOMPARE(doc()->timeSignature().numerator, 4);
        QCOMPARE(bar->denominatorBox()->currentData().toInt(), 4); // the bar follows the document
        QCOMPARE(bar->numeratorBox()->value(), 4);
        stack()->undo();
        QCOMPARE(doc()->bpm(), before);
        QCOMPARE(tempo->value(), before);
        stack()->redo();
        QCOMPARE(doc()->bpm(), 92.0);
    }

    void rightClickDeletes() {
        addNote(67, Q, Q);
        send(canvas(), QEvent::MouseButtonPress, at(view(), Q + 50, 67), Qt::RightButton);
        send(canvas(), QEvent::MouseButtonRelease, at(view(), Q + 50, 67), Qt::RightButton);
        QVERIFY(doc()->notes().empty());
        stack()->undo();
        QCOMPARE(doc()->notes().size(), 1u);
    }

    void everyActionHasShortcutInTooltip() {
        for (const QString& name : win_->actionNames()) {
            QAction* a = win_->action(name);
            if (a->shortcut().isEmpty()) continue;
            QVERIFY2(a->toolTip().contains(a->shortcut().toString(QKeySequence::NativeText)),
                     qPrintable(name + ": " + a->toolTip()));
        }
    }
};

QTEST_MAIN(TestRollTools)
#include "test_roll_tools.moc"
