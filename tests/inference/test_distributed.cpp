// Data-parallel training through the real CLI: `train --nproc 2` over loopback gives the model
// that one process gives with the same global batch; a killed rank ends the job with a message
// and --resume carries on; a peer that never arrives ends the job instead of hanging.
#include "../core/MaestroFiles.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <cstring>
#include <map>
#include <vector>

namespace {

/// The float32 tensors of a safetensors file, read here by hand (not through the engine).
std::map<QString, std::vector<float>> readWeights(const QString& path) {
    std::map<QString, std::vector<float>> out;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return out;
    const QByteArray bytes = f.readAll();
    if (bytes.size() < 8) return out;
    quint64 headerLength = 0;
    std::memcpy(&headerLength, bytes.constData(), 8);
    const QJsonObject header = QJsonDocument::fromJson(bytes.mid(8, qsizetype(headerLength))).object();
    const char* data = bytes.constData() + 8 + headerLength;
    for (auto it = header.begin(); it != header.end(); ++it) {
        if (it.key() == "__metadata__") continue;
        const QJsonObject t = it.value().toObject();
        if (t["dtype"].toString() != "F32") continue;
        const auto offsets = t["data_offsets"].toArray();
        const qint64 begin = offsets[0].toInteger(), end = offsets[1].toInteger();
        std::vector<float> v(std::size_t((end - begin) / 4));
        std::memcpy(v.data(), data + begin, std::size_t(end - begin));
        out[it.key()] = std::move(v);
    }
    return out;
}

int checkpointStep(const QString& out) {
    QFile f(out + "/checkpoint/state.json");
    if (!f.open(QIODevice::ReadOnly)) return -1;
    return QJsonDocument::fromJson(f.readAll()).object()["step"].toInt(-1);
}

QStringList csvRows(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QStringList rows = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    if (!rows.isEmpty()) rows.removeFirst();
    return rows;
}

} // namespace

class TestDistributed : public QObject {
    Q_OBJECT
    QTemporaryDir dir;
    QString data, val;

    /// A small network on 6 training and 2 validation performances; no dropout and fp32 (auto
    /// would pick bf16 on an AMX CPU), so that the only difference between one process and two
    /// is the order of float additions.
    QStringList trainArgs(const QString& out, int steps) const {
        return {"train", "--data", data, "--val", val, "--cache", dir.filePath("tokens.cache"), "--out", out,
                "--layers", "2", "--d-model", "32", "--heads", "2", "--ff", "64", "--segment", "32",
                "--schedule", "full:64", "--dropout", "0", "--batch", "4", "--steps", QString::number(steps),
                "--warmup", "2", "--lr", "1e-3", "--eval-every", "5", "--eval-pieces", "2", "--checkpoint-every", "5",
                "--seed", "3", "--dist-timeout", "30", "--precision", "fp32"};
    }

    /// Runs the CLI to the end; returns its exit status and puts its output in `output`.
    int run(const QStringList& args, QString* output = nullptr, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
        QProcess p;
        p.setProcessEnvironment(env);
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(CONTINUO_CLI_PATH, args);
        if (!p.waitForStarted() || !p.waitForFinished(300000)) return -1;
        const QString text = QString::fromUtf8(p.readAll());
        if (output) *output = text;
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    }

private slots:
    void initTestCase() {
        QStringList files;
        CONTINUO_MAESTRO_OR_SKIP(files);
        QVERIFY(dir.isValid());
        data = dir.filePath("train");
        val = dir.filePath("validation");
        QVERIFY(QDir().mkpath(data) && QDir().mkpath(val));
        // Real performances, the shortest few, so that pieces end and streams move on.
        std::sort(files.begin(), files.end(), [](const QString& a, const QString& b) { return QFileInfo(a).size() < QFileInfo(b).size(); });
        for (int i = 0; i < 8; ++i)
            QVERIFY(QFile::link(files[i], (i < 6 ? data : val) + "/" + QFileInfo(files[i]).fileName()));
    }

