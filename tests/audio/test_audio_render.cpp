// Offline rendering with the real synth and soundfont: pitch, chords, metronome positions,
// WAV files in both formats, and the command-line tool. No audio device is involved.
#include "SignalAnalysis.h"
#include "continuo/audio/OfflineRenderer.h"
#include "continuo/audio/SoundFontLocator.h"
#include "continuo/core/MidiFile.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <sndfile.h>

using namespace continuo;
using namespace continuo::audio;
using namespace continuo::test;

namespace {

Sequence piece(const std::vector<Note>& notes, double bpm = 120.0) {
    Sequence s;
    s.tempo.clear(60e6 / bpm);
    Track t;
    t.notes = notes;
    t.sort();
    s.tracks.push_back(t);
    s.updateEndTick();
    return s;
}

std::string soundFont() {
    SoundFontSearch search;
    search.useEnvironment = false;
    auto found = SoundFontLocator::locate(search);
    return found ? found.value() : std::string();
}

} // namespace

class TestAudioRender : public QObject {
    Q_OBJECT
    RenderOptions options;

private slots:
    void initTestCase() {
        options.synth.soundFont = soundFont();
        if (options.synth.soundFont.empty())
            QSKIP("no General MIDI soundfont found: apt-get install fluid-soundfont-gm, or set CONTINUO_SOUNDFONT "
                  "to a .sf2 file");
        options.synth.sampleRate = 48000;
        options.synth.reverb = false; // a dry signal for spectra and onsets
        options.tailSeconds = 0.5;
    }

    void a4PeaksAt440() {
        RenderStats stats;
        auto audio = OfflineRenderer::renderToBuffer(piece({Note{0, 69, 100, 0, 1920, 0}}), options, &stats);
        QVERIFY2(audio, audio.error().c_str());
        QVERIFY(stats.peak > 0.01f);
        // 0.1 s .. 0.9 s of the note: past the attack, before the release.
        const auto x = leftChannel(audio.value(), 4800, 38400);
        const double peak = peakFrequency(x, 48000, 100, 2000, 1.0);
        QVERIFY2(std::fabs(peak - 440.0) <= 440.0 * 0.02, qPrintable(QString("peak at %1 Hz").arg(peak)));
    }

    void cMajorChordHasItsPartials() {
        auto audio = OfflineRenderer::renderToBuffer(
            piece({Note{0, 60, 100, 0, 1920, 0}, Note{0, 64, 100, 0, 1920, 0}, Note{0, 67, 100, 0, 1920, 0}}), options);
        QVERIFY2(audio, audio.error().c_str());
        QVERIFY(rms(audio.value()) > 0.005);
        const auto x = leftChannel(audio.value(), 4800, 38400);
        // Background: the median magnitude over a band without any of the chord's partials.
        std::vector<double> band;
        for (double f = 200; f <= 1000; f += 7.3) band.push_back(magnitudeAt(x, f, 48000));
        std::nth_element(band.begin(), band.begin() + long(band.size() / 2), band.end());
        const double floor = band[band.size() / 2];
        for (double f : {261.63, 329.63, 392.0, 523.25}) { // C4 E4 G4 and C4's octave partial
            const double local = peakFrequency(x, 48000, f * 0.985, f * 1.015, 0.5);
            const double m = magnitudeAt(x, local, 48000);
            QVERIFY2(m > 10.0 * floor, qPrintable(QString("%1 Hz: %2 vs floor %3").arg(f).arg(m).arg(floor)));
        }
    }

    void metronomeClicksOnTheBeat_data() {
        QTest::addColumn<double>("bpm");
        QTest::newRow("120 BPM") << 120.0;
        QTest::newRow("90 BPM") << 90.0;
    }

