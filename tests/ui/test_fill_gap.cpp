// Generate > Fill Gap through the main window: a sketch with a melody and a bass, a time range
// (the selection's span, or the loop region), candidates ranked by their score as infill takes,
// keeping the best replaces only the notes whose onsets lie in the gap, as one undo step; the
// takes and their gap survive save and load. First with a scripted service, then with the
// bundled model on the real worker thread.
#include "MainWindowFixture.h"
#include "continuo/core/MidiFile.h"
#include "document/Document.h"
#include "document/ProjectFile.h"
#include "document/TakeCommands.h"
#include "panels/ContinuePanel.h"
#include "panels/FillGapPanel.h"
#include "panels/TakesModel.h"
#include "panels/TakesPanel.h"
#include "services/FillGapController.h"
#include "services/ThreadContinuationService.h"
#include "window/MainWindow.h"

#include <QAction>
#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QUndoStack>
#include <QtTest>

using namespace continuo;
using namespace continuo::ui;

namespace {
constexpr Tick Q = kTicksPerQuarter;

/// Four bars at 120 bpm: a melody in quarter notes and a bass in half notes.
Sequence sketch() {
    Sequence s;
    s.ticksPerQuarter = Q;
    Track melody;
    melody.name = "Melody";
    melody.channel = 0;
    for (int i = 0; i < 16; ++i) {
        Note n;
        n.pitch = 60 + (i * 2) % 12;
        n.start = i * Q;
        n.length = Q - 60;
        n.velocity = 70 + i;
        melody.notes.push_back(n);
    }
    Track bass;
    bass.name = "Bass";
    bass.channel = 1;
    for (int i = 0; i < 8; ++i) {
        Note n;
        n.pitch = 36 + i % 5;
        n.start = i * 2 * Q;
        n.length = 2 * Q - 60;
        n.velocity = 60;
        n.channel = 1;
        bass.notes.push_back(n);
    }
    s.tracks = {melody, bass};
    s.updateEndTick();
    return s;
}

std::vector<Note> outside(const std::vector<Note>& notes, Tick start, Tick end) {
    std::vector<Note> out;
    for (const Note& n : notes)
        if (n.start < start || n.start >= end) out.push_back(n);
    return out;
}

std::vector<Note> inside(const std::vector<Note>& notes, Tick start, Tick end) {
    std::vector<Note> out;
    for (const Note& n : notes)
        if (n.start >= start && n.start < end) out.push_back(n);
    return out;
}

/// What is heard of a note: where, which key, how hard, how long.
auto sound(const Note& n) { return std::tuple(n.start, n.length, n.pitch, n.velocity); }

TrackId trackNamed(const Document& doc, const std::string& name) {
    for (const TrackInfo& t : doc.tracks())
        if (t.name == name) return t.id;
    return 0;
}
} // namespace

class TestFillGap : public QObject {
    Q_OBJECT
    testutil::MainWindowFixture fx_;

    std::unique_ptr<MainWindow> openSketch(ContinuationService* service) {
        auto w = fx_.makeWindow({.service = service});
        const QString path = fx_.filePath("sketch.mid");
        auto written = writeMidiFile(path.toStdString(), sketch(), {1, 480});
        if (!written) qFatal("cannot write the sketch: %s", written.error().c_str());
        if (!w->openFile(path)) qFatal("cannot open the sketch");
        return w;
    }

    /// Keeps the current (infill) take and checks the piece, then undo and redo.
    void keepAndUndo(MainWindow& w) {
        Document* doc = w.document();
        QUndoStack* stack = doc->undoStack();
        const Take take = *doc->take(doc->view()->currentTake());
        QVERIFY(take.provenance.infill);
        const Tick g0 = take.provenance.gapStart, g1 = take.provenance.gapEnd;
        const std::vector<Note> original = doc->notes();
        const std::vector<Take> takes = doc->takes();
        const int steps = stack->count();
        // The gap's notes go to the track that held most of them.
        std::map<TrackId, int> held;
        for (const Note& n : inside(original, g0, g1)) ++held[n.track];
        const TrackId target = std::max_element(held.begin(), held.end(), [](const auto& a, const auto& b) {
                                   return a.second < b.second;
                               })->first;

        QVERIFY(w.action("keepTake")->isEnabled());
        w.action("keepTake")->trigger();
        QCOMPARE(stack->count(), steps + 1); // one undo step
        QCOMPARE(doc->takes().size(), takes.size() - 1);
        QVERIFY(!doc->take(take.id));
        const std::vector<Note> kept = doc->notes();
        // Every note outside the gap is untouched: same ids, same values.
        QCOMPARE(outside(kept, g0, g1), outside(original, g0, g1));
        // Inside the gap: exactly the take's notes, with fresh ids, on the target track.
        const std::vector<Note> filled = inside(kept, g0, g1);
        QCOMPARE(filled.size(), take.notes.size());
        for (std::size_t i = 0; i < filled.size(); ++i) {
            QCOMPARE(sound(filled[i]), sound(take.notes[i]));
            QCOMPARE(filled[i].track, target);
            for (const Note& o : original) QVERIFY(o.id != filled[i].id);
        }
        QCOMPARE(kept.size(), original.size() - inside(original, g0, g1).size() + take.notes.size());

        stack->undo();
        QCOMPARE(doc->notes(), original); // exactly: ids, values, order
        QCOMPARE(doc->takes(), takes);
        stack->redo();
        QCOMPARE(doc->notes(), kept);
        QCOMPARE(doc->takes().size(), takes.size() - 1);
        stack->undo();
        QCOMPARE(doc->notes(), original);
    }

private slots:
    void initTestCase() { QVERIFY(fx_.isValid()); }

