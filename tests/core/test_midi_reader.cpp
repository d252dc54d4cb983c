// Standard MIDI File reader on hand-built bytes: what it accepts, how it pairs notes, what
// damage it repairs (and the warning, with the byte offset, that says so), and that every
// input it cannot read is an error naming the byte offset (never a crash or a hang).
#include "NoteText.h"
#include "SmfBytes.h"

#include "continuo/core/MidiFile.h"

#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace continuo;
using smf::bytes;

namespace {

std::span<const std::uint8_t> span(const QByteArray& b) {
    return {reinterpret_cast<const std::uint8_t*>(b.constData()), std::size_t(b.size())};
}

/// The offset from an error message "byte N: ...", or -1.
long long errorOffset(const std::string& message) {
    if (message.rfind("byte ", 0) != 0) return -1;
    return std::stoll(message.substr(5));
}

QByteArray riff(const QByteArray& chunks) {
    return QByteArray("RIFF") + smf::le32(std::uint32_t(chunks.size() + 4)) + "RMID" + chunks;
}

QByteArray riffChunk(const char* id, const QByteArray& body) {
    QByteArray out = QByteArray(id, 4) + smf::le32(std::uint32_t(body.size())) + body;
    if (body.size() & 1) out.append('\0');
    return out;
}

} // namespace

class TestMidiReader : public QObject {
    Q_OBJECT
  private slots:
    void readsNotes_data();
    void readsNotes();
    void rejectsMalformedFiles_data();
    void rejectsMalformedFiles();
    void repairsDamagedFiles_data();
    void repairsDamagedFiles();
    void warningsNameOffsetsOfTheWholeFile();
    void warningsAreCapped();
    void clockBytesAreOneWarning();
    void format2PatternsPlayInSequence();
    void smpteDivisionIsConverted_data();
    void smpteDivisionIsConverted();
    void readsTempoAndTimeSignatures();
    void readsChannelEvents();
    void trackNameEndTickAndEmptyTracks();
    void keepsMetaAndSysexVerbatim();
    void keepsEmptyTracksInOrder();
    void warnsAboutToleratedProblems();
    void manyTinyTracks();
    void everyPrefixIsHandled();
    void corruptedBytesAreHandled();
    void fileErrorsNameThePath();
};

