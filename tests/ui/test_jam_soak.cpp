// A long jam: the window with the bundled model, the audio engine on the JACK fixture and a
// virtual keyboard that plays 2.5-second phrases of MAESTRO validation performances, one after
// another, for CONTINUO_JAM_SOAK_MINUTES of the server's clock (CTest sets it from the CMake
// cache variable of that name: 1 by default, 60 for the full hour, with
// `cmake -DCONTINUO_JAM_SOAK_MINUTES=60 build && ctest --test-dir build -R test_ui_jam_soak -V`).
// Every other answer is let finish, the others are played over. At the end every call is in
// the piece note for note, every answer is a take of the chain, the project saves and reads
// back with all of it, and the process's resident memory after the first quarter has stayed
// flat. Prints the memory at each tenth.
#include "JamTestUtil.h"
#include "document/Document.h"
#include "document/ProjectFile.h"
#include "services/JamController.h"

#include <QTemporaryDir>


using namespace continuo;
using namespace continuo::ui;


class TestJamSoak : public QObject {
    Q_OBJECT
    testutil::MainWindowFixture fx_;

private slots:
    void initTestCase() {
        if (const QString why = test::jamPrerequisitesMissing("test_ui_jam_soak"); !why.isEmpty()) QSKIP(qPrintable(why));
    }