    void fillsTheSelectedRange() {
        auto* fake = new testutil::FakeContinuationService(6);
        auto w = openSketch(fake);
        QVERIFY(QTest::qWaitForWindowExposed(w.get()));
        Document* doc = w->document();
        const TrackId melody = trackNamed(*doc, "Melody");
        const TrackId bass = trackNamed(*doc, "Bass");
        QVERIFY(melody != 0 && bass != 0);
        QCOMPARE(doc->notes().size(), 24u);
        // Continue's temperature, top-p and seed are Fill Gap's too.
        PieceSettings continueSettings = w->continuePanel()->pieceSettings();
        continueSettings.sampling.temperature = 0.8;
        continueSettings.sampling.topP = 0.9;
        continueSettings.sampling.seed = Seed::fixed(77);
        w->continuePanel()->setPieceSettings(continueSettings);
        w->fillGapPanel()->candidatesBox()->setValue(4);

        // Select the melody of bar 2: the gap runs from its first onset to its last end.
        NoteIdSet sel;
        for (const Note& n : doc->notes())
            if (n.track == melody && n.start >= 4 * Q && n.start < 8 * Q) sel.insert(n.id);
        QCOMPARE(sel.size(), 4u);
        doc->view()->setSelection(sel);
        const Tick g0 = 4 * Q, g1 = 8 * Q - 60;
        const FillGapController::Gap gap = w->fillGapController()->currentGap();
        QCOMPARE(gap.start, g0);
        QCOMPARE(gap.end, g1);
        QCOMPARE(w->fillGapPanel()->gapLabel()->text(),
                 QString("bar 2 beat 1 to bar 2 beat 4.9 · 2.0 s · holds 6 notes · from the selection"));

        // Generate > Fill Gap, on Ctrl+Shift+Enter.
        QAction* fill = w->action("fillGap");
        QVERIFY(fill->shortcuts().contains(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Enter)));
        QCOMPARE(fill->shortcuts().constFirst().toString(), QString("Ctrl+Shift+Return"));
        QVERIFY(fill->isEnabled());
        QSignalSpy progressed(w->fillGapController(), &FillGapController::progressed);
        QSignalSpy done(w->fillGapController(), &FillGapController::finished);
        const int steps = doc->undoStack()->count();
        fill->trigger();
        QVERIFY(w->fillGapController()->isRunning());
        QVERIFY(!fill->isEnabled());
        QVERIFY(!w->action("continue")->isEnabled()); // one request at a time
        QVERIFY(w->action("cancel")->isEnabled());
        QVERIFY(done.wait(5000));
        QVERIFY2(done.first().at(0).toBool(), qPrintable(done.first().at(1).toString()));
        QCOMPARE(progressed.count(), 6);
        QVERIFY(fill->isEnabled());

        // The request: the music before, in, and after the gap, in seconds (120 bpm).
        const GenerationRequest& r = fake->lastInfill;
        QVERIFY(r.kind == GenerationKind::FillGap);
        QCOMPARE(r.primerEndSeconds, 2.0); // the gap's start
        QCOMPARE(r.gap.end, double(g1) / Q * 0.5);
        QCOMPARE(r.primer.size(), 6u);       // melody 1-4, bass 1-2
        QCOMPARE(r.gap.original.size(), 6u); // melody 5-8, bass 3-4
        QCOMPARE(r.gap.after.size(), 12u);
        QCOMPARE(r.sampling.variations, 4);
        QCOMPARE(r.sampling.seed.value(), 77u);
        QCOMPARE(r.sampling.temperature, 0.8);
        QCOMPARE(r.sampling.topP, 0.9);

