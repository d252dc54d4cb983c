// Jam latency on the server's frame clock: the window with the bundled model, the audio engine
// on the JACK fixture (dummy driver, 48 kHz, 64-frame periods) and a virtual keyboard that is
// also the engine's clock. A player plays 3-second phrases of a MAESTRO validation performance
// (one after another, as it goes on), pauses for the answer gap, and plays the next phrase half
// a second into each answer, which stops it. For each answer, measured on the server's clock:
//   pause heard   : when the app heard the pause, after the gap had passed;
//   first note    : when the answer's first note-on reached the synth, after the gap had passed;
//   silent after  : when the answer was silenced, after the key that played over it arrived.
// Idle and with one other process keeping a core busy; the median and worst of N answers
// (CONTINUO_JAM_ANSWERS, 20 by default), and the server's xruns. Prints the numbers; asserts
// only that every answer was heard and stopped.
#include "JamTestUtil.h"
#include "continuo/inference/Benchmark.h"
#include "document/Document.h"
#include "services/JamController.h"

#include <algorithm>
#include <fstream>

using namespace continuo;
using namespace continuo::ui;

namespace {
using test::performance;
using test::phrase;

double percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::size_t(std::clamp(q, 0.0, 1.0) * double(v.size() - 1) + 0.5)];
}

/// The server's drop-outs so far, by cause, from its log (the fixture's, in the build tree):
/// a client that did not finish its cycle in time (the app's, or this benchmark's keyboard),
/// or the dummy driver itself waking late (the machine's timer, no client involved).
struct XrunCauses {
    int app = 0, keyboard = 0, driver = 0;
    XrunCauses operator-(const XrunCauses& o) const { return {app - o.app, keyboard - o.keyboard, driver - o.driver}; }
};
XrunCauses xrunCauses() {
    XrunCauses c;
    std::ifstream log(std::string(CONTINUO_BINARY_DIR "/tests/audio/jack/jackd-") + qgetenv("JACK_DEFAULT_SERVER").toStdString() + ".log");
    std::string line;
    while (std::getline(log, line)) {
        if (line.find("JackTimedDriver::Process XRun") != std::string::npos) ++c.driver;
        else if (line.find("continuo-bench-jammer was not finished") != std::string::npos) ++c.keyboard;
        else if (line.find("was not finished") != std::string::npos) ++c.app;
    }
    return c;
}

} // namespace

class BenchJam : public QObject {
    Q_OBJECT
    testutil::MainWindowFixture fx_;

private slots:
    void initTestCase() {
        if (const QString why = test::jamPrerequisitesMissing("bench_ui_jam"); !why.isEmpty()) QSKIP(qPrintable(why));
    }