void TestMidiReader::readsNotes_data() {
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<int>("ppq");
    QTest::addColumn<QString>("notes");

    QTest::newRow("one note") << smf::file0(bytes({0x00, 0x90, 60, 100, 0x60, 0x80, 60, 64})) << 96
                              << "60:100:0:96:0";
    QTest::newRow("running status")
        << smf::file0(bytes({0x00, 0x90, 60, 100, 0x00, 64, 80, 0x60, 60, 0, 0x00, 64, 0})) << 96
        << "60:100:0:96:0 64:80:0:96:0";
    QTest::newRow("velocity 0 is a note-off (two-byte delta)")
        << smf::file0(bytes({0x00, 0x90, 60, 100, 0x83, 0x00, 0x90, 60, 0})) << 96
        << "60:100:0:384:0";
    QTest::newRow("note-off without note-on is ignored")
        << smf::file0(bytes({0x00, 0x80, 61, 64, 0x00, 0x90, 60, 100, 0x10, 0x80, 60, 64})) << 96
        << "60:100:0:16:0";
    QTest::newRow("overlapping same pitch pairs first-in first-out")
        << smf::file0(bytes(
               {0x00, 0x90, 60, 100, 0x10, 0x90, 60, 80, 0x10, 0x80, 60, 0, 0x10, 0x80, 60, 0}))
        << 96 << "60:100:0:32:0 60:80:16:32:0";
    QTest::newRow("same pitch struck twice at one tick")
        << smf::file0(bytes(
               {0x00, 0x90, 60, 100, 0x00, 0x90, 60, 80, 0x20, 0x80, 60, 0, 0x10, 0x80, 60, 0}))
        << 96 << "60:100:0:32:0 60:80:0:48:0";
    QTest::newRow("note without note-off ends at end of track")
        << smf::file0(bytes({0x00, 0x90, 60, 100, 0x60, 0x90, 64, 80, 0x10, 0x80, 64, 0})) << 96
        << "60:100:0:112:0 64:80:96:16:0";
    QTest::newRow("channels are paired separately")
        << smf::file0(bytes(
               {0x00, 0x90, 60, 100, 0x00, 0x91, 60, 80, 0x10, 0x80, 60, 0, 0x10, 0x81, 60, 0}))
        << 96 << "60:100:0:16:0 60:80:0:32:1";
    QTest::newRow("sysex and escapes skipped by length")
        << smf::file0(bytes({0x00, 0xF0, 0x03, 0x43, 0x12, 0xF7, 0x00, 0xF7, 0x02, 0xF3, 0x01, 0x00,
                             0x90, 60, 100, 0x10, 60, 0}))
        << 96 << "60:100:0:16:0";
    QTest::newRow("running status survives sysex and meta")
        << smf::file0(bytes({0x00, 0x90, 60, 100, 0x00, 0xF0, 0x01, 0xF7, 0x00, 0xFF, 0x01, 0x01,
                             'x', 0x10, 60, 0}))
        << 96 << "60:100:0:16:0";
    QTest::newRow("meta events skipped by length")
        << smf::file0(bytes({0x00, 0xFF, 0x01, 0x05, 'h',  'e',  'l',  'l',  'o',  0x00,
                             0xFF, 0x7F, 0x03, 0x00, 0x00, 0x41, 0x00, 0xFF, 0x59, 0x02,
                             0x00, 0x00, 0x00, 0xFF, 0x20, 0x01, 0x00, 0x00, 0xFF, 0x21,
                             0x01, 0x00, 0x00, 0x90, 60,   100,  0x10, 0x80, 60,   0}))
        << 96 << "60:100:0:16:0";
    QTest::newRow("unknown chunks skipped")
        << smf::header(1, 1, 96) + smf::chunk("XYZW", QByteArray(10, 'z')) +
               smf::track(bytes({0x00, 0x90, 60, 100, 0x10, 0x80, 60, 0})) +
               smf::chunk("Junk", QByteArray())
        << 96 << "60:100:0:16:0";
    QTest::newRow("header longer than 6 bytes")
        << smf::chunk("MThd", bytes({0, 0, 0, 1, 0x01, 0xE0, 0xAA, 0xBB})) +
               smf::track(bytes({0x00, 0x90, 60, 100, 0x10, 0x80, 60, 0}))
        << 480 << "60:100:0:16:0";
    QTest::newRow("events after end-of-track ignored")
        << smf::header(0, 1, 96) +
               smf::chunk("MTrk", bytes({0x00, 0x90, 60, 100, 0x10, 0x80, 60, 0, 0x00, 0xFF, 0x2F,
                                         0x00, 0x00, 0x90, 70, 100}))
        << 96 << "60:100:0:16:0";
    QTest::newRow("format 1, notes in two tracks")
        << smf::header(1, 3, 96) + smf::track(bytes({0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20})) +
               smf::track(bytes({0x00, 0x90, 60, 100, 0x10, 0x80, 60, 0})) +
               smf::track(bytes({0x08, 0x91, 48, 70, 0x10, 0x81, 48, 0}))
        << 96 << "60:100:0:16:0 48:70:8:16:1";
    QTest::newRow("SMPTE division (25 fps x 40)")
        << smf::file0(bytes({0x00, 0x90, 60, 100, 0x87, 0x68, 0x80, 60, 0}), 0xE728) << 1000
        << "60:100:0:1000:0";
    QTest::newRow("RIFF RMID wrapper")
        << riff(riffChunk("INFO", "abc") +
                riffChunk("data", smf::file0(bytes({0x00, 0x90, 60, 100, 0x10, 0x80, 60, 0}))))
        << 96 << "60:100:0:16:0";
}

void TestMidiReader::readsNotes() {
    QFETCH(QByteArray, file);
    QFETCH(int, ppq);
    QFETCH(QString, notes);
    auto result = readMidi(span(file));
    QVERIFY2(result.ok(), result.error().c_str());
    QCOMPARE(result->sequence.ticksPerQuarter, ppq);
    QCOMPARE(noteText(result->sequence), notes);
}

