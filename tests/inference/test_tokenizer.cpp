#include "continuo/inference/Tokenizer.h"

#include <QtTest>

using namespace continuo;
using namespace continuo::tokens;

class TestTokenizer : public QObject {
    Q_OBJECT
private slots:
    void vocabularyLayout() {
        QCOMPARE(kVocabSize, 391);
        QCOMPARE(typeOf(noteOn(0)), Type::NoteOn);
        QCOMPARE(typeOf(noteOn(127)), Type::NoteOn);
        QCOMPARE(typeOf(noteOff(0)), Type::NoteOff);
        QCOMPARE(typeOf(timeShift(1)), Type::TimeShift);
        QCOMPARE(typeOf(timeShift(100)), Type::TimeShift);
        QCOMPARE(typeOf(kVelocity + 31), Type::Velocity);
        QCOMPARE(typeOf(kVocabSize), Type::Invalid);
        QCOMPARE(valueOf(timeShift(37)), 37);
        QCOMPARE(QString::fromStdString(describe(timeShift(25))), QString("TIME_SHIFT 250ms"));
    }

    void encodesTimeVelocityAndOrder() {
        // C4 at 0 s (vel 80) for 0.5 s, E4 at 1.73 s (vel 40) for 0.2 s.
        std::vector<TimedNote> notes{{0.0, 0.5, 60, 80}, {1.73, 1.93, 64, 40}};
        auto t = encode(notes);
        std::vector<int> expected{kVelocity + 20, noteOn(60), timeShift(50), noteOff(60), timeShift(100),
                                  timeShift(23), kVelocity + 10, noteOn(64), timeShift(20), noteOff(64)};
        QCOMPARE(t, expected);
    }

    void roundTripKeepsNotes() {
        std::vector<TimedNote> notes{{0.0, 0.3, 60, 100}, {0.0, 0.3, 64, 90}, {0.3, 2.7, 60, 30}, {5.004, 5.5, 72, 127}};
        auto back = decode(encode(notes));
        QCOMPARE(back.size(), notes.size());
        for (std::size_t i = 0; i < notes.size(); ++i) {
            QCOMPARE(back[i].pitch, notes[i].pitch);
            QVERIFY(std::abs(back[i].start - notes[i].start) <= 0.005 + 1e-9);
            QVERIFY(std::abs(back[i].end - notes[i].end) <= 0.005 + 1e-9);
            QCOMPARE(back[i].velocity / 4, notes[i].velocity / 4);
        }
    }

    void timesRoundToTheNearestStep() {
        // Onsets and releases land on the nearest 10 ms step, never more than half a step
        // away, whichever side of the step they fall.
        std::vector<TimedNote> notes{{0.016, 0.2528, 60, 80}, {0.123, 0.4567, 64, 80}, {0.5549, 0.7961, 67, 80}};
        auto back = decode(encode(notes));
        QCOMPARE(back.size(), notes.size());
        for (std::size_t i = 0; i < notes.size(); ++i) {
            QVERIFY2(std::abs(back[i].start - notes[i].start) <= kStepSeconds / 2 + 1e-9, qPrintable(QString::number(back[i].start)));
            QVERIFY2(std::abs(back[i].end - notes[i].end) <= kStepSeconds / 2 + 1e-9, qPrintable(QString::number(back[i].end)));
        }
    }

    void decoderToleratesAnyOrder() {
        // Orphan NOTE_OFF ignored, re-struck key ends the sounding note, open notes closed at the end.
        std::vector<int> t{noteOff(50), noteOn(60), timeShift(10), noteOn(60), timeShift(10), noteOn(62), kEos, noteOn(70)};
        auto notes = decode(t);
        QCOMPARE(notes.size(), std::size_t(3));
        QCOMPARE(notes[0].pitch, 60);
        QCOMPARE(notes[0].start, 0.0);
        QVERIFY(std::abs(notes[0].end - 0.1) < 1e-9);
        QCOMPARE(notes[1].pitch, 60);
        QVERIFY(std::abs(notes[1].start - 0.1) < 1e-9);
        QCOMPARE(notes[2].pitch, 62);
        QVERIFY(notes[2].end - notes[2].start >= kStepSeconds - 1e-9); // at least one step long
        // Garbage tokens never crash and never produce notes.
        QVERIFY(decode({-5, 1000, kPad, kBos}).empty());
    }

