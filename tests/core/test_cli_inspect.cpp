// continuo-cli as a user runs it: --version, --help, and inspect (text, --json, errors and
// their exit status), on files written for the test and on a MAESTRO file.
#include "MaestroFiles.h"
#include "SmfBytes.h"

#include "continuo/core/MidiFile.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace continuo;

namespace {

struct Run {
    int status = -1;
    QString out;
    QString err;
};

Run cli(const QStringList& args) {
    QProcess p;
    p.start(QStringLiteral(CONTINUO_CLI_PATH), args);
    Run r;
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit) return r;
    r.status = p.exitCode();
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

/// 480 PPQ, 100 BPM then 150 BPM at tick 1920, 3/4 then 6/8 at 1440; three notes.
Sequence sample() {
    Sequence s;
    s.ticksPerQuarter = 480;
    s.tempo = TempoMap(480);
    s.tempo.setTempo(0, 600000.0);
    s.tempo.setTempo(1920, 400000.0);
    s.timeSignatures = {TimeSignature{0, 3, 4}, TimeSignature{1440, 6, 8}};
    Track t;
    for (int i = 0; i < 3; ++i) {
        Note n;
        n.pitch = 60 + i;
        n.start = 960 * i;
        n.length = 960;
        t.notes.push_back(n);
    }
    s.tracks = {t};
    s.updateEndTick();
    return s;
}

} // namespace

class TestCliInspect : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void version();
    void help();
    void usageErrors_data();
    void usageErrors();
    void inspectText();
    void inspectJson();
    void badFiles_data();
    void badFiles();
    void repairedFilesWarn();
    void maestroFileAgreesWithReader();

  private:
    QTemporaryDir dir_;
    QString sample_;
};

void TestCliInspect::initTestCase() {
    QVERIFY(dir_.isValid());
    sample_ = dir_.filePath("sample.mid");
    auto written = writeMidiFile(sample_.toStdString(), sample());
    QVERIFY2(written.ok(), written.error().c_str());
}

void TestCliInspect::version() {
    const Run r = cli({"--version"});
    QCOMPARE(r.status, 0);
    QCOMPARE(r.out.trimmed(), QStringLiteral("continuo-cli " CONTINUO_PROJECT_VERSION));
}

void TestCliInspect::help() {
    const Run r = cli({"--help"});
    QCOMPARE(r.status, 0);
    QVERIFY(r.out.startsWith("Usage: continuo-cli COMMAND"));
    QVERIFY2(r.out.contains(QRegularExpression("\\n  inspect +show a MIDI file")),
             qPrintable(r.out));
    const Run sub = cli({"inspect", "--help"});
    QCOMPARE(sub.status, 0);
    QVERIFY2(sub.out.startsWith("Usage: continuo-cli inspect [options] FILE"), qPrintable(sub.out));
    QVERIFY(sub.out.contains("--json"));
}

void TestCliInspect::usageErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("no command") << QStringList{} << "Usage: continuo-cli";
    QTest::newRow("unknown command") << QStringList{"frobnicate"} << "unknown command 'frobnicate'";
    QTest::newRow("inspect without a file")
        << QStringList{"inspect"} << "expected exactly one FILE";
    QTest::newRow("inspect with two files")
        << QStringList{"inspect", "a.mid", "b.mid"} << "expected exactly one FILE";
    QTest::newRow("unknown option")
        << QStringList{"inspect", "--frob", "a.mid"} << "Unknown option 'frob'";
}

void TestCliInspect::usageErrors() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const Run r = cli(args);
    QCOMPARE(r.status, 2);
    QVERIFY2((r.out + r.err).contains(message), qPrintable(r.out + r.err));
}

void TestCliInspect::inspectText() {
    const Run r = cli({"inspect", sample_});
    QCOMPARE(r.status, 0);
    QVERIFY(r.err.isEmpty());
    // 1920 ticks at 100 BPM (2.4 s) + 960 at 150 BPM (0.8 s).
    for (const char* line :
         {"format:          1", "tracks:          2", "ppq:             480", "notes:           3",
          "duration:        3.200 s (2880 ticks)", "tempo changes:   2",
          "  tick 0 (0.000 s): 100.000 BPM (600000 us per quarter)",
          "  tick 1920 (2.400 s): 150.000 BPM (400000 us per quarter)", "time signatures: 2",
          "  tick 0: 3/4", "  tick 1440: 6/8"})
        QVERIFY2(r.out.contains(QLatin1String(line) + '\n'),
                 qPrintable(QLatin1String(line) + " missing in:\n" + r.out));
}

