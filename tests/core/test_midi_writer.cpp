// Standard MIDI File writer: layout of what it writes, and that reading it back gives the
// same piece (notes, controllers, tempo, metre) for format 0 and 1 at any resolution.
#include "NoteText.h"

#include "continuo/core/MidiFile.h"

#include <algorithm>
#include <map>
#include <tuple>

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace continuo;

namespace {

Note note(int pitch, int velocity, Tick start, Tick length, int channel = 0) {
    Note n;
    n.pitch = pitch;
    n.velocity = velocity;
    n.start = start;
    n.length = length;
    n.channel = channel;
    return n;
}

/// Two parts at 960 PPQ with tempo and metre changes, sustain pedal and a pitch bend.
Sequence sample() {
    Sequence s;
    s.ticksPerQuarter = 960;
    s.tempo = TempoMap(960);
    s.tempo.setTempo(0, 600000.0);
    s.tempo.setTempo(3840, 400000.0);
    s.timeSignatures = {TimeSignature{0, 3, 4}, TimeSignature{2880, 6, 8}};
    Track piano;
    piano.name = "Piano";
    piano.notes = {note(60, 90, 0, 960), note(64, 70, 480, 960), note(60, 50, 960, 1920),
                   note(67, 127, 5000, 10)};
    using K = ChannelEvent::Kind;
    piano.events = {{0, K::Controller, 0, 64, 127},
                    {1900, K::Controller, 0, 64, 0},
                    {2000, K::PitchBend, 0, 0, 9000}};
    Track bass;
    bass.name = "Bass";
    bass.channel = 1;
    bass.program = 32;
    bass.notes = {note(36, 100, 0, 3840, 1), note(43, 80, 3840, 960, 1)};
    s.tracks = {piano, bass};
    s.updateEndTick();
    return s;
}

std::span<const std::uint8_t> span(const std::vector<std::uint8_t>& b) {
    return {b.data(), b.size()};
}

Sequence readBack(const std::vector<std::uint8_t>& bytes) {
    auto result = readMidi(span(bytes));
    if (!result.ok()) qFatal("cannot read what was written: %s", result.error().c_str());
    return std::move(result).value().sequence;
}

int u16(const std::vector<std::uint8_t>& b, std::size_t at) {
    return (b[at] << 8) | b[at + 1];
}

/// The channel messages of a one-track (format 0) file in file order, as (tick, status,
/// first data byte): a plain walk of the chunk, running status included.
std::vector<std::tuple<Tick, int, int>> channelMessages(const std::vector<std::uint8_t>& b) {
    std::vector<std::tuple<Tick, int, int>> out;
    std::size_t at = 14 + 8; // MThd, then the MTrk header
    Tick tick = 0;
    int running = 0;
    auto vlq = [&] {
        std::uint32_t v = 0;
        while (at < b.size()) {
            const std::uint8_t c = b[at++];
            v = (v << 7) | (c & 0x7F);
            if (!(c & 0x80)) break;
        }
        return v;
    };
    while (at < b.size()) {
        tick += vlq();
        int status = b[at];
        if (status == 0xFF) {
            at += 2;
            at += vlq();
            running = 0;
            continue;
        }
        if (status & 0x80) {
            running = status;
            ++at;
        } else {
            status = running;
        }
        const int kind = status & 0xF0;
        const int d1 = b[at++];
        if (kind != 0xC0 && kind != 0xD0) ++at;
        out.emplace_back(tick, kind, d1);
    }
    return out;
}

} // namespace

class TestMidiWriter : public QObject {
    Q_OBJECT
  private slots:
    void headerAndConductorTrack();
    void formatZeroIsOneTrack();
    void roundTrip_data();
    void roundTrip();
    void samePitchNotesRoundTrip_data();
    void samePitchNotesRoundTrip();
    void usesRunningStatus();
    void noteOffBeforeNoteOnAtOneTick();
    void bridgesGapsLongerThanAVlq();
    void statusByteAfterABridge();
    void tempoToTheNearestMicrosecond();
    void writesFileAtomically();
};