    void metronomeClicksOnTheBeat() {
        QFETCH(double, bpm);
        Sequence s = piece({}, bpm);
        s.endTick = 8 * kTicksPerQuarter; // two bars of 4/4, nothing else
        RenderOptions o = options;
        o.metronome = true;
        o.tailSeconds = 0.0;
        auto audio = OfflineRenderer::renderToBuffer(s, o);
        QVERIFY2(audio, audio.error().c_str());
        const auto found = onsets(audio.value(), 0.02f, 2400);
        QCOMPARE(found.size(), std::size_t(8));
        const double beatFrames = 48000.0 * 60.0 / bpm;
        for (std::size_t i = 0; i < found.size(); ++i) {
            const double expected = double(i) * beatFrames;
            // The click ramps up over 0.5 ms: the threshold is crossed within 24 frames.
            QVERIFY2(double(found[i]) >= expected && double(found[i]) <= expected + 24,
                     qPrintable(QString("click %1 at %2, expected %3").arg(i).arg(found[i]).arg(expected)));
        }
        // Accented downbeats: beat 0 and 4 louder than beat 1.
        auto peakNear = [&](std::size_t frame) {
            float p = 0;
            for (std::size_t i = frame; i < frame + 1000; ++i) p = std::max(p, std::fabs(audio.value()[2 * i]));
            return p;
        };
        QVERIFY(peakNear(found[0]) > 1.3f * peakNear(found[1]));
        QVERIFY(peakNear(found[4]) > 1.3f * peakNear(found[5]));
    }

    void writesWavFiles_data() {
        QTest::addColumn<bool>("asFloat");
        QTest::newRow("16-bit") << false;
        QTest::newRow("float") << true;
    }

    void writesWavFiles() {
        QFETCH(bool, asFloat);
        QTemporaryDir dir;
        const std::string path = dir.filePath("a4.wav").toStdString();
        RenderOptions o = options;
        o.format = asFloat ? SampleFormat::Float32 : SampleFormat::Pcm16;
        auto stats = OfflineRenderer::renderToWav(piece({Note{0, 69, 100, 0, 960, 0}}), path, o);
        QVERIFY2(stats, stats.error().c_str());
        // Speed is a benchmark number (bench_audio_*), not a pass/fail criterion.
        qInfo("rendered at %.1fx real time", stats->speed());
        SF_INFO info{};
        SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
        QVERIFY(f);
        QCOMPARE(info.samplerate, 48000);
        QCOMPARE(info.channels, 2);
        QCOMPARE(info.format & SF_FORMAT_SUBMASK, asFloat ? SF_FORMAT_FLOAT : SF_FORMAT_PCM_16);
        QCOMPARE(info.frames, sf_count_t(stats->frames));
        sf_close(f);
        QVERIFY(!QFile::exists(QString::fromStdString(path + ".part")));
    }

    void missingSoundFontIsAnErrorNotACrash() {
        RenderOptions o = options;
        o.synth.soundFont = "/nonexistent/none.sf2";
        auto audio = OfflineRenderer::renderToBuffer(piece({Note{0, 69, 100, 0, 960, 0}}), o);
        QVERIFY(!audio);
        QVERIFY(QString::fromStdString(audio.error()).contains("does not exist"));
    }

    void commandLineRender() {
        const QString cli = QString(CONTINUO_BINARY_DIR) + "/app/continuo-cli";
        if (!QFile::exists(cli)) QSKIP(qPrintable("continuo-cli is not at " + cli + " (build the continuo-cli target)"));
        QTemporaryDir dir;
        const QString mid = dir.filePath("a4.mid"), wav = dir.filePath("a4.wav");
        QVERIFY(writeMidiFile(mid.toStdString(), piece({Note{0, 69, 100, 0, 960, 0}})));
        QProcess p;
        p.start(cli, {"render", mid, "-o", wav, "--soundfont", QString::fromStdString(options.synth.soundFont),
                      "--sample-rate", "44100", "--float"});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(QFile::exists(wav));

        const QString junk = dir.filePath("junk.mid");
        QFile j(junk);
        QVERIFY(j.open(QIODevice::WriteOnly));
        j.write("not midi");
        j.close();
        p.start(cli, {"render", junk, "-o", wav});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 2);

        p.start(cli, {"render", mid, "-o", wav, "--soundfont", dir.filePath("none.sf2")});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 1);
        QVERIFY(p.readAllStandardError().contains("does not exist"));
    }
};

QTEST_GUILESS_MAIN(TestAudioRender)
#include "test_audio_render.moc"
