// What a project's tracks send to the synth: a MIDI file with a sustain pedal and two
// instruments is opened as the app opens it (continuo::project into the Document), and the
// pedal and programs reach the engine's event stream and the rendered sound. Rendered with
// the real FluidSynth and soundfont; no audio device.
#include "SignalAnalysis.h"
#include "continuo/audio/OfflineRenderer.h"
#include "continuo/audio/PlaybackSnapshot.h"
#include "continuo/audio/SoundFontLocator.h"
#include "continuo/audio/Synth.h"
#include "continuo/audio/Transport.h"
#include "continuo/core/MidiFile.h"
#include "continuo/project/Project.h"
#include "document/Document.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace continuo;
using namespace continuo::audio;
using namespace continuo::test;

namespace {

constexpr Tick Q = 480;

/// At 120 BPM and 480 PPQ: a piano (channel 1) plays a short C4 (0.125 s) with the pedal
/// down from the start to 2 s; a flute (channel 2, program 74 shown, 73 written) is silent
/// until 3 s. Written to a MIDI file and opened as the app opens one.
Expected<project::Project> pedalledPiece(const QString& dir) {
    Sequence s;
    s.ticksPerQuarter = int(Q);
    s.tempo = TempoMap(int(Q));
    Track piano;
    piano.name = "Piano";
    piano.channel = 0;
    Note c4;
    c4.pitch = 60;
    c4.velocity = 100;
    c4.start = 0;
    c4.length = Q / 4;
    piano.notes.push_back(c4);
    piano.events.push_back({0, ChannelEvent::Kind::Controller, 0, kSustainController, 127});
    piano.events.push_back({4 * Q, ChannelEvent::Kind::Controller, 0, kSustainController, 0});
    Track flute;
    flute.name = "Flute";
    flute.channel = 1;
    flute.program = 73;
    flute.events.push_back({0, ChannelEvent::Kind::Program, 1, 73, 0});
    Note g5 = c4;
    g5.pitch = 79;
    g5.channel = 1;
    g5.start = 6 * Q;
    g5.length = Q;
    flute.notes.push_back(g5);
    s.tracks = {piano, flute};
    s.updateEndTick();
    const QString path = dir + "/pedal.mid";
    if (auto w = writeMidiFile(path.toStdString(), s, {1, int(Q)}); !w) return Error{w.error()};
    return project::openProjectOrMidi(path);
}

std::string soundFont() {
    SoundFontSearch search;
    search.useEnvironment = false;
    auto found = SoundFontLocator::locate(search);
    return found ? found.value() : std::string();
}

double rmsBetween(const std::vector<float>& stereo, double from, double to, int rate) {
    const auto a = std::size_t(from * rate) * 2, b = std::min(stereo.size(), std::size_t(to * rate) * 2);
    return a < b ? rms(std::vector<float>(stereo.begin() + long(a), stereo.begin() + long(b))) : 0.0;
}

bool contains(const std::vector<MidiMessage>& v, MidiMessage m) {
    return std::any_of(v.begin(), v.end(), [&](const MidiMessage& x) {
        return x.status == m.status && x.data1 == m.data1 && x.data2 == m.data2;
    });
}

/// Plays `sequence` through a Transport and the real synth from `fromSeconds` for `seconds`,
/// as the live engine does after a locate (the audio callback's calls, without a device).
std::vector<float> playFrom(const Sequence& sequence, const SynthSettings& settings, double fromSeconds, double seconds) {
    Transport transport(settings.sampleRate);
    auto synth = Synth::create(settings);
    if (!synth) return {};
    transport.setSynth(std::move(synth.value()));
    transport.setSnapshot(PlaybackSnapshot::build(sequence));
    TransportCommand locate;
    locate.type = TransportCommand::Type::Locate;
    locate.a = sequence.tempo.tickAt(fromSeconds);
    transport.post(locate);
    TransportCommand play;
    play.type = TransportCommand::Type::Play;
    transport.post(play);
    std::vector<float> out;
    std::vector<float> block(2 * 512);
    const auto total = std::size_t(seconds * settings.sampleRate);
    while (out.size() < 2 * total) {
        transport.process(block.data(), 512, 0);
        out.insert(out.end(), block.begin(), block.end());
    }
    return out;
}

} // namespace

class TestAudioProject : public QObject {
    Q_OBJECT
    QTemporaryDir dir;
    RenderOptions options;

private slots:
    void initTestCase() {
        options.synth.soundFont = soundFont();
        options.synth.sampleRate = 48000;
        options.synth.reverb = false; // dry: what sounds after the note-off is the note itself
        options.synth.chorus = false;
        options.tailSeconds = 0.5;
    }

