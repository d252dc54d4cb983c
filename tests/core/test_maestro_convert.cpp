// Every MAESTRO file goes .mid -> .continuo -> .mid through the code `continuo-cli convert`
// runs (continuo::project::openProjectOrMidi / saveProjectOrMidi, in this process: 2,208
// program launches would cost more than the conversions) and keeps every note, every sustain
// pedal event and every other controller and program change, tick for tick, compared with
// Debian's midicsv reading of the original. A few files also go through the real
// `continuo-cli convert` subprocess, which must write the same bytes.
#include "MaestroFiles.h"
#include "MidicsvFacts.h"

#include "continuo/core/MidiFile.h"
#include "continuo/project/Project.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace continuo;

namespace {

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// .mid -> .continuo -> .mid as `convert` does it, both files in `dir`.
Expected<bool> roundTrip(const QString& in, const QString& project, const QString& out) {
    auto p = project::openProjectOrMidi(in);
    if (!p) return Error{p.error()};
    if (auto r = project::saveProjectOrMidi(project, p.value()); !r) return r;
    auto back = project::openProjectOrMidi(project);
    if (!back) return Error{back.error()};
    if (back->tracks != p->tracks || back->tempo.changes() != p->tempo.changes() ||
        back->timeSignatures != p->timeSignatures)
        return Error{"the project read back differs from the one written"};
    return project::saveProjectOrMidi(out, back.value());
}

} // namespace

class TestMaestroConvert : public QObject {
    Q_OBJECT
private slots:
    void everyFileKeepsNotesAndPedal();
    void theCommandLineWritesTheSameBytes();
};

void TestMaestroConvert::everyFileKeepsNotesAndPedal() {
    QStringList files;
    CONTINUO_MAESTRO_OR_SKIP(files);
    const QString midicsvPath = QStandardPaths::findExecutable("midicsv");
    QVERIFY2(!midicsvPath.isEmpty(), "midicsv is not installed (packaging/setup.sh installs it)");
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());

    // midicsv reads the next original while this process converts the current one.
    auto start = [&](QProcess& p, int i) {
        p.start(midicsvPath, {files[i], tmp.filePath(QStringLiteral("%1.csv").arg(i % 2))});
    };
    QProcess procs[2];
    QElapsedTimer timer;
    timer.start();
    start(procs[0], 0);
    QStringList mismatches;
    std::size_t notes = 0, sustain = 0, events = 0;
    const QString project = tmp.filePath("piece.continuo");
    const QString out = tmp.filePath("piece.mid");
    for (int i = 0; i < files.size(); ++i) {
        QProcess& p = procs[i % 2];
        QVERIFY2(p.waitForFinished(120000), qPrintable(files[i] + ": midicsv did not finish"));
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
                 qPrintable(files[i] + ": midicsv failed: " + p.readAllStandardError()));
        const QByteArray csv = readAll(tmp.filePath(QStringLiteral("%1.csv").arg(i % 2)));
        if (i + 1 < files.size()) start(procs[(i + 1) % 2], i + 1);

        auto mismatch = [&](const QString& what) { mismatches << files[i] + ": " + what; };
        const midicsv::CsvFacts want = midicsv::parseCsv(csv);
        if (!want.error.isEmpty()) {
            mismatch("midicsv output: " + want.error);
            continue;
        }
        if (auto r = roundTrip(files[i], project, out); !r) {
            mismatch(QString::fromStdString(r.error()));
            continue;
        }
        auto got = readMidiFile(out.toStdString());
        if (!got) {
            mismatch("the converted file does not read: " + QString::fromStdString(got.error()));
            continue;
        }
        const Sequence& seq = got->sequence;
        if (seq.ticksPerQuarter != want.division)
            mismatch(QStringLiteral("resolution %1, original %2").arg(seq.ticksPerQuarter).arg(want.division));
        std::vector<ChannelEvent> gotEvents;
        for (const Track& t : seq.tracks) gotEvents.insert(gotEvents.end(), t.events.begin(), t.events.end());
        std::sort(gotEvents.begin(), gotEvents.end(), midicsv::eventLess);
        const auto gotSustain = std::count_if(gotEvents.begin(), gotEvents.end(), [](const ChannelEvent& e) {
            return e.kind == ChannelEvent::Kind::Controller && e.number == kSustainController;
        });
        if (seq.noteCount() != want.noteOns)
            mismatch(QStringLiteral("note count %1, midicsv %2").arg(seq.noteCount()).arg(want.noteOns));
        else if (seq.allNotes() != want.notes)
            mismatch("notes differ from midicsv's (same count)");
        if (std::size_t(gotSustain) != want.sustainEvents)
            mismatch(QStringLiteral("sustain pedal events %1, midicsv %2").arg(gotSustain).arg(want.sustainEvents));
        else if (gotEvents != want.events)
            mismatch(QStringLiteral("channel events differ from midicsv's (%1 here, %2 there)")
                         .arg(gotEvents.size())
                         .arg(want.events.size()));
        notes += want.noteOns;
        sustain += want.sustainEvents;
        events += want.events.size();
    }
    qInfo("converted %lld MAESTRO files .mid -> .continuo -> .mid: %zu notes, %zu sustain pedal events, "
          "%zu channel events in all, compared with midicsv in %.1f s",
          qlonglong(files.size()), notes, sustain, events, double(timer.elapsed()) / 1000);
    QVERIFY2(mismatches.isEmpty(), qPrintable(QString::number(mismatches.size()) + " file(s) differ:\n" +
                                              mismatches.mid(0, 20).join('\n')));
}

void TestMaestroConvert::theCommandLineWritesTheSameBytes() {
    QStringList files;
    CONTINUO_MAESTRO_OR_SKIP(files);
    QTemporaryDir tmp;
    // The first, the last and one from the middle of the sorted list.
    for (const QString& file : {files.front(), files[files.size() / 2], files.back()}) {
        QVERIFY(roundTrip(file, tmp.filePath("lib.continuo"), tmp.filePath("lib.mid")).ok());
        QProcess cli;
        cli.start(CONTINUO_CLI_PATH, {"convert", file, tmp.filePath("cli.continuo")});
        QVERIFY(cli.waitForFinished(120000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
        cli.start(CONTINUO_CLI_PATH, {"convert", tmp.filePath("cli.continuo"), tmp.filePath("cli.mid")});
        QVERIFY(cli.waitForFinished(120000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
        QCOMPARE(readAll(tmp.filePath("cli.continuo")), readAll(tmp.filePath("lib.continuo")));
        const QByteArray mid = readAll(tmp.filePath("cli.mid"));
        QVERIFY(mid.startsWith("MThd"));
        QCOMPARE(mid, readAll(tmp.filePath("lib.mid")));
    }
}

QTEST_GUILESS_MAIN(TestMaestroConvert)
#include "test_maestro_convert.moc"
