// Unit tests of the engine's device-free parts: playback snapshot order, tempo and beat
// grid, the SPSC queue, turning MIDI into notes and placing them in time (driver delta times,
// clock), the soundfont search, and the transport's switch of snapshot at the loop boundary
// (A/B while looping), on its sample clock.
#include "continuo/audio/Clock.h"
#include "continuo/audio/PlaybackSnapshot.h"
#include "continuo/audio/RecordingBuffer.h"
#include "continuo/audio/SoundFontLocator.h"
#include "continuo/audio/SpscQueue.h"
#include "continuo/audio/Synth.h"
#include "continuo/audio/Transport.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <fstream>
#include <thread>

using namespace continuo;
using namespace continuo::audio;

class TestAudioUnits : public QObject {
    Q_OBJECT
    /// Eighths filling one bar at 120 BPM from `pitch` up (960 ppq: a bar is 3840 ticks).
    static std::unique_ptr<PlaybackSnapshot> bar(int pitch) {
        Track t;
        for (int i = 0; i < 8; ++i) t.notes.push_back(Note{NoteId(i + 1), pitch + i, 80, Tick(i) * 480, 480, 0});
        return PlaybackSnapshot::build({t}, TempoMap{}, {TimeSignature{}}, 3840);
    }

    /// Live messages of answer `answer` on channel 1, at `ms` milliseconds on the test's clock.
    static LiveMessage liveNote(std::uint32_t answer, int ms, int pitch, int velocity) {
        return {std::int64_t(ms) * 1'000'000, answer, false,
                velocity > 0 ? MidiMessage::noteOn(1, pitch, velocity) : MidiMessage::noteOff(1, pitch)};
    }
    static LiveMessage liveEnd(std::uint32_t answer, int ms) { return {std::int64_t(ms) * 1'000'000, answer, true, {}}; }
    /// Runs `buffers` buffers of 1 ms (48 frames at 48 kHz) from clock time `ms`, and returns the
    /// events the transport logged.
    static std::vector<TransportEvent> runMs(Transport& transport, SpscQueue<TransportEvent>& log, int fromMs, int buffers) {
        std::vector<float> out(2 * 48);
        for (int i = 0; i < buffers; ++i) transport.process(out.data(), 48, std::int64_t(fromMs + i) * 1'000'000, false);
        std::vector<TransportEvent> events;
        TransportEvent e;
        while (log.pop(e)) events.push_back(e);
        return events;
    }
    static std::vector<TransportEvent> ofKind(const std::vector<TransportEvent>& events, TransportEvent::Kind kind) {
        std::vector<TransportEvent> out;
        std::copy_if(events.begin(), events.end(), std::back_inserter(out), [kind](const TransportEvent& e) { return e.kind == kind; });
        return out;
    }

private slots:
    void livePartSoundsAtItsTimesWhetherRollingOrNot() {
        for (const bool rolling : {false, true}) {
            Transport transport(48000.0);
            SpscQueue<TransportEvent> log(1 << 12);
            transport.setEventLog(&log);
            if (rolling) { // rolling past the (empty) piece's end, as while recording
                transport.post({TransportCommand::Type::AutoStop, 0, 0, false});
                transport.post({TransportCommand::Type::Play});
            }
            transport.openLive(1);
            // A note from 10 to 20 ms, a chord at 25 ms, the pedal at 26 ms, the end at 40 ms with
            // the chord still sounding: the end releases it and lifts the pedal.
            for (const LiveMessage& m : {liveNote(1, 10, 60, 90), liveNote(1, 20, 60, 0), liveNote(1, 25, 64, 70),
                                         liveNote(1, 25, 67, 70),
                                         LiveMessage{26'000'000, 1, false, MidiMessage::controller(1, 64, 127)},
                                         liveEnd(1, 40)})
                QVERIFY(transport.liveQueue().push(m));
            const auto events = runMs(transport, log, 0, 60);
            const auto live = ofKind(events, TransportEvent::Kind::Live);
            QCOMPARE(int(live.size()), 8); // five pushed, then two note-offs and the pedal lifted at the end
            QVERIFY(live[0].message.isNoteOn());
            QCOMPARE(live[0].sample, std::int64_t(480)); // 10 ms, to the frame
            QVERIFY(live[1].message.isNoteOff());
            QCOMPARE(live[1].sample, std::int64_t(960));
            QCOMPARE(live[2].sample, std::int64_t(1200)); // 25 ms
            QCOMPARE(live[3].sample, std::int64_t(1200));
            QCOMPARE(int(live[4].message.data1), 64); // the pedal, to the frame
            QCOMPARE(live[4].sample, std::int64_t(1248));
            const auto ends = ofKind(events, TransportEvent::Kind::LiveEnd);
            QCOMPARE(int(ends.size()), 1);
            QCOMPARE(ends[0].sample, std::int64_t(1920)); // 40 ms
            // Released at the end: both chord notes and the pedal, on the answer's channel.
            std::vector<int> offs;
            for (std::size_t i = 5; i < live.size(); ++i) {
                QCOMPARE(live[i].sample, std::int64_t(1920));
                QCOMPARE(live[i].message.channel(), 1);
                if (live[i].message.isNoteOff()) offs.push_back(live[i].message.data1);
                else QCOMPARE(int(live[i].message.data2), 0); // pedal up
            }
            QCOMPARE(offs, (std::vector<int>{64, 67}));
            QCOMPARE(transport.liveEndedAnswer(), std::uint32_t(1));
            QCOMPARE(transport.liveFirstNoteAnswer(), std::uint32_t(1));
            QCOMPARE(transport.liveFirstNoteNs(), std::int64_t(10'000'000));
            QCOMPARE(transport.liveSounding(), 0);
            QCOMPARE(transport.liveCutAnswer(), std::uint32_t(0));
            QCOMPARE(transport.isPlaying(), rolling);
        }
    }