    void answerLatency() {
        QString name;
        const std::vector<test::JamPlayer::Note> notes = performance(&name);
        QVERIFY2(!notes.empty(), "no MAESTRO validation performance could be read from the shared data");
        const int answers = qEnvironmentVariableIsSet("CONTINUO_JAM_ANSWERS")
                                ? std::max(1, qEnvironmentVariableIntValue("CONTINUO_JAM_ANSWERS"))
                                : 20;
        test::JamRig rig(fx_, "continuo-bench-jammer");
        QVERIFY2(rig.problem.isEmpty(), qPrintable(rig.problem));
        test::JackTestClient& keyboard = rig.keyboard;
        MainWindow* w = rig.window.get();
        audio::Transport* transport = rig.transport;
        const double rate = keyboard.sampleRate();
        qInfo("phrases of %s from 30 s on, 3 s each; answer gap 400 ms; server %.0f Hz, %u-frame periods",
              qPrintable(name), rate, keyboard.periodFrames());
        double at = 30.0;
        // The same player with jam off (recording only): the drop-outs this machine has anyway.
        for (int busy : {0, 1}) {
            inference::BusyProcesses competing(busy);
            QVERIFY(w->playback()->record());
            test::JamPlayer player(keyboard);
            const int xrunsBefore = keyboard.xruns();
            const XrunCauses causesBefore = xrunCauses();
            for (int i = 0; i < answers;) {
                const std::vector<test::JamPlayer::Note> call = phrase(notes, at, 3.0);
                at += 3.0;
                if (call.empty()) continue;
                QVERIFY(player.play(call) != 0);
                QVERIFY(player.waitUntilFrame(keyboard.frame() + std::uint32_t(1.0 * rate)));
                ++i;
            }
            w->playback()->stop();
            const XrunCauses causes = xrunCauses() - causesBefore;
            qInfo("jam off, busy %d: %d phrases recorded, %d xruns (the app's client late %d, the keyboard's %d, the driver's "
                  "timer %d)", busy, answers, keyboard.xruns() - xrunsBefore, causes.app, causes.keyboard, causes.driver);
        }
        qInfo("%-5s %9s %22s %22s %22s %6s %9s", "busy", "answers", "pause heard ms (med/max)",
              "first note ms (med/max)", "silent after ms (med/max)", "xruns", "RSS MB");

        std::uint32_t number = 0; // the transport numbers answers on from the first
        for (int busy : {0, 1}) {
            inference::BusyProcesses competing(busy);
            JamController* jam = w->jam();
            JamSettings settings;
            settings.gapMs = 400;
            settings.length = JamSettings::Length::UntilPlayed;
            settings.longestSeconds = 8;
            jam->setSettings(settings);
            w->action("jam")->trigger();
            QVERIFY(jam->isJamming());
            test::JamPlayer player(keyboard);
            const int xrunsBefore = keyboard.xruns();
            const XrunCauses causesBefore = xrunCauses();
            std::vector<double> heard, first, silent;
            std::vector<std::int64_t> keys;
            for (int i = 0; i < answers;) {
                std::vector<test::JamPlayer::Note> call = phrase(notes, at, 3.0);
                at += 3.0;
                if (call.empty()) continue; // a rest in the performance: the next phrase
                const std::uint32_t firstKey = player.play(call);
                QVERIFY(firstKey != 0);
                if (i > 0) keys.push_back(keyboard.framesToNs(firstKey, rate)); // it played over the last answer
                ++i;
                // The answer starts, sounds, and the next phrase plays over it half a second in.
                QVERIFY2(test::JamPlayer::waitFor([&] { return jam->answers().size() == std::size_t(i) && jam->isAnswering(); }, 15000),
                         qPrintable(QString("no answer %1 started: %2 keys held, pedal %3")
                                        .arg(i)
                                        .arg(w->playback()->playerActivity().heldKeys)
                                        .arg(w->playback()->playerActivity().pedalDown)));
                ++number;
                QVERIFY2(test::JamPlayer::waitFor([&] { return transport->liveFirstNoteAnswer() >= number; }, 15000),
                         "the answer was not heard");
                QVERIFY(player.waitUntilFrame(keyboard.frame() + std::uint32_t(0.5 * rate)));
            }
            w->action("jam")->trigger(); // stops the last one
            QVERIFY(!jam->isJamming());
            for (std::size_t i = 0; i < jam->answers().size(); ++i) {
                const JamAnswerTiming& t = jam->answers()[i];
                heard.push_back(double(t.detectedNs - t.gapEndNs) / 1e6);
                if (t.firstNoteNs > 0) first.push_back(double(t.firstNoteNs - t.gapEndNs) / 1e6);
                if (i < keys.size() && t.cutNs > 0) silent.push_back(double(t.cutNs - keys[i]) / 1e6);
            }
            QCOMPARE(int(first.size()), int(jam->answers().size()));
            qInfo("%-5d %9d %11.1f / %-9.1f %11.1f / %-9.1f %11.1f / %-9.1f %6d %9.0f", busy, int(first.size()),
                  percentile(heard, 0.5), percentile(heard, 1.0), percentile(first, 0.5), percentile(first, 1.0),
                  percentile(silent, 0.5), percentile(silent, 1.0), keyboard.xruns() - xrunsBefore, test::residentMb());
            const XrunCauses causes = xrunCauses() - causesBefore;
            qInfo("      xruns by cause: the app's client late %d, the keyboard's %d, the driver's timer %d", causes.app,
                  causes.keyboard, causes.driver);
        }
    }
};

QTEST_MAIN(BenchJam)
#include "bench_jam.moc"