void TestMidiReader::rejectsMalformedFiles_data() {
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<int>("offset");
    QTest::addColumn<QString>("message");

    const QByteArray note = bytes({0x00, 0x90, 60, 100, 0x10, 0x80, 60, 0});
    // A file is 14 header bytes, then "MTrk" + length (8 bytes): track events start at 22.
    QTest::newRow("empty") << QByteArray() << 0 << "expected the header chunk 'MThd'";
    QTest::newRow("a WAV file") << QByteArray("RIFF\x24\x00\x00\x00WAVEfmt ", 16) << 0
                                << "not a Standard MIDI File";
    QTest::newRow("truncated header") << QByteArray("MThd") + smf::be(6, 4) + smf::be(1, 2) << 10
                                      << "unexpected end of data, expected the track count";
    QTest::newRow("header length below 6")
        << QByteArray("MThd") + smf::be(4, 4) + smf::be(0, 6) << 4 << "shorter than 6 bytes";
    QTest::newRow("lying header length")
        << QByteArray("MThd") + smf::be(0xFFFFFFF0u, 4) + smf::be(0, 2) + smf::be(1, 2) +
               smf::be(96, 2)
        << 14 << "header chunk claims 4294967274 bytes but only 0 remain";
    QTest::newRow("unknown format")
        << smf::header(7, 1, 96) + smf::track(note) << 8 << "unknown MIDI file format 7";
    QTest::newRow("a header that lies about everything")
        << QByteArray("MThd") + smf::be(6, 4) + smf::be(0xFFFF, 2) + smf::be(0xFFFF, 2) +
               smf::be(0, 2) + "MTrk" + smf::be(0xFFFFFFFFu, 4)
        << 8 << "unknown MIDI file format 65535";
    QTest::newRow("zero division")
        << smf::header(0, 1, 0) + smf::track(note) << 12 << "zero ticks per quarter";
    QTest::newRow("invalid SMPTE rate")
        << smf::header(0, 1, 0xF028) + smf::track(note) << 12 << "invalid SMPTE time division";
    QTest::newRow("SMPTE with zero ticks per frame")
        << smf::header(0, 1, 0xE700) + smf::track(note) << 12 << "invalid SMPTE time division";
    QTest::newRow("no track chunk") << smf::header(0, 1, 96) << 14 << "no track chunk";
    QTest::newRow("truncated last track holding nonsense")
        << smf::header(0, 1, 96) + "MTrk" + smf::be(100, 4) + QByteArray(10, 0) << 23
        << "found data byte 0x00 with no running status";
    // A middle track whose length runs past the end of the file: the next track chunk lies
    // inside the bytes it claims, so the length is wrong, not the file short.
    QTest::newRow("length past the end of a middle track")
        << smf::header(1, 3, 96) + smf::track(note) + "MTrk" + smf::be(1000, 4) + note +
               smf::endOfTrack() + smf::track(note)
        << 38
        << "track 2 claims 1000 bytes but only 32 remain, and another track chunk starts at byte "
           "54";
    QTest::newRow("VLQ longer than 4 bytes")
        << smf::file0(bytes({0x81, 0x81, 0x81, 0x81, 0x01, 0xFF, 0x01, 0x00})) << 22
        << "variable-length quantity longer than 4 bytes";
    QTest::newRow("data byte without running status")
        << smf::file0(bytes({0x00, 0x3C, 0x64})) << 23 << "no running status";
    QTest::newRow("status byte where data expected")
        << smf::file0(bytes({0x00, 0x90, 0x3C, 0x90})) << 25
        << "expected a data byte (< 0x80) for a channel message, found 0x90";
    QTest::newRow("system message with a status byte for data")
        << smf::file0(bytes({0x00, 0xF2, 0x01, 0x90})) << 25
        << "expected a data byte (< 0x80) for a system message, found 0x90";
    QTest::newRow("RIFF data chunk truncated")
        << QByteArray("RIFF") + smf::le32(1012) + "RMIDdata" + smf::le32(1000) + smf::file0(note)
        << 16 << "RIFF data chunk claims 1000 bytes";
    QTest::newRow("RIFF without data chunk")
        << riff(riffChunk("LIST", QByteArray())) << 12 << "RIFF MIDI file without a 'data' chunk";
    QTest::newRow("error inside RIFF names the whole-file offset")
        << riff(riffChunk("data", smf::header(7, 1, 96) + smf::track(note))) << 28
        << "unknown MIDI file format 7";
    QTest::newRow("nested RIFF refused")
        << riff(riffChunk("data", riff(riffChunk("data", smf::file0(note))))) << 20
        << "expected the header chunk 'MThd'";
}

void TestMidiReader::rejectsMalformedFiles() {
    QFETCH(QByteArray, file);
    QFETCH(int, offset);
    QFETCH(QString, message);
    auto result = readMidi(span(file));
    QVERIFY(!result.ok());
    const QString error = QString::fromStdString(result.error());
    QVERIFY2(error.startsWith(QStringLiteral("byte %1: ").arg(offset)), qPrintable(error));
    QVERIFY2(error.contains(message), qPrintable(error));
}