    void playersKeyCutsTheOpenAnswerAtOnce() {
        Transport transport(48000.0);
        SpscQueue<TransportEvent> log(1 << 12);
        transport.setEventLog(&log);
        transport.openLive(1);
        for (const LiveMessage& m : {liveNote(1, 5, 60, 90), liveNote(1, 6, 64, 90), liveNote(1, 30, 60, 0),
                                     liveNote(1, 35, 72, 90), liveEnd(1, 50)})
            QVERIFY(transport.liveQueue().push(m));
        auto events = runMs(transport, log, 0, 20);
        QCOMPARE(int(ofKind(events, TransportEvent::Kind::Live).size()), 2);
        QCOMPARE(transport.liveSounding(), 2);
        // The player strikes a key (the MIDI input thread calls this): the next buffer, at
        // 20 ms, releases what sounds and drops the rest of the answer.
        transport.notePlayed();
        events = runMs(transport, log, 20, 60);
        const auto cuts = ofKind(events, TransportEvent::Kind::LiveCut);
        QCOMPARE(int(cuts.size()), 1);
        QCOMPARE(cuts[0].sample, std::int64_t(960));
        QCOMPARE(transport.liveCutAnswer(), std::uint32_t(1));
        QCOMPARE(transport.liveCutNs(), std::int64_t(20'000'000));
        const auto live = ofKind(events, TransportEvent::Kind::Live);
        std::vector<int> offs;
        bool pedalUp = false;
        for (const TransportEvent& e : live) {
            QCOMPARE(e.sample, std::int64_t(960)); // nothing after the cut: not the 72, not the end
            if (e.message.isNoteOff()) offs.push_back(e.message.data1);
            if (e.message.type() == 0xB0 && e.message.data1 == 64 && e.message.data2 == 0) pedalUp = true;
        }
        QCOMPARE(offs, (std::vector<int>{60, 64}));
        QVERIFY(pedalUp);
        QVERIFY(ofKind(events, TransportEvent::Kind::LiveEnd).empty());
        QCOMPARE(transport.liveSounding(), 0);
        // The next answer plays.
        transport.openLive(2);
        QVERIFY(transport.liveQueue().push(liveNote(2, 90, 62, 80)));
        QVERIFY(transport.liveQueue().push(liveEnd(2, 95)));
        events = runMs(transport, log, 80, 20);
        const auto next = ofKind(events, TransportEvent::Kind::Live);
        QVERIFY(!next.empty());
        QCOMPARE(int(next[0].message.data1), 62);
        QCOMPARE(transport.liveEndedAnswer(), std::uint32_t(2));
    }

