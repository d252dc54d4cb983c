// .continuo save -> open round trip, and MIDI export read back.
#include "continuo/core/MidiFile.h"
#include "continuo/project/Project.h"
#include "document/Document.h"
#include "document/EditOperations.h"
#include "document/ProjectFile.h"
#include "document/TakeCommands.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>

using namespace continuo;
using namespace continuo::ui;

namespace {
constexpr Tick Q = kTicksPerQuarter;

void fill(Document& doc) {
    std::vector<Note> notes;
    for (int i = 0; i < 32; ++i) {
        Note n;
        n.pitch = 48 + (i * 5) % 30;
        n.start = Tick(i) * Q / 2 + (i % 3) * 7;
        n.length = Q / 3 + i;
        n.velocity = 30 + i * 3;
        notes.push_back(n);
    }
    edit::addNotes(doc, notes, "Draw");
    doc.setBpm(96);
    doc.setTimeSignature({0, 3, 4});
    Take t;
    t.id = doc.allocateTakeId();
    t.name = "Take 1";
    Note n;
    n.id = doc.allocateNoteId();
    n.pitch = 72;
    n.start = 20 * Q;
    n.length = Q;
    t.notes = {n};
    t.provenance.primerEnd = 16 * Q;
    t.provenance.modelName = "dsmr-small";
    t.provenance.modelHash = "abc123";
    t.provenance.sampling.seed = Seed::fixed(4242);
    t.provenance.sampling.temperature = 0.9;
    t.provenance.sampling.topP = 0.8;
    t.provenance.sampling.recall = 0.45;
    t.provenance.sampling.motif = 2.5;
    t.provenance.stopped = true;
    t.provenance.created = QDateTime::fromString("2025-01-02T03:04:05.000", Qt::ISODateWithMs);
    doc.undoStack()->push(new AddTakesCommand(&doc, {t}));
}

std::vector<Note> stripIds(std::vector<Note> v) {
    for (Note& n : v) {
        n.id = 0;
        n.track = 0;
    }
    return v;
}

/// Three parts as a MIDI file has them (at 480 PPQ): names, programs, pedal, pitch bend, a
/// tempo change and a metre change.
Sequence threeParts() {
    Sequence s;
    s.ticksPerQuarter = 480;
    s.tempo = TempoMap(480);
    s.tempo.setTempo(0, 600000);
    s.tempo.setTempo(8 * 480, 400000);
    s.timeSignatures = {{0, 4, 4}, {8 * 480, 3, 4}};
    const char* names[] = {"Melody", "Bridge", "Piano"};
    const int programs[] = {73, 48, 0};
    for (int k = 0; k < 3; ++k) {
        Track t;
        t.name = names[k];
        t.channel = k;
        t.program = programs[k];
        t.events.push_back({0, ChannelEvent::Kind::Program, k, programs[k], 0});
        for (int i = 0; i < 8; ++i) {
            Note n;
            n.pitch = 40 + k * 12 + i;
            n.start = i * 480 + k * 10;
            n.length = 400;
            n.velocity = 60 + i;
            n.channel = k;
            t.notes.push_back(n);
        }
        if (k == 0) t.events.push_back({480, ChannelEvent::Kind::PitchBend, 0, 0, 12000});
        if (k == 2) {
            t.events.push_back({5, ChannelEvent::Kind::Controller, 2, kSustainController, 127});
            t.events.push_back({1900, ChannelEvent::Kind::Controller, 2, kSustainController, 0});
        }
        t.sort();
        s.tracks.push_back(t);
    }
    s.updateEndTick();
    return s;
}
} // namespace

