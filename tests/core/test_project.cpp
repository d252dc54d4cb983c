// The project and its file format (continuo/project): a three-track piece with names,
// programs, pitch bend, pedal, two tempo changes and two time-signature changes goes
// .mid -> .continuo -> .mid unchanged, in process and through `continuo-cli convert`; a
// version-1 project written by the notes-only format and a version-2 one written before raw
// meta/sysex events were kept still open; raw events, the conductor track and names that are
// not UTF-8 survive save and load; a project file too large is refused before it is read; fields this version does
// not know are written back; damaged projects are refused with where and why.
#include "continuo/core/MidiFile.h"
#include "continuo/project/Project.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <set>

using namespace continuo;
using namespace continuo::project;

namespace {

constexpr Tick Q = 480; // the test file's resolution

Note note(int pitch, Tick start, Tick length, int velocity, int channel) {
    Note n;
    n.pitch = pitch;
    n.start = start;
    n.length = length;
    n.velocity = velocity;
    n.channel = channel;
    return n;
}

/// Melody (flute, bent), bridge (strings, volume swell), piano (pedalled): at 480 PPQ, with a
/// tempo change at bar 3 and bar 5 and a metre change at bar 3 (3/4) and bar 6 (6/8).
Sequence threeTrackPiece() {
    Sequence s;
    s.ticksPerQuarter = int(Q);
    s.tempo = TempoMap(int(Q));
    s.tempo.setTempo(0, 600000);          // 100 BPM
    s.tempo.setTempo(8 * Q, 750000);      // 80 BPM at bar 3
    s.tempo.setTempo(14 * Q, 454545);     // 132 BPM at bar 5 (3/4 bars from bar 3)
    s.timeSignatures = {{0, 4, 4}, {8 * Q, 3, 4}, {17 * Q, 6, 8}};
    Track melody;
    melody.name = "Melody";
    melody.channel = 0;
    melody.program = 73;
    melody.events.push_back({0, ChannelEvent::Kind::Program, 0, 73, 0});
    for (int i = 0; i < 16; ++i) melody.notes.push_back(note(72 + (i * 5) % 12, i * Q, Q - 30, 70 + i, 0));
    melody.events.push_back({2 * Q, ChannelEvent::Kind::PitchBend, 0, 0, 8192});
    melody.events.push_back({2 * Q + 120, ChannelEvent::Kind::PitchBend, 0, 0, 12000});
    melody.events.push_back({2 * Q + 240, ChannelEvent::Kind::PitchBend, 0, 0, 16383});
    melody.events.push_back({3 * Q, ChannelEvent::Kind::PitchBend, 0, 0, 8192});
    Track bridge;
    bridge.name = "Bridge";
    bridge.channel = 1;
    bridge.program = 48;
    bridge.events.push_back({0, ChannelEvent::Kind::Program, 1, 48, 0});
    for (int i = 0; i < 8; ++i) bridge.notes.push_back(note(60 + (i % 3) * 4, i * 2 * Q, 2 * Q - 10, 60, 1));
    for (int v = 0; v <= 120; v += 40) bridge.events.push_back({Tick(v) * 4, ChannelEvent::Kind::Controller, 1, 7, v});
    bridge.events.push_back({5 * Q, ChannelEvent::Kind::ChannelPressure, 1, 0, 90});
    Track piano;
    piano.name = "Piano";
    piano.channel = 2;
    piano.program = 0;
    piano.events.push_back({0, ChannelEvent::Kind::Program, 2, 0, 0});
    for (int i = 0; i < 12; ++i) piano.notes.push_back(note(36 + i * 2, i * Q + 15, Q / 2, 50 + i * 4, 2));
    for (int bar = 0; bar < 6; ++bar) {
        piano.events.push_back({bar * 4 * Q + 5, ChannelEvent::Kind::Controller, 2, kSustainController, 127});
        piano.events.push_back({bar * 4 * Q + 4 * Q - 20, ChannelEvent::Kind::Controller, 2, kSustainController, 0});
    }
    for (Track* t : {&melody, &bridge, &piano}) {
        t->sort();
        s.tracks.push_back(*t);
    }
    s.updateEndTick();
    s.endTick += Q; // a beat of silence at the end
    return s;
}

void compareSequences(const Sequence& got, const Sequence& want) {
    QCOMPARE(got.ticksPerQuarter, want.ticksPerQuarter);
    QCOMPARE(got.tempo.changes(), want.tempo.changes());
    QCOMPARE(got.timeSignatures, want.timeSignatures);
    QCOMPARE(got.endTick, want.endTick);
    QCOMPARE(got.tracks.size(), want.tracks.size());
    for (std::size_t i = 0; i < want.tracks.size(); ++i) {
        const Track& g = got.tracks[i];
        const Track& w = want.tracks[i];
        QCOMPARE(g.name, w.name);
        QCOMPARE(g.channel, w.channel);
        QCOMPARE(g.program, w.program);
        QCOMPARE(g.notes, w.notes);
        QCOMPARE(g.events, w.events);
    }
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestProject : public QObject {
    Q_OBJECT
private slots:
    void threeTracksSurviveTheRoundTrip() {
        QTemporaryDir dir;
        const QString mid = dir.filePath("piece.mid");
        const Sequence original = threeTrackPiece();
        QVERIFY(writeMidiFile(mid.toStdString(), original, {1, int(Q)}).ok());
        auto read = readMidiFile(mid.toStdString());
        QVERIFY2(read.ok(), read.error().c_str());
        compareSequences(read->sequence, original); // the file holds what the test made

        auto p = openProjectOrMidi(mid);
        QVERIFY2(p.ok(), p.error().c_str());
        QCOMPARE(p->tracks.size(), 3u);
        QCOMPARE(p->tracks[0].name, std::string("Melody"));
        QCOMPARE(p->tracks[0].program, 73);
        QCOMPARE(p->tracks[1].program, 48);
        QCOMPARE(p->tempo.changes().size(), 3u);
        QCOMPARE(p->timeSignatures.size(), 3u);
        QCOMPARE(p->midiTicksPerQuarter, int(Q));
        const QString project = dir.filePath("piece.continuo");
        QVERIFY(saveProjectOrMidi(project, p.value()).ok());
        QVERIFY(readAll(project).contains("\"version\":3"));

        auto again = openProjectOrMidi(project);
        QVERIFY2(again.ok(), again.error().c_str());
        QCOMPARE(again->tracks, p->tracks); // ids, names, programs, events
        QCOMPARE(again->notes, p->notes);    // each on its track
        QCOMPARE(again->tempo.changes(), p->tempo.changes());
        QCOMPARE(again->timeSignatures, p->timeSignatures);
        QCOMPARE(again->endTick, p->endTick);
        const QString back = dir.filePath("back.mid");
        QVERIFY(saveProjectOrMidi(back, again.value()).ok());
        auto reread = readMidiFile(back.toStdString());
        QVERIFY2(reread.ok(), reread.error().c_str());
        compareSequences(reread->sequence, original);

        // The command line does the same through the same code: the same bytes.
        QProcess cli;
        cli.start(CONTINUO_CLI_PATH, {"convert", mid, dir.filePath("cli.continuo"), "--json"});
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 0);
        const QJsonObject summary = QJsonDocument::fromJson(cli.readAllStandardOutput()).object();
        QCOMPARE(summary["tracks"].toArray().size(), 3);
        QCOMPARE(summary["pitchBends"].toInt(), 4);
        QCOMPARE(summary["sustainEvents"].toInt(), 12);
        QCOMPARE(summary["tempoChanges"].toInt(), 3);
        QCOMPARE(summary["timeSignatures"].toInt(), 3);
        QCOMPARE(readAll(dir.filePath("cli.continuo")), readAll(project));
        cli.start(CONTINUO_CLI_PATH, {"convert", dir.filePath("cli.continuo"), dir.filePath("cli.mid")});
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 0);
        QCOMPARE(readAll(dir.filePath("cli.mid")), readAll(back));
    }