    void pedalAndProgramsReachTheEventStream() {
        auto p = pedalledPiece(dir.path());
        QVERIFY2(p.ok(), p.error().c_str());
        ui::Document doc;
        doc.reset(p.value());
        auto snap = PlaybackSnapshot::build(doc.toSequence(false, true));
        std::vector<MidiMessage> all;
        for (const ScheduledMessage& m : snap->messages()) all.push_back(m.message);
        QVERIFY(contains(all, MidiMessage::controller(0, kSustainController, 127)));
        QVERIFY(contains(all, MidiMessage::controller(0, kSustainController, 0)));
        QVERIFY(contains(snap->setup(), MidiMessage::program(1, 73)));
        // Starting at 1 s, inside the pedalled stretch: the pedal goes down first, and the
        // flute's program is chased too.
        std::vector<MidiMessage> chased;
        snap->chase(snap->firstAtOrAfter(1.0), [&](const MidiMessage& m) { chased.push_back(m); });
        QVERIFY(contains(chased, MidiMessage::controller(0, kSustainController, 127)));
        QVERIFY(contains(chased, MidiMessage::program(1, 73)));
        chased.clear();
        snap->chase(snap->firstAtOrAfter(2.5), [&](const MidiMessage& m) { chased.push_back(m); });
        QVERIFY(contains(chased, MidiMessage::controller(0, kSustainController, 0)));
        QVERIFY(!contains(chased, MidiMessage::controller(0, kSustainController, 127)));
        // A muted track sends nothing, its pedal included.
        doc.setTrackMuted(doc.tracks()[0].id, true);
        auto quiet = PlaybackSnapshot::build(doc.toSequence(false, true));
        for (const ScheduledMessage& m : quiet->messages()) QCOMPARE(m.message.channel(), 1);
    }

    void thePedalSustainsPastTheNoteOff() {
        if (options.synth.soundFont.empty())
            QSKIP("no General MIDI soundfont found: apt-get install fluid-soundfont-gm, or set CONTINUO_SOUNDFONT "
                  "to a .sf2 file");
        auto p = pedalledPiece(dir.path());
        QVERIFY2(p.ok(), p.error().c_str());
        ui::Document doc;
        doc.reset(p.value());
        auto pedalled = OfflineRenderer::renderToBuffer(doc.toSequence(false, true), options);
        QVERIFY2(pedalled, pedalled.error().c_str());
        // The same piece with the pedal lane cleared (as the roll's pedal eraser does).
        doc.setTrackEvents(doc.tracks()[0].id, {});
        auto dry = OfflineRenderer::renderToBuffer(doc.toSequence(false, true), options);
        QVERIFY2(dry, dry.error().c_str());
        const int rate = int(options.synth.sampleRate);
        // While the key is down both sound alike.
        const double held = rmsBetween(pedalled.value(), 0.02, 0.12, rate);
        const double heldDry = rmsBetween(dry.value(), 0.02, 0.12, rate);
        QVERIFY2(held > 0.001 && std::abs(held - heldDry) < 0.2 * held,
                 qPrintable(QString("held: %1 pedalled, %2 dry").arg(held).arg(heldDry)));
        // 0.8..1.6 s, long after the note-off at 0.125 s: the pedal keeps the string sounding.
        const double sustained = rmsBetween(pedalled.value(), 0.8, 1.6, rate);
        const double released = rmsBetween(dry.value(), 0.8, 1.6, rate);
        qInfo("RMS 0.8..1.6 s after a 0.125 s note: %.5f with the pedal, %.5f without (key down: %.5f)",
              sustained, released, held);
        QVERIFY2(sustained > 0.05 * held, qPrintable(QString("pedalled tail %1").arg(sustained)));
        QVERIFY2(sustained > 5.0 * released, qPrintable(QString("%1 vs %2").arg(sustained).arg(released)));
        // The flute (program 73) plays at 3 s in both.
        QVERIFY(rmsBetween(dry.value(), 3.1, 3.4, rate) > 0.001);
    }

    void playingFromInsideAPedalledStretchHoldsThePedal() {
        if (options.synth.soundFont.empty())
            QSKIP("no General MIDI soundfont found: apt-get install fluid-soundfont-gm, or set CONTINUO_SOUNDFONT "
                  "to a .sf2 file");
        // The pedal goes down at 0 and up at 2 s; a short note at 1.5 s. Playback starts at
        // 1 s, after the pedal event: the pedal must be down all the same.
        auto p = pedalledPiece(dir.path());
        QVERIFY2(p.ok(), p.error().c_str());
        ui::Document doc;
        doc.reset(p.value());
        Note late;
        late.pitch = 64;
        late.velocity = 100;
        late.start = 3 * kTicksPerQuarter; // 1.5 s at 120 BPM
        late.length = kTicksPerQuarter / 4;
        late.track = doc.tracks()[0].id;
        late.id = doc.allocateNoteId();
        doc.replaceNotes({}, {late});
        const Sequence pedalled = doc.toSequence(false, true);
        doc.setTrackEvents(doc.tracks()[0].id, {});
        const Sequence dry = doc.toSequence(false, true);
        const int rate = int(options.synth.sampleRate);
        const auto withPedal = playFrom(pedalled, options.synth, 1.0, 1.0);
        const auto without = playFrom(dry, options.synth, 1.0, 1.0);
        QVERIFY(!withPedal.empty() && !without.empty());
        // From the start: 1 s of playing = 1.0 .. 2.0 s of the piece. The note sounds at
        // 0.5 .. 0.625 s of it; 0.8 .. 0.98 s is after its note-off, before the pedal lifts.
        const double key = rmsBetween(withPedal, 0.52, 0.6, rate);
        const double sustained = rmsBetween(withPedal, 0.8, 0.98, rate);
        const double released = rmsBetween(without, 0.8, 0.98, rate);
        qInfo("playing from 1 s: RMS after the note-off %.5f with the pedal held from before, %.5f without",
              sustained, released);
        QVERIFY2(key > 0.001, qPrintable(QString("the note itself: %1").arg(key)));
        QVERIFY2(sustained > 5.0 * released && sustained > 0.05 * key,
                 qPrintable(QString("%1 vs %2 (key %3)").arg(sustained).arg(released).arg(key)));
    }
};

QTEST_GUILESS_MAIN(TestAudioProject)
#include "test_audio_project.moc"
