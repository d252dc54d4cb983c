// Stress test for long pieces and long sessions (CTest label `stress`). Builds a long MIDI file
// from real MAESTRO validation performances laid end to end (written by the project's MIDI
// writer), opens it through the import path of File > Import MIDI, makes takes through
// AddTakesCommand, performs seeded random edits through the real undo commands, undoes them
// all (the piece must equal the one after the takes) and redoes them all (it must equal the
// edited one), twice, checking that the second cycle does not grow the resident set; saves
// (timed) and reloads; then a child process (stress_child) does the same work with autosave
// on, is killed with SIGKILL, and the recovery file it left must restore the same piece.
//
// Size: CONTINUO_STRESS=full for a 2-hour file, 300 takes and 10,000 edits; otherwise a
// 10-minute file, 30 takes and 1,000 edits (what CI runs). Durations and memory are printed
// (qInfo), never asserted.
#include "StressWork.h"
#include "continuo/core/MidiFile.h"
#include "document/ProjectFile.h"
#include "document/RecoveryManager.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <map>

using namespace continuo;

namespace {

struct Memory {
    qint64 rssKiB = -1; ///< VmRSS: resident now
    qint64 hwmKiB = -1; ///< VmHWM: the most resident so far
};

/// VmRSS and VmHWM of this process, or of process `pid`.
Memory memoryNow(qint64 pid = 0) {
    Memory m;
    QFile f(pid > 0 ? QStringLiteral("/proc/%1/status").arg(pid)
                    : QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) return m;
    for (const QByteArray& line : f.readAll().split('\n')) {
        auto value = [&] { return line.mid(6).trimmed().split(' ').front().toLongLong(); };
        if (line.startsWith("VmRSS:"))
            m.rssKiB = value();
        else if (line.startsWith("VmHWM:"))
            m.hwmKiB = value();
    }
    return m;
}

QString mib(qint64 kib) {
    return QString::number(double(kib) / 1024.0, 'f', 1) + QStringLiteral(" MiB");
}

/// Prints one phase's duration and the memory after it.
void report(const char* phase, const QElapsedTimer& t) {
    const Memory m = memoryNow();
    qInfo().noquote() << QStringLiteral("stress: %1: %2 ms (VmRSS %3, VmHWM %4)")
                             .arg(QLatin1String(phase))
                             .arg(t.elapsed())
                             .arg(mib(m.rssKiB), mib(m.hwmKiB));
}

/// The MAESTRO validation performances (CSV order), laid one after another with two seconds
/// between them until `seconds` are filled, on one piano track at 120 BPM and 480 PPQ (notes
/// and pedal/controllers, each performance's own tempo map turned into seconds). Written with
/// writeMidiFile. Returns how many performances it used (0: none found).
int writeLongPiece(const QString& path, double seconds, QString* error) {
    const QString root = QStringLiteral(CONTINUO_SHARED_DATA "/maestro-v2/");
    QFile csv(root + QStringLiteral("maestro-v2.0.0-train-validation.csv"));
    if (!csv.open(QIODevice::ReadOnly | QIODevice::Text)) return 0;
    QStringList files;
    csv.readLine(); // header
    while (!csv.atEnd()) {
        const QString line = QString::fromUtf8(csv.readLine()).trimmed();
        // The composer and title may hold quoted commas: the last four fields are plain.
        const QStringList f = line.split(',');
        if (f.size() >= 4 && f[f.size() - 4] == QLatin1String("validation"))
            files << root + f[f.size() - 2];
    }
    Sequence out;
    out.ticksPerQuarter = 480;
    out.tempo = TempoMap(480);
    Track piano;
    piano.name = "Piano";
    double offset = 0;
    int used = 0;
    for (const QString& file : files) {
        if (offset >= seconds) break;
        auto midi = readMidiFile(file.toStdString());
        if (!midi) {
            *error = QString::fromStdString(midi.error());
            return 0;
        }
        const Sequence& s = midi->sequence;
        auto tick = [&](Tick t) { return out.tempo.tickAt(offset + s.tempo.secondsAt(t)); };
        for (const Track& t : s.tracks) {
            for (const Note& n : t.notes) {
                Note m = n;
                m.start = tick(n.start);
                m.length = std::max<Tick>(1, tick(n.end()) - m.start);
                piano.notes.push_back(m);
            }
            for (const ChannelEvent& e : t.events) {
                ChannelEvent c = e;
                c.tick = tick(e.tick);
                piano.events.push_back(c);
            }
        }
        offset += s.durationSeconds() + 2.0;
        ++used;
    }
    if (offset < seconds) {
        *error = QStringLiteral("the validation performances hold only %1 s").arg(offset);
        return 0;
    }
    piano.sort();
    out.tracks.push_back(std::move(piano));
    out.updateEndTick();
    if (auto w = writeMidiFile(path.toStdString(), out, {1, 480}); !w) {
        *error = QString::fromStdString(w.error());
        return 0;
    }
    return used;
}

} // namespace