    void keysOutsideAnAnswerCutNothing() {
        Transport transport(48000.0);
        SpscQueue<TransportEvent> log(1 << 12);
        transport.setEventLog(&log);
        transport.notePlayed(); // no answer open
        auto events = runMs(transport, log, 0, 5);
        QVERIFY(ofKind(events, TransportEvent::Kind::LiveCut).empty());
        transport.openLive(1);
        QVERIFY(transport.liveQueue().push(liveNote(1, 10, 60, 90)));
        QVERIFY(transport.liveQueue().push(liveEnd(1, 12)));
        events = runMs(transport, log, 5, 15);
        QCOMPARE(transport.liveEndedAnswer(), std::uint32_t(1));
        transport.notePlayed(); // after it ended by itself
        events = runMs(transport, log, 20, 5);
        QVERIFY(ofKind(events, TransportEvent::Kind::LiveCut).empty());
        QCOMPARE(transport.liveCutAnswer(), std::uint32_t(0));
        // Panic cuts an open answer too.
        transport.openLive(2);
        QVERIFY(transport.liveQueue().push(liveNote(2, 30, 60, 90)));
        QVERIFY(transport.liveQueue().push(liveNote(2, 60, 62, 90)));
        events = runMs(transport, log, 25, 10);
        transport.post({TransportCommand::Type::Panic});
        events = runMs(transport, log, 35, 40);
        QCOMPARE(transport.liveCutAnswer(), std::uint32_t(2));
        for (const TransportEvent& e : ofKind(events, TransportEvent::Kind::Live)) QVERIFY(!e.message.isNoteOn());
    }

    void loopSnapshotTakesOverAtTheLoopBoundary() {
        Transport transport(48000.0);
        SpscQueue<TransportEvent> log(1 << 12);
        transport.setEventLog(&log);
        transport.setSnapshot(bar(60));
        transport.post({TransportCommand::Type::SetLoop, 0, 3840, true});
        transport.post({TransportCommand::Type::Play});
        std::vector<float> out(2 * 64);
        std::int64_t ns = 0;
        auto run = [&](int buffers) {
            for (int i = 0; i < buffers; ++i) transport.process(out.data(), 64, ns += 1333333, false);
        };
        run(700); // 44,800 samples: most of the first pass (96,000)
        transport.setSnapshotAtLoop(bar(84));
        run(10);
        QCOMPARE(transport.loopSwitches(), std::uint64_t(0)); // still playing the old one
        run(1000);                                              // past the boundary
        QCOMPARE(transport.loopSwitches(), std::uint64_t(1));
        std::vector<TransportEvent> events;
        TransportEvent e;
        while (log.pop(e)) events.push_back(e);
        auto sw = std::find_if(events.begin(), events.end(), [](const TransportEvent& x) { return x.kind == TransportEvent::Kind::LoopSwitch; });
        QVERIFY(sw != events.end());
        QCOMPARE(sw->sample, std::int64_t(96000)); // exactly at the loop end of the first pass
        QCOMPARE(sw->frame, std::int64_t(96000));
        // Before: the old bar's eight notes, the last an eighth before the end; after: the new
        // bar's first note at the very same sample, from the loop start.
        int oldNotes = 0;
        std::int64_t lastOld = -1;
        for (auto it = events.begin(); it != sw; ++it)
            if (it->kind == TransportEvent::Kind::Message && it->message.isNoteOn()) {
                QVERIFY(it->message.data1 < 84);
                ++oldNotes;
                lastOld = it->sample;
            }
        QCOMPARE(oldNotes, 8);
        QCOMPARE(lastOld, std::int64_t(96000 - 12000));
        auto first = std::find_if(sw, events.end(), [](const TransportEvent& x) {
            return x.kind == TransportEvent::Kind::Message && x.message.isNoteOn();
        });
        QVERIFY(first != events.end());
        QCOMPARE(int(first->message.data1), 84);
        QCOMPARE(first->sample, sw->sample);
        QCOMPARE(first->frame, std::int64_t(0));
        QVERIFY(transport.isPlaying());
    }