void TestMidiReader::repairsDamagedFiles_data() {
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<QString>("notes");
    QTest::addColumn<QStringList>("warnings");

    // Track events start at byte 22 (14 header bytes, then "MTrk" and the length).
    QTest::newRow("stray real-time bytes are skipped")
        << smf::file0(bytes({0x00, 0x90, 60, 100, 0x00, 0xF8, 0x10, 0x80, 60, 0, 0x00, 0xFE}))
        << "60:100:0:16:0"
        << QStringList{"track 1: skipped 1 stray system message(s) 0xF8 (first at byte 27)",
                       "track 1: skipped 1 stray system message(s) 0xFE (first at byte 33)"};
    QTest::newRow("a real-time byte keeps running status")
        << smf::file0(bytes({0x00, 0x90, 60, 100, 0x00, 0xF8, 0x10, 60, 0})) << "60:100:0:16:0"
        << QStringList{"track 1: skipped 1 stray system message(s) 0xF8 (first at byte 27)"};
    // 0xF1 and 0xF3 carry one data byte, 0xF2 two, 0xF6 none: a data byte read as a delta
    // time would move the note-off (to tick 16 + 0x10 + ...).
    QTest::newRow("system-common messages skip their data bytes")
        << smf::file0(bytes({0x00, 0x90, 60,   100,  0x00, 0xF1, 0x10, 0x00, 0xF2, 0x01,
                             0x02, 0x00, 0xF3, 0x05, 0x00, 0xF6, 0x10, 0x80, 60,   0}))
        << "60:100:0:16:0"
        << QStringList{"track 1: skipped 1 stray system message(s) 0xF1 (first at byte 27)",
                       "track 1: skipped 1 stray system message(s) 0xF2 (first at byte 30)",
                       "track 1: skipped 1 stray system message(s) 0xF3 (first at byte 34)",
                       "track 1: skipped 1 stray system message(s) 0xF6 (first at byte 37)"};
    QTest::newRow("running status across a system-common message")
        << smf::file0(bytes({0x00, 0x90, 60, 100, 0x00, 0xF2, 0x01, 0x02, 0x10, 60, 0}))
        << "60:100:0:16:0"
        << QStringList{"track 1: data bytes at byte 31 continue the running status 0x90 across "
                       "system message 0xF2 at byte 27",
                       "track 1: skipped 1 stray system message(s) 0xF2 (first at byte 27)"};

    // Two tracks: the conductor (bytes 14-32), then the notes; their events start at 41 and
    // the end-of-track event at 57.
    const QByteArray full =
        smf::header(1, 2, 96) + smf::track(bytes({0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20})) +
        smf::track(
            bytes({0x00, 0x90, 60, 100, 0x10, 0x90, 64, 90, 0x10, 0x80, 60, 0, 0x10, 0x80, 64, 0}));
    QTest::newRow("last track one byte short")
        << full.left(full.size() - 1) << "60:100:0:32:0 64:90:16:32:0"
        << QStringList{
               "track 2 claims 20 bytes but only 19 remain (the file is truncated) at byte 37",
               "track 2 ends at byte 57: the event there is cut off by the end of the file "
               "(unexpected end of data, expected a meta event length)"};
    // Cut inside the last note-off: the note still sounding ends at the last event read.
    QTest::newRow("last track cut inside an event")
        << full.left(full.size() - 6) << "60:100:0:32:0 64:90:16:16:0"
        << QStringList{
               "track 2 claims 20 bytes but only 14 remain (the file is truncated) at byte 37",
               "track 2 ends at byte 53: the event there is cut off by the end of the file "
               "(unexpected end of data, expected a channel message)",
               "track 2: 1 note(s) without a note-off end at tick 32, the end of the "
               "track (byte 53)"};
    QTest::newRow("last track length past the end of the file")
        << smf::header(0, 1, 96) + "MTrk" + smf::be(0xFFFFFFFFu, 4) +
               bytes({0x00, 0x90, 60, 100, 0x10, 0x80, 60, 0})
        << "60:100:0:16:0"
        << QStringList{"track 1 claims 4294967295 bytes but only 8 remain (the file is truncated) "
                       "at byte 18",
                       "track 1 has no end-of-track event (the chunk ends at byte 30)"};
    QTest::newRow("event cut off by the end of its chunk")
        << smf::header(0, 1, 96) + smf::chunk("MTrk", bytes({0x00, 0x90, 60, 100, 0x10, 0x80, 60}))
        << "60:100:0:0:0"
        << QStringList{"track 1 ends at byte 26: the event there is cut off by the end of the "
                       "chunk (unexpected end of data, expected a channel message)",
                       "track 1: 1 note(s) without a note-off end at tick 0, the end of the "
                       "track (byte 26)"};
    QTest::newRow("meta event longer than its chunk")
        << smf::file0(bytes({0x00, 0x90, 60, 100, 0x10, 0xFF, 0x01, 0xFF, 0xFF, 0xFF, 0x7F, 'a'}))
        << "60:100:0:0:0"
        << QStringList{"track 1 ends at byte 26: the event there is cut off by the end of the "
                       "chunk (meta event claims 268435455 bytes but only 5 remain)",
                       "track 1: 1 note(s) without a note-off end at tick 0, the end of the "
                       "track (byte 26)"};
}

void TestMidiReader::repairsDamagedFiles() {
    QFETCH(QByteArray, file);
    QFETCH(QString, notes);
    QFETCH(QStringList, warnings);
    auto result = readMidi(span(file));
    QVERIFY2(result.ok(), result.error().c_str());
    QCOMPARE(noteText(result->sequence), notes);
    QStringList got;
    for (const std::string& w : result->info.warnings)
        got << QString::fromStdString(w);
    QCOMPARE(got, warnings);
}

void TestMidiReader::warningsNameOffsetsOfTheWholeFile() {
    // Inside a RIFF wrapper the SMF starts at byte 20: the stray clock byte at byte 27 of the
    // SMF is byte 47 of the file.
    const QByteArray smfBytes =
        smf::file0(bytes({0x00, 0x90, 60, 100, 0x00, 0xF8, 0x10, 0x80, 60, 0}));
    auto result = readMidi(span(riff(riffChunk("data", smfBytes))));
    QVERIFY2(result.ok(), result.error().c_str());
    QCOMPARE(noteText(result->sequence), QStringLiteral("60:100:0:16:0"));
    QCOMPARE(result->info.warnings,
             std::vector<std::string>{
                 "track 1: skipped 1 stray system message(s) 0xF8 (first at byte 47)"});
}