class TestStress : public QObject {
    Q_OBJECT

  private slots:
    void longPieceLongSession() {
        const stress::Size size = stress::sizeFromEnvironment();
        qInfo().noquote() << QStringLiteral("stress: %1 size: %2 s of MIDI, %3 takes, %4 edits")
                                 .arg(size.full ? "full" : "small")
                                 .arg(size.seconds)
                                 .arg(size.takes)
                                 .arg(size.edits);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QElapsedTimer t;

        // ---- a long MIDI file from real performances
        const QString midiPath = dir.filePath(QStringLiteral("long-piece.mid"));
        QString error;
        t.start();
        const int performances = writeLongPiece(midiPath, size.seconds, &error);
        if (performances == 0 && error.isEmpty())
            QSKIP("MAESTRO v2 not found in " CONTINUO_SHARED_DATA
                  "/maestro-v2 (set CONTINUO_SHARED_DATA to the folder holding maestro-v2/)");
        QVERIFY2(performances > 0, qPrintable(error));
        qInfo().noquote() << QStringLiteral("stress: MIDI file: %1 performances, %2 bytes")
                                 .arg(performances)
                                 .arg(QFileInfo(midiPath).size());
        report("write MIDI", t);

        // ---- open it as File > Import MIDI does
        ui::Document doc;
        t.start();
        auto imported = stress::importMidi(doc, midiPath);
        QVERIFY2(imported.ok(), imported.ok() ? "" : imported.error().c_str());
        report("import", t);
        const double pieceSeconds = doc.tempo().secondsAt(doc.endTick());
        qInfo().noquote() << QStringLiteral("stress: piece: %1 notes, %2 s")
                                 .arg(doc.notes().size())
                                 .arg(pieceSeconds, 0, 'f', 1);
        QVERIFY(pieceSeconds >= size.seconds);
        const stress::Piece opened = stress::pieceOf(doc, true);

        // ---- takes
        t.start();
        stress::makeTakes(doc, size.takes, stress::kSeed);
        report("takes", t);
        QCOMPARE(int(doc.takes().size()), size.takes);
        const int afterTakes = doc.undoStack()->index();
        const stress::Piece withTakes = stress::pieceOf(doc, true);

        // ---- edits
        t.start();
        QVERIFY(stress::performEdits(doc, size.edits, stress::kSeed + 1));
        report("edits", t);
        QCOMPARE(doc.undoStack()->count(), afterTakes + size.edits);
        const stress::Piece edited = stress::pieceOf(doc, true);
        {
            // What the edits were, by the undo stack's own words ("Move right", "Keep take ...").
            std::map<QString, int> kinds;
            for (int i = afterTakes; i < doc.undoStack()->count(); ++i) {
                const QString text = doc.undoStack()->command(i)->text();
                const QString first = text.section(QLatin1Char(' '), 0, 0);
                const bool oneWord = first == QLatin1String("Delete") ||
                                     first == QLatin1String("Channel") ||
                                     first == QLatin1String("Program");
                ++kinds[text.section(QLatin1Char(' '), 0, oneWord ? 0 : 1)];
            }
            QStringList parts;
            for (const auto& [text, n] : kinds)
                parts << QStringLiteral("%1 %2").arg(text).arg(n);
            qInfo().noquote() << QStringLiteral("stress: edit kinds: ") +
                                     parts.join(QStringLiteral(", "));
        }
        QVERIFY(edited != withTakes);
        qInfo().noquote() << QStringLiteral("stress: edited piece: %1 notes, %2 tracks, %3 takes")
                                 .arg(edited.notes.size())
                                 .arg(edited.tracks.size())
                                 .arg(edited.takes.size());

        // ---- undo all, redo all; twice, for memory
        Memory afterCycle[2];
        for (int cycle = 0; cycle < 2; ++cycle) {
            t.start();
            stress::undoSteps(doc, size.edits);
            report(cycle == 0 ? "undo all" : "undo all (2nd)", t);
            QCOMPARE(doc.undoStack()->index(), afterTakes);
            QCOMPARE(stress::difference(stress::pieceOf(doc, true), withTakes), QString());
            t.start();
            stress::redoSteps(doc, size.edits);
            report(cycle == 0 ? "redo all" : "redo all (2nd)", t);
            QCOMPARE(doc.undoStack()->index(), afterTakes + size.edits);
            QCOMPARE(stress::difference(stress::pieceOf(doc, true), edited), QString());
            afterCycle[cycle] = memoryNow();
        }
        // Undoing takes the piece back to the one opened.
        stress::undoSteps(doc, afterTakes + size.edits);
        QCOMPARE(stress::difference(stress::pieceOf(doc, true), opened), QString());
        stress::redoSteps(doc, afterTakes + size.edits);
        QCOMPARE(stress::difference(stress::pieceOf(doc, true), edited), QString());

        // Memory stays bounded. Every command already holds what it needs when it is pushed,
        // so undoing and redoing the same commands again must not keep anything new: the
        // second cycle ends where the first did, give or take what the allocator holds on to.
        // The margin (a quarter of the first cycle's resident set, at least 64 MiB) is far
        // above that noise but far below what a copy of the piece per command (hundreds of
        // MiB at the small size already) would add, so the check cannot flake on a busy
        // machine and still catches a per-step leak. Skipped where /proc is missing.
        if (afterCycle[0].rssKiB > 0) {
            const qint64 margin = std::max<qint64>(64 * 1024, afterCycle[0].rssKiB / 4);
            qInfo().noquote() << QStringLiteral(
                                     "stress: VmRSS after 1st cycle %1, after 2nd %2 (bound %3)")
                                     .arg(mib(afterCycle[0].rssKiB), mib(afterCycle[1].rssKiB),
                                          mib(afterCycle[0].rssKiB + margin));
            QVERIFY2(afterCycle[1].rssKiB <= afterCycle[0].rssKiB + margin,
                     qPrintable(QStringLiteral(
                                    "resident set grew from %1 to %2 in a second undo/redo cycle")
                                    .arg(mib(afterCycle[0].rssKiB), mib(afterCycle[1].rssKiB))));
        }

        // ---- save, and the file opens to the same piece
        const QString projectPath = dir.filePath(QStringLiteral("stress.continuo"));
        t.start();
        auto saved = ui::ProjectFile::save(projectPath, doc);
        const qint64 saveMs = t.elapsed();
        QVERIFY2(saved.ok(), saved.ok() ? "" : saved.error().c_str());
        qInfo().noquote() << QStringLiteral("stress: save: %1 ms, %2 bytes")
                                 .arg(saveMs)
                                 .arg(QFileInfo(projectPath).size());
        {
            ui::Document reopened;
            t.start();
            auto loaded = ui::ProjectFile::load(projectPath, reopened);
            QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().c_str());
            report("load", t);
            QCOMPARE(
                stress::difference(stress::pieceOf(reopened, false), stress::pieceOf(doc, false)),
                QString());
        }

