// The primer is prepared on the worker thread while the musician edits, so that Continue
// samples at once; an edit makes that state stale and the next Continue primes afresh.
// Real worker thread, real (small, random) model.
#include "document/Document.h"
#include "services/ContinueController.h"
#include "services/GenerationController.h"
#include "services/ThreadContinuationService.h"

#include <QSignalSpy>
#include <QRegularExpression>
#include <QtTest>

using namespace continuo;
using namespace continuo::ui;

namespace {
Sequence motif(int notes) {
    Sequence s;
    s.ticksPerQuarter = kTicksPerQuarter;
    Track t;
    for (int i = 0; i < notes; ++i) {
        Note n;
        n.pitch = 48 + (i * 5) % 24;
        n.start = Tick(i) * kTicksPerQuarter / 2;
        n.length = kTicksPerQuarter / 2;
        n.velocity = 70 + i % 20;
        t.notes.push_back(n);
    }
    s.tracks.push_back(t);
    s.updateEndTick();
    return s;
}
/// A small random model on the service's worker thread; true once it is loaded.
bool loadSmallModel(ThreadContinuationService& service) {
    QSignalSpy loaded(&service, &ContinuationService::modelLoaded);
    service.loadRandomModel(2, 32, 7);
    return loaded.wait(30000);
}
} // namespace

class TestPrime : public QObject {
    Q_OBJECT
private slots:
    void primesAheadAndEditsInvalidate() {
        if (!ThreadContinuationService::available())
            QSKIP("built without the inference engine: configure with -DCONTINUO_WITH_TORCH=ON (needs libtorch-dev)");
        Document doc;
        ThreadContinuationService service;
        GenerationController generation(&doc, &service);
        ContinueController controller(&doc, &generation);
        QVERIFY(loadSmallModel(service));

        ContinueSettings settings;
        settings.sampling.lengthSeconds = 2;
        settings.sampling.variations = 3;
        settings.sampling.seed = Seed::fixed(11);
        QSignalSpy primed(&service, &ContinuationService::primed);
        controller.setSettingsSource([&] { return settings; });
        doc.reset(motif(24));
        QVERIFY(primed.wait(30000)); // after the sketch settled, on the worker thread
        QVERIFY(primed.takeFirst().at(0).toDouble() > 0);
        // The same sketch again (a selection that changes nothing, say) costs nothing.
        controller.schedulePrime();
        QVERIFY(primed.wait(30000));
        QCOMPARE(primed.takeFirst().at(0).toDouble(), 0.0);

        auto runOnce = [&](ContinuationTiming* timing) {
            QSignalSpy timed(&controller, &ContinueController::timed);
            QSignalSpy finished(&controller, &ContinueController::finished);
            QSignalSpy first(&controller, &ContinueController::firstNote);
            if (!controller.start(settings)) return false;
            if (!finished.wait(60000)) return false;
            if (timed.isEmpty() || !finished.first().at(0).toBool()) return false;
            *timing = timed.first().at(0).value<ContinuationTiming>();
            // Every take got notes, and the first of them was timed.
            return !first.isEmpty() && first.first().at(0).toDouble() >= 0 && controller.firstNoteMs() >= 0;
        };
        // How far back it listens, in events and in seconds of this primer (24 notes, 12 s).
        const QString listening = controller.listeningFor(settings);
        const auto said = QRegularExpression("^Listens back (\\d+) events \\([0-9.]+ s\\) in layers 1-2\\.").match(listening);
        QVERIFY2(said.hasMatch(), qPrintable(listening));
        // From where Continue starts: the memory and as much of the segment as is written.
        const ModelDescription m = service.model();
        QVERIFY(said.captured(1).toInt() >= m.horizons[0] && said.captured(1).toInt() < m.horizons[0] + m.segment);

        ContinuationTiming t;
        QVERIFY(runOnce(&t));
        QVERIFY(t.primedAhead);
        QCOMPARE(t.primeMs, 0.0);
        QVERIFY(t.threads.contains("automatic"));
        QCOMPARE(int(doc.takes().size()), 3);

        // An edit followed at once by Continue: the primed state is stale and not used.
        Note extra;
        extra.id = doc.allocateNoteId();
        extra.pitch = 90;
        extra.start = doc.endTick();
        extra.length = kTicksPerQuarter;
        doc.replaceNotes({}, {extra});
        QVERIFY(runOnce(&t));
        QVERIFY(!t.primedAhead);
        QVERIFY(t.primeMs > 0);

        // Left alone again, the edited sketch is primed in the background once more.
        primed.clear();
        extra.id = doc.allocateNoteId();
        extra.start += kTicksPerQuarter;
        doc.replaceNotes({}, {extra});
        QVERIFY(primed.wait(30000));
        QVERIFY(runOnce(&t));
        QVERIFY(t.primedAhead);
    }

    void fixedThreadsReachTheModel() {
        if (!ThreadContinuationService::available())
            QSKIP("built without the inference engine: configure with -DCONTINUO_WITH_TORCH=ON (needs libtorch-dev)");
        Document doc;
        ThreadContinuationService service;
        GenerationController generation(&doc, &service);
        ContinueController controller(&doc, &generation);
        QVERIFY(loadSmallModel(service));
        doc.reset(motif(8));
        service.setThreads(2);
        ContinueSettings settings;
        settings.sampling.lengthSeconds = 1;
        settings.sampling.variations = 1;
        QSignalSpy timed(&controller, &ContinueController::timed);
        QSignalSpy finished(&controller, &ContinueController::finished);
        QVERIFY(controller.start(settings));
        QVERIFY(finished.wait(60000));
        QCOMPARE(timed.size(), 1);
        QCOMPARE(timed.first().at(0).value<ContinuationTiming>().threads, QStringLiteral("2 threads (fixed)"));
    }
};

QTEST_MAIN(TestPrime)
#include "test_prime.moc"