void TestMidiReader::warningsAreCapped() {
    // 150 malformed time signatures (one data byte each): 99 warnings and a count of the rest.
    QByteArray events;
    for (int i = 0; i < 150; ++i)
        events += bytes({0x00, 0xFF, 0x58, 0x01, 0x04});
    auto result = readMidi(span(smf::file0(events)));
    QVERIFY2(result.ok(), result.error().c_str());
    const std::vector<std::string>& w = result->info.warnings;
    QCOMPARE(w.size(), std::size_t(100));
    QCOMPARE(w[0], std::string("track 1: ignored a malformed time signature at byte 23"));
    QCOMPARE(w[98], std::string("track 1: ignored a malformed time signature at byte 513"));
    QCOMPARE(w[99], std::string("and 51 more warnings"));
}

void TestMidiReader::clockBytesAreOneWarning() {
    // A track that recorded the MIDI clock: 1,000 timing clocks between a note's on and off
    // give one warning with the count, not a thousand.
    QByteArray events = bytes({0x00, 0x90, 60, 100});
    for (int i = 0; i < 1000; ++i)
        events += bytes({0x01, 0xF8});
    events += bytes({0x00, 0x80, 60, 0});
    auto result = readMidi(span(smf::file0(events)));
    QVERIFY2(result.ok(), result.error().c_str());
    QCOMPARE(noteText(result->sequence), QStringLiteral("60:100:0:1000:0"));
    QCOMPARE(result->info.warnings.size(), std::size_t(1));
    QCOMPARE(result->info.warnings[0],
             std::string("track 1: skipped 1000 stray system message(s) 0xF8 (first at byte 27)"));
}

void TestMidiReader::format2PatternsPlayInSequence() {
    // Pattern 1: a note of 96 ticks, end-of-track 32 ticks later (tick 128). Pattern 2 starts
    // there: 60 BPM from its first tick, a note of 48 ticks, then a third pattern.
    const QByteArray p1 =
        smf::chunk("MTrk", bytes({0x00, 0x90, 60, 100, 0x60, 0x80, 60, 0, 0x20, 0xFF, 0x2F, 0x00}));
    const QByteArray p2 = smf::track(
        bytes({0x00, 0xFF, 0x51, 0x03, 0x0F, 0x42, 0x40, 0x00, 0x90, 62, 90, 0x30, 0x80, 62, 0}));
    const QByteArray p3 = smf::track(bytes({0x10, 0x90, 64, 80, 0x10, 0x80, 64, 0}));
    auto result = readMidi(span(smf::header(2, 3, 96) + p1 + p2 + p3));
    QVERIFY2(result.ok(), result.error().c_str());
    const Sequence& seq = result->sequence;
    QCOMPARE(result->info.format, 2);
    QCOMPARE(noteText(seq), QStringLiteral("60:100:0:96:0 62:90:128:48:0 64:80:192:16:0"));
    QCOMPARE(seq.tempo.changes().size(), std::size_t(2));
    QCOMPARE(seq.tempo.changes()[1], (TempoChange{128, 1000000.0}));
    QCOMPARE(seq.endTick, Tick(208));
    // 128 ticks at 120 BPM (2/3 s), then one second per quarter: 62 lasts 0.5 s, 64 starts
    // 0.5 s + 1/6 s after it ended.
    QVERIFY(qAbs(seq.tempo.secondsAt(128) - 2.0 / 3) < 1e-12);
    QVERIFY(qAbs(seq.tempo.secondsAt(176) - seq.tempo.secondsAt(128) - 0.5) < 1e-12);
    QVERIFY(qAbs(seq.tempo.secondsAt(192) - (2.0 / 3 + 4.0 / 6)) < 1e-12);
    QCOMPARE(result->info.warnings,
             std::vector<std::string>{
                 "format 2 file (byte 8): its 3 pattern(s) play one after another"});
}

void TestMidiReader::smpteDivisionIsConverted_data() {
    QTest::addColumn<int>("division");
    QTest::addColumn<int>("ppq");
    QTest::addColumn<double>("secondsPerQuarter");
    QTest::newRow("24 fps x 4") << 0xE804 << 96 << 1.0;
    QTest::newRow("25 fps x 40") << 0xE728 << 1000 << 1.0;
    QTest::newRow("29.97 drop-frame x 80") << 0xE350 << 2400 << 1.001;
    QTest::newRow("30 fps x 100") << 0xE264 << 3000 << 1.0;
}

