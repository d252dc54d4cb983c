// The steering controls in the app: the panel's box reads and writes every control, offers the
// detected key in one click, both panels hold it, and a steered take's report shows in the Takes
// panel with a warning when the controls fought the model.
#include "document/Document.h"
#include "document/TakeCommands.h"
#include "panels/ContinuePanel.h"
#include "panels/FillGapPanel.h"
#include "panels/SteeringBox.h"
#include "panels/TakesModel.h"

#include <QAction>
#include <QComboBox>
#include <QPushButton>
#include <QSpinBox>
#include <QUndoStack>
#include <QtTest>

using namespace continuo;
using namespace continuo::ui;

namespace {
/// Every control on (each form is checked to read in test_steering).
Steering everyControl() {
    Steering s;
    s.parseKey("F# dorian");
    s.parseRange("C3-G5");
    s.parseDensity("0.5x");
    s.parsePolyphony("4");
    s.parseVelocity("30-90");
    return s;
}
} // namespace

class TestSteeringPanel : public QObject {
    Q_OBJECT
private slots:
    void theBoxShowsAndGivesBackEveryControl() {
        QAction go, cancel, model;
        ContinuePanel panel(&go, &cancel, &model);
        QVERIFY(!panel.sampling().steering.any()); // all off by default: takes as before
        const Steering s = everyControl();
        PieceSettings piece;
        piece.sampling.steering = s;
        panel.setPieceSettings(piece);
        QCOMPARE(panel.sampling().steering, s);
        QCOMPARE(panel.pieceSettings().sampling.steering, s);
        for (Steering::Dynamics d : {Steering::Dynamics::Softer, Steering::Dynamics::Louder}) {
            Steering t;
            t.dynamics = d;
            t.keyMode = Steering::KeyMode::Detected;
            t.densityLikePrimer = true;
            panel.steeringBox()->setSteering(t);
            QCOMPARE(panel.sampling().steering, t);
        }
        panel.steeringBox()->setSteering(Steering{});
        QVERIFY(!panel.sampling().steering.any());
        // Fill Gap has its own.
        FillGapPanel fill(&go, &cancel);
        QVERIFY(!fill.steering().any());
        fill.steeringBox()->setSteering(s);
        QCOMPARE(fill.steering(), s);
    }

    void theDetectedKeyIsOneClickAway() {
        SteeringBox box(QStringLiteral("test"));
        QVERIFY(!box.useDetectedButton()->isEnabled()); // no notes, no key
        box.setDetectedKey(Scale{2, ScaleKind::NaturalMinor});
        QVERIFY(box.useDetectedButton()->isEnabled());
        QSignalSpy changed(&box, &SteeringBox::changed);
        QTest::mouseClick(box.useDetectedButton(), Qt::LeftButton);
        QVERIFY(changed.count() >= 1);
        QCOMPARE(box.steering().keyMode, Steering::KeyMode::Fixed);
        // D minor locks with its leading tone: C# stays playable.
        QCOMPARE(box.steering().key, (Scale{2, ScaleKind::TonalMinor}));
        QVERIFY(box.steering().key.contains(61));
        box.polyphonyBox()->setValue(0);
        QCOMPARE(box.steering().polyphony, 0);
    }

    void aSteeredTakeReportsWhatItReached() {
        Document doc;
        TakesModel model(&doc);
        Take gentle, forced, plain;
        for (Take* t : {&gentle, &forced, &plain}) t->id = doc.allocateTakeId();
        gentle.provenance.sampling.steering = everyControl();
        gentle.provenance.steeringReport = {"F# dorian", 1.0, 48, 79, 2.1, 2.0, 4, 60, 0.01};
        forced.provenance.sampling.steering = everyControl();
        forced.provenance.steeringReport = {"F# dorian", 1.0, 48, 79, 2.1, 2.0, 4, 60, 0.4};
        doc.undoStack()->push(new AddTakesCommand(&doc, {gentle, forced, plain}));
        auto cell = [&](TakeId id, int role = Qt::DisplayRole) {
            return model.data(model.indexOf(id, TakesModel::Steer), role).toString();
        };
        QCOMPARE(cell(gentle.id), QString("F# dorian 100 % · 2.1/s"));
        QVERIFY(cell(gentle.id, Qt::ToolTipRole).contains("aimed at 2.00"));
        QVERIFY(cell(gentle.id, Qt::ToolTipRole).contains("at most 4 sounding at once"));
        QVERIFY(!cell(gentle.id, Qt::ToolTipRole).contains("⚠"));
        QVERIFY(cell(forced.id).startsWith("⚠"));
        QVERIFY(cell(forced.id, Qt::ToolTipRole).contains("40.0 %"));
        QVERIFY(cell(forced.id, Qt::ToolTipRole).contains("fight"));
        QVERIFY(cell(plain.id).isEmpty()); // not steered: nothing to report
    }
};

QTEST_MAIN(TestSteeringPanel)
#include "test_steering_panel.moc"