class TestProjectFile : public QObject {
    Q_OBJECT
private slots:
    void roundTrip() {
        QTemporaryDir dir;
        Document a;
        fill(a);
        PieceSettings s;
        s.sampling.temperature = 0.7;
        s.sampling.variations = 5;
        s.sampling.seed = Seed::fixed(99);
        s.sampling.recall = 0.6;
        s.sampling.motif = 3.5;
        const QString path = dir.filePath("piece.continuo");
        QVERIFY(ProjectFile::save(path, a, s).ok());
        Document b;
        PieceSettings s2;
        auto r = ProjectFile::load(path, b, &s2);
        QVERIFY2(r.ok(), r.error().c_str());
        QCOMPARE(s2, s);
        QCOMPARE(stripIds(b.notes()), stripIds(a.notes()));
        QCOMPARE(b.bpm(), 96.0);
        QCOMPARE(b.timeSignature().numerator, 3);
        QCOMPARE(b.takes().size(), 1u);
        QCOMPARE(b.takes()[0].name, QString("Take 1"));
        QCOMPARE(b.takes()[0].provenance.sampling.seed.value(), 4242u);
        QCOMPARE(b.takes()[0].provenance.modelHash, QString("abc123"));
        QCOMPARE(b.takes()[0].provenance, a.takes()[0].provenance); // every field, "stopped" too
        QCOMPARE(stripIds(b.takes()[0].notes), stripIds(a.takes()[0].notes));
        QVERIFY(!b.isModified());
    }

    void infillTakeKeepsItsGap() {
        Document a;
        fill(a);
        Take t;
        t.id = a.allocateTakeId();
        t.name = "Fill 1";
        Note n;
        n.id = a.allocateNoteId();
        n.pitch = 67;
        n.start = 4 * Q + 30;
        n.length = Q / 2;
        t.notes = {n};
        TakeProvenance& p = t.provenance;
        p.primerStart = 0;
        p.primerEnd = 4 * Q;
        p.sampling.seed = Seed::fixed(9);
        p.variation = 2;
        p.infill = true;
        p.gapStart = 4 * Q;
        p.gapEnd = 6 * Q + 15;
        p.score = 2.718281828459045;
        p.originalScore = 2.5;
        p.scoredTokens = 321;
        p.created = QDateTime::fromString("2025-01-02T03:04:05.000", Qt::ISODateWithMs);
        a.undoStack()->push(new AddTakesCommand(&a, {t}));
        const QJsonObject json = project::projectToJson(a.toProject());
        // A continuation's provenance has no gap; an infill take's has.
        const QJsonArray takes = json["takes"].toArray();
        QVERIFY(!takes[0].toObject()["provenance"].toObject().contains("infill"));
        QCOMPARE(takes[1].toObject()["provenance"].toObject()["infill"].toObject()["gapEnd"].toInteger(), 6 * Q + 15);
        auto back = project::projectFromJson(json);
        QVERIFY2(back.ok(), back.error().c_str());
        QCOMPARE(back->takes.size(), 2u);
        QVERIFY(!back->takes[0].provenance.infill);
        QCOMPARE(back->takes[1].provenance, a.takes()[1].provenance); // gap and scores too
        // A file at another resolution: the gap is rescaled with the notes.
        QJsonObject half = json;
        half["ticksPerQuarter"] = int(Q / 2);
        auto rescaled = project::projectFromJson(half);
        QVERIFY2(rescaled.ok(), rescaled.error().c_str());
        QCOMPARE(rescaled->takes[1].provenance.gapStart, 8 * Q);
        QCOMPARE(rescaled->takes[1].provenance.gapEnd, 12 * Q + 30);
        QCOMPARE(rescaled->takes[1].notes.front().start, 8 * Q + 60);
    }

    void loopAndSamplingEdgesRoundTrip() {
        // Values at the edge of their "unset" default: a loop switched off (or on), a take
        // sampled with top-k 1 (greedy). Each comes back as saved.
        Document a;
        fill(a);
        for (bool enabled : {false, true}) {
            project::Project p = a.toProject();
            p.hasLoop = true;
            p.loop = {2 * Q, 10 * Q, enabled};
            QCOMPARE(p.takes.size(), 1u);
            p.takes[0].provenance.sampling.topK = 1;
            auto back = project::projectFromJson(project::projectToJson(p));
            QVERIFY2(back.ok(), back.error().c_str());
            QVERIFY(back->hasLoop);
            QCOMPARE(back->loop, p.loop);
            QCOMPARE(back->takes.size(), 1u);
            QCOMPARE(back->takes[0].provenance.sampling.topK, 1);
            QCOMPARE(back->takes[0].provenance, p.takes[0].provenance);
        }
    }

