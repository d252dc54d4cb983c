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
#include <charconv>
#include <deque>
#include <string_view>
#include <tuple>
#include <unordered_map>

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

/// One CSV line split at commas into at most 7 trimmed fields (the rest of the line, e.g. a
/// quoted text, stays in the last). Views into the CSV buffer: no copies.
struct Fields {
    std::string_view v[7];
    int count = 0;
};

Fields split(std::string_view line) {
    Fields f;
    auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\r'))
            s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\r'))
            s.remove_suffix(1);
        return s;
    };
    while (f.count < 6) {
        const std::size_t comma = line.find(',');
        if (comma == std::string_view::npos) break;
        f.v[f.count++] = trim(line.substr(0, comma));
        line.remove_prefix(comma + 1);
    }
    f.v[f.count++] = trim(line);
    return f;
}

template <class T> T number(std::string_view s) {
    T value{};
    std::from_chars(s.data(), s.data() + s.size(), value);
    return value;
}

CsvFacts parseCsv(const QByteArray& csv) {
    CsvFacts f;
    // Open notes per (track, channel, key).
    std::unordered_map<int, std::deque<std::pair<Tick, int>>> open;
    std::vector<std::pair<Tick, double>> tempos;
    std::string_view rest(csv.constData(), std::size_t(csv.size()));
    while (!rest.empty()) {
        const std::size_t eol = rest.find('\n');
        const std::string_view line = rest.substr(0, eol);
        rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
        if (line.empty()) continue;
        const Fields v = split(line);
        if (v.count < 3) {
            f.error = "short line: " + QString::fromLatin1(line.data(), qsizetype(line.size()));
            return f;
        }
        const int track = number<int>(v.v[0]);
        const Tick tick = number<Tick>(v.v[1]);
        const std::string_view type = v.v[2];
        f.endTick = std::max(f.endTick, tick);
        if (type == "Note_on_c" || type == "Note_off_c") {
            const int ch = number<int>(v.v[3]), key = number<int>(v.v[4]),
                      vel = number<int>(v.v[5]);
            auto& q = open[track * 2048 + ch * 128 + key];
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
            tempos.push_back({tick, number<double>(v.v[3])});
        } else if (type == "End_track") {
            for (auto& [k, q] : open) {
                if (k / 2048 != track) continue;
                for (const auto& [start, vel] : q) {
                    Note n;
                    n.channel = k % 2048 / 128;
                    n.pitch = k % 128;
                    n.start = start;
                    n.velocity = vel;
                    n.length = tick - start;
                    f.notes.push_back(n);
                }
                q.clear();
            }
        } else if (type == "Header") {
            f.format = number<int>(v.v[3]);
            f.tracks = number<int>(v.v[4]);
            f.division = number<int>(v.v[5]);
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