    void sustainPedalIsFolded() {
        Sequence s;
        s.tempo.clear(500000); // 120 BPM: 960 ticks = 0.5 s
        Track t;
        t.notes.push_back(Note{1, 60, 80, 0, 480, 0});   // released at 0.25 s while the pedal is down
        t.notes.push_back(Note{2, 64, 80, 0, 480, 0});
        t.notes.push_back(Note{3, 64, 80, 960, 480, 0}); // re-struck at 0.5 s: ends the first E
        t.events.push_back({0, ChannelEvent::Kind::Controller, 0, 64, 127});
        t.events.push_back({1920, ChannelEvent::Kind::Controller, 0, 64, 0}); // pedal up at 1 s
        s.tracks.push_back(t);
        auto notes = performanceNotes(s);
        QCOMPARE(notes.size(), std::size_t(3));
        QVERIFY(std::abs(notes[0].end - 1.0) < 1e-9);  // C held by the pedal to 1 s
        QVERIFY(std::abs(notes[1].end - 0.5) < 1e-9);  // first E cut by the re-strike
        QVERIFY(std::abs(notes[2].end - 1.0) < 1e-9);
        auto raw = performanceNotes(s, false);
        QVERIFY(std::abs(raw[0].end - 0.25) < 1e-9);
    }

    void pedalDownFromValue64() {
        // MIDI reads a switch controller's 0-63 as off and 64-127 as on: a pedal pressed to
        // exactly 64 holds the note, one at 63 does not.
        for (int value : {63, 64}) {
            Sequence s;
            s.tempo.clear(500000); // 120 BPM: 960 ticks = 0.5 s
            Track t;
            t.notes.push_back(Note{1, 60, 80, 0, 480, 0}); // released at 0.25 s
            t.events.push_back({0, ChannelEvent::Kind::Controller, 0, 64, value});
            t.events.push_back({1920, ChannelEvent::Kind::Controller, 0, 64, 0}); // up at 1 s
            s.tracks.push_back(t);
            auto notes = performanceNotes(s);
            QCOMPARE(notes.size(), std::size_t(1));
            QVERIFY2(std::abs(notes[0].end - (value >= 64 ? 1.0 : 0.25)) < 1e-9, qPrintable(QString::number(value)));
        }
    }

    void tempoMapDrivesSeconds() {
        Sequence s;
        s.tempo.clear(1000000); // 60 BPM: a quarter is 1 s
        Track t;
        t.notes.push_back(Note{1, 60, 80, 960, 960, 0});
        s.tracks.push_back(t);
        auto n = performanceNotes(s);
        QCOMPARE(n[0].start, 1.0);
        QCOMPARE(n[0].end, 2.0);
        auto notes = toNotes(decode(encode(n)), s.tempo);
        QCOMPARE(notes[0].start, Tick(960));
        QCOMPARE(notes[0].length, Tick(960));
    }

    void augmentTransposesAndStretches() {
        std::vector<TimedNote> notes{{0.0, 1.0, 60, 80}, {2.0, 3.0, 107, 80}};
        auto t = encode(notes);
        auto up = decode(augment(t, 3, 1.0));
        QCOMPARE(up.size(), std::size_t(1)); // 107 + 3 leaves the piano: dropped
        QCOMPARE(up[0].pitch, 63);
        auto slow = decode(augment(t, 0, 1.05));
        QCOMPARE(slow.size(), std::size_t(2));
        QVERIFY(std::abs(slow[1].start - 2.1) < 0.011);
        QVERIFY(std::abs(slow[1].end - 3.15) < 0.011);
    }

    void streamingMatchesBatchDecode() {
        std::vector<TimedNote> notes;
        for (int i = 0; i < 50; ++i) notes.push_back({i * 0.13, i * 0.13 + 0.4, 40 + (i * 7) % 40, 20 + i});
        auto t = encode(notes);
        StreamingDecoder d;
        std::vector<TimedNote> streamed;
        for (int x : t)
            for (auto n : d.feed(x)) streamed.push_back(n);
        for (auto n : d.finish()) streamed.push_back(n);
        QCOMPARE(streamed.size(), decode(t).size());
    }
};

QTEST_GUILESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
