// Every MAESTRO file read by Continuo agrees with Debian's midicsv, an independent reader:
// note count, every note (paired first-in first-out per channel and key, as Continuo
// documents it), header fields, and the duration in seconds computed here from midicsv's
// own tempo events.
#include "MaestroFiles.h"

#include "continuo/core/MidiFile.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <deque>
#include <map>
#include <tuple>

using namespace continuo;

namespace {

/// What midicsv says about one file.
struct CsvFacts {
    int format = -1;
    int tracks = -1;
    int division = -1;
    std::size_t noteOns = 0; ///< note-ons with velocity > 0
    std::vector<Note> notes; ///< paired here, independently of the reader under test
    double seconds = 0.0;
    Tick endTick = 0;
    QString error;
};

/// Splits "a, b, c" into at most `max` fields (the rest, e.g. a quoted text, stays in the last).
QList<QByteArray> fields(const QByteArray& line, int max) {
    QList<QByteArray> out;
    qsizetype from = 0;
    while (out.size() < max - 1) {
        const qsizetype comma = line.indexOf(',', from);
        if (comma < 0) break;
        out << line.mid(from, comma - from).trimmed();
        from = comma + 1;
    }
    out << line.mid(from).trimmed();
    return out;
}

CsvFacts parseCsv(const QByteArray& csv) {
    CsvFacts f;
    std::map<std::tuple<int, int, int>, std::deque<std::pair<Tick, int>>> open; // (track, ch, key)
    std::vector<std::pair<Tick, double>> tempos;
    for (const QByteArray& line : csv.split('\n')) {
        if (line.isEmpty()) continue;
        const QList<QByteArray> v = fields(line, 7);
        if (v.size() < 3) {
            f.error = "short line: " + QString::fromLatin1(line);
            return f;
        }
        const int track = v[0].toInt();
        const Tick tick = v[1].toLongLong();
        const QByteArray& type = v[2];
        f.endTick = std::max(f.endTick, tick);
        if (type == "Note_on_c" || type == "Note_off_c") {
            const int ch = v[3].toInt(), key = v[4].toInt(), vel = v[5].toInt();
            auto& q = open[{track, ch, key}];
            if (type == "Note_on_c" && vel > 0) {
                ++f.noteOns;
                q.push_back({tick, vel});
            } else if (!q.empty()) {
                Note n;
                n.channel = ch;
                n.pitch = key;
                n.start = q.front().first;
                n.velocity = q.front().second;
                n.length = tick - n.start;
                f.notes.push_back(n);
                q.pop_front();
            }
        } else if (type == "Tempo") {
            tempos.push_back({tick, v[3].toDouble()});
        } else if (type == "End_track") {
            for (auto& [k, q] : open) {
                if (std::get<0>(k) != track) continue;
                for (const auto& [start, vel] : q) {
                    Note n;
                    n.channel = std::get<1>(k);
                    n.pitch = std::get<2>(k);
                    n.start = start;
                    n.velocity = vel;
                    n.length = tick - start;
                    f.notes.push_back(n);
                }
                q.clear();
            }
        } else if (type == "Header") {
            f.format = v[3].toInt();
            f.tracks = v[4].toInt();
            f.division = v[5].toInt();
        }
    }
    if (f.division <= 0 || f.division >= 0x8000) {
        f.error = "expected a PPQ division in the header, got " + QString::number(f.division);
        return f;
    }
    // Seconds: integrate midicsv's tempo events (all tracks; at one tick the last one wins).
    std::stable_sort(tempos.begin(), tempos.end(),
                     [](auto& a, auto& b) { return a.first < b.first; });
    double us = 500000.0;
    Tick at = 0;
    for (const auto& [tick, value] : tempos) {
        f.seconds += double(tick - at) * us / (1e6 * f.division);
        at = tick;
        us = value;
    }
    f.seconds += double(f.endTick - at) * us / (1e6 * f.division);
    std::sort(f.notes.begin(), f.notes.end(), noteLess);
    return f;
}

} // namespace

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
