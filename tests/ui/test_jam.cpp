// Jam mode end to end: the window with the bundled model on its worker thread, the audio engine
// on a real JACK server (dummy driver) and a virtual keyboard (a JACK client whose frame
// counter is the engine's clock). A phrase is played at the keyboard and the player pauses;
// the answer must be heard (its note-ons reach the synth), playing again must stop it at once
// with no hanging note, and calls and answers must be in the piece and the takes tree as a
// chain, each answer one undo step.
#include "JamTestUtil.h"
#include "document/Document.h"
#include "services/JamController.h"

#include <QUndoStack>

#include <algorithm>
#include <limits>
#include <map>

using namespace continuo;
using namespace continuo::ui;
using continuo::audio::TransportEvent;

class TestJam : public QObject {
    Q_OBJECT
    testutil::MainWindowFixture fx_;

    /// Live messages of the log, by kind.
    static std::vector<TransportEvent> live(const std::vector<TransportEvent>& events, TransportEvent::Kind kind) {
        std::vector<TransportEvent> out;
        for (const TransportEvent& e : events)
            if (e.kind == kind) out.push_back(e);
        return out;
    }

private slots:
    void initTestCase() {
        if (const QString why = test::jamPrerequisitesMissing("test_ui_jam"); !why.isEmpty()) QSKIP(qPrintable(why));
    }