    void loopSnapshotTakesOverAtOnceWhenNotLooping() {
        Transport transport(48000.0);
        SpscQueue<TransportEvent> log(1 << 12);
        transport.setEventLog(&log);
        transport.setSnapshot(bar(60));
        transport.post({TransportCommand::Type::Play});
        std::vector<float> out(2 * 64);
        for (int i = 0; i < 100; ++i) transport.process(out.data(), 64, 0, false);
        transport.setSnapshotAtLoop(bar(84));
        transport.process(out.data(), 64, 0, false);
        QCOMPARE(transport.loopSwitches(), std::uint64_t(1));
        // Not looping: it goes on from the same place in the new one.
        for (int i = 0; i < 200; ++i) transport.process(out.data(), 64, 0, false);
        std::vector<TransportEvent> events;
        TransportEvent e;
        while (log.pop(e)) events.push_back(e);
        QVERIFY(std::any_of(events.begin(), events.end(), [](const TransportEvent& x) {
            return x.kind == TransportEvent::Kind::Message && x.message.isNoteOn() && x.message.data1 == 85 && x.frame == 12000;
        }));
    }

    void snapshotOrdersOffBeforeOnAndControllersFirst() {
        Track t;
        t.program = 5;
        t.notes = {Note{1, 60, 90, 0, 480, 0}, Note{2, 60, 70, 480, 480, 0}};
        t.events = {ChannelEvent{480, ChannelEvent::Kind::Controller, 0, 64, 127}};
        auto s = PlaybackSnapshot::build({t}, TempoMap{}, {TimeSignature{}});
        const auto& m = s->messages();
        QCOMPARE(m.size(), std::size_t(5));
        QVERIFY(m[0].message.isNoteOn());
        QCOMPARE(m[1].message.type(), 0xB0); // pedal first at 480
        QVERIFY(m[2].message.isNoteOff());   // then the release of the first C
        QVERIFY(m[3].message.isNoteOn());    // then the repeat
        QCOMPARE(m[3].message.data2, std::uint8_t(70));
        QCOMPARE(m[1].seconds, 0.25); // 480 ticks at 960 ppq, 120 BPM
        QCOMPARE(s->setup().size(), std::size_t(1));
        QCOMPARE(int(s->setup()[0].data1), 5);
        QCOMPARE(s->endTick(), Tick(960));
        QCOMPARE(s->firstAtOrAfter(0.25), std::size_t(1));
        QCOMPARE(s->firstAtOrAfter(0.2501), std::size_t(4));
    }

    void tempoTableFollowsTempoChanges() {
        TempoMap map;
        map.setTempo(960, 1000000.0); // 60 BPM from beat 2
        TempoTable table(map);
        QCOMPARE(table.secondsAt(960), 0.5);
        QCOMPARE(table.secondsAt(1920), 1.5);
        QCOMPARE(table.tickAt(1.5), 1920.0);
        QCOMPARE(table.secondsAt(-960), -0.5); // count-in before the piece
        QCOMPARE(table.tickAt(-0.5), -960.0);
    }