        // Four infill takes, one undo step, ranked best (lowest score) first; the best is auditioned.
        QCOMPARE(doc->undoStack()->count(), steps + 1);
        QCOMPARE(doc->takes().size(), 4u);
        TakesModel* model = w->takesPanel()->model();
        for (int i = 0; i < 4; ++i) {
            const Take& t = doc->takes()[std::size_t(i)];
            QCOMPARE(t.name, QString("Fill %1").arg(i + 1));
            QVERIFY(t.provenance.infill);
            QCOMPARE(t.provenance.gapStart, g0);
            QCOMPARE(t.provenance.gapEnd, g1);
            QCOMPARE(t.provenance.primerEnd, g0);
            QCOMPARE(t.provenance.sampling.seed.value(), 77u);
            QCOMPARE(t.provenance.variation, 3 - i);
            QCOMPARE(t.provenance.score, 2.7 + 0.1 * i);
            QCOMPARE(t.provenance.originalScore, 2.5);
            QCOMPARE(t.notes.size(), 8u);
            for (const Note& n : t.notes) QVERIFY(n.start >= g0 && n.start < g1);
            QCOMPARE(model->data(model->indexOf(t.id, TakesModel::Fit)).toString(), QString::number(2.7 + 0.1 * i, 'f', 2));
            QVERIFY(model->data(model->indexOf(t.id, TakesModel::Fit), Qt::ToolTipRole).toString().contains("lower fits better"));
            QVERIFY(model->data(model->indexOf(t.id, TakesModel::Name), Qt::ToolTipRole).toString().contains("Fills the gap"));
        }
        QCOMPARE(doc->view()->currentTake(), doc->takes().front().id);
        QVERIFY(!w->action("continueFromTake")->isEnabled());

        // Auditioning plays the piece with the gap replaced by the take.
        const Sequence heard = doc->toSequence(true, true);
        QCOMPARE(heard.tracks.size(), 3u);
        for (std::size_t t = 0; t < 2; ++t) QVERIFY(inside(heard.tracks[t].notes, g0, g1).empty());
        QCOMPARE(heard.tracks[2].notes.size(), doc->takes().front().notes.size());
        QCOMPARE(outside(heard.tracks[0].notes, g0, g1).size(), 12u);

        // The takes and their gap survive save and load.
        const QString path = fx_.filePath("filled.continuo");
        QVERIFY(w->saveTo(path));
        Document loaded;
        auto ok = ProjectFile::load(path, loaded);
        QVERIFY2(ok.ok(), ok.error().c_str());
        QCOMPARE(loaded.takes().size(), 4u);
        for (std::size_t i = 0; i < 4; ++i) {
            QCOMPARE(loaded.takes()[i].provenance, doc->takes()[i].provenance);
            QCOMPARE(loaded.takes()[i].name, doc->takes()[i].name);
            QCOMPARE(loaded.takes()[i].notes.size(), doc->takes()[i].notes.size());
            for (std::size_t k = 0; k < loaded.takes()[i].notes.size(); ++k)
                QCOMPARE(sound(loaded.takes()[i].notes[k]), sound(doc->takes()[i].notes[k]));
        }

