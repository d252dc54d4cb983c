// The live engine against a real JACK server (dummy driver): the callback runs, the
// transport moves with the server's frame counter, loops wrap at the right sample, and the
// engine survives having no server or losing it mid-playback.
#include "JackTestClient.h"
#include "SignalAnalysis.h"
#include "continuo/audio/AudioEngine.h"
#include "continuo/audio/Transport.h"

#include <QProcess>
#include <QtTest>

#include <cmath>

using namespace continuo;
using namespace continuo::audio;

namespace {

Sequence phrase() {
    Sequence s;
    Track t;
    for (int i = 0; i < 64; ++i) t.notes.push_back(Note{0, 60 + (i % 12), 90, Tick(i) * 480, 400, 0});
    s.tracks.push_back(t);
    s.updateEndTick();
    return s;
}

AudioOptions jackOptions() {
    AudioOptions o;
    o.api = AudioApi::Jack;
    o.connectOutputs = true;
    o.clientName = "continuo-test";
    return o;
}

bool runFixture(const char* action, const QString& server) {
    QProcess p;
    p.start("sh", {CONTINUO_JACK_FIXTURE, action, server, CONTINUO_JACK_STATE});
    return p.waitForFinished(30000) && p.exitCode() == 0;
}

} // namespace

class TestAudioEngine : public QObject {
    Q_OBJECT
    QByteArray server = qgetenv("JACK_DEFAULT_SERVER");
    QString lossServer = QString::fromUtf8(server) + "-loss";

private slots:
    void cleanupTestCase() {
        runFixture("stop", lossServer); // in case the loss test failed half-way
        qputenv("JACK_DEFAULT_SERVER", server);
    }

    void loopWrapsAtTheExactSample() {
        // Device-free: the same Transport the callback runs, fed 256-frame buffers.
        Transport t(48000.0);
        Sequence s;
        s.endTick = 16 * kTicksPerQuarter;
        t.setSnapshot(PlaybackSnapshot::build(s));
        auto post = [&](TransportCommand c) { QVERIFY(t.post(c)); };
        post({TransportCommand::Type::Metronome, 0, 0, true, {}});
        post({TransportCommand::Type::SetLoop, 0, 1440, true, {}}); // 1.5 beats = 36000 frames
        post({TransportCommand::Type::Play, 0, 0, false, {}});
        std::vector<float> all, buffer(512);
        for (int i = 0; i < 400; ++i) { // 102400 frames
            t.process(buffer.data(), 256, 0);
            all.insert(all.end(), buffer.begin(), buffer.end());
            QVERIFY(t.positionFrame() >= 0 && t.positionFrame() < 36000);
        }
        const auto clicks = continuo::test::onsets(all, 0.02f, 2000);
        const std::vector<std::size_t> expected{0, 24000, 36000, 60000, 72000, 96000};
        QCOMPARE(clicks.size(), expected.size());
        for (std::size_t i = 0; i < clicks.size(); ++i)
            QVERIFY2(clicks[i] >= expected[i] && clicks[i] <= expected[i] + 24,
                     qPrintable(QString("click %1 at %2").arg(i).arg(clicks[i])));
    }

    void countInPrecedesTheStart() {
        Transport t(48000.0);
        t.setSnapshot(PlaybackSnapshot::build(phrase()));
        QVERIFY(t.post({TransportCommand::Type::CountIn, 1, 0, false, {}}));
        QVERIFY(t.post({TransportCommand::Type::Record, 0, 0, false, {}}));
        std::vector<float> buffer(512);
        t.process(buffer.data(), 256, 0);
        QVERIFY(t.isRecording());
        QCOMPARE(t.positionFrame(), std::int64_t(-96000 + 256)); // one 4/4 bar at 120 BPM
        QVERIFY(t.positionTick() < 0);
        const auto clicks = continuo::test::onsets(buffer, 0.02f, 100);
        QCOMPARE(clicks.size(), std::size_t(1)); // the count-in clicks although the metronome is off
        QVERIFY(t.post({TransportCommand::Type::Stop, 0, 0, false, {}}));
        t.process(buffer.data(), 256, 0);
        QCOMPARE(t.positionFrame(), std::int64_t(0)); // stopped during count-in: back to the start
    }