void TestMidiWriter::headerAndConductorTrack() {
    const auto bytes = writeMidi(sample());
    QVERIFY(bytes.size() > 14);
    QCOMPARE(QByteArray(reinterpret_cast<const char*>(bytes.data()), 4), QByteArray("MThd"));
    QCOMPARE(u16(bytes, 8), 1);    // format 1
    QCOMPARE(u16(bytes, 10), 3);   // conductor + two parts
    QCOMPARE(u16(bytes, 12), 480); // default export resolution
    // The conductor track holds exactly the tempo and metre, in order.
    const std::vector<std::uint8_t> conductor(bytes.begin() + 14, bytes.begin() + 14 + 8 + 37);
    // clang-format off
    const std::vector<std::uint8_t> expected{
        'M', 'T', 'r', 'k', 0, 0, 0, 37,
        0x00, 0xFF, 0x51, 0x03, 0x09, 0x27, 0xC0,       // 100 BPM at 0
        0x00, 0xFF, 0x58, 0x04, 3, 2, 24, 8,            // 3/4 at 0
        0x8B, 0x20, 0xFF, 0x58, 0x04, 6, 3, 24, 8,      // 6/8 at 1440 (480 PPQ)
        0x83, 0x60, 0xFF, 0x51, 0x03, 0x06, 0x1A, 0x80, // 150 BPM at 1920
        0x84, 0x49, 0xFF, 0x2F, 0x00};                  // end of the last note (2505)
    // clang-format on
    QCOMPARE(conductor, expected);
    const Sequence back = readBack(bytes);
    QCOMPARE(back.ticksPerQuarter, 480);
    QCOMPARE(back.tracks.size(), std::size_t(2));
    QCOMPARE(back.tracks[0].name, std::string("Piano"));
    QCOMPARE(back.tracks[1].name, std::string("Bass"));
    QCOMPARE(back.tracks[1].program, 32);
    QCOMPARE(back.tracks[1].channel, 1);
}

void TestMidiWriter::formatZeroIsOneTrack() {
    const auto bytes = writeMidi(sample(), {0, 960});
    QCOMPARE(u16(bytes, 8), 0);
    QCOMPARE(u16(bytes, 10), 1);
    const Sequence back = readBack(bytes);
    QCOMPARE(back.tracks.size(), std::size_t(1));
    QCOMPARE(noteText(back), noteText(sample()));
    QCOMPARE(back.tempo.changes(), sample().tempo.changes());
}

void TestMidiWriter::roundTrip_data() {
    QTest::addColumn<int>("format");
    QTest::addColumn<int>("ppq");
    QTest::newRow("format 1 at 960") << 1 << 960;
    QTest::newRow("format 0 at 960") << 0 << 960;
    QTest::newRow("format 1 at 1920") << 1 << 1920;
    QTest::newRow("format 1 at 480") << 1 << 480;
    QTest::newRow("format 0 at 480") << 0 << 480;
}

void TestMidiWriter::roundTrip() {
    QFETCH(int, format);
    QFETCH(int, ppq);
    const Sequence original = sample();
    Sequence back = readBack(writeMidi(original, {format, ppq}));
    QCOMPARE(back.ticksPerQuarter, ppq);
    // The sample sits on ticks that every tested resolution represents exactly.
    back = back.rescaled(960);
    QCOMPARE(noteText(back), noteText(original));
    QCOMPARE(back.tempo.changes(), original.tempo.changes());
    QCOMPARE(back.timeSignatures, original.timeSignatures);
    QCOMPARE(back.endTick, original.endTick);
    QCOMPARE(back.durationSeconds(), original.durationSeconds());
    // Sustain pedal, program and pitch bend come back (format 0 merges the parts).
    std::vector<ChannelEvent> events, expected;
    for (const Track& t : back.tracks)
        events.insert(events.end(), t.events.begin(), t.events.end());
    for (const Track& t : original.tracks)
        expected.insert(expected.end(), t.events.begin(), t.events.end());
    expected.push_back({0, ChannelEvent::Kind::Program, 1, 32, 0}); // written from Track::program
    auto byTick = [](const ChannelEvent& a, const ChannelEvent& b) {
        return std::tie(a.tick, a.channel, a.number, a.value) <
               std::tie(b.tick, b.channel, b.number, b.value);
    };
    std::sort(events.begin(), events.end(), byTick);
    std::sort(expected.begin(), expected.end(), byTick);
    QVERIFY(events == expected);
}