void TestCliInspect::inspectJson() {
    const Run r = cli({"inspect", "--json", sample_});
    QCOMPARE(r.status, 0);
    QCOMPARE(r.out.count('\n'), 1); // one object on one line
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(r.out.toUtf8(), &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QVERIFY(doc.isObject());
    const QJsonObject o = doc.object();
    QCOMPARE(o["file"].toString(), sample_);
    QCOMPARE(o["format"].toInt(), 1);
    QCOMPARE(o["tracks"].toInt(), 2);
    QCOMPARE(o["ppq"].toInt(), 480);
    QCOMPARE(o["smpte"].toBool(), false);
    QCOMPARE(o["notes"].toInt(), 3);
    QCOMPARE(o["endTick"].toInt(), 2880);
    QVERIFY(qAbs(o["durationSeconds"].toDouble() - 3.2) < 1e-12);
    const QJsonArray tempos = o["tempoChanges"].toArray();
    QCOMPARE(tempos.size(), 2);
    QCOMPARE(tempos[1].toObject()["tick"].toInt(), 1920);
    QCOMPARE(tempos[1].toObject()["bpm"].toDouble(), 150.0);
    QCOMPARE(tempos[1].toObject()["microsPerQuarter"].toDouble(), 400000.0);
    QVERIFY(qAbs(tempos[1].toObject()["seconds"].toDouble() - 2.4) < 1e-12);
    const QJsonArray signatures = o["timeSignatures"].toArray();
    QCOMPARE(signatures.size(), 2);
    QCOMPARE(signatures[1].toObject()["numerator"].toInt(), 6);
    QCOMPARE(signatures[1].toObject()["denominator"].toInt(), 8);
    QCOMPARE(o["warnings"].toArray().size(), 0);
}

void TestCliInspect::badFiles_data() {
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("message");
    QTest::newRow("not a MIDI file")
        << QByteArray("hello, world") << "byte 0: expected the header chunk 'MThd'";
    QTest::newRow("length past the end of a middle track")
        << smf::header(1, 2, 96) + "MTrk" + smf::be(100, 4) + smf::endOfTrack() +
               smf::track(QByteArray())
        << "byte 18: track 1 claims 100 bytes but only 16 remain, and another track chunk";
    QTest::newRow("unknown format")
        << smf::header(9, 1, 96) + smf::track(QByteArray()) << "byte 8: unknown MIDI file format 9";
}

void TestCliInspect::badFiles() {
    QFETCH(QByteArray, content);
    QFETCH(QString, message);
    const QString path = dir_.filePath("bad.mid");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(content);
    f.close();
    for (const QStringList& args :
         {QStringList{"inspect", path}, QStringList{"inspect", "--json", path}}) {
        const Run r = cli(args);
        QCOMPARE(r.status, 2);
        QVERIFY(r.out.isEmpty());
        QVERIFY2(r.err.startsWith("continuo-cli inspect: " + path + ": " + message),
                 qPrintable(r.err));
    }
    const Run missing = cli({"inspect", dir_.filePath("missing.mid")});
    QCOMPARE(missing.status, 2);
    QVERIFY2(missing.err.contains("cannot open"), qPrintable(missing.err));
}

void TestCliInspect::repairedFilesWarn() {
    // A stray timing clock (byte 27) and a last track one byte short (its end-of-track
    // event, at byte 32, has lost its length byte): read, with a warning for each.
    const QByteArray full =
        smf::file0(smf::bytes({0x00, 0x90, 60, 100, 0x00, 0xF8, 0x10, 0x80, 60, 0}));
    const QString path = dir_.filePath("repaired.mid");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(full.left(full.size() - 1));
    f.close();
    const QStringList expected{
        "track 1 claims 14 bytes but only 13 remain (the file is truncated) at byte 18",
        "track 1 ends at byte 32: the event there is cut off by the end of the file (unexpected "
        "end of data, expected a meta event length)",
        "track 1: skipped 1 stray system message(s) 0xF8 (first at byte 27)"};

    const Run json = cli({"inspect", "--json", path});
    QCOMPARE(json.status, 0);
    const QJsonObject o = QJsonDocument::fromJson(json.out.toUtf8()).object();
    QCOMPARE(o["notes"].toInt(), 1);
    QStringList warnings;
    for (const QJsonValue& w : o["warnings"].toArray())
        warnings << w.toString();
    QCOMPARE(warnings, expected);

    const Run text = cli({"inspect", path});
    QCOMPARE(text.status, 0);
    QVERIFY2(text.out.contains("notes:           1\n"), qPrintable(text.out));
    for (const QString& w : expected)
        QVERIFY2(text.out.contains("warning:         " + w + '\n'), qPrintable(text.out));
}

void TestCliInspect::maestroFileAgreesWithReader() {
    QStringList files;
    CONTINUO_MAESTRO_OR_SKIP(files);
    const QString path = files.front();
    auto read = readMidiFile(path.toStdString());
    QVERIFY2(read.ok(), read.error().c_str());
    const Run r = cli({"inspect", "--json", path});
    QCOMPARE(r.status, 0);
    const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(o["notes"].toInteger(), qint64(read->sequence.noteCount()));
    QCOMPARE(o["ppq"].toInt(), read->sequence.ticksPerQuarter);
    QCOMPARE(o["durationSeconds"].toDouble(), read->sequence.durationSeconds());
}

QTEST_GUILESS_MAIN(TestCliInspect)
#include "test_cli_inspect.moc"