    void playsThroughJack() {
        // The engine stamps each buffer with the server's frame counter (its clock), so the
        // transport can be compared with the server's own sample clock, frame for frame.
        test::JackTestClient server("continuo-test-clock");
        QVERIFY2(server.ok(), "cannot open a JACK client on the fixture's server");
        AudioEngine engine;
        engine.setSoundFont(SoundFontSearch{}); // silent if none: the transport test still holds
        AudioOptions options = jackOptions();
        options.clock = &server;
        QVERIFY2(engine.open(options), engine.statusMessage().c_str());
        QCOMPARE(engine.status(), EngineStatus::Running);
        QVERIFY(QString::fromStdString(engine.statusMessage()).contains("Jack", Qt::CaseInsensitive));
        QCOMPARE(engine.sampleRate(), 48000.0);
        QCOMPARE(engine.sampleRate(), server.sampleRate());
        QCOMPARE(engine.bufferFrames(), server.periodFrames());
        QTRY_VERIFY(engine.transport().buffersProcessed() > 10);

        engine.setSnapshot(phrase());
        engine.play();
        QTRY_VERIFY(engine.isPlaying());
        // Where the transport is at the first frame of the server's current cycle: from the
        // engine's last buffer, by the frames the server counted since (exact when the
        // transport moves one frame per frame the server runs).
        auto framesAt = [&](std::uint32_t frame) {
            const double s = engine.transport().transportSecondsAt(server.framesToNs(frame, server.sampleRate()));
            return std::int64_t(std::llround(s * server.sampleRate()));
        };
        // A drop-out (a cycle the engine's client missed, which a busy machine causes) costs
        // the transport that cycle: the comparison holds over 1.5 s the server ran without one,
        // so a window with an xrun is measured again.
        bool measured = false;
        for (int attempt = 0; attempt < 10 && !measured; ++attempt) {
            const int xruns = server.xruns();
            const std::uint32_t f0 = server.frame();
            const auto p0 = framesAt(f0);
            QTRY_VERIFY(server.frame() - f0 > 72000); // 1.5 s of the server's frames
            const std::uint32_t f1 = server.frame();
            const auto p1 = framesAt(f1);
            QVERIFY(engine.isPlaying());
            if (server.xruns() != xruns) continue;
            QCOMPARE(p1 - p0, std::int64_t(f1 - f0));
            measured = true;
        }
        QVERIFY2(measured, "the server reported a drop-out in each of ten 1.5-second windows");
        QVERIFY(engine.positionTick() > 0);

        // Loop the first beat: the position stays inside and keeps wrapping.
        engine.setLoop(0, 960, true);
        engine.locate(0);
        std::int64_t last = -1;
        int wraps = 0;
        QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                     const auto f = engine.transport().positionFrame();
                                     if (f < last) ++wraps;
                                     last = f;
                                     return wraps >= 3;
                                 }()),
                                 10000);
        QVERIFY(last >= 0 && last <= 24000);

        engine.stop();
        QTRY_VERIFY(!engine.isPlaying());
        engine.panic();
        engine.close();
        QCOMPARE(engine.status(), EngineStatus::Closed);
    }

    void listsJackDevices() {
        const auto devices = AudioEngine::listOutputDevices(AudioApi::Jack);
        QVERIFY(!devices.empty());
        QVERIFY(devices.front().outputChannels >= 2);
    }

    void silentWithoutServer() {
        qputenv("JACK_DEFAULT_SERVER", "continuo-no-such-server");
        AudioEngine engine;
        const bool opened = engine.open(jackOptions());
        qputenv("JACK_DEFAULT_SERVER", server);
        QVERIFY(!opened);
        QCOMPARE(engine.status(), EngineStatus::Silent);
        QVERIFY(QString::fromStdString(engine.statusMessage()).contains("silently"));
        QVERIFY(AudioEngine::listOutputDevices(AudioApi::Jack).size() > 0); // the real one is fine
        // Everything else works: the silent clock moves the transport.
        engine.setSnapshot(phrase());
        engine.play();
        QTRY_VERIFY(engine.positionTick() > 100);
        engine.stop();
        QTRY_VERIFY(!engine.isPlaying());
    }

    void serverLossStopsPlaybackAndKeepsData() {
        QVERIFY(runFixture("start", lossServer));
        qputenv("JACK_DEFAULT_SERVER", lossServer.toUtf8());
        AudioEngine engine;
        const bool opened = engine.open(jackOptions());
        qputenv("JACK_DEFAULT_SERVER", server);
        QVERIFY2(opened, engine.statusMessage().c_str());
        engine.setSnapshot(phrase());
        engine.play();
        QTRY_VERIFY(engine.isPlaying() && engine.positionTick() > 0);
        QVERIFY(runFixture("stop", lossServer));
        const auto beat = engine.transport().buffersProcessed();
        // poll() reports the change once; the status stays.
        QTRY_VERIFY_WITH_TIMEOUT((engine.poll(), engine.status() == EngineStatus::Silent), 10000);
        qInfo("heartbeat %llu -> %llu", (unsigned long long)beat,
              (unsigned long long)engine.transport().buffersProcessed());
        QCOMPARE(engine.status(), EngineStatus::Silent);
        QVERIFY(QString::fromStdString(engine.statusMessage()).contains("nothing was lost"));
        QTRY_VERIFY(!engine.isPlaying());
        // The snapshot is still there: silent playback goes on from where it stopped.
        const Tick where = engine.positionTick();
        engine.play();
        QTRY_VERIFY(engine.positionTick() > where + 100);
        engine.stop();
    }
};

QTEST_GUILESS_MAIN(TestAudioEngine)
#include "test_audio_engine.moc"
