// Takes ▸ Keep Into: a kept take goes to the track the musician picks instead of a track of its
// own, in one undo step; the default Keep still makes a track of its own.
#include "MainWindowFixture.h"
#include "document/Document.h"
#include "services/ContinueController.h"
#include "window/MainWindow.h"

#include <QAction>
#include <QMenu>
#include <QSignalSpy>
#include <QUndoStack>
#include <QtTest>

using namespace continuo;
using namespace continuo::ui;

class TestKeepInto : public QObject {
    Q_OBJECT
    testutil::MainWindowFixture fx_;

    std::unique_ptr<MainWindow> windowWithTakes(int takes) {
        auto w = fx_.makeWindow({.service = new testutil::FakeContinuationService(6), .exampleMotif = true});
        QSignalSpy done(w->continueController(), &ContinueController::finished);
        ContinueSettings s;
        s.sampling.variations = takes;
        s.sampling.seed = Seed::fixed(7);
        if (!w->continueController()->start(s) || !done.wait(5000)) return nullptr;
        return w;
    }

    /// The Keep Into menu as the musician opens it: its actions by text.
    static QMap<QString, QAction*> keepIntoEntries(MainWindow& w) {
        auto* menu = w.findChild<QMenu*>("keepIntoMenu");
        if (!menu) return {};
        emit menu->aboutToShow();
        QMap<QString, QAction*> out;
        for (QAction* a : menu->actions())
            if (!a->isSeparator()) out[a->text()] = a;
        return out;
    }

private slots:
    void keepIntoAnExistingTrack() {
        auto w = windowWithTakes(2);
        QVERIFY(w);
        Document* doc = w->document();
        QUndoStack* stack = doc->undoStack();
        QCOMPARE(int(doc->takes().size()), 2);
        const std::size_t tracksBefore = doc->tracks().size(), notesBefore = doc->notes().size();
        const TrackInfo first = doc->tracks().front();
        const Take take = doc->takes().front();
        doc->view()->setCurrentTake(take.id);

        const auto entries = keepIntoEntries(*w);
        const QString trackName = first.name.empty() ? QString("Track %1").arg(first.id) : QString::fromStdString(first.name);
        QVERIFY2(entries.contains("A New Track") && entries.contains(trackName), qPrintable(QStringList(entries.keys()).join(", ")));
        const int undoBefore = stack->count();
        entries[trackName]->trigger();

        // No new track; the take's notes are on the chosen track, on its channel; the take is gone.
        QCOMPARE(doc->tracks().size(), tracksBefore);
        QCOMPARE(doc->notes().size(), notesBefore + take.notes.size());
        int onTrack = 0;
        for (const Note& n : doc->notes())
            if (n.track == first.id && n.channel == first.channel) ++onTrack;
        QVERIFY(onTrack >= int(take.notes.size()));
        QVERIFY(!doc->take(take.id));
        QCOMPARE(stack->count(), undoBefore + 1);
        QVERIFY(stack->undoText().contains("into"));

        // One undo brings everything back.
        stack->undo();
        QCOMPARE(doc->notes().size(), notesBefore);
        QCOMPARE(doc->tracks().size(), tracksBefore);
        QVERIFY(doc->take(take.id));

        // The default keeps to a track of its own, named after the take.
        doc->view()->setCurrentTake(take.id);
        keepIntoEntries(*w)["A New Track"]->trigger();
        QCOMPARE(doc->tracks().size(), tracksBefore + 1);
        QCOMPARE(QString::fromStdString(doc->tracks().back().name), take.name);
    }
};

QTEST_MAIN(TestKeepInto)
#include "test_keep_into.moc"
