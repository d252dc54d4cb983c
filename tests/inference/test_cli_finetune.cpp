// continuo-cli finetune as a musician's scripts run it: the scan names every file it leaves out
// and why, too little data and a model of another vocabulary get clear errors, a job stopped by
// a signal resumes to exactly the model an uninterrupted job writes, and the model it started
// from is never touched.
#include "../core/MaestroFiles.h"
#include "continuo/core/MidiFile.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace continuo;

namespace {
struct Run {
    int status = -1;
    QString out, err;
    std::vector<QJsonObject> events; ///< --events lines, in order
};

Run finish(QProcess& p, int timeoutMs = 600000) {
    Run r;
    if (!p.waitForFinished(timeoutMs) || p.exitStatus() != QProcess::NormalExit) return r;
    r.status = p.exitCode();
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    for (const QString& line : r.out.split('\n', Qt::SkipEmptyParts))
        r.events.push_back(QJsonDocument::fromJson(line.toUtf8()).object());
    return r;
}

Run cli(const QStringList& args) {
    QProcess p;
    p.start(QStringLiteral(CONTINUO_CLI_PATH), args);
    return finish(p);
}

const QString kModel = QStringLiteral(CONTINUO_SOURCE_DIR "/resources/models/continuo-default.safetensors");

QByteArray sha256(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256).toHex();
}

/// The checksum of a model file's weights (its data section), which its header records: two
/// files with other names or commands in their metadata hold the same weights when these match.
QString weightsSha256(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    const QByteArray length = f.read(8);
    if (length.size() != 8) return {};
    quint64 n = 0;
    for (int i = 7; i >= 0; --i) n = n << 8 | quint8(length[i]);
    const QJsonObject header = QJsonDocument::fromJson(f.read(qint64(n))).object();
    return header["__metadata__"].toObject()["data_sha256"].toString();
}

/// The first `seconds` of a MAESTRO performance, written to `path`: short pieces keep the
/// held-out validations quick.
bool writeOpening(const QString& from, const QString& path, double seconds) {
    auto midi = readMidiFile(from.toStdString());
    if (!midi) return false;
    Sequence s = midi->sequence;
    for (Track& t : s.tracks) {
        std::erase_if(t.notes, [&](const Note& n) { return s.tempo.secondsAt(n.start) > seconds; });
        std::erase_if(t.events, [&](const ChannelEvent& e) { return s.tempo.secondsAt(e.tick) > seconds; });
    }
    s.endTick = 0;
    s.updateEndTick();
    return bool(writeMidiFile(path.toStdString(), s));
}

/// A file of one instrument (GM `program`, on `channel`): drums on channel 10, or strings.
bool writeInstrument(const QString& path, int channel, int program) {
    Sequence s;
    Track t;
    t.channel = channel;
    t.program = program;
    if (channel != 9) t.events.push_back({0, ChannelEvent::Kind::Program, channel, program, 0});
    for (int i = 0; i < 32; ++i) {
        Note n;
        n.pitch = channel == 9 ? 36 + i % 4 : 60 + i % 12;
        n.channel = channel;
        n.start = Tick(i) * 240;
        n.length = 200;
        t.notes.push_back(n);
    }
    s.tracks = {t};
    s.updateEndTick();
    return bool(writeMidiFile(path.toStdString(), s));
}

QString reasonFor(const QJsonObject& scan, const QString& name) {
    for (const auto& v : scan["skipped"].toArray())
        if (v.toObject()["path"].toString().endsWith(name)) return v.toObject()["reason"].toString();
    return {};
}
} // namespace

class TestCliFinetune : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString folder_; ///< four short MAESTRO performances