    void convertRefusesWhatItCannotRead() {
        QTemporaryDir dir;
        QProcess cli;
        cli.start(CONTINUO_CLI_PATH, {"convert", dir.filePath("missing.mid"), dir.filePath("out.continuo")});
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 2);
        QVERIFY(cli.readAllStandardError().contains("missing.mid"));
        QVERIFY(!QFile::exists(dir.filePath("out.continuo")));
        cli.start(CONTINUO_CLI_PATH, {"convert", "only-one.mid"});
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 2);
    }

    void versionOneProjectStillOpens() {
        // Written by the notes-only format (version 1) with make_demo_project, before version 2.
        auto p = loadProject(QStringLiteral(CONTINUO_TEST_DATA "/project-v1-demo.continuo"));
        QVERIFY2(p.ok(), p.error().c_str());
        QCOMPARE(p->title, QString("Demo: motif and three takes"));
        QCOMPARE(p->tracks.size(), 1u);
        QCOMPARE(p->tracks[0].name, std::string("Piano"));
        QCOMPARE(p->noteCount(), 26u);
        const Note first = p->notes.ofTrack(p->tracks[0].id).front();
        QCOMPARE(first.start, Tick(0));
        QCOMPARE(first.length, Tick(1896));
        QCOMPARE(first.pitch, 48);
        QCOMPARE(first.velocity, 62);
        QCOMPARE(p->tempo.changes().size(), 1u);
        QCOMPARE(p->tempo.bpmAt(0), 96.0);
        QCOMPARE(p->timeSignatures, (std::vector<TimeSignature>{{0, 4, 4}}));
        QCOMPARE(p->takes.size(), 3u);
        QCOMPARE(p->takes[1].name, QString("Take 2"));
        QCOMPARE(p->takes[1].notes.size(), 36u);
        QCOMPARE(p->takes[1].provenance.sampling.seed.value(), 271828u);
        QCOMPARE(p->takes[1].provenance.modelName, QString("dsmr-maestro-small"));
        QCOMPARE(p->settings.sampling.lengthSeconds, 10.0);
        QCOMPARE(p->settings.sampling.seed, Seed::fixed(271828));
        QVERIFY(p->hasLoop);
        QCOMPARE(p->loop.end, Tick(15360));
        // Note ids are unique across the piece and the takes.
        std::set<NoteId> ids;
        for (const Note& n : p->notes.ofTrack(p->tracks[0].id)) ids.insert(n.id);
        for (const Take& t : p->takes)
            for (const Note& n : t.notes) ids.insert(n.id);
        QCOMPARE(ids.size(), 26u + 30u + 36u + 20u);
        QVERIFY(!ids.count(0));
        // Saved again it is a version-3 file that reads back the same.
        QTemporaryDir dir;
        QVERIFY(saveProject(dir.filePath("v2.continuo"), p.value()).ok());
        auto v2 = loadProject(dir.filePath("v2.continuo"));
        QVERIFY2(v2.ok(), v2.error().c_str());
        QCOMPARE(v2->tracks, p->tracks);
        QCOMPARE(v2->notes, p->notes);
        QCOMPARE(v2->takes, p->takes);
        QCOMPARE(v2->settings, p->settings);
    }

    void versionTwoProjectStillOpens() {
        // Written with the version-2 code (before meta/sysex events and the conductor track
        // were kept): two tracks at 480 PPQ (a non-ASCII name, bend, pedal; the second muted
        // and out of the primer), two tempos, two metres, a take that is the primer, a loop.
        auto p = loadProject(QStringLiteral(CONTINUO_TEST_DATA "/project-v2-two-tracks.continuo"));
        QVERIFY2(p.ok(), p.error().c_str());
        QCOMPARE(p->title, QString("Version 2: two tracks, bend, pedal and a take"));
        QCOMPARE(p->tracks.size(), 2u);
        QCOMPARE(p->tracks[0].name, std::string("Flûte"));
        QCOMPARE(p->tracks[0].program, 73);
        QCOMPARE(p->notes.ofTrack(p->tracks[0].id).size(), 8u);
        QCOMPARE(p->tracks[0].events.size(), 3u);
        QCOMPARE(p->tracks[0].events[1], (ChannelEvent{1920, ChannelEvent::Kind::PitchBend, 0, 0, 12000}));
        QCOMPARE(p->tracks[1].name, std::string("Piano"));
        QCOMPARE(p->tracks[1].channel, 1);
        QVERIFY(p->tracks[1].muted);
        QVERIFY(!p->tracks[1].inPrimer);
        QCOMPARE(p->tracks[1].events.size(), 2u);
        QCOMPARE(p->notes.ofTrack(p->tracks[1].id).front().start, Tick(30));
        QVERIFY(p->tracks[0].rawEvents.empty() && p->tracks[1].rawEvents.empty());
        QVERIFY(p->conductorName.empty() && p->conductorEvents.empty());
        QCOMPARE(p->tempo.changes().size(), 2u);
        QCOMPARE(p->timeSignatures, (std::vector<TimeSignature>{{0, 4, 4}, {7680, 3, 4}}));
        QCOMPARE(p->midiTicksPerQuarter, 480);
        QCOMPARE(p->endTick, Tick(8640));
        QCOMPARE(p->takes.size(), 1u);
        QCOMPARE(p->primerTake, TakeId(1));
        QCOMPARE(p->takes[0].provenance.sampling.seed.value(), 42u);
        QVERIFY(p->hasLoop && p->loop.enabled);
        QCOMPARE(p->settings.sampling.variations, 2);
        // Saved again it is a version-3 file that reads back the same.
        QTemporaryDir dir;
        QVERIFY(saveProject(dir.filePath("v3.continuo"), p.value()).ok());
        QVERIFY(readAll(dir.filePath("v3.continuo")).contains("\"version\":3"));
        auto v3 = loadProject(dir.filePath("v3.continuo"));
        QVERIFY2(v3.ok(), v3.error().c_str());
        QCOMPARE(v3->tracks, p->tracks);
        QCOMPARE(v3->notes, p->notes);
        QCOMPARE(v3->takes, p->takes);
        QCOMPARE(v3->tempo.changes(), p->tempo.changes());
        QCOMPARE(v3->timeSignatures, p->timeSignatures);
    }

    void rawEventsAndNamesSurviveSaveAndLoad() {
        Project p = Project::fromSequence(threeTrackPiece());
        p.conductorName = "Conductor";
        p.conductorEvents = {{0, RawEvent::Kind::Meta, 0x59, std::string("\x02\x00", 2)},
                             {4 * Q, RawEvent::Kind::Meta, 0x06, "Verse"}};
        p.tracks[0].rawEvents = {{0, RawEvent::Kind::Sysex, 0, std::string("\x7E\x7F\x09\x01\xF7", 5)},
                                 {10, RawEvent::Kind::Escape, 0, std::string("\xF3\x01", 2)},
                                 {10, RawEvent::Kind::Meta, 0x05, "La"},
                                 {10, RawEvent::Kind::Meta, 0x4B, std::string()}};
        p.tracks[1].name = "\xC9t\xE9"; // Latin-1, not UTF-8: kept as bytes
        p.tracks.push_back(ProjectTrack{});
        p.tracks.back().id = 4;
        const QByteArray bytes = projectToBytes(p);
        QVERIFY(bytes.contains("\"nameHex\":\"c974e9\""));
        auto back = projectFromBytes(bytes);
        QVERIFY2(back.ok(), back.error().c_str());
        QCOMPARE(back->tracks, p.tracks); // file order of events at one tick too; the empty track
        QCOMPARE(back->notes, p.notes);
        QCOMPARE(back->conductorName, p.conductorName);
        QCOMPARE(back->conductorEvents, p.conductorEvents);

        // A file at another resolution has its raw ticks rescaled with everything else.
        QJsonObject json = projectToJson(p);
        QJsonObject conductor = json["conductor"].toObject();
        conductor["raw"] = QJsonArray{QJsonArray{960, "meta", 6, "4869"}};
        json["conductor"] = conductor;
        json["ticksPerQuarter"] = 480;
        auto half = projectFromJson(json);
        QVERIFY2(half.ok(), half.error().c_str());
        QCOMPARE(half->conductorEvents.size(), 1u);
        QCOMPARE(half->conductorEvents[0].tick, Tick(1920));
        QCOMPARE(half->tracks[0].rawEvents[1].tick, Tick(20));

        // Written as a MIDI file and read back: the same events on the same tracks.
        QTemporaryDir dir;
        QVERIFY(saveProjectOrMidi(dir.filePath("raw.mid"), p).ok());
        auto reread = openProjectOrMidi(dir.filePath("raw.mid"));
        QVERIFY2(reread.ok(), reread.error().c_str());
        QCOMPARE(reread->conductorName, p.conductorName);
        QCOMPARE(reread->conductorEvents, p.conductorEvents);
        QCOMPARE(reread->tracks.size(), 4u);
        for (std::size_t i = 0; i < 4; ++i) {
            QCOMPARE(reread->tracks[i].name, p.tracks[i].name);
            QCOMPARE(reread->tracks[i].rawEvents, p.tracks[i].rawEvents);
        }
    }

    void refusesAProjectFileTooLargeToRead() {
        QTemporaryDir dir;
        const QString path = dir.filePath("huge.continuo");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QVERIFY(f.write("{") == 1);
        QVERIFY(f.resize(kMaxProjectFileBytes + 1)); // sparse: no disk, no memory
        f.close();
        auto p = loadProject(path);
        QVERIFY(!p.ok());
        QCOMPARE(QString::fromStdString(p.error()),
                 QStringLiteral("%1: the file is %2 bytes, more than the 256 MiB a project file may be")
                     .arg(path)
                     .arg(kMaxProjectFileBytes + 1));
        auto viaOpen = openProjectOrMidi(path);
        QVERIFY(!viaOpen.ok());
        QVERIFY(QString::fromStdString(viaOpen.error()).contains("more than the 256 MiB"));
    }

    void unknownFieldsAreKept() {
        QJsonObject json = projectToJson(Project::fromSequence(threeTrackPiece()));
        json["arranger"] = QJsonObject{{"sections", QJsonArray{"A", "B", "A"}}};
        QJsonArray tracks = json["tracks"].toArray();
        QJsonObject t0 = tracks[0].toObject();
        t0["colour"] = "#ff8800";
        tracks[0] = t0;
        json["tracks"] = tracks;
        auto p = projectFromJson(json);
        QVERIFY2(p.ok(), p.error().c_str());
        const QJsonObject out = projectToJson(p.value());
        QCOMPARE(out["arranger"], json["arranger"]);
        QCOMPARE(out["tracks"].toArray()[0].toObject()["colour"].toString(), QString("#ff8800"));
    }

    /// The piece's model (Models ▸ Use for This Project) is saved in its settings and read
    /// back; a file without one (every file before it) names none.
    void modelChoiceSurvivesSaveAndLoad() {
        Project p = Project::fromSequence(threeTrackPiece());
        QVERIFY(p.settings.model.isEmpty());
        QVERIFY(!projectToJson(p)["settings"].toObject().contains("model"));
        p.settings.model = ModelChoice{"My style", QString(64, 'a'), "my-style.safetensors"};
        QTemporaryDir dir;
        QVERIFY(saveProject(dir.filePath("m.continuo"), p).ok());
        auto back = loadProject(dir.filePath("m.continuo"));
        QVERIFY2(back.ok(), back.error().c_str());
        QCOMPARE(back->settings.model, p.settings.model);
        QCOMPARE(back->settings, p.settings);
        auto old = loadProject(QStringLiteral(CONTINUO_TEST_DATA "/project-v2-two-tracks.continuo"));
        QVERIFY2(old.ok(), old.error().c_str());
        QVERIFY(old->settings.model.isEmpty());
    }

    void refusesDamageWithWhereAndWhy_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("error");
        QTest::newRow("event kind") << QByteArray(R"({"format":"continuo","version":2,"tracks":[{},{"events":[[0,"cc",0,64,127],[5,"sysex",0,0,0]]}]})")
                                    << "tracks[1].events[1]: unknown event kind \"sysex\"";
        QTest::newRow("short note") << QByteArray(R"({"format":"continuo","version":2,"tracks":[{"notes":[[0,10,60]]}]})")
                                    << "tracks[0].notes[0]: expected [start, length, pitch, velocity, channel]";
        QTest::newRow("metre") << QByteArray(R"({"format":"continuo","version":2,"timeSignatures":[{"tick":0,"numerator":3,"denominator":3}]})")
                               << "timeSignatures[0]: time signature denominator must be 1, 2, 4, 8, 16, 32 or 64";
        QTest::newRow("newer") << QByteArray(R"({"format":"continuo","version":4})")
                               << "project format version 4 is newer than this program reads (3)";
        const QByteArray track = R"({"format":"continuo","version":3,"tracks":[{},{"raw":[[0,"meta",6,"41"],%1]}]})";
        auto raw = [&](const char* row) { return QByteArray(track).replace("%1", row); };
        QTest::newRow("raw kind") << raw(R"([5,"sysx","f07e"])")
                                  << "tracks[1].raw[1]: unknown raw event kind \"sysx\" (expected meta, sysex or escape)";
        QTest::newRow("raw tick") << raw(R"([-1,"sysex","7e"])") << "tracks[1].raw[1]: tick must be 0..2^40";
        QTest::newRow("raw odd hex") << raw(R"([5,"sysex","7e7"])") << "tracks[1].raw[1]: hex string of odd length";
        QTest::newRow("raw not hex") << raw(R"([5,"escape","7g"])") << "tracks[1].raw[1]: not a hex string (0-9, a-f)";
        QTest::newRow("raw no bytes") << raw(R"([5,"sysex",126])") << "tracks[1].raw[1]: expected the bytes as a hex string";
        QTest::newRow("raw meta type") << raw(R"([5,"meta",256,""])") << "tracks[1].raw[1]: meta event type must be 0..255";
        QTest::newRow("raw meta row") << raw(R"([5,"meta","41"])") << "tracks[1].raw[1]: expected [tick, \"meta\", type, hex]";
        QTest::newRow("raw tempo") << raw(R"([5,"meta",81,"07a120"])")
                                   << "tracks[1].raw[1]: meta event type 81 (end of track, tempo or time signature) is not kept as a raw event";
        QTest::newRow("raw end of track") << raw(R"([5,"meta",47,""])")
                                          << "tracks[1].raw[1]: meta event type 47 (end of track, tempo or time signature) is not kept as a raw event";
        QTest::newRow("raw not array") << QByteArray(R"({"format":"continuo","version":3,"tracks":[{"raw":{}}]})")
                                       << "tracks[0].raw: expected an array of meta and sysex events";
        QTest::newRow("conductor") << QByteArray(R"({"format":"continuo","version":3,"conductor":[1]})")
                                   << "conductor: expected an object";
        QTest::newRow("conductor raw") << QByteArray(R"({"format":"continuo","version":3,"conductor":{"raw":[[0,"meta",89]]}})")
                                       << "conductor.raw[0]: expected [tick, \"meta\", type, hex]";
        QTest::newRow("name hex") << QByteArray(R"({"format":"continuo","version":3,"tracks":[{"name":"x","nameHex":"zz"}]})")
                                  << "tracks[0].nameHex: not a hex string (0-9, a-f)";
        // One byte more than an event may hold (kMaxRawEventBytes).
        QTest::newRow("raw too large") << raw(("[5,\"sysex\",\"" + QByteArray(2 * qsizetype(kMaxRawEventBytes) + 2, '7') + "\"]").constData())
                                       << QStringLiteral("tracks[1].raw[1]: %1 bytes, more than the %2 an event may hold")
                                              .arg(kMaxRawEventBytes + 1)
                                              .arg(kMaxRawEventBytes);
    }
    void refusesDamageWithWhereAndWhy() {
        QFETCH(QByteArray, json);
        QFETCH(QString, error);
        auto p = projectFromBytes(json);
        QVERIFY(!p.ok());
        QCOMPARE(QString::fromStdString(p.error()), error);
    }
};

QTEST_GUILESS_MAIN(TestProject)
#include "test_project.moc"
