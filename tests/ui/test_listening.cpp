// How far back the model listens, shaded in the roll: each layer's reach from where Continue
// starts, found by tokenising the primer as the model reads it; it follows edits and model
// changes, says honestly when the model keeps no memory, and the View menu turns it off.
#include "MainWindowFixture.h"
#include "document/Document.h"
#include "panels/ContinuePanel.h"
#include "roll/NoteCanvas.h"
#include "roll/PianoRollWidget.h"
#include "roll/RollView.h"
#include "services/ContinueController.h"
#include "services/GenerationController.h"
#include "services/ThreadContinuationService.h"
#include "window/MainWindow.h"

#include "continuo/inference/Tokenizer.h"

#include <QAction>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QSignalSpy>
#include <QtTest>

using namespace continuo;
using namespace continuo::ui;

namespace {

/// A fake model with a memory schedule of its own.
class ScheduledService : public testutil::FakeContinuationService {
public:
    std::vector<int> horizons{300, 60};
    int segment = 100;
    int recallCapacity = 0;
    ModelDescription model() const override {
        ModelDescription d = FakeContinuationService::model();
        d.horizons = horizons;
        d.segment = segment;
        d.recallCapacity = recallCapacity;
        return d;
    }
    // What the real service answers for a model of this schedule.
    ListeningPlan listeningPlan(const GenerationRequest& request) const override {
        return ThreadContinuationService::planFor(model(), request);
    }
};

/// Quarter notes at 120 bpm: a dense first half (chords of three), a sparse second half.
Sequence sketch(int beats) {
    Sequence s;
    s.ticksPerQuarter = kTicksPerQuarter;
    Track t;
    for (int b = 0; b < beats; ++b) {
        const int voices = b < beats / 2 ? 3 : 1;
        for (int v = 0; v < voices; ++v) {
            Note n;
            n.start = Tick(b) * kTicksPerQuarter;
            n.length = kTicksPerQuarter / 2;
            n.pitch = 60 + (b * 5) % 12 + 4 * v;
            n.velocity = 70 + (b % 4) * 8;
            t.notes.push_back(n);
        }
    }
    s.tracks.push_back(t);
    s.updateEndTick();
    return s;
}

/// Events the model reads for the notes of [from, to) in ticks (the tokenizer's own count,
/// computed here from the document's notes).
int eventsBetween(const Document& doc, Tick from, Tick to) {
    std::vector<tokens::TimedNote> notes;
    const double t0 = doc.tempo().secondsAt(from);
    for (const Note& n : doc.notes())
        if (n.start >= from && n.start < to)
            notes.push_back({doc.tempo().secondsAt(n.start) - t0, doc.tempo().secondsAt(std::min(n.end(), to)) - t0, n.pitch, n.velocity});
    return int(tokens::encode(notes).size());
}

} // namespace