        keepAndUndo(*w);
        // Undo of the Fill Gap itself takes the candidates away; redo brings them back.
        doc->undoStack()->undo();
        QVERIFY(doc->takes().empty());
        doc->undoStack()->redo();
        QCOMPARE(doc->takes().size(), 4u);
    }

    void loopRegionWhenNothingSelectedAndCancel() {
        auto* fake = new testutil::FakeContinuationService(100000);
        auto w = openSketch(fake);
        w->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(w.get()));
        Document* doc = w->document();
        doc->view()->setSelection({});
        doc->view()->setLoop(8 * Q, 12 * Q);
        const FillGapController::Gap gap = w->fillGapController()->currentGap();
        QCOMPARE(gap.start, 8 * Q);
        QCOMPARE(gap.end, 12 * Q);
        QVERIFY(w->fillGapPanel()->gapLabel()->text().contains("from the loop region"));
        QSignalSpy progressed(w->fillGapController(), &FillGapController::progressed);
        QSignalSpy done(w->fillGapController(), &FillGapController::finished);
        const int steps = doc->undoStack()->count();
        // The keyboard shortcut (keypad Enter; the main Enter key is the first shortcut).
        QTest::keyClick(w.get(), Qt::Key_Enter, Qt::ControlModifier | Qt::ShiftModifier);
        QVERIFY(w->fillGapController()->isRunning());
        QCOMPARE(fake->lastInfill.primerEndSeconds, 4.0);
        QCOMPARE(fake->lastInfill.gap.end, 6.0);
        QTRY_VERIFY(progressed.count() > 2); // the UI thread keeps running meanwhile
        w->action("cancel")->trigger();
        QCOMPARE(done.count(), 1);
        QVERIFY(!done.first().at(0).toBool());
        QCOMPARE(done.first().at(1).toString(), QString("Fill Gap cancelled."));
        QVERIFY(!w->fillGapController()->isRunning());
        QVERIFY(doc->takes().empty());
        QCOMPARE(doc->undoStack()->count(), steps);
        QVERIFY(w->action("fillGap")->isEnabled());
        QVERIFY(w->action("continue")->isEnabled());
        QVERIFY(!fake->isBusy());
    }

    void noRangeSaysWhy() {
        auto* fake = new testutil::FakeContinuationService(2);
        auto w = openSketch(fake);
        Document* doc = w->document();
        doc->view()->setSelection({});
        doc->view()->setLoop(4 * Q, 4 * Q);
        QSignalSpy failed(w->fillGapController(), &FillGapController::failed);
        w->action("fillGap")->trigger();
        QCOMPARE(failed.count(), 1);
        QVERIFY(failed.first().at(0).toString().contains("time range"));
        QVERIFY(!w->fillGapController()->isRunning());
        QVERIFY(w->fillGapPanel()->messageLabel()->text().contains("time range"));
    }

    void bundledModelOnWorkerThread() {
        if (!ThreadContinuationService::available())
            QSKIP("built without the inference engine: configure with -DCONTINUO_WITH_TORCH=ON (needs libtorch-dev)");
        // CONTINUO_MODEL or an installed model, else the one in the source tree.
        QString modelPath = ThreadContinuationService::defaultModelPath();
        if (!QFileInfo::exists(modelPath))
            modelPath = QStringLiteral(CONTINUO_SOURCE_DIR "/resources/models/continuo-default.safetensors");
        if (!QFileInfo::exists(modelPath))
            QSKIP(qPrintable("no model at " + modelPath + " (set CONTINUO_MODEL to a .safetensors model)"));
        auto* service = new ThreadContinuationService;
        auto w = openSketch(service);
        QSignalSpy loaded(service, &ContinuationService::modelLoaded);
        QSignalSpy loadFailed(service, &ContinuationService::modelFailed);
        w->loadModel(modelPath);
        QTRY_VERIFY_WITH_TIMEOUT(loaded.count() + loadFailed.count() > 0, 60000);
        QVERIFY2(loadFailed.isEmpty(), loadFailed.isEmpty() ? "" : qPrintable(loadFailed.first().at(1).toString()));
        QTRY_VERIFY(w->action("fillGap")->isEnabled());

        Document* doc = w->document();
        doc->view()->setSelection({});
        doc->view()->setLoop(6 * Q, 8 * Q); // one second, in the middle of the sketch
        w->fillGapPanel()->candidatesBox()->setValue(2);
        w->continuePanel()->randomSeedBox()->setChecked(false);
        w->continuePanel()->seedEdit()->setText("5");
        QSignalSpy progressed(w->fillGapController(), &FillGapController::progressed);
        QSignalSpy done(w->fillGapController(), &FillGapController::finished);
        w->action("fillGap")->trigger();
        QVERIFY(w->fillGapController()->isRunning());
        QVERIFY(done.wait(120000));
        QVERIFY2(done.first().at(0).toBool(), qPrintable(done.first().at(1).toString()));
        QVERIFY(progressed.count() > 0);
        QCOMPARE(progressed.last().at(0).toDouble(), 1.0); // scoring done
        QCOMPARE(doc->takes().size(), 2u);
        const Take& best = doc->takes()[0];
        const Take& second = doc->takes()[1];
        QVERIFY(best.provenance.infill && second.provenance.infill);
        QVERIFY(best.provenance.score > 0);
        QVERIFY(best.provenance.score <= second.provenance.score);
        QVERIFY(best.provenance.scoredTokens > 0);
        QVERIFY(best.provenance.originalScore > 0); // the gap's own notes, scored the same way
        for (const Take& t : doc->takes())
            for (const Note& n : t.notes) QVERIFY(n.start >= 6 * Q && n.start < 8 * Q);
        qInfo("bundled model: fills of %zu and %zu notes, fit %.3f and %.3f nats/event (as written %.3f); %s",
              best.notes.size(), second.notes.size(), best.provenance.score, second.provenance.score,
              best.provenance.originalScore, qPrintable(done.first().at(1).toString()));
        QCOMPARE(doc->view()->currentTake(), best.id);
        keepAndUndo(*w);
    }
};

QTEST_MAIN(TestFillGap)
#include "test_fill_gap.moc"