    void takesTreeRoundTrips() {
        Document a;
        fill(a);
        // Take 1 continued the sketch; two takes continued from it, one more from one of those.
        auto add = [&a](const QString& name, TakeId parent) {
            Take t;
            t.id = a.allocateTakeId();
            t.name = name;
            t.provenance.parentTake = parent;
            a.undoStack()->push(new AddTakesCommand(&a, {t}));
            return t.id;
        };
        const TakeId first = a.takes()[0].id;
        const TakeId b = add("Take 2", first);
        const TakeId c = add("Take 3", first);
        const TakeId d = add("Take 4", c);
        const QJsonObject json = project::projectToJson(a.toProject());
        // Takes of the sketch name no parent: their files stay as they were.
        const QJsonArray takes = json["takes"].toArray();
        QVERIFY(!takes[0].toObject()["provenance"].toObject().contains("parentTake"));
        QCOMPARE(takes[3].toObject()["provenance"].toObject()["parentTake"].toString(), QString::number(c));
        Document back;
        auto r = ProjectFile::fromJson(json, back);
        QVERIFY2(r.ok(), r.error().c_str());
        QCOMPARE(back.take(first)->provenance.parentTake, TakeId(0));
        QCOMPARE(back.take(b)->provenance.parentTake, first);
        QCOMPARE(back.take(d)->provenance.parentTake, c);
        QCOMPARE(back.childTakes(first), (std::vector<TakeId>{b, c}));
        QCOMPARE(back.takes(), a.takes());

        // Files that name a parent that is not there, or a cycle, are refused with the place.
        auto withParent = [&json](int take, const QJsonValue& parent) {
            QJsonObject j = json;
            QJsonArray ts = j["takes"].toArray();
            QJsonObject t = ts[take].toObject();
            QJsonObject prov = t["provenance"].toObject();
            prov["parentTake"] = parent;
            t["provenance"] = prov;
            ts[take] = t;
            j["takes"] = ts;
            return project::projectFromJson(j);
        };
        auto missing = withParent(1, "77");
        QVERIFY(!missing.ok());
        QCOMPARE(QString::fromStdString(missing.error()), QStringLiteral("takes[1].provenance.parentTake: no take with id 77"));
        auto notAnId = withParent(1, 3);
        QVERIFY(!notAnId.ok());
        QCOMPARE(QString::fromStdString(notAnId.error()),
                 QStringLiteral("takes[1].provenance.parentTake: expected a take id (a string of digits)"));
        auto cycle = withParent(0, QString::number(d)); // Take 1 under its own grandchild
        QVERIFY(!cycle.ok());
        QVERIFY2(QString::fromStdString(cycle.error()).contains("is its own ancestor"), cycle.error().c_str());
        auto self = withParent(2, QString::number(c));
        QVERIFY(!self.ok());
        QVERIFY2(QString::fromStdString(self.error()).startsWith("takes[2].provenance.parentTake: take"), self.error().c_str());

        // A take whose parent is not in the document is saved under the sketch: the file opens.
        Take orphan;
        orphan.id = a.allocateTakeId();
        orphan.name = "Orphan";
        orphan.provenance.parentTake = 999;
        a.insertTake(int(a.takes().size()), orphan);
        QCOMPARE(a.childTakes(0).back(), orphan.id);
        const project::Project saved = a.toProject();
        QCOMPARE(saved.takes.back().provenance.parentTake, TakeId(0));
        QVERIFY(project::projectFromJson(project::projectToJson(saved)).ok());
    }

