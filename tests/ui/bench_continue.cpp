// Time from pressing Continue to the first note and to the last note of 3 variations x 15 s,
// through the app's controller and worker thread with the bundled model: with the primer
// prepared in the background (as the app does after an edit) and without, on an idle machine
// and with one other process keeping a core busy. Prints the numbers; asserts only that the
// takes were written.
#include "continuo/core/MidiFile.h"
#include "continuo/inference/Benchmark.h"
#include "document/Document.h"
#include "services/ContinueController.h"
#include "services/GenerationController.h"
#include "services/ThreadContinuationService.h"

#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTextStream>
#include <QtTest>

using namespace continuo;
using namespace continuo::ui;

namespace {
/// The first 20 s of the first validation performance, or a made-up 20 s when the data is absent.
Sequence primer(QString* name) {
    const QString root = QStringLiteral(CONTINUO_SHARED_DATA "/maestro-v2/");
    QFile csv(root + "maestro-v2.0.0-train-validation.csv");
    if (csv.open(QIODevice::ReadOnly)) {
        QTextStream in(&csv);
        while (!in.atEnd()) {
            const QStringList f = in.readLine().split(',');
            if (f.size() < 6 || f[f.size() - 4] != "validation") continue;
            auto midi = readMidiFile((root + f[f.size() - 2]).toStdString());
            if (!midi) continue;
            Sequence s = midi->sequence;
            const Tick cut = s.tempo.tickAt(20.0);
            for (Track& t : s.tracks) {
                std::erase_if(t.notes, [&](const Note& n) { return n.start >= cut; });
                for (Note& n : t.notes) n.length = std::min(n.length, cut - n.start);
                std::erase_if(t.events, [&](const ChannelEvent& e) { return e.tick >= cut; });
                std::erase_if(t.rawEvents, [&](const RawEvent& e) { return e.tick >= cut; });
            }
            // The file's end (minutes later) goes too: the marker note of each run lands right
            // after these 20 s, not after minutes of silence.
            s.endTick = 0;
            s.updateEndTick();
            *name = f[f.size() - 2] + " (first 20 s)";
            return s;
        }
    }
    *name = "made-up 20 s primer (MAESTRO not found)";
    Sequence s;
    Track t;
    for (int i = 0; i < 200; ++i) {
        Note n;
        n.pitch = 48 + (i * 7) % 36;
        n.start = Tick(i) * s.ticksPerQuarter / 5;
        n.length = s.ticksPerQuarter / 2;
        n.velocity = 60 + i % 40;
        t.notes.push_back(n);
    }
    s.tracks.push_back(t);
    s.updateEndTick();
    return s;
}

} // namespace

class BenchContinue : public QObject {
    Q_OBJECT
private slots:
    void firstAndLastNote() {
        if (!ThreadContinuationService::available())
            QSKIP("built without the inference engine: configure with -DCONTINUO_WITH_TORCH=ON (needs libtorch-dev)");
        const QString model = QStringLiteral(CONTINUO_SOURCE_DIR "/resources/models/continuo-default.safetensors");
        if (!QFile::exists(model)) QSKIP(qPrintable("the bundled model is not at " + model));
        QString name;
        const Sequence piece = primer(&name);
        ThreadContinuationService service;
        QSignalSpy loaded(&service, &ContinuationService::modelLoaded);
        service.loadModel(model);
        QVERIFY(loaded.wait(60000));
        qInfo("primer: %s; 3 variations x 15 s; model %s", qPrintable(name), qPrintable(service.model().summary));
        qInfo("%-6s %-22s %14s %14s %10s", "busy", "primer", "first note ms", "last note ms", "x real time");
        int scenario = 0;
        for (int busy : {0, 1}) {
            inference::BusyProcesses competing(busy);
            for (bool ahead : {false, true}) {
                // A primer the worker has not seen yet: one more note, different each time.
                Sequence sketch = piece;
                Note marker;
                marker.pitch = 100 + scenario++;
                marker.start = sketch.endTick;
                marker.length = sketch.ticksPerQuarter / 4;
                sketch.tracks.front().notes.push_back(marker);
                sketch.updateEndTick();
                Document doc;
                GenerationController generation(&doc, &service);
                ContinueController controller(&doc, &generation);
                ContinueSettings s;
                s.sampling.lengthSeconds = 15;
                s.sampling.variations = 3;
                s.sampling.seed = Seed::fixed(5);
                QSignalSpy primed(&service, &ContinuationService::primed);
                if (ahead) controller.setSettingsSource([&] { return s; });
                doc.reset(sketch);
                if (ahead) QVERIFY(primed.wait(60000));
                QSignalSpy finished(&controller, &ContinueController::finished);
                QElapsedTimer clock;
                clock.start();
                QVERIFY(controller.start(s));
                QVERIFY(finished.wait(120000));
                const double lastMs = double(clock.nsecsElapsed()) / 1e6;
                QVERIFY(finished.first().at(0).toBool());
                QCOMPARE(int(doc.takes().size()), 3);
                for (const Take& t : doc.takes()) QVERIFY(!t.notes.empty());
                qInfo("%-6d %-22s %14.0f %14.0f %10.1f", busy, ahead ? "prepared while editing" : "read on Continue",
                      controller.firstNoteMs(), lastMs, 45.0 / (lastMs / 1000.0));
            }
        }
    }
};

QTEST_MAIN(BenchContinue)
#include "bench_continue.moc"