private slots:
    void initTestCase() {
        QStringList files;
        CONTINUO_MAESTRO_OR_SKIP(files);
        QVERIFY(dir_.isValid());
        folder_ = dir_.filePath("mine");
        QVERIFY(QDir().mkpath(folder_));
        for (int i = 0; i < 4; ++i)
            QVERIFY(writeOpening(files[i * 97 % files.size()], folder_ + QString("/piece%1.mid").arg(i), 40));
    }

    void scanNamesWhatItLeavesOut() {
        const QString mixed = dir_.filePath("mixed");
        QVERIFY(QDir().mkpath(mixed + "/sub"));
        QVERIFY(QFile::copy(folder_ + "/piece0.mid", mixed + "/sub/piano.mid"));
        QVERIFY(writeInstrument(mixed + "/drums.mid", 9, 0));
        QVERIFY(writeInstrument(mixed + "/strings.mid", 0, 40));
        QFile corrupt(mixed + "/corrupt.mid");
        QVERIFY(corrupt.open(QIODevice::WriteOnly));
        corrupt.write("MThd\0\0\0\6garbage", 16);
        corrupt.close();
        const Run r = cli({"finetune", mixed, "--scan", "--json"});
        QCOMPARE(r.status, 0);
        const QJsonObject scan = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(scan["pieces"].toArray().size(), 1);
        QVERIFY(scan["pieces"][0]["path"].toString().endsWith("sub/piano.mid"));
        QVERIFY(scan["total_seconds"].toDouble() > 30);
        QVERIFY2(reasonFor(scan, "drums.mid").contains("drums"), qPrintable(reasonFor(scan, "drums.mid")));
        QVERIFY2(reasonFor(scan, "strings.mid").contains("Strings"), qPrintable(reasonFor(scan, "strings.mid")));
        QVERIFY2(reasonFor(scan, "corrupt.mid").startsWith("cannot be read"), qPrintable(reasonFor(scan, "corrupt.mid")));
        // Teaching from it is refused: one piece is too little.
        const Run teach = cli({"finetune", mixed, "-o", dir_.filePath("x.safetensors"), "--base", kModel});
        QCOMPARE(teach.status, 2);
        QVERIFY2(teach.err.contains("at least 3"), qPrintable(teach.err));
        QVERIFY(!QFile::exists(dir_.filePath("x.safetensors")));
    }

    void badInputGetsAClearAnswer() {
        const QString empty = dir_.filePath("empty");
        QVERIFY(QDir().mkpath(empty));
        Run r = cli({"finetune", empty, "-o", dir_.filePath("e.safetensors"), "--base", kModel});
        QCOMPARE(r.status, 2);
        QVERIFY2(r.err.contains("0 usable pieces"), qPrintable(r.err));
        r = cli({"finetune", dir_.filePath("no-such-folder"), "-o", dir_.filePath("e.safetensors")});
        QCOMPARE(r.status, 1);
        QVERIFY2(r.err.contains("not a folder"), qPrintable(r.err));
        // A model of another vocabulary: the bundled model with its version changed.
        QFile model(kModel);
        QVERIFY(model.open(QIODevice::ReadOnly));
        QByteArray bytes = model.readAll();
        const QByteArray version = "\"vocabulary_version\":\"";
        const qsizetype at = bytes.indexOf(version);
        QVERIFY(at > 0);
        bytes[at + version.size()] = '7';
        QFile other(dir_.filePath("other-vocabulary.safetensors"));
        QVERIFY(other.open(QIODevice::WriteOnly));
        other.write(bytes);
        other.close();
        r = cli({"finetune", folder_, "-o", dir_.filePath("v.safetensors"), "--base", other.fileName(), "--job",
                 dir_.filePath("v.job")});
        QCOMPARE(r.status, 2);
        QVERIFY2(r.err.contains("vocabulary version"), qPrintable(r.err));
        QVERIFY(!QFile::exists(dir_.filePath("v.safetensors")));
        // The model to start from is never the output.
        const QString copy = dir_.filePath("base.safetensors");
        QVERIFY(QFile::copy(kModel, copy));
        r = cli({"finetune", folder_, "-o", copy, "--base", copy, "--job", dir_.filePath("same.job")});
        QCOMPARE(r.status, 2);
        QCOMPARE(sha256(copy), sha256(kModel));
    }

    void stoppedAndResumedIsTheUninterruptedModel() {
        const QStringList common{"--base", kModel, "--steps", "24", "--eval-every", "8", "--warmup", "4",
                                 "--lr", "1e-4", "--anchor", "100", "--batch", "4", "--threads", "1", "--seed", "3"};
        const QString whole = dir_.filePath("whole.safetensors");
        const QString baseBefore = sha256(kModel);
        Run a = cli(QStringList{"finetune", folder_, "-o", whole, "--json"} + common);
        QCOMPARE(a.status, 0);
        const QJsonObject done = QJsonDocument::fromJson(a.out.toUtf8()).object();
        QCOMPARE(done["steps"].toInt(), 24);
        QVERIFY(done["heldout_nll_before"].toDouble() > 0);
        QVERIFY(done["heldout_nll_after"].toDouble() <= done["heldout_nll_before"].toDouble());
        QCOMPARE(done["sha256"].toString().toLatin1(), sha256(whole));
        QVERIFY(QFile::exists(dir_.filePath("whole.md")));

        // The same job, stopped by SIGTERM once it has reported step 10, then resumed.
        const QString parts = dir_.filePath("parts.safetensors");
        const QStringList args = QStringList{"finetune", folder_, "-o", parts, "--events"} + common;
        QProcess p;
        p.start(QStringLiteral(CONTINUO_CLI_PATH), args);
        QVERIFY(p.waitForStarted());
        bool signalled = false;
        QByteArray pending;
        while (!signalled && p.state() == QProcess::Running && p.waitForReadyRead(300000)) {
            pending += p.readAllStandardOutput();
            for (qsizetype nl; (nl = pending.indexOf('\n')) >= 0; pending.remove(0, nl + 1)) {
                const QJsonObject e = QJsonDocument::fromJson(pending.left(nl)).object();
                if (e["event"] == "progress" && e["step"].toInt() >= 10 && !signalled) {
                    ::kill(pid_t(p.processId()), SIGTERM);
                    signalled = true;
                }
            }
        }
        QVERIFY(signalled);
        const Run stopped = finish(p);
        QCOMPARE(stopped.status, 3);
        QVERIFY(!QFile::exists(parts));
        QVERIFY(QFile::exists(dir_.filePath("parts.job/checkpoint/state.json")));
        // Starting again without --resume is refused rather than losing the job.
        Run again = cli(QStringList{"finetune", folder_, "-o", parts} + common);
        QCOMPARE(again.status, 2);
        QVERIFY2(again.err.contains("--resume"), qPrintable(again.err));
        Run resumed = cli(QStringList{"finetune", folder_, "-o", parts, "--resume", "--events"} + common);
        QCOMPARE(resumed.status, 0);
        QVERIFY(!resumed.events.empty());
        QCOMPARE(resumed.events.back()["event"].toString(), QString("done"));
        QVERIFY(!weightsSha256(whole).isEmpty());
        QCOMPARE(weightsSha256(parts), weightsSha256(whole));
        QCOMPARE(baseBefore, sha256(kModel));
        // The finished job keeps its log, not its weights.
        QVERIFY(QFile::exists(dir_.filePath("parts.job/log.csv")));
        QVERIFY(!QFile::exists(dir_.filePath("parts.job/checkpoint")));
        QVERIFY(!QFile::exists(dir_.filePath("parts.job/base.safetensors")));
    }
};

QTEST_GUILESS_MAIN(TestCliFinetune)
#include "test_cli_finetune.moc"