        // ---- the same work in a child with autosave on; kill it; recover
        const QString recoveryDir = dir.filePath(QStringLiteral("recovery"));
        QProcess child;
        child.setProcessChannelMode(QProcess::SeparateChannels);
        t.start();
        child.start(
            QStringLiteral(CONTINUO_BINARY_DIR "/tests/ui/stress_child"),
            {midiPath, recoveryDir, QString::number(size.takes), QString::number(size.edits)});
        QVERIFY2(child.waitForStarted(), qPrintable(child.errorString()));
        // Blocks on the child's output (no sleeping); CTest's timeout bounds a child that hangs.
        QByteArray out;
        while (!out.contains("ready") && child.state() == QProcess::Running) {
            child.waitForReadyRead(1000);
            out += child.readAllStandardOutput();
        }
        QVERIFY2(out.contains("ready"), child.readAllStandardError().constData());
        report("child: work and autosave", t);
        const Memory childMemory = memoryNow(child.processId());
        qInfo().noquote() << QStringLiteral("stress: child before SIGKILL: VmRSS %1, VmHWM %2")
                                 .arg(mib(childMemory.rssKiB), mib(childMemory.hwmKiB));
        QVERIFY(::kill(pid_t(child.processId()), SIGKILL) == 0);
        QVERIFY(child.waitForFinished());
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);

        ui::Document restored;
        ui::RecoveryManager recovery(&restored, recoveryDir);
        QVERIFY(recovery.hasOrphanedRecovery());
        qInfo().noquote() << QStringLiteral("stress: recovery file: %1 bytes")
                                 .arg(QFileInfo(recovery.recoveryPath()).size());
        t.start();
        auto r = recovery.restore();
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().c_str());
        report("restore", t);
        QVERIFY(restored.isModified());
        QCOMPARE(stress::difference(stress::pieceOf(restored, false), stress::pieceOf(doc, false)),
                 QString());
        QCOMPARE(restored.takes().size(), edited.takes.size());
        QCOMPARE(restored.tracks().size(), edited.tracks.size());
        QCOMPARE(restored.notes().size(), edited.notes.size());
        recovery.discardRecovery();

        const Memory end = memoryNow();
        qInfo().noquote() << QStringLiteral("stress: end: VmRSS %1, VmHWM %2")
                                 .arg(mib(end.rssKiB), mib(end.hwmKiB));
    }
};

// Qt Test's watchdog stops a test function after 5 minutes unless QTEST_FUNCTION_TIMEOUT says
// otherwise; the full size runs longer than that on a busy machine, so the limit is CTest's
// TIMEOUT (tests/ui/CMakeLists.txt) here, unless the caller set one.
int main(int argc, char** argv) {
    if (!qEnvironmentVariableIsSet("QTEST_FUNCTION_TIMEOUT"))
        qputenv("QTEST_FUNCTION_TIMEOUT", "3600000");
    QCoreApplication app(argc, argv);
    TestStress test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}
#include "test_stress.moc"