    void beatGridAccentsDownbeats() {
        BeatGrid grid({TimeSignature{0, 3, 4}, TimeSignature{2880, 6, 8}}, 960);
        QCOMPARE(grid.beatAtOrAfter(0).tick, 0.0);
        QVERIFY(grid.beatAtOrAfter(0).downbeat);
        QCOMPARE(grid.beatAtOrAfter(1).tick, 960.0);
        QVERIFY(!grid.beatAtOrAfter(1).downbeat);
        QVERIFY(grid.beatAtOrAfter(1921).downbeat); // 2880: new signature, new bar
        QCOMPARE(grid.beatAtOrAfter(2881).tick, 3360.0); // eighth-note beats in 6/8
        QCOMPARE(grid.barTicksAt(100), 2880.0);
        QCOMPARE(grid.barTicksAt(3000), 2880.0);
        const Beat before = grid.beatAtOrAfter(-2000); // count-in: 3/4 extends backwards
        QCOMPARE(before.tick, -1920.0);
        QVERIFY(!before.downbeat);
        QVERIFY(grid.beatAtOrAfter(-2880).downbeat);
    }

    void spscQueueKeepsOrderAcrossThreads() {
        SpscQueue<int> q(64);
        QVERIFY(q.empty());
        constexpr int kCount = 200000;
        std::thread producer([&] {
            for (int i = 0; i < kCount; ++i)
                while (!q.push(i)) std::this_thread::yield();
        });
        int expected = 0;
        while (expected < kCount) {
            int v = -1;
            if (q.pop(v)) {
                QCOMPARE(v, expected);
                ++expected;
            } else {
                std::this_thread::yield();
            }
        }
        producer.join();
        QVERIFY(q.empty());
        SpscQueue<int> small(3);
        QVERIFY(small.push(1) && small.push(2) && small.push(3));
        QVERIFY(small.full() || small.capacity() > 3);
    }

    void recordingBufferPairsNotesAsPlayed() {
        RecordingBuffer rec; // 120 BPM, 960 ppq: 1 s = 1920 ticks
        rec.add(-0.1, MidiMessage::noteOn(0, 59, 40)); // during the count-in: clamped to 0
        rec.add(0.001, MidiMessage::noteOn(0, 60, 100));
        rec.add(0.001, MidiMessage::noteOn(0, 64, 90));
        rec.add(0.25, MidiMessage::controller(0, 64, 127));
        rec.add(0.5, MidiMessage{0x90, 60, 0}); // note-on with velocity 0 is a release
        rec.add(0.6, MidiMessage::noteOn(0, 64, 80)); // restruck without a release
        rec.add(0.7, MidiMessage::noteOff(0, 67)); // never pressed: ignored
        auto live = rec.takeNew();
        QCOMPARE(live.notes.size(), std::size_t(2)); // the C, and the first E
        QCOMPARE(live.events.size(), std::size_t(1));
        QCOMPARE(rec.heldCount(), 2);
        auto take = rec.finish(1.0);
        QCOMPARE(take.notes.size(), std::size_t(4));
        QCOMPARE(take.notes[0].pitch, 59);
        QCOMPARE(take.notes[0].start, Tick(0));
        QCOMPARE(take.notes[1].pitch, 60);
        QCOMPARE(take.notes[1].start, Tick(2)); // 1 ms, not snapped to a grid
        QCOMPARE(take.notes[1].length, Tick(960 - 2));
        QCOMPARE(take.notes[1].velocity, 100);
        QCOMPARE(take.notes[3].start, Tick(1152));
        QCOMPARE(take.notes[3].end(), Tick(1920));
        QCOMPARE(take.events[0].number, kSustainController);
        QCOMPARE(take.events[0].tick, Tick(480));
    }

