// What Continuo does not edit comes back unchanged: a format-1 file with a named conductor
// track, key signature changes, markers, text, lyrics, copyright, a cue point, an instrument
// name, a second track name, sysex and an F7 escape, a sequencer-specific and an unknown
// meta event, a track with only a name and one with nothing at all, goes .mid -> .continuo
// -> .mid through the real `continuo-cli convert`, and every one of those events is back on
// its track, at its tick, with its bytes, the tracks in their order. The events are listed
// by a small chunk walker here (not the reader under test) and, where it is installed, by
// Debian's midicsv.
#include "MidicsvFacts.h"
#include "SmfBytes.h"

#include "continuo/core/MidiFile.h"
#include "continuo/project/Project.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <stdexcept>

using namespace continuo;
using namespace smf;

namespace {

constexpr int kPpq = 384; // not the project's 960: ticks are rescaled on the way in and out

QByteArray meta(int type, const QByteArray& data) {
    return bytes({0xFF, type}) + vlq(std::uint32_t(data.size())) + data;
}
QByteArray text(const char* s) { return QByteArray(s); }

/// One track's events with their delta times: [(delta, event bytes)].
QByteArray events(std::initializer_list<std::pair<std::uint32_t, QByteArray>> list) {
    QByteArray out;
    for (const auto& [delta, event] : list) out += vlq(delta) + event;
    return out;
}

/// The test's file: five track chunks.
///   0 conductor: name, copyright, tempo, 4/4, D major, marker "Intro"; cue at 768; at 1536 a
///     marker, B-flat minor and a new tempo.
///   1 "Piano": GM-reset sysex, program, instrument name, sequencer-specific at 0; text at 77;
///     lyrics; an F7 escape; an unknown meta type 0x4B; a second name event; notes, pedal.
///   2 a track with only its name.  3 a track with nothing.  4 "Bass": notes and a marker.
QByteArray testFile() {
    const QByteArray conductor = events({
        {0, meta(0x03, text("Conductor of the test"))},
        {0, meta(0x02, text("(c) 2024 The Test Composer"))},
        {0, meta(0x51, bytes({0x07, 0xA1, 0x20}))},       // 500000 us: 120 BPM
        {0, meta(0x58, bytes({0x04, 0x02, 0x18, 0x08}))}, // 4/4
        {0, meta(0x59, bytes({0x02, 0x00}))},             // D major
        {0, meta(0x06, text("Intro"))},
        {768, meta(0x07, text("Cue: enter piano"))},
        {768, meta(0x06, text("Verse"))},
        {0, meta(0x59, bytes({0xFB, 0x01}))},             // B-flat minor (5 flats)
        {0, meta(0x51, bytes({0x09, 0x27, 0xC0}))},       // 600000 us: 100 BPM
    });
    const QByteArray piano = events({
        {0, meta(0x03, text("Piano"))},
        {0, bytes({0xF0, 0x05, 0x7E, 0x7F, 0x09, 0x01, 0xF7})}, // GM system on
        {0, bytes({0xC0, 0x00})},
        {0, meta(0x04, text("Acoustic Grand"))},
        {0, meta(0x7F, bytes({0x00, 0x00, 0x41, 0x01, 0x7F}))},
        {0, bytes({0x90, 60, 80})},
        {0, bytes({0xB0, 64, 127})},
        {77, meta(0x01, text("play softly"))},
        {307, meta(0x05, text("Hel-"))},
        {0, bytes({0x80, 60, 64})},
        {116, bytes({0xF7, 0x03, 0xF3, 0x01, 0x02})}, // escape: arbitrary bytes
        {268, meta(0x05, text("lo"))},
        {0, bytes({0x90, 62, 90})},
        {132, meta(0x4B, bytes({0x01, 0x02, 0x03, 0xFF}))}, // a type no standard names
        {100, meta(0x03, text("Second name, later"))},
        {152, bytes({0x80, 62, 64})},
        {0, bytes({0xB0, 64, 0})},
        {1, bytes({0xF0, 0x03, 0x43, 0x10, 0xF7})},
    });
    const QByteArray namedOnly = events({{0, meta(0x03, text("Empty but named"))}});
    const QByteArray bass = events({
        {0, meta(0x03, text("Bass"))},
        {0, bytes({0x91, 36, 70})},
        {384, bytes({0x81, 36, 64})},
        {0, meta(0x06, text("Bass marker"))},
        {1000, meta(0x01, text("last words"))},
    });
    return header(1, 5, kPpq) + track(conductor) + track(piano) + track(namedOnly) + track({}) + track(bass);
}

/// A meta or sysex event as the file holds it: its track chunk, absolute tick and bytes.
struct FileEvent {
    int track = 0;
    qint64 tick = 0;
    QByteArray bytes;
    bool operator==(const FileEvent&) const = default;
};

/// Where two listings part: the first event that differs, or the count.
QString firstDifference(const std::vector<FileEvent>& got, const std::vector<FileEvent>& want) {
    auto text = [](const FileEvent& e) {
        return QStringLiteral("track %1 tick %2: %3").arg(e.track).arg(e.tick).arg(QString::fromLatin1(e.bytes.toHex(' ')));
    };
    for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i)
        if (!(got[i] == want[i])) return QStringLiteral("event %1 is %2, expected %3").arg(i).arg(text(got[i]), text(want[i]));
    return QStringLiteral("%1 events, expected %2").arg(got.size()).arg(want.size());
}