void TestMidiReader::smpteDivisionIsConverted() {
    QFETCH(int, division);
    QFETCH(int, ppq);
    QFETCH(double, secondsPerQuarter);
    // A tempo event in an SMPTE file is ignored: time is absolute there.
    const QByteArray file =
        smf::file0(bytes({0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20, 0x00, 0x90, 60, 100}) +
                       smf::vlq(std::uint32_t(ppq)) + bytes({0x80, 60, 0}),
                   division);
    auto result = readMidi(span(file));
    QVERIFY2(result.ok(), result.error().c_str());
    QVERIFY(result->info.smpte);
    const Sequence& seq = result->sequence;
    QCOMPARE(seq.ticksPerQuarter, ppq);
    QCOMPARE(seq.tempo.changes().size(), std::size_t(1));
    QCOMPARE(noteText(seq), QStringLiteral("60:100:0:%1:0").arg(ppq));
    QVERIFY(qAbs(seq.tempo.secondsAt(ppq) - secondsPerQuarter) < 1e-9);
    QVERIFY(qAbs(seq.durationSeconds() - secondsPerQuarter) < 1e-9);
}

void TestMidiReader::readsTempoAndTimeSignatures() {
    // Conductor: 120 BPM at 0, 240 BPM at 192, 3/4 at 0, 6/8 at 384. A tempo event in a
    // note track counts too (later wins at one tick).
    const QByteArray conductor = bytes(
        {0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20, 0x00, 0xFF, 0x58, 0x04, 3,    2, 24, 8,  0x81,
         0x40, 0xFF, 0x51, 0x03, 0x03, 0xD0, 0x90, 0x81, 0x40, 0xFF, 0x58, 0x04, 6, 3,  24, 8});
    const QByteArray notes = bytes(
        {0x00, 0x90, 60, 100, 0x83, 0x00, 0x80, 60, 0, 0x00, 0xFF, 0x51, 0x03, 0x0F, 0x42, 0x40});
    auto result = readMidi(span(smf::header(1, 2, 96) + smf::track(conductor) + smf::track(notes)));
    QVERIFY2(result.ok(), result.error().c_str());
    const Sequence& seq = result->sequence;
    QCOMPARE(seq.tempo.changes().size(), std::size_t(3));
    QCOMPARE(seq.tempo.changes()[0], (TempoChange{0, 500000.0}));
    QCOMPARE(seq.tempo.changes()[1], (TempoChange{192, 250000.0}));
    QCOMPARE(seq.tempo.changes()[2], (TempoChange{384, 1000000.0}));
    QCOMPARE(seq.timeSignatures.size(), std::size_t(2));
    QCOMPARE(seq.timeSignatures[0], (TimeSignature{0, 3, 4}));
    QCOMPARE(seq.timeSignatures[1], (TimeSignature{384, 6, 8}));
    QCOMPARE(seq.endTick, Tick(384));
    // 192 ticks at 120 BPM (1 s) + 192 ticks at 240 BPM (0.5 s).
    QVERIFY(qAbs(seq.durationSeconds() - 1.5) < 1e-12);
    QCOMPARE(result->info.format, 1);
    QCOMPARE(result->info.trackChunks, 2);
}

void TestMidiReader::readsChannelEvents() {
    const QByteArray events = bytes({0x00, 0xC3, 5,          // program 5, channel 3
                                     0x00, 0xB3, 64,   127,  // sustain down
                                     0x10, 0xE3, 0x00, 0x40, // pitch bend centre
                                     0x00, 0xD3, 33,         // channel pressure
                                     0x00, 0xA3, 60,   44,   // poly pressure
                                     0x10, 0xB3, 64,   0});  // sustain up
    auto result = readMidi(span(smf::file0(events)));
    QVERIFY2(result.ok(), result.error().c_str());
    QCOMPARE(result->sequence.tracks.size(), std::size_t(1));
    const Track& t = result->sequence.tracks[0];
    QCOMPARE(t.channel, 3);
    QCOMPARE(t.program, 5);
    using K = ChannelEvent::Kind;
    const std::vector<ChannelEvent> expected{
        {0, K::Program, 3, 5, 0},         {0, K::Controller, 3, 64, 127},
        {16, K::PitchBend, 3, 0, 8192},   {16, K::ChannelPressure, 3, 0, 33},
        {16, K::PolyPressure, 3, 60, 44}, {32, K::Controller, 3, 64, 0}};
    QVERIFY(t.events == expected);
}

void TestMidiReader::trackNameEndTickAndEmptyTracks() {
    const QByteArray conductor = bytes({0x00, 0xFF, 0x03, 0x04, 'C', 'o', 'n', 'd'});
    const QByteArray piano =
        bytes({0x00, 0xFF, 0x03, 0x05, 'P', 'i', 'a', 'n', 'o', 0x00, 0x90, 60, 100, 0x10, 0x80, 60,
               0, 0x83, 0x60}); // end-of-track 480 ticks after the last note
    const QByteArray file = smf::header(1, 2, 96) + smf::track(conductor) +
                            smf::chunk("MTrk", piano + bytes({0xFF, 0x2F, 0x00}));
    auto result = readMidi(span(file));
    QVERIFY2(result.ok(), result.error().c_str());
    const Sequence& seq = result->sequence;
    QCOMPARE(result->info.trackChunks, 2);
    QCOMPARE(seq.tracks.size(), std::size_t(1)); // the conductor holds no notes or events
    QCOMPARE(seq.conductorName, std::string("Cond")); // kept as the conductor track's name
    QCOMPARE(seq.tracks[0].name, std::string("Piano"));
    QCOMPARE(seq.endTick, Tick(16 + 480));
    QVERIFY(qAbs(seq.durationSeconds() - 496.0 / 96 * 0.5) < 1e-12);
    QVERIFY(result->info.warnings.empty());
}