    void answersThePauseAndStopsWhenPlayedOver() {
        test::JamRig rig(fx_, "continuo-test-jammer");
        QVERIFY2(rig.problem.isEmpty(), qPrintable(rig.problem));
        test::JackTestClient& keyboard = rig.keyboard;
        MainWindow* w = rig.window.get();
        audio::Transport* transport = rig.transport;
        QVERIFY(w->playback()->hasSound());
        audio::SpscQueue<TransportEvent> log(1 << 16);
        transport->setEventLog(&log);
        std::vector<TransportEvent> events;

        JamController* jam = w->jam();
        JamSettings settings;
        settings.gapMs = 400;
        settings.length = JamSettings::Length::UntilPlayed; // it sounds until played over
        settings.longestSeconds = 12;
        jam->setSettings(settings);
        QSignalSpy started(jam, &JamController::answerStarted);
        QSignalSpy finished(jam, &JamController::answerFinished);
        Document* doc = w->document();
        const int steps = doc->undoStack()->count();

        w->action("jam")->trigger();
        QVERIFY(jam->isJamming());
        QVERIFY(w->action("jam")->isChecked());
        QVERIFY(w->playback()->isRecording());

        // The call: a rising phrase of eight notes in C major, as a player would.
        test::JamPlayer player(keyboard);
        std::vector<test::JamPlayer::Note> call;
        const int scale[] = {60, 62, 64, 65, 67, 65, 64, 62};
        for (int i = 0; i < 8; ++i) call.push_back({i * 0.22, i * 0.22 + 0.18, scale[i], 76 + 2 * i});
        QVERIFY(player.play(call) != 0);
        // Silence: the pause is heard, the call joins the piece, the answer sounds.
        QVERIFY(started.wait(10000));
        QCOMPARE(int(doc->notes().size()), 8);
        QVERIFY(test::JamPlayer::waitFor([&] {
            test::drainLog(log, events);
            return !live(events, TransportEvent::Kind::Live).empty() && live(events, TransportEvent::Kind::Live).front().message.isNoteOn();
        }, 10000));
        const auto& timing = jam->answers().back();
        QVERIFY(timing.detectedNs >= timing.gapEndNs); // never before the gap

        // Hear a little of it, then play over it: it stops in the buffer the key arrives in.
        const std::uint32_t heard = keyboard.frame() + std::uint32_t(0.3 * keyboard.sampleRate());
        QVERIFY(player.waitUntilFrame(heard));
        QVERIFY(jam->isAnswering()); // still sounding
        // The roll shows the answer as it sounds: drawn over the piece as far as it was heard,
        // though the model has written further.
        const TakeId sounding = doc->view()->currentTake();
        QVERIFY(doc->take(sounding) && doc->take(sounding)->name.startsWith("Answer 1"));
        QVERIFY(test::JamPlayer::waitFor([&] {
            const Take* t = doc->take(sounding);
            const Tick shown = doc->view()->revealedUpTo(sounding);
            const auto heard = std::count_if(t->notes.begin(), t->notes.end(), [&](const Note& n) { return n.start < shown; });
            return heard > 0 && heard < std::ptrdiff_t(t->notes.size());
        }, 2000));
        QVERIFY(doc->tempo().secondsAt(doc->view()->revealedUpTo(sounding)) <=
                transport->transportSecondsAt(transport->clock().nowNs()) + 0.05);
        // The window mid-answer, for the docs: CONTINUO_JAM_SCREENSHOT=FILE.png.
        if (const QString shot = qEnvironmentVariable("CONTINUO_JAM_SCREENSHOT"); !shot.isEmpty()) {
            w->resize(1500, 900);
            QCoreApplication::processEvents();
            QVERIFY(w->grab().save(shot));
        }
        const std::uint32_t keyFrame = player.send(0x90, 72, 90);
        QVERIFY(keyFrame != 0);
        QVERIFY(finished.wait(10000));
        test::drainLog(log, events);
        const auto cuts = live(events, TransportEvent::Kind::LiveCut);
        QCOMPARE(int(cuts.size()), 1);
        QCOMPARE(transport->liveCutAnswer(), std::uint32_t(1));
        // No hanging note: every live note-on was released, nothing sounds after the cut.
        std::map<int, int> balance;
        for (const TransportEvent& e : live(events, TransportEvent::Kind::Live)) {
            if (e.message.isNoteOn()) {
                QVERIFY2(e.sample < cuts[0].sample, "an answer note sounded after the cut");
                ++balance[e.message.data1];
            } else if (e.message.isNoteOff() && balance[e.message.data1] > 0) {
                --balance[e.message.data1];
            }
        }
        for (const auto& [pitch, open] : balance) QVERIFY2(open == 0, qPrintable(QString("pitch %1 hangs").arg(pitch)));
        QCOMPARE(transport->liveSounding(), 0);
        // Cut within one period of the key's arrival (the key was written at keyFrame's cycle).
        const std::int64_t cutLatencyNs = transport->liveCutNs() - keyboard.framesToNs(keyFrame, keyboard.sampleRate());
        QVERIFY2(cutLatencyNs >= 0 && cutLatencyNs <= 2 * keyboard.framesToNs(keyboard.periodFrames(), keyboard.sampleRate()),
                 qPrintable(QString("cut %1 ms after the key").arg(double(cutLatencyNs) / 1e6)));

        // What was heard is a take, marked stopped, continuing from the sketch.
        const TakeId first = finished.takeFirst().at(0).value<TakeId>();
        const Take* answer = doc->take(first);
        QVERIFY(answer);
        QVERIFY(answer->name.startsWith("Answer 1"));
        QVERIFY(answer->provenance.stopped);
        QCOMPARE(doc->view()->currentTake(), first); // kept as heard, drawn whole
        QCOMPARE(doc->view()->revealedUpTo(first), std::numeric_limits<Tick>::max());
        QVERIFY(!answer->notes.empty());
        QVERIFY(!answer->generating);
        // Its notes start after the call and before the key that stopped it.
        const double keySeconds = transport->transportSecondsAt(keyboard.framesToNs(keyFrame, keyboard.sampleRate()));
        for (const Note& n : answer->notes) {
            QVERIFY(n.start >= doc->notes().back().end());
            QVERIFY(doc->tempo().secondsAt(n.start) < keySeconds + 0.05);
        }
        QCOMPARE(doc->undoStack()->count(), steps + 2); // the call, the answer

        // The key played over it is the next call; release it and pause: a second answer,
        // which continues from the first.
        QVERIFY(player.send(0x80, 72, 0) != 0);
        QVERIFY(started.wait(10000));
        QCOMPARE(int(doc->notes().size()), 9);
        const std::uint32_t more = keyboard.frame() + std::uint32_t(0.3 * keyboard.sampleRate());
        QVERIFY(player.waitUntilFrame(more));
        w->action("jam")->trigger(); // J stops the jam: the answer is cut and kept as heard
        QVERIFY(!jam->isJamming());
        QVERIFY(!w->playback()->isRecording());
        QVERIFY(test::JamPlayer::waitFor([&] { return !finished.isEmpty(); }, 10000));
        const TakeId second = finished.takeFirst().at(0).value<TakeId>();
        const Take* next = doc->take(second);
        QVERIFY(next);
        QCOMPARE(next->provenance.parentTake, first); // call -> answer -> call -> answer
        QVERIFY(next->name.startsWith("Answer 2"));
        test::drainLog(log, events);
        QCOMPARE(transport->liveSounding(), 0);

        QCOMPARE(int(doc->notes().size()), 9); // stopping records nothing twice
        // Undo: the last answer, then the call before it, then the first answer.
        QCOMPARE(doc->undoStack()->count(), steps + 4);
        doc->undoStack()->undo();
        QVERIFY(!doc->take(second));
        QCOMPARE(int(doc->notes().size()), 9);
        doc->undoStack()->undo();
        QCOMPARE(int(doc->notes().size()), 8);
        doc->undoStack()->undo();
        QVERIFY(!doc->take(first));
        doc->undoStack()->redo();
        QVERIFY(doc->take(first));
        transport->setEventLog(nullptr);
    }
};

QTEST_MAIN(TestJam)
#include "test_jam.moc"