/// Every meta and sysex event of a file except end-of-track, in file order, and how many
/// track chunks it has: a walker written for this test, independent of the reader.
std::pair<std::vector<FileEvent>, int> metaAndSysex(const QByteArray& file) {
    std::vector<FileEvent> out;
    const auto* p = reinterpret_cast<const std::uint8_t*>(file.constData());
    const qsizetype n = file.size();
    auto need = [&](qsizetype at, qsizetype k) {
        if (at + k > n) throw std::runtime_error("file ends early");
    };
    auto be32 = [&](qsizetype at) {
        need(at, 4);
        return (std::uint32_t(p[at]) << 24) | (std::uint32_t(p[at + 1]) << 16) | (std::uint32_t(p[at + 2]) << 8) | p[at + 3];
    };
    auto readVlq = [&](qsizetype& at) {
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) {
            need(at, 1);
            const std::uint8_t b = p[at++];
            v = (v << 7) | (b & 0x7F);
            if (!(b & 0x80)) return v;
        }
        throw std::runtime_error("long variable-length quantity");
    };
    qsizetype at = 8 + qsizetype(be32(4));
    int trackNo = 0;
    while (at + 8 <= n) {
        const QByteArray id = file.mid(at, 4);
        const qsizetype end = at + 8 + qsizetype(be32(at + 4));
        at += 8;
        if (id != "MTrk") {
            at = end;
            continue;
        }
        qint64 tick = 0;
        std::uint8_t running = 0;
        while (at < end) {
            tick += readVlq(at);
            need(at, 1);
            const qsizetype start = at;
            const std::uint8_t status = p[at];
            if (status == 0xFF) {
                at += 2;
                const std::uint32_t len = readVlq(at);
                at += qsizetype(len);
                if (p[start + 1] != 0x2F) out.push_back({trackNo, tick, file.mid(start, at - start)});
            } else if (status == 0xF0 || status == 0xF7) {
                ++at;
                const std::uint32_t len = readVlq(at);
                at += qsizetype(len);
                out.push_back({trackNo, tick, file.mid(start, at - start)});
            } else {
                if (status & 0x80) {
                    running = status;
                    ++at;
                }
                const int kind = running & 0xF0;
                at += (kind == 0xC0 || kind == 0xD0) ? 1 : 2;
            }
        }
        at = end;
        ++trackNo;
    }
    return {out, trackNo};
}

/// The events of one kind of a listing: tempo and time signatures are rewritten by the
/// writer (same bytes, but a conductor track orders them after what it keeps), the rest are
/// kept in their order.
std::vector<FileEvent> kept(const std::vector<FileEvent>& all) {
    std::vector<FileEvent> out;
    for (const FileEvent& e : all)
        if (!(std::uint8_t(e.bytes[0]) == 0xFF && (std::uint8_t(e.bytes[1]) == 0x51 || std::uint8_t(e.bytes[1]) == 0x58)))
            out.push_back(e);
    return out;
}
std::vector<FileEvent> metre(const std::vector<FileEvent>& all) {
    std::vector<FileEvent> out;
    for (const FileEvent& e : all)
        if (std::uint8_t(e.bytes[0]) == 0xFF && (std::uint8_t(e.bytes[1]) == 0x51 || std::uint8_t(e.bytes[1]) == 0x58))
            out.push_back(e);
    return out;
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeAll(const QString& path, const QByteArray& data) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
}

struct Run {
    int status = -1;
    QByteArray out;
    QByteArray err;
};

Run run(const QString& program, const QStringList& args) {
    QProcess p;
    p.start(program, args);
    Run r;
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit) return r;
    r.status = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

Run cli(const QStringList& args) { return run(QStringLiteral(CONTINUO_CLI_PATH), args); }

} // namespace