void TestMidiReader::keepsMetaAndSysexVerbatim() {
    // Format 0: no conductor track, everything is the one track's.
    const QByteArray events = bytes({0x00, 0xFF, 0x03, 0x02, 'P', 'n',             // its name
                                     0x00, 0xF0, 0x03, 0x43, 0x10, 0xF7,           // sysex
                                     0x00, 0xFF, 0x59, 0x02, 0xFE, 0x00,           // B-flat major
                                     0x00, 0x90, 60, 100,
                                     0x10, 0xF7, 0x02, 0xF3, 0x01,                 // escape
                                     0x00, 0xFF, 0x03, 0x01, 'X',                  // a later name
                                     0x00, 0xFF, 0x60, 0x00,                       // unknown, empty
                                     0x10, 0x80, 60, 0,
                                     0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20,     // tempo: the map's
                                     0x00, 0xFF, 0x06, 0x03, 'E', 'n', 'd'});      // marker
    auto result = readMidi(span(smf::file0(events)));
    QVERIFY2(result.ok(), result.error().c_str());
    const Sequence& seq = result->sequence;
    QCOMPARE(seq.tracks.size(), std::size_t(1));
    QVERIFY(seq.conductorName.empty() && seq.conductorEvents.empty());
    QCOMPARE(seq.tracks[0].name, std::string("Pn"));
    using K = RawEvent::Kind;
    const std::vector<RawEvent> expected{{0, K::Sysex, 0, std::string("\x43\x10\xF7", 3)},
                                         {0, K::Meta, 0x59, std::string("\xFE\x00", 2)},
                                         {16, K::Escape, 0, std::string("\xF3\x01", 2)},
                                         {16, K::Meta, 0x03, "X"},
                                         {16, K::Meta, 0x60, ""},
                                         {32, K::Meta, 0x06, "End"}};
    QVERIFY(seq.tracks[0].rawEvents == expected); // not the tempo: that is the tempo map's
    QVERIFY(result->info.warnings.empty());
}

void TestMidiReader::keepsEmptyTracksInOrder() {
    const QByteArray file = smf::header(1, 4, 96) + smf::track(bytes({0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20})) +
                            smf::track(bytes({0x00, 0xFF, 0x03, 0x01, 'A'})) + smf::track(QByteArray()) +
                            smf::track(bytes({0x00, 0xFF, 0x03, 0x01, 'B', 0x00, 0x90, 60, 100, 0x10, 0x80, 60, 0}));
    auto result = readMidi(span(file));
    QVERIFY2(result.ok(), result.error().c_str());
    const Sequence& seq = result->sequence;
    QVERIFY(seq.conductorName.empty());
    QCOMPARE(seq.tracks.size(), std::size_t(3));
    QCOMPARE(seq.tracks[0].name, std::string("A"));
    QCOMPARE(seq.tracks[1].name, std::string());
    QCOMPARE(seq.tracks[2].name, std::string("B"));
    QCOMPARE(seq.tracks[2].notes.size(), std::size_t(1));
}

void TestMidiReader::warnsAboutToleratedProblems() {
    const QByteArray file = smf::header(1, 3, 96) + smf::chunk("XYZW", QByteArray(3, 'z')) +
                            smf::chunk("MTrk", bytes({0x00, 0x90, 60, 100})) + QByteArray(5, '\0');
    auto result = readMidi(span(file));
    QVERIFY2(result.ok(), result.error().c_str());
    const QStringList expected{
        "skipped unknown chunk 'XYZW' at byte 14",
        "track 1 has no end-of-track event (the chunk ends at byte 37)",
        "track 1: 1 note(s) without a note-off end at tick 0, the end of the track (byte 37)",
        "ignored 5 trailing bytes at byte 37", "header declares 3 tracks, found 1 (byte 10)"};
    QStringList warnings;
    for (const std::string& w : result->info.warnings)
        warnings << QString::fromStdString(w);
    QCOMPARE(warnings, expected);
}