    void anHourOfJamming() {
        bool given = false;
        const double minutes = std::max(0.1, qEnvironmentVariable("CONTINUO_JAM_SOAK_MINUTES").toDouble(&given));
        const double soakMinutes = given ? minutes : 1.0;
        test::JamRig rig(fx_, "continuo-soak-jammer");
        QVERIFY2(rig.problem.isEmpty(), qPrintable(rig.problem));
        test::JackTestClient& keyboard = rig.keyboard;
        MainWindow* w = rig.window.get();
        audio::Transport* transport = rig.transport;
        Document* doc = w->document();
        JamController* jam = w->jam();
        JamSettings settings;
        settings.gapMs = 300;
        settings.length = JamSettings::Length::LikeCall;
        settings.longestSeconds = 4;
        jam->setSettings(settings);
        QSignalSpy finished(jam, &JamController::answerFinished);
        QStringList messages; // what the window would show in its status bar
        connect(jam, &JamController::message, this, [&](const QString& m) { messages << m; });
        w->action("jam")->trigger();
        QVERIFY(jam->isJamming());

        test::JamPlayer player(keyboard);
        const double rate = keyboard.sampleRate();
        const std::uint32_t origin = keyboard.frame();
        const auto elapsedMinutes = [&] { return double(keyboard.frame() - origin) / rate / 60.0; };
        int piece = 0;
        QString name;
        std::vector<test::JamPlayer::Note> notes = test::performance(&name, piece);
        QVERIFY2(!notes.empty(), "no MAESTRO validation performance could be read from the shared data");
        double at = 10.0;
        std::size_t played = 0;
        int calls = 0;
        std::vector<double> rss;
        double nextReport = 0;
        while (elapsedMinutes() < soakMinutes) {
            if (notes.empty() || at > notes.back().start) { // the next performance
                notes = test::performance(&name, ++piece);
                if (notes.empty()) notes = test::performance(&name, piece = 0);
                at = 10.0;
            }
            const std::vector<test::JamPlayer::Note> call = test::phrase(notes, at, 2.5);
            at += 2.5;
            if (call.empty()) continue;
            QVERIFY(player.play(call) != 0);
            played += call.size();
            ++calls;
            QVERIFY2(test::JamPlayer::waitFor([&] { return int(jam->answers().size()) == calls; }, 20000),
                     qPrintable(QString("call %1 had no answer (%2 keys held, answering %3, jamming %5, recording %6, last key %7 s, now %8 s); the jam said: %4")
                                    .arg(calls)
                                    .arg(w->playback()->playerActivity().heldKeys)
                                    .arg(jam->isAnswering())
                                    .arg(messages.join(" | "))
                                    .arg(jam->isJamming())
                                    .arg(w->playback()->isRecording())
                                    .arg(w->playback()->playerActivity().lastNoteOnSeconds)
                                    .arg(w->playback()->playerActivity().nowSeconds)));
            // The window a second into the sixth answer, for the docs: CONTINUO_JAM_SCREENSHOT=FILE.png.
            if (const QString shot = qEnvironmentVariable("CONTINUO_JAM_SCREENSHOT"); calls == 6 && !shot.isEmpty()) {
                w->resize(1500, 900);
                w->action("zoomFit")->trigger();
                QVERIFY(test::JamPlayer::waitFor([&] { return transport->liveFirstNoteAnswer() >= std::uint32_t(calls); }, 20000));
                QVERIFY(player.waitUntilFrame(keyboard.frame() + std::uint32_t(1.2 * rate)));
                QVERIFY(w->grab().save(shot));
            }
            if (calls % 2 == 0) { // heard out
                QVERIFY2(test::JamPlayer::waitFor([&] { return !jam->isAnswering() && int(finished.size()) == calls; }, 20000),
                         qPrintable(QString("answer %1 did not end").arg(calls)));
            } else { // played over a little after it began (the next phrase's first key stops it)
                QVERIFY(test::JamPlayer::waitFor([&] { return transport->liveFirstNoteAnswer() >= std::uint32_t(calls) || !jam->isAnswering(); }, 20000));
                QVERIFY(player.waitUntilFrame(keyboard.frame() + std::uint32_t(0.3 * rate)));
            }
            rss.push_back(test::residentMb());
            if (elapsedMinutes() >= nextReport) {
                qInfo("%6.1f min: %4d calls, %6zu notes played, %5zu takes, RSS %.1f MB", elapsedMinutes(), calls, played,
                      doc->takes().size(), rss.back());
                nextReport += soakMinutes / 10.0;
            }
        }
        w->action("jam")->trigger(); // stops the last answer and the recording
        QVERIFY(!jam->isJamming());
        QVERIFY(test::JamPlayer::waitFor([&] { return int(finished.size()) == calls; }, 20000));
        QCOMPARE(transport->liveSounding(), 0);

        // Every call is in the piece, note for note; every answer is a take of one chain.
        QCOMPARE(doc->notes().size(), played);
        int answers = 0;
        for (const Take& take : doc->takes())
            if (take.name.startsWith("Answer")) ++answers;
        QCOMPARE(answers, calls);
        QCOMPARE(int(jam->answers().size()), calls);
        // ... and in the file.
        QTemporaryDir dir;
        const QString path = dir.filePath("jam.continuo");
        const auto saved = ProjectFile::save(path, *doc);
        QVERIFY2(saved.ok(), saved.error().c_str());
        Document back;
        const auto loaded = ProjectFile::load(path, back);
        QVERIFY2(loaded.ok(), loaded.error().c_str());
        QCOMPARE(back.notes().size(), played);
        QCOMPARE(back.takes().size(), doc->takes().size());

        // Memory: flat after the first quarter (the model's caches and the app's pools are
        // grown by then); what the piece itself adds is a few bytes a note.
        QVERIFY(rss.size() >= 4);
        const double quarter = rss[rss.size() / 4];
        const double peak = *std::max_element(rss.begin() + std::ptrdiff_t(rss.size() / 4), rss.end());
        qInfo("%d calls and answers in %.1f min; RSS %.1f MB at the first quarter, %.1f MB at most after it, %.1f MB at the end",
              calls, elapsedMinutes(), quarter, peak, rss.back());
        QVERIFY2(peak - quarter < 48.0, qPrintable(QString("resident memory grew by %1 MB").arg(peak - quarter)));
    }
};

int main(int argc, char** argv) {
    // QtTest stops a test function after five minutes unless told otherwise; the soak runs as
    // long as it is asked to.
    if (qEnvironmentVariableIsEmpty("QTEST_FUNCTION_TIMEOUT")) {
        bool given = false;
        const double minutes = qEnvironmentVariable("CONTINUO_JAM_SOAK_MINUTES").toDouble(&given);
        qputenv("QTEST_FUNCTION_TIMEOUT", QByteArray::number(qint64(((given ? minutes : 1.0) + 5.0) * 60'000)));
    }
    QApplication app(argc, argv);
    TestJamSoak test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}
#include "test_jam_soak.moc"