class TestListening : public QObject {
    Q_OBJECT
    testutil::MainWindowFixture fx_;

private slots:
    void spanFollowsTheTokensOfThePrimer() {
        Document doc;
        ScheduledService service;
        GenerationController generation(&doc, &service);
        ContinueController controller(&doc, &generation);
        ContinueSettings settings;
        controller.setSettingsSource([&] { return settings; });
        QSignalSpy spans(&controller, &ContinueController::listeningSpanChanged);
        doc.reset(sketch(64));
        QVERIFY(spans.wait(5000));
        const ListeningSpan span = spans.last().at(0).value<ListeningSpan>();
        QVERIFY(span.valid());
        QCOMPARE(span.from, doc.endTick());
        QCOMPARE(int(span.layerStarts.size()), 2);
        QVERIFY(!span.memoryless);
        // Farther horizons reach farther back; both reach past the segment being written.
        QVERIFY(span.layerStarts[0] < span.layerStarts[1]);
        QVERIFY(span.layerStarts[1] < span.segmentStart);
        QVERIFY(span.segmentStart <= span.from);
        QCOMPARE(span.layerEvents[0] - span.layerEvents[1], 300 - 60);
        // The panel says the same reach in words, in events and seconds of this sketch.
        const QString said = controller.listeningFor(settings);
        QVERIFY2(said.startsWith(QString("Listens back %1 events (").arg(span.layerEvents[0])), qPrintable(said));
        QVERIFY2(said.contains(QString("%1 events (").arg(span.layerEvents[1])), qPrintable(said));
        // The span holds as many events as the layer reaches: the tokenizer, run here on the
        // notes inside the shaded span, agrees within the few events a boundary can split.
        for (int l = 0; l < 2; ++l) {
            const int events = eventsBetween(doc, span.layerStarts[std::size_t(l)], span.from);
            QVERIFY2(std::abs(events - span.layerEvents[std::size_t(l)]) <= 6,
                     qPrintable(QString("layer %1: %2 events in the span, %3 reached").arg(l).arg(events).arg(span.layerEvents[std::size_t(l)])));
        }
        const ListeningSpan before = span;

        // An edit moves it: four more bars of single notes push Continue's start later.
        std::vector<Note> more;
        for (int b = 0; b < 16; ++b) {
            Note n;
            n.id = doc.allocateNoteId();
            n.start = doc.endTick() + Tick(b) * kTicksPerQuarter;
            n.length = kTicksPerQuarter / 2;
            n.pitch = 72;
            more.push_back(n);
        }
        spans.clear();
        doc.replaceNotes({}, more);
        QVERIFY(spans.wait(5000));
        const ListeningSpan after = spans.last().at(0).value<ListeningSpan>();
        QVERIFY(after.from > before.from);
        QVERIFY(after.layerStarts[0] > before.layerStarts[0]);

        // A model without memory: one window, the segment being written, said as such.
        service.horizons = {0, 0};
        spans.clear();
        service.loadModel({});
        QVERIFY(spans.wait(5000));
        const ListeningSpan window = spans.last().at(0).value<ListeningSpan>();
        QVERIFY(window.memoryless);
        // The engine decodes such a model with half a segment remembered: the window slides
        // between 50 and 99 events, the same in every layer.
        QCOMPARE(window.layerStarts[0], window.layerStarts[1]);
        QVERIFY(window.layerEvents[0] >= 50 && window.layerEvents[0] < 100);
        const QString saidWindow = controller.listeningFor(settings);
        QVERIFY2(saidWindow.startsWith(QString("Listens to the last %1 events (").arg(window.layerEvents[0])), qPrintable(saidWindow));
        QVERIFY2(saidWindow.contains("this model keeps no memory"), qPrintable(saidWindow));
    }

    void recallsReachIsSaidWhileRecallIsOn() {
        Document doc;
        ScheduledService service;
        service.recallCapacity = 200;
        GenerationController generation(&doc, &service);
        ContinueController controller(&doc, &generation);
        ContinueSettings settings;
        settings.sampling.recall = 0.3;
        controller.setSettingsSource([&] { return settings; });
        QSignalSpy spans(&controller, &ContinueController::listeningSpanChanged);
        doc.reset(sketch(64));
        QVERIFY(spans.wait(5000));
        // Recall keeps the newest 200 events of a longer primer: the span holds that many.
        ListeningSpan span = controller.listeningSpanFor(settings);
        QCOMPARE(span.recallEvents, 200);
        QVERIFY(span.recallStart > span.primerStart && span.recallStart < span.from);
        const int events = eventsBetween(doc, span.recallStart, span.from);
        QVERIFY2(std::abs(events - 200) <= 6, qPrintable(QString("%1 events in recall's span").arg(events)));
        QString said = controller.listeningFor(settings);
        QVERIFY2(said.contains("Recall recognises phrases that come back from the last 200 events ("), qPrintable(said));

        // With room for more than the primer holds, it reaches the primer's first event.
        service.recallCapacity = 100000;
        span = controller.listeningSpanFor(settings);
        QCOMPARE(span.recallStart, span.primerStart);
        QVERIFY(span.recallEvents >= span.layerEvents[0]);
        said = controller.listeningFor(settings);
        QVERIFY2(said.contains("Recall recognises a phrase that comes back from anywhere in the primer."), qPrintable(said));

        // Recall's weight at 0: the network alone, and the panel does not promise recall.
        settings.sampling.recall = 0;
        span = controller.listeningSpanFor(settings);
        QCOMPARE(span.recallEvents, 0);
        said = controller.listeningFor(settings);
        QVERIFY2(!said.contains("Recall"), qPrintable(said));
        QVERIFY2(said.startsWith("Listens back "), qPrintable(said));

        // The change is said as soon as the setting changes, without an edit.
        QSignalSpy texts(&controller, &ContinueController::listeningChanged);
        settings.sampling.recall = 0.5;
        controller.settingsChanged();
        QCOMPARE(texts.size(), 1);
        QVERIFY2(texts.last().at(0).toString().contains("Recall recognises a phrase"), qPrintable(texts.last().at(0).toString()));
    }