    void twoProcessesGiveTheModelOfOne() {
        const QString one = dir.filePath("one"), two = dir.filePath("two");
        QString outOne, outTwo;
        QCOMPARE(run(trainArgs(one, 12) << "--threads" << "1", &outOne), 0);
        QCOMPARE(run(trainArgs(two, 12) << "--nproc" << "2" << "--threads" << "1", &outTwo), 0);
        QVERIFY2(outTwo.contains("data parallel: 2 processes over gloo, 2 of the 4 streams in each"), qPrintable(outTwo));

        const auto a = readWeights(one + "/model.safetensors"), b = readWeights(two + "/model.safetensors");
        QVERIFY(!a.empty());
        QCOMPARE(a.size(), b.size());
        double worst = 0;
        for (const auto& [name, wa] : a) {
            const auto& wb = b.at(name);
            QCOMPARE(wa.size(), wb.size());
            for (std::size_t i = 0; i < wa.size(); ++i) worst = std::max(worst, double(std::abs(wa[i] - wb[i])));
        }
        QVERIFY2(worst <= 1e-5, qPrintable(QString("largest weight difference %1").arg(worst)));
        // The comparison means something only if training moved the weights: the loss fell.
        const QStringList rowsOne = csvRows(one + "/log.csv"), rowsTwo = csvRows(two + "/log.csv");
        QCOMPARE(rowsTwo.size(), rowsOne.size()); // rank 0 alone writes the log
        QVERIFY(rowsOne.size() >= 2);
        const double firstLoss = rowsOne.first().split(',')[2].toDouble(), lastLoss = rowsOne.last().split(',')[2].toDouble();
        QVERIFY2(lastLoss < firstLoss, qPrintable(rowsOne.join(" | ")));
        // The validation NLL each wrote (shared out over the ranks) agrees.
        for (int r = 0; r < rowsOne.size(); ++r)
            QVERIFY(std::abs(rowsOne[r].split(',')[3].toDouble() - rowsTwo[r].split(',')[3].toDouble()) < 1e-4);
        // Each rank kept its own streams' memories in the checkpoint.
        QVERIFY(QFile::exists(two + "/checkpoint/memories.pt"));
        QVERIFY(QFile::exists(two + "/checkpoint/memories.rank1.pt"));
        QCOMPARE(checkpointStep(two), 12);
    }

    void aKilledRankEndsTheJobAndResumeContinues() {
        const QString out = dir.filePath("killed");
        QProcess job;
        job.setProcessChannelMode(QProcess::MergedChannels);
        job.start(CONTINUO_CLI_PATH, trainArgs(out, 100000) << "--nproc" << "2" << "--threads" << "1");
        QVERIFY(job.waitForStarted());
        QString text;
        QRegularExpressionMatch pid;
        QTRY_VERIFY_WITH_TIMEOUT((text += QString::fromUtf8(job.readAll()), pid = QRegularExpression("rank 1 pid (\\d+)").match(text)).hasMatch(), 120000);
        // Let the job write a checkpoint, then take rank 1 away.
        QTRY_VERIFY_WITH_TIMEOUT(checkpointStep(out) >= 5, 120000);
        QCOMPARE(::kill(pid.captured(1).toInt(), SIGKILL), 0);
        QVERIFY2(job.waitForFinished(120000), "the job did not end after one of its ranks was killed");
        text += QString::fromUtf8(job.readAll());
        QCOMPARE(job.exitStatus(), QProcess::NormalExit);
        QCOMPARE(job.exitCode(), 1);
        QVERIFY2(text.contains("rank 1 was killed; the job was stopped"), qPrintable(text));
        QVERIFY2(text.contains("--resume continues from the checkpoint at step"), qPrintable(text));

        const int saved = checkpointStep(out);
        QVERIFY(saved >= 5);
        QString resumed;
        QCOMPARE(run(trainArgs(out, saved + 5) << "--nproc" << "2" << "--threads" << "1" << "--resume", &resumed), 0);
        QVERIFY2(resumed.contains(QString("resumed at step %1").arg(saved)), qPrintable(resumed));
        QCOMPARE(checkpointStep(out), saved + 5);
        QVERIFY(QFile::exists(out + "/model.safetensors"));
    }

    void aPeerThatNeverArrivesEndsTheJob() {
        // Rank 0 of a job of two, alone: it waits the timeout, then says why it stops.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("RANK", "0");
        env.insert("WORLD_SIZE", "2");
        env.insert("MASTER_ADDR", "127.0.0.1");
        env.insert("MASTER_PORT", "29653");
        QString text;
        QStringList args = trainArgs(dir.filePath("alone"), 10);
        args.replace(args.indexOf("--dist-timeout") + 1, "3");
        QCOMPARE(run(args, &text, env), 1);
        QVERIFY2(text.contains("ranks did not all join at 127.0.0.1:29653 within 3 s"), qPrintable(text));
        // A rank whose master is not there says so too.
        args = trainArgs(dir.filePath("lost"), 10) << "--rank" << "1" << "--world-size" << "2" << "--master" << "127.0.0.1:29654";
        args.replace(args.indexOf("--dist-timeout") + 1, "3");
        QCOMPARE(run(args, &text), 1);
        QVERIFY2(text.contains("rank 1 could not reach rank 0 at 127.0.0.1:29654 within 3 s"), qPrintable(text));
    }

    void badOptionsAreRefused() {
        QString text;
        QCOMPARE(run(trainArgs(dir.filePath("bad"), 10) << "--nproc" << "8", &text), 2);
        QVERIFY2(text.contains("--batch 4 gives fewer streams than the 8 processes"), qPrintable(text));
        QCOMPARE(run(trainArgs(dir.filePath("bad"), 10) << "--rank" << "2" << "--world-size" << "2", &text), 2);
        QVERIFY2(text.contains("rank 2 of a world of 2"), qPrintable(text));
    }
};

QTEST_GUILESS_MAIN(TestDistributed)
#include "test_distributed.moc"
