// continuo-cli infill as a user runs it: notes outside the gap and every other event come back
// unchanged, the gap gets the model's notes, the same seed gives the same file, and --json
// lists every candidate with its score, best first.
#include "continuo/core/MidiFile.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace continuo;

namespace {
struct Run {
    int status = -1;
    QString out, err;
};

Run cli(const QStringList& args) {
    QProcess p;
    p.start(QStringLiteral(CONTINUO_CLI_PATH), args);
    Run r;
    if (!p.waitForFinished(180000) || p.exitStatus() != QProcess::NormalExit) return r;
    r.status = p.exitCode();
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

const QString kModel = QStringLiteral(CONTINUO_SOURCE_DIR "/resources/models/continuo-default.safetensors");

/// Two parts at 384 PPQ, 90 BPM: a piano line with sustain pedal every bar, and a second
/// track with its own name, program and pitch bend; 24 s long.
Sequence piece() {
    Sequence s;
    s.ticksPerQuarter = 384;
    s.tempo = TempoMap(384);
    s.tempo.setTempo(0, 60e6 / 90);
    Track piano;
    piano.name = "Piano";
    for (int i = 0; i < 144; ++i) {
        Note n;
        n.pitch = 48 + (i * 7) % 29;
        n.start = Tick(i) * 96;
        n.length = 90 + (i % 3) * 40;
        n.velocity = 50 + (i * 13) % 60;
        piano.notes.push_back(n);
        if (i % 8 == 0) {
            piano.events.push_back({Tick(i) * 96, ChannelEvent::Kind::Controller, 0, kSustainController, 127});
            piano.events.push_back({Tick(i) * 96 + 700, ChannelEvent::Kind::Controller, 0, kSustainController, 0});
        }
    }
    Track other;
    other.name = "Strings";
    other.channel = 1;
    other.program = 48;
    other.events.push_back({0, ChannelEvent::Kind::Program, 1, 48, 0});
    for (int i = 0; i < 12; ++i) {
        Note n;
        n.pitch = 60 + i % 5;
        n.channel = 1;
        n.start = Tick(i) * 1152;
        n.length = 1000;
        n.velocity = 70;
        other.notes.push_back(n);
        other.events.push_back({Tick(i) * 1152 + 10, ChannelEvent::Kind::PitchBend, 1, 0, 8192 + i * 100});
    }
    piano.sort();
    other.sort();
    s.tracks = {piano, other};
    s.updateEndTick();
    return s;
}

bool sameNote(const Note& a, const Note& b) {
    return a.pitch == b.pitch && a.start == b.start && a.length == b.length && a.velocity == b.velocity &&
           a.channel == b.channel;
}
} // namespace

class TestCliInfill : public QObject {
    Q_OBJECT
    QTemporaryDir dir;

private slots:
    void initTestCase() {
        if (!QFile::exists(kModel)) QSKIP(qPrintable("the bundled model is not at " + kModel));
        QVERIFY(writeMidiFile(dir.filePath("in.mid").toStdString(), piece(), {1, 384}).ok());
    }

    void keepsEverythingOutsideTheGap() {
        const QString in = dir.filePath("in.mid"), out = dir.filePath("out.mid");
        auto r = cli({"infill", in, "--from", "8", "--to", "14", "-o", out, "--seed", "21", "--candidates", "3",
                      "--model", kModel, "--json"});
        QVERIFY2(r.status == 0, qPrintable(r.err));
        auto original = readMidiFile(in.toStdString());
        auto filled = readMidiFile(out.toStdString());
        QVERIFY(original.ok() && filled.ok());
        const Sequence& a = original->sequence;
        const Sequence& b = filled->sequence;
        QCOMPARE(b.ticksPerQuarter, a.ticksPerQuarter);
        QCOMPARE(b.tracks.size(), a.tracks.size());
        const Tick from = a.tempo.tickAt(8), to = a.tempo.tickAt(14);
        auto inGap = [&](const Note& n) { return n.start >= from && n.start < to; };
        int written = 0, replaced = 0;
        for (std::size_t t = 0; t < a.tracks.size(); ++t) {
            QCOMPARE(b.tracks[t].name, a.tracks[t].name);
            QCOMPARE(b.tracks[t].events, a.tracks[t].events); // pedal, program, pitch bend untouched
            std::vector<Note> keptA, keptB;
            for (const Note& n : a.tracks[t].notes) (inGap(n) ? ++replaced : (keptA.push_back(n), 0));
            for (const Note& n : b.tracks[t].notes) (inGap(n) ? ++written : (keptB.push_back(n), 0));
            QCOMPARE(keptB.size(), keptA.size());
            for (std::size_t i = 0; i < keptA.size(); ++i) QVERIFY(sameNote(keptA[i], keptB[i]));
        }
        QVERIFY(replaced > 0);
        QVERIFY2(written > 0, "the gap got no notes");
        const auto j = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(j["replaced_notes"].toInt(), replaced);
        QCOMPARE(j["written_notes"].toInt(), written);
        const auto cands = j["candidates"].toArray();
        QCOMPARE(cands.size(), 3);
        for (int i = 1; i < cands.size(); ++i)
            QVERIFY(cands[i - 1].toObject()["after_nll"].toDouble() <= cands[i].toObject()["after_nll"].toDouble());
        QCOMPARE(j["chosen"].toInt(), cands[0].toObject()["candidate"].toInt());
        QVERIFY(cands[0].toObject()["after_tokens"].toInt() > 0);

        // The same seed writes the same file; another seed another fill.
        QCOMPARE(cli({"infill", in, "--from", "8", "--to", "14", "-o", dir.filePath("again.mid"), "--seed", "21",
                      "--candidates", "3", "--model", kModel}).status, 0);
        QFile f1(out), f2(dir.filePath("again.mid"));
        QVERIFY(f1.open(QIODevice::ReadOnly) && f2.open(QIODevice::ReadOnly));
        QCOMPARE(f1.readAll(), f2.readAll());
        QCOMPARE(cli({"infill", in, "--from", "8", "--to", "14", "-o", dir.filePath("other.mid"), "--seed", "22",
                      "--candidates", "3", "--model", kModel}).status, 0);
        QFile f3(dir.filePath("other.mid"));
        QVERIFY(f3.open(QIODevice::ReadOnly));
        f1.seek(0);
        QVERIFY(f1.readAll() != f3.readAll());
    }

    void refusesBadInput() {
        const QString in = dir.filePath("in.mid");
        QCOMPARE(cli({"infill", in, "--from", "5", "--to", "5", "-o", dir.filePath("x.mid"), "--model", kModel}).status, 2);
        QCOMPARE(cli({"infill", in, "--from", "500", "--to", "506", "-o", dir.filePath("x.mid"), "--model", kModel}).status, 2);
        QCOMPARE(cli({"infill", in, "--to", "6", "-o", dir.filePath("x.mid")}).status, 2);
        QFile junk(dir.filePath("junk.mid"));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("not a midi file at all");
        junk.close();
        auto r = cli({"infill", dir.filePath("junk.mid"), "--from", "1", "--to", "2", "-o", dir.filePath("x.mid"), "--model", kModel});
        QCOMPARE(r.status, 2);
        QVERIFY(!r.err.isEmpty());
        QVERIFY(!QFile::exists(dir.filePath("x.mid")));
    }
};

QTEST_GUILESS_MAIN(TestCliInfill)
#include "test_cli_infill.moc"