    void midiArrivalKeepsTheDriversSpacing() {
        // Times on a clock the test gives, in ms; the driver's deltas are exact binary fractions.
        constexpr std::int64_t ms = 1'000'000;
        MidiArrival a;
        QCOMPARE(a.stamp(0.25, 1000 * ms), 1000 * ms); // the first message anchors
        // A chord and a grace note delivered 10 ms late in one burst: the driver's deltas keep
        // them 250 ms after the first and 1/512 s apart.
        QCOMPARE(a.stamp(0.25, 1260 * ms), 1250 * ms);
        QCOMPARE(a.stamp(0.0, 1260 * ms), 1250 * ms);
        QCOMPARE(a.stamp(1.0 / 512, 1260 * ms), 1250 * ms + 1'953'125);
        // Never after now: a driver running ahead of the clock anchors again.
        QCOMPARE(a.stamp(0.125, 1300 * ms), 1300 * ms);
        // Up to 20 ms behind now is the driver's word; more (a long pause, a drifting driver)
        // anchors again.
        QCOMPARE(a.stamp(0.5, 1820 * ms), 1800 * ms);
        QCOMPARE(a.stamp(0.25, 2071 * ms), 2071 * ms); // 21 ms behind
        QCOMPARE(a.stamp(1.0, 3400 * ms), 3400 * ms); // a long pause
        // A new port: its first delta is not from the last message.
        a.reset();
        QCOMPARE(a.stamp(3.0, 3500 * ms), 3500 * ms);
        QVERIFY(steadyClock().followsDriverTime());
    }

    void soundFontSearchOrderAndMessages() {
        QTemporaryDir dir;
        SoundFontSearch search;
        search.useEnvironment = false;
        search.useSystemFolders = false;
        auto none = SoundFontLocator::locate(search);
        QVERIFY(!none);
        QVERIFY(QString::fromStdString(none.error()).contains("No General MIDI soundfont found"));

        search.userSetting = dir.filePath("missing.sf2").toStdString();
        auto missing = SoundFontLocator::locate(search);
        QVERIFY(!missing);
        QVERIFY(QString::fromStdString(missing.error()).contains("does not exist"));

        const std::string corrupt = dir.filePath("corrupt.sf2").toStdString();
        std::ofstream(corrupt) << "this is not a soundfont at all";
        search.userSetting = corrupt;
        auto bad = SoundFontLocator::locate(search);
        QVERIFY(!bad);
        QVERIFY(QString::fromStdString(bad.error()).contains("not a SoundFont 2 file"));

        // A file with a valid header but broken content: FluidSynth refuses it, no crash.
        const std::string truncated = dir.filePath("truncated.sf2").toStdString();
        {
            std::ofstream out(truncated, std::ios::binary);
            const char header[] = {'R', 'I', 'F', 'F', 100, 0, 0, 0, 's', 'f', 'b', 'k', 'L', 'I', 'S', 'T'};
            out.write(header, sizeof header);
        }
        SynthSettings settings;
        settings.soundFont = truncated;
        auto synth = Synth::create(settings);
        QVERIFY(!synth);
        QVERIFY(QString::fromStdString(synth.error()).contains("could not be loaded"));

        qputenv("CONTINUO_SOUNDFONT", QByteArray::fromStdString(dir.filePath("env-missing.sf2").toStdString()));
        search.userSetting.clear();
        search.useEnvironment = true;
        auto env = SoundFontLocator::locate(search);
        QVERIFY(!env);
        QVERIFY(QString::fromStdString(env.error()).contains("CONTINUO_SOUNDFONT"));
        qunsetenv("CONTINUO_SOUNDFONT");

        search.useSystemFolders = true;
        const auto all = SoundFontLocator::candidates(search);
        QVERIFY(!all.empty());
        QCOMPARE(QString::fromStdString(all.back()), QString("/usr/share/sounds/sf2/TimGM6mb.sf2"));
        if (QFile::exists("/usr/share/sounds/sf2/default-GM.sf2")) {
            auto found = SoundFontLocator::locate(search);
            QVERIFY2(found, found.error().c_str());
        }
    }
};

QTEST_GUILESS_MAIN(TestAudioUnits)
#include "test_audio_units.moc"