void TestMidiWriter::samePitchNotesRoundTrip_data() {
    QTest::addColumn<QString>("notes"); // pitch:velocity:start:length, all on channel 0
    QTest::newRow("overlapping") << "60:100:0:100 60:80:50:100";
    QTest::newRow("same start, different lengths") << "60:100:0:50 60:80:0:100";
    QTest::newRow("back to back") << "60:100:0:50 60:80:50:50";
    QTest::newRow("zero length beside a long one") << "60:100:0:0 60:80:0:100";
    QTest::newRow("zero length at another's end") << "60:100:0:50 60:80:50:0 60:70:50:30";
    QTest::newRow("three deep") << "60:10:0:30 60:20:10:30 60:30:20:30";
}

void TestMidiWriter::samePitchNotesRoundTrip() {
    QFETCH(QString, notes);
    Sequence s;
    Track t;
    for (const QString& n : notes.split(' ')) {
        const QStringList f = n.split(':');
        t.notes.push_back(note(f[0].toInt(), f[1].toInt(), f[2].toLongLong(), f[3].toLongLong()));
    }
    t.sort();
    s.tracks = {t};
    s.updateEndTick();
    for (int format : {0, 1}) {
        const Sequence back = readBack(writeMidi(s, {format, s.ticksPerQuarter}));
        QCOMPARE(noteText(back), noteText(s));
    }
}

void TestMidiWriter::usesRunningStatus() {
    Sequence s;
    Track t;
    t.notes = {note(60, 100, 0, 10), note(64, 100, 0, 10), note(67, 100, 0, 10)};
    s.tracks = {t};
    s.updateEndTick();
    const auto bytes = writeMidi(s, {0, 960});
    // Track body after the tempo and metre: three note-ons (status once), three note-offs.
    // clang-format off
    const std::vector<std::uint8_t> notesPart{
        0x00, 0x90, 60, 100, 0x00, 64, 100, 0x00, 67, 100, // note-ons, running status
        0x0A, 0x80, 60, 64, 0x00, 64, 64, 0x00, 67, 64,    // note-offs, running status
        0x00, 0xFF, 0x2F, 0x00};                           // end of track
    // clang-format on
    QVERIFY(bytes.size() > notesPart.size());
    QVERIFY(std::equal(notesPart.begin(), notesPart.end(),
                       bytes.end() - std::ptrdiff_t(notesPart.size())));
    QCOMPARE(noteText(readBack(bytes)), noteText(s));
}

void TestMidiWriter::bridgesGapsLongerThanAVlq() {
    Sequence s;
    Track t;
    const Tick far = (Tick(1) << 29) + 12345; // two whole VLQ ranges and then some
    t.notes = {note(60, 100, 0, 10), note(62, 90, far, 20)};
    t.rawEvents = {{far, RawEvent::Kind::Meta, 0x06, "there"}};
    s.tracks = {t};
    s.updateEndTick();
    const Sequence back = readBack(writeMidi(s, {1, s.ticksPerQuarter}));
    QCOMPARE(noteText(back), noteText(s));
    QCOMPARE(back.endTick, far + 20);
    // The bridges are time to the reader: the one marker comes back, nothing else.
    QCOMPARE(back.tracks.size(), std::size_t(1));
    QVERIFY(back.tracks[0].rawEvents == t.rawEvents);
    QVERIFY(back.conductorEvents.empty());
}