    void theRollShadesItAndTheViewMenuTurnsItOff() {
        auto* service = new ScheduledService;
        service->recallCapacity = 4096;
        const auto window = fx_.makeWindow({.service = service, .size = {1400, 800}});
        MainWindow& w = *window;
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        Document* doc = w.document();
        NoteCanvas* canvas = w.pianoRoll()->canvas();
        QSignalSpy spans(w.continueController(), &ContinueController::listeningSpanChanged);
        doc->reset(sketch(64));
        w.pianoRoll()->zoomToFit();
        QTRY_VERIFY_WITH_TIMEOUT(canvas->listeningSpan().valid(), 5000);
        const ListeningSpan span = canvas->listeningSpan();
        QVERIFY(canvas->showsListening());

        // Compare a column inside layer 1's span (but before layer 2's) with one before it
        // all, on a row above the notes: the shade is there and nowhere else.
        RollView* view = w.pianoRoll()->view();
        const int y = int(view->pitchToY(83)) + 2; // above every note of the sketch
        QVERIFY(y > 0 && y < canvas->height());
        const int inside = int((view->tickToX(span.layerStarts[0]) + view->tickToX(span.layerStarts[1])) / 2);
        const int outside = int(view->tickToX(span.layerStarts[0])) - 12;
        QVERIFY(outside > 0);
        if (qEnvironmentVariableIsSet("CONTINUO_SCREENSHOT_DIR"))
            w.grab().save(qEnvironmentVariable("CONTINUO_SCREENSHOT_DIR") + "/listening.png");
        const QImage shaded = canvas->grab().toImage();

        QAction* toggle = w.action("showListening");
        QVERIFY(toggle && toggle->isCheckable() && toggle->isChecked());
        toggle->trigger();
        QVERIFY(!canvas->showsListening());
        const QImage plain = canvas->grab().toImage();
        // The same pixels with and without the shade: inside the span they change (towards the
        // listening colour), before it they do not.
        QVERIFY2(shaded.pixelColor(inside, y) != plain.pixelColor(inside, y), "the span is not shaded");
        QVERIFY2(shaded.pixelColor(inside, y).blue() > plain.pixelColor(inside, y).blue(), "the shade is not the listening colour");
        QCOMPARE(shaded.pixelColor(outside, y), plain.pixelColor(outside, y));
        toggle->trigger();
        QVERIFY(canvas->showsListening());

        // The panel says recall's reach while the Recall box is above 0, and drops it at 0.
        QLabel* said = w.continuePanel()->listeningLabel();
        QTRY_VERIFY_WITH_TIMEOUT(said->text().contains("Recall recognises"), 5000);
        w.continuePanel()->recallBox()->setValue(0);
        QVERIFY2(!said->text().contains("Recall") && said->text().startsWith("Listens back"), qPrintable(said->text()));
        w.continuePanel()->recallBox()->setValue(0.3);
        QVERIFY2(said->text().contains("Recall recognises"), qPrintable(said->text()));
    }
};

QTEST_MAIN(TestListening)
#include "test_listening.moc"
