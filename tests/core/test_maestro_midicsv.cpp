// Every MAESTRO file read by Continuo agrees with Debian's midicsv, an independent reader:
// note count, every note (paired first-in first-out per channel and key, as Continuo
// documents it), header fields, and the duration in seconds computed here from midicsv's
// own tempo events.
#include "MaestroFiles.h"
#include "MidicsvFacts.h"

#include "continuo/core/MidiFile.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <charconv>
#include <deque>
#include <string_view>
#include <tuple>
#include <unordered_map>

using namespace continuo;

using midicsv::CsvFacts;
using midicsv::parseCsv;

class TestMaestroMidicsv : public QObject {
    Q_OBJECT
  private slots:
    void everyFileMatchesMidicsv();
};

void TestMaestroMidicsv::everyFileMatchesMidicsv() {
    QStringList files;
    CONTINUO_MAESTRO_OR_SKIP(files);
    const QString midicsv = QStandardPaths::findExecutable("midicsv");
    QVERIFY2(!midicsv.isEmpty(), "midicsv is not installed (packaging/setup.sh installs it)");
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());

    // midicsv writes each CSV to a file while this process checks the previous one, so the
    // two readers run side by side.
    auto start = [&](QProcess& p, int i) {
        p.start(midicsv, {files[i], tmp.filePath(QStringLiteral("%1.csv").arg(i % 2))});
    };
    QProcess procs[2];
    QElapsedTimer timer;
    timer.start();
    start(procs[0], 0);
    QStringList mismatches;
    std::size_t notes = 0;
    double ourSeconds = 0;
    for (int i = 0; i < files.size(); ++i) {
        QProcess& p = procs[i % 2];
        QVERIFY2(p.waitForFinished(120000), qPrintable(files[i] + ": midicsv did not finish"));
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
                 qPrintable(files[i] + ": midicsv failed: " + p.readAllStandardError()));
        QFile csvFile(tmp.filePath(QStringLiteral("%1.csv").arg(i % 2)));
        QVERIFY(csvFile.open(QIODevice::ReadOnly));
        const QByteArray csv = csvFile.readAll();
        csvFile.close();
        if (i + 1 < files.size()) start(procs[(i + 1) % 2], i + 1);

        const CsvFacts want = parseCsv(csv);
        auto got = readMidiFile(files[i].toStdString());
        auto mismatch = [&](const QString& what) { mismatches << files[i] + ": " + what; };
        if (!want.error.isEmpty()) {
            mismatch("midicsv output: " + want.error);
            continue;
        }
        if (!got.ok()) {
            mismatch(QString::fromStdString(got.error()));
            continue;
        }
        const Sequence& seq = got->sequence;
        notes += seq.noteCount();
        ourSeconds += seq.durationSeconds();
        if (got->info.format != want.format || got->info.trackChunks != want.tracks ||
            seq.ticksPerQuarter != want.division)
            mismatch(QStringLiteral("header: format %1/%2, tracks %3/%4, ppq %5/%6")
                         .arg(got->info.format)
                         .arg(want.format)
                         .arg(got->info.trackChunks)
                         .arg(want.tracks)
                         .arg(seq.ticksPerQuarter)
                         .arg(want.division));
        if (seq.noteCount() != want.noteOns)
            mismatch(
                QStringLiteral("note count %1, midicsv %2").arg(seq.noteCount()).arg(want.noteOns));
        else if (seq.allNotes() != want.notes)
            mismatch("notes differ from midicsv's (same count)");
        if (seq.endTick != want.endTick || qAbs(seq.durationSeconds() - want.seconds) > 1e-6)
            mismatch(QStringLiteral("duration %1 s (%2 ticks), midicsv %3 s (%4 ticks)")
                         .arg(seq.durationSeconds(), 0, 'f', 6)
                         .arg(seq.endTick)
                         .arg(want.seconds, 0, 'f', 6)
                         .arg(want.endTick));
    }
    qInfo("compared %lld MAESTRO files (%zu notes, %.1f hours) with midicsv in %.1f s",
          qlonglong(files.size()), notes, ourSeconds / 3600, double(timer.elapsed()) / 1000);
    QVERIFY2(mismatches.isEmpty(),
             qPrintable(QString::number(mismatches.size()) + " file(s) differ:\n" +
                        mismatches.mid(0, 20).join('\n')));
}

QTEST_GUILESS_MAIN(TestMaestroMidicsv)
#include "test_maestro_midicsv.moc"