class TestKeptEvents : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString original_, project_, back_;

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        original_ = dir_.filePath("original.mid");
        project_ = dir_.filePath("original.continuo");
        back_ = dir_.filePath("back.mid");
        QVERIFY(writeAll(original_, testFile()));
        const Run in = cli({"convert", original_, project_, "--json"});
        QVERIFY2(in.status == 0, in.err.constData());
        const Run out = cli({"convert", project_, back_});
        QVERIFY2(out.status == 0, out.err.constData());
    }

    void theTestFileHoldsWhatItSays() {
        const auto [events, tracks] = metaAndSysex(readAll(original_));
        QCOMPARE(tracks, 5);
        QCOMPARE(kept(events).size(), 22u);
        QCOMPARE(metre(events).size(), 3u);
    }

    void everyEventIsBackOnItsTrackAtItsTickWithItsBytes() {
        const auto [want, wantTracks] = metaAndSysex(readAll(original_));
        const auto [got, gotTracks] = metaAndSysex(readAll(back_));
        QCOMPARE(gotTracks, wantTracks); // the empty ones too
        // Per track in file order (names first), the tracks in their order.
        QVERIFY2(kept(got) == kept(want), qPrintable(firstDifference(kept(got), kept(want))));
        auto sorted = [](std::vector<FileEvent> v) {
            std::stable_sort(v.begin(), v.end(), [](const FileEvent& a, const FileEvent& b) {
                return std::tie(a.track, a.tick, a.bytes) < std::tie(b.track, b.tick, b.bytes);
            });
            return v;
        };
        QVERIFY2(sorted(metre(got)) == sorted(metre(want)), qPrintable(firstDifference(sorted(metre(got)), sorted(metre(want)))));
    }

    void theProjectHoldsThemWithTheirTracks() {
        auto p = project::openProjectOrMidi(project_);
        QVERIFY2(p.ok(), p.error().c_str());
        QCOMPARE(p->conductorName, std::string("Conductor of the test"));
        QCOMPARE(p->conductorEvents.size(), 6u);
        QCOMPARE(p->tracks.size(), 4u);
        QCOMPARE(p->tracks[0].name, std::string("Piano"));
        QCOMPARE(p->tracks[1].name, std::string("Empty but named"));
        QCOMPARE(p->tracks[2].name, std::string());
        QCOMPARE(p->tracks[3].name, std::string("Bass"));
        QVERIFY(p->notes.ofTrack(p->tracks[1].id).empty() && p->tracks[1].rawEvents.empty());
        QVERIFY(p->notes.ofTrack(p->tracks[2].id).empty() && p->tracks[2].rawEvents.empty());
        QCOMPARE(p->tracks[0].rawEvents.size(), 10u);
        QCOMPARE(p->tracks[3].rawEvents.size(), 2u);
        // Ticks in the project are at 960 PPQ (the text at 77 of 384 PPQ); they are back at the
        // file's own ticks in the file (checked above).
        QCOMPARE(p->tracks[0].rawEvents[3].tick, rescaleTick(77, kPpq, kTicksPerQuarter));
        QCOMPARE(QByteArray::fromStdString(p->tracks[0].rawEvents[3].data), QByteArray("play softly"));
        const RawEvent& sysex = p->tracks[0].rawEvents[0];
        QCOMPARE(sysex.kind, RawEvent::Kind::Sysex);
        QCOMPARE(QByteArray::fromStdString(sysex.data), bytes({0x7E, 0x7F, 0x09, 0x01, 0xF7}));
        QCOMPARE(p->midiTicksPerQuarter, kPpq);
    }

    void inspectCountsThemPerKind() {
        for (const QString& path : {original_, back_}) {
            const Run r = cli({"inspect", path, "--json"});
            QVERIFY2(r.status == 0, r.err.constData());
            const QJsonObject o = QJsonDocument::fromJson(r.out).object();
            const QJsonObject raw = o["rawEvents"].toObject();
            QCOMPARE(raw["keySignature"].toInt(), 2);
            QCOMPARE(raw["marker"].toInt(), 3);
            QCOMPARE(raw["text"].toInt(), 2);
            QCOMPARE(raw["lyric"].toInt(), 2);
            QCOMPARE(raw["copyright"].toInt(), 1);
            QCOMPARE(raw["cuePoint"].toInt(), 1);
            QCOMPARE(raw["instrumentName"].toInt(), 1);
            QCOMPARE(raw["trackName"].toInt(), 1); // the second one; first names are names
            QCOMPARE(raw["sequencerSpecific"].toInt(), 1);
            QCOMPARE(raw["otherMeta"].toInt(), 1);
            QCOMPARE(raw["sysex"].toInt(), 2);
            QCOMPARE(raw["sysexEscape"].toInt(), 1);
            QCOMPARE(o["emptyTracks"].toInt(), 2);
        }
    }

    void midicsvReadsTheSameEventsInBoth() {
        const QString midicsv = QStandardPaths::findExecutable("midicsv");
        if (midicsv.isEmpty()) QSKIP("midicsv is not installed (apt-get install midicsv)");
        const Run want = run(midicsv, {original_});
        const Run got = run(midicsv, {back_});
        QCOMPARE(want.status, 0);
        QCOMPARE(got.status, 0);
        const std::vector<std::string> wantLines = midicsv::metaAndSysexRecords(want.out);
        const std::vector<std::string> gotLines = midicsv::metaAndSysexRecords(got.out);
        // Titles, copyright, text, lyrics, markers, cue points, instrument names, key
        // signatures, sequencer-specific, unknown meta, sysex, tempo, time signatures.
        QCOMPARE(wantLines.size(), 25u);
        QCOMPARE(gotLines, wantLines);
        // And what midicsv sees of each track's name: the empty and the nameless ones are there.
        QCOMPARE(midicsv::trackCount(got.out), 5);
    }
};

QTEST_GUILESS_MAIN(TestKeptEvents)
#include "test_kept_events.moc"