void TestMidiReader::manyTinyTracks() {
    // 100,000 empty tracks: each costs its 12 bytes and an empty Track, not a per-track table
    // of open notes; beyond the 65,535 tracks a file's header can count, empty ones are not
    // kept (one warning), and a track with notes after them still is.
    QByteArray file = smf::header(1, 100000, 96);
    for (int i = 0; i < 100000; ++i)
        file += smf::track(QByteArray());
    file += smf::track(bytes({0x00, 0x90, 60, 100, 0x10, 0x80, 60, 0}));
    auto result = readMidi(span(file));
    QVERIFY2(result.ok(), result.error().c_str());
    QCOMPARE(result->info.trackChunks, 100001);
    QCOMPARE(noteText(result->sequence), QStringLiteral("60:100:0:16:0"));
    QCOMPARE(result->sequence.tracks.size(), std::size_t(65536)); // the first one is the conductor
    QCOMPARE(result->info.warnings.size(), std::size_t(1));
    QCOMPARE(result->info.warnings[0],
             "ignored 34464 track(s) without notes or channel events beyond the 65535 tracks a MIDI file can hold (first at byte " +
                 std::to_string(14 + 65536 * 12) + ")");
}

void TestMidiReader::everyPrefixIsHandled() {
    // Cut a valid file after every byte. A prefix that ends inside the header, or before the
    // first track's events start, is an error at an offset inside the prefix. Any longer one
    // reads as far as it goes: never fewer notes than a shorter prefix, and a warning where
    // the cut fell inside a track.
    const QByteArray full =
        smf::header(1, 2, 96) + smf::track(bytes({0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20})) +
        smf::track(bytes({0x00, 0xF0, 0x02, 0x01, 0xF7, 0x00, 0x90, 60,   100, 0x81,
                          0x00, 64,   90,   0x10, 60,   0,    0x10, 0x80, 64,  0}));
    const int firstEvents = 14 + 8;
    const int firstTrackEnd = firstEvents + 11;
    std::size_t notes = 0;
    for (int n = 0; n <= full.size(); ++n) {
        auto result = readMidi(span(full.left(n)));
        if (n < firstEvents) {
            QVERIFY2(!result.ok(), qPrintable(QStringLiteral("prefix %1 was accepted").arg(n)));
            const long long offset = errorOffset(result.error());
            QVERIFY2(offset >= 0 && offset <= n, result.error().c_str());
            continue;
        }
        QVERIFY2(result.ok(),
                 qPrintable(QStringLiteral("prefix %1: %2").arg(n).arg(result.error().c_str())));
        QVERIFY(result->sequence.noteCount() >= notes);
        notes = result->sequence.noteCount();
        const bool betweenTracks =
            n == full.size() || (n >= firstTrackEnd && n < firstTrackEnd + 8);
        if (!betweenTracks) {
            bool warned = false;
            for (const std::string& w : result->info.warnings)
                warned = warned || w.find("(the file is truncated) at byte") != std::string::npos;
            QVERIFY2(warned, qPrintable(QStringLiteral("prefix %1 without a warning").arg(n)));
        }
    }
    QCOMPARE(notes, std::size_t(2));
}

void TestMidiReader::corruptedBytesAreHandled() {
    // Deterministic corruption of a valid file: each result is either a file or an error
    // whose offset lies inside the input.
    const QByteArray full = smf::header(1, 2, 96) +
                            smf::track(bytes({0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20})) +
                            smf::track(bytes({0x00, 0x90, 60, 100, 0x81, 0x00, 64, 90, 0x10, 60, 0,
                                              0x10, 0x80, 64, 0, 0x00, 0xB0, 64, 127}));
    QRandomGenerator rng(20240611);
    int errors = 0;
    for (int round = 0; round < 5000; ++round) {
        QByteArray b = full;
        const int flips = 1 + int(rng.bounded(4));
        for (int i = 0; i < flips; ++i)
            b[int(rng.bounded(int(b.size())))] = char(rng.bounded(256));
        auto result = readMidi(span(b));
        if (!result.ok()) {
            ++errors;
            const long long offset = errorOffset(result.error());
            QVERIFY2(offset >= 0 && offset <= b.size(), result.error().c_str());
        }
    }
    QVERIFY(errors > 0);
}

void TestMidiReader::fileErrorsNameThePath() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string missing = dir.filePath("missing.mid").toStdString();
    auto r1 = readMidiFile(missing);
    QVERIFY(!r1.ok());
    QVERIFY2(r1.error().find(missing + ": cannot open") == 0, r1.error().c_str());

    auto r2 = readMidiFile(dir.path().toStdString());
    QVERIFY(!r2.ok());
    QVERIFY2(r2.error().find("is a directory") != std::string::npos, r2.error().c_str());

    const QString bad = dir.filePath("bad.mid");
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(smf::header(7, 1, 96) + smf::track(QByteArray()));
    f.close();
    auto r3 = readMidiFile(bad.toStdString());
    QVERIFY(!r3.ok());
    QVERIFY2(r3.error().find(bad.toStdString() + ": byte 8: unknown MIDI file format 7") == 0,
             r3.error().c_str());
}

QTEST_GUILESS_MAIN(TestMidiReader)
#include "test_midi_reader.moc"