    void rejectsGarbage() {
        QTemporaryDir dir;
        const QString path = dir.filePath("bad.continuo");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"format\": \"continuo\", \"notes\": 5");
        f.close();
        Document doc;
        auto r = ProjectFile::load(path, doc);
        QVERIFY(!r.ok());
        QVERIFY(QString::fromStdString(r.error()).contains("bad.continuo"));
    }

    void refusesNotesBeyondTheTickRange() {
        // start + length of these would overflow a Tick (found by fuzz_project_file).
        const QJsonObject json = QJsonDocument::fromJson(
            R"({"format":"continuo","version":1,"notes":[[0,10,60,100,0],[9000000000000000000,9000000000000000000,60,100,0]]})").object();
        Document doc;
        auto r = ProjectFile::fromJson(json, doc);
        QVERIFY(!r.ok());
        QCOMPARE(QString::fromStdString(r.error()), QStringLiteral("notes[1]: start and length must be below 2^40 ticks"));
    }

    void versionOneProjectOpens() {
        // Written by the notes-only format (version 1) with make_demo_project.
        Document doc;
        PieceSettings s;
        auto r = ProjectFile::load(QStringLiteral(CONTINUO_TEST_DATA "/project-v1-demo.continuo"), doc, &s);
        QVERIFY2(r.ok(), r.error().c_str());
        QCOMPARE(doc.title(), QString("Demo: motif and three takes"));
        QCOMPARE(doc.notes().size(), 26u);
        QCOMPARE(doc.tracks().size(), 1u);
        QCOMPARE(doc.notes().front().track, doc.tracks().front().id);
        QCOMPARE(doc.bpm(), 96.0);
        QCOMPARE(doc.takes().size(), 3u);
        QCOMPARE(doc.takes()[2].name, QString("Take 3"));
        // Files from before the takes tree: every take continued the sketch.
        for (const Take& t : doc.takes()) QCOMPARE(t.provenance.parentTake, TakeId(0));
        // ... and before recall: none of them recalled anything; the piece's setting is the default.
        for (const Take& t : doc.takes()) QCOMPARE(t.provenance.sampling.recall, kRecallOfUnrecordedTakes);
        QCOMPARE(s.sampling.recall, kDefaultRecall);
        // ... and before the motif guide: no take was guided; the piece's setting is the default.
        for (const Take& t : doc.takes()) QCOMPARE(t.provenance.sampling.motif, kMotifOfUnrecordedTakes);
        QCOMPARE(s.sampling.motif, kDefaultMotif);
        QCOMPARE(doc.childTakes(0).size(), 3u);
        QCOMPARE(s.sampling.seed, Seed::fixed(271828));
        QVERIFY(!doc.isModified());
        // Keeping a take still works on an old project, and its notes get ids of their own.
        doc.undoStack()->push(makeKeepTakeCommand(&doc, doc.takes()[0].id));
        QCOMPARE(doc.notes().size(), 26u + 30u);
        // ... on a track of its own, named after the take.
        QCOMPARE(doc.tracks().size(), 2u);
        QCOMPARE(doc.tracks()[1].name, std::string("Take 1"));
        const auto onTrack = std::count_if(doc.notes().begin(), doc.notes().end(),
                                           [&](const Note& n) { return n.track == doc.tracks()[1].id; });
        QCOMPARE(onTrack, 30);
        QCOMPARE(doc.toSequence().tracks.size(), 2u);
        doc.undoStack()->undo();
        QCOMPARE(doc.tracks().size(), 1u);
        QCOMPARE(doc.notes().size(), 26u);
        QCOMPARE(doc.takes().size(), 3u);
    }

    void tracksAndControllersSurviveTheDocument() {
        QTemporaryDir dir;
        const QString mid = dir.filePath("parts.mid");
        const Sequence original = threeParts();
        QVERIFY(writeMidiFile(mid.toStdString(), original, {1, 480}).ok());
        auto p = project::openProjectOrMidi(mid);
        QVERIFY2(p.ok(), p.error().c_str());
        Document doc;
        doc.reset(p.value());
        QCOMPARE(doc.tracks().size(), 3u);
        QCOMPARE(doc.tracks()[1].name, std::string("Bridge"));
        QCOMPARE(doc.tracks()[0].program, 73);
        QCOMPARE(doc.timeSignatures().size(), 2u);
        // An edit keeps each note in its track.
        edit::selectAll(doc);
        QVERIFY(edit::transposeSelection(doc, 2));
        for (const Note& n : doc.notes()) QCOMPARE(n.track, doc.tracks()[std::size_t(n.channel)].id);
        doc.undoStack()->undo();
        // Saved and opened again, then exported: the parts are all there, muted ones too.
        const QString path = dir.filePath("parts.continuo");
        QVERIFY(ProjectFile::save(path, doc).ok());
        Document again;
        QVERIFY(ProjectFile::load(path, again).ok());
        again.setTrackMuted(again.tracks()[1].id, true);
        QCOMPARE(again.toSequence(false, true).tracks.size(), 2u); // what playback plays
        const QString out = dir.filePath("out.mid");
        QVERIFY(project::saveProjectOrMidi(out, again.toProject()).ok());
        auto back = readMidiFile(out.toStdString());
        QVERIFY2(back.ok(), back.error().c_str());
        const Sequence& got = back->sequence;
        QCOMPARE(got.ticksPerQuarter, 480); // the resolution of the file it came from
        QCOMPARE(got.tempo.changes(), original.tempo.changes());
        QCOMPARE(got.timeSignatures, original.timeSignatures);
        QCOMPARE(got.tracks.size(), 3u);
        for (std::size_t k = 0; k < 3; ++k) {
            QCOMPARE(got.tracks[k].name, original.tracks[k].name);
            QCOMPARE(got.tracks[k].program, original.tracks[k].program);
            QCOMPARE(got.tracks[k].notes, original.tracks[k].notes);
            QCOMPARE(got.tracks[k].events, original.tracks[k].events);
        }
        // Export from the roll's own path (Document::toSequence at 960 PPQ) holds the same.
        const Sequence direct = again.toSequence().rescaled(480);
        QCOMPARE(direct.tracks.size(), 3u);
        QCOMPARE(direct.tracks[2].events, original.tracks[2].events);
        QCOMPARE(stripIds(direct.tracks[0].notes), original.tracks[0].notes);
    }

    void exportMidiReadsBackEqual_data() {
        QTest::addColumn<int>("format");
        QTest::addColumn<int>("ppq");
        QTest::newRow("type 1, 960") << 1 << 960;
        QTest::newRow("type 0, 960") << 0 << 960;
        QTest::newRow("type 1, 480") << 1 << 480;
    }
    void exportMidiReadsBackEqual() {
        QFETCH(int, format);
        QFETCH(int, ppq);
        QTemporaryDir dir;
        Document doc;
        fill(doc);
        const std::string path = dir.filePath("out.mid").toStdString();
        MidiWriteOptions opt;
        opt.format = format;
        opt.ticksPerQuarter = ppq;
        QVERIFY(writeMidiFile(path, doc.toSequence(), opt).ok());
        auto back = readMidiFile(path);
        QVERIFY2(back.ok(), back.error().c_str());
        QCOMPARE(back->info.format, format);
        Document reread;
        reread.reset(back->sequence);
        auto expected = stripIds(doc.notes());
        if (ppq != 960) // the writer rounds to the coarser grid: compare at that grid
            for (Note& n : expected) {
                const Tick s = rescaleTick(rescaleTick(n.start, 960, ppq), ppq, 960);
                const Tick e = rescaleTick(rescaleTick(n.end(), 960, ppq), ppq, 960);
                n.start = s;
                n.length = e - s;
            }
        std::sort(expected.begin(), expected.end(), noteLess);
        QCOMPARE(stripIds(reread.notes()), expected);
        QCOMPARE(reread.bpm(), 96.0);
        QCOMPARE(reread.timeSignature().numerator, 3);
    }
};

QTEST_GUILESS_MAIN(TestProjectFile)
#include "test_project_file.moc"