void TestMidiWriter::noteOffBeforeNoteOnAtOneTick() {
    // A key struck again as the previous note ends: at that tick the note-off comes first. A
    // player that silences a key on its note-off (most synthesizers) would otherwise cut the
    // new note at once.
    Sequence s;
    Track t;
    t.notes = {note(60, 100, 0, 480), note(60, 90, 480, 480), note(64, 80, 480, 240), note(64, 70, 720, 240)};
    s.tracks = {t};
    s.updateEndTick();
    const auto bytes = writeMidi(s, {0, 960});
    // A single-voice player per key: what is sounding after each message.
    std::map<int, Tick> sounding;
    std::vector<std::pair<int, Tick>> heard; // (key, start) of each note that lasted
    Tick last = 0;
    for (const auto& [tick, kind, key] : channelMessages(bytes)) {
        QVERIFY(tick >= last);
        last = tick;
        if (kind == 0x90) {
            sounding[key] = tick;
        } else if (kind == 0x80 && sounding.count(key)) {
            if (tick > sounding[key]) heard.emplace_back(key, sounding[key]);
            sounding.erase(key);
        }
    }
    QVERIFY(sounding.empty());
    std::sort(heard.begin(), heard.end());
    const std::vector<std::pair<int, Tick>> want{{60, 0}, {60, 480}, {64, 480}, {64, 720}};
    QCOMPARE(heard, want);
    QCOMPARE(noteText(readBack(bytes)), noteText(s));
}

void TestMidiWriter::statusByteAfterABridge() {
    // Meta events cancel running status (SMF 1.0), the text event that bridges a long gap
    // included: the controller after it repeats its status byte, or readers that follow the
    // standard read its data bytes as garbage.
    Sequence s;
    Track t;
    const Tick far = (Tick(1) << 28) + 5; // one bridge
    using K = ChannelEvent::Kind;
    t.events = {{0, K::Controller, 0, 64, 127}, {far, K::Controller, 0, 64, 0}};
    s.tracks = {t};
    s.updateEndTick();
    const auto bytes = writeMidi(s, {0, 960});
    const std::vector<std::uint8_t> bridge{0xFF, 0x01, 0x00};
    auto at = std::search(bytes.begin(), bytes.end(), bridge.begin(), bridge.end());
    QVERIFY(at != bytes.end());
    at += std::ptrdiff_t(bridge.size());
    while (at != bytes.end() && (*at & 0x80)) ++at; // the delta after the bridge
    QVERIFY(at + 1 < bytes.end());
    ++at; // its last byte
    QCOMPARE(int(*at), 0xB0);
    const Sequence back = readBack(bytes);
    QCOMPARE(back.tracks.size(), std::size_t(1));
    QCOMPARE(back.tracks[0].events.size(), std::size_t(2));
    QCOMPARE(back.tracks[0].events[1].tick, far);
    QCOMPARE(back.tracks[0].events[1].value, 0);
}

void TestMidiWriter::tempoToTheNearestMicrosecond() {
    // A tempo event holds whole microseconds: 90 BPM (666,666.67 us per quarter) is written
    // as the nearest one, 666,667.
    Sequence s = sample();
    s.tempo.setTempo(0, 60e6 / 90);
    s.tempo.setTempo(3840, 60e6 / 70); // 857,142.86
    const Sequence back = readBack(writeMidi(s, {1, s.ticksPerQuarter}));
    QCOMPARE(back.tempo.changes().size(), s.tempo.changes().size());
    for (std::size_t i = 0; i < s.tempo.changes().size(); ++i) {
        const TempoChange& want = s.tempo.changes()[i];
        const TempoChange& got = back.tempo.changes()[i];
        QCOMPARE(got.tick, want.tick);
        QVERIFY2(std::abs(got.microsPerQuarter - want.microsPerQuarter) <= 0.5,
                 qPrintable(QString::number(got.microsPerQuarter)));
    }
}

void TestMidiWriter::writesFileAtomically() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("out.mid").toStdString();
    auto written = writeMidiFile(path, sample());
    QVERIFY2(written.ok(), written.error().c_str());
    auto read = readMidiFile(path);
    QVERIFY2(read.ok(), read.error().c_str());
    QCOMPARE(noteText(read->sequence.rescaled(960)), noteText(sample()));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"out.mid"}); // no temporary left

    const std::string bad = dir.filePath("no/such/dir/out.mid").toStdString();
    auto failed = writeMidiFile(bad, sample());
    QVERIFY(!failed.ok());
    QVERIFY2(failed.error().find(bad + ": cannot write") == 0, failed.error().c_str());
}

QTEST_GUILESS_MAIN(TestMidiWriter)
#include "test_midi_writer.moc"
