// One path from a piece to a MIDI file: File > Export MIDI in the app and `continuo-cli
// convert` write the same bytes for the same piece. Pieces: a POP909-style song (three
// tracks, programs, pedal, a tempo change, a time-signature change, meta and sysex events),
// the same saved as a .continuo project with takes, and real MAESTRO performances; in the
// file's own format and resolution, and in the other format at another resolution.
#include "MainWindowFixture.h"
#include "Pop909Piece.h"
#include "../core/MaestroFiles.h"

#include "continuo/core/MidiFile.h"
#include "continuo/project/Project.h"
#include "document/Document.h"
#include "window/MainWindow.h"

#include <QFile>
#include <QProcess>
#include <QtTest>

using namespace continuo;
using namespace continuo::ui;

class TestExportPaths : public QObject {
    Q_OBJECT
    testutil::MainWindowFixture fx_;

    static QByteArray bytes(const QString& path) {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    /// Exports `in` through the app's Export MIDI and through `continuo-cli convert`, with the
    /// given format and resolution (< 0, 0: the file's own), and compares the files.
    void compareExports(const QString& in, int format, int ppq, const QString& tag) {
        auto w = fx_.makeWindow({.show = false});
        QVERIFY2(w->openFile(in), qPrintable(in));
        const project::Project opened = w->document()->toProject();
        const int f = format >= 0 ? format : opened.midiFormat;
        const int q = ppq > 0 ? ppq : opened.midiTicksPerQuarter;
        const QString fromApp = fx_.filePath(tag + "-app.mid"), fromCli = fx_.filePath(tag + "-cli.mid");
        QVERIFY(w->exportMidi(fromApp, f, q));

        QProcess cli;
        QStringList args{"convert", in, fromCli};
        if (format >= 0) args << "--format" << QString::number(format);
        if (ppq > 0) args << "--ppq" << QString::number(ppq);
        cli.start(QStringLiteral(CONTINUO_CLI_PATH), args);
        QVERIFY(cli.waitForFinished(120000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());

        const QByteArray a = bytes(fromApp), b = bytes(fromCli);
        QVERIFY2(!a.isEmpty(), qPrintable(fromApp));
        QVERIFY2(a == b, qPrintable(QString("%1: the app wrote %2 bytes, convert %3; first difference at byte %4")
                                        .arg(tag)
                                        .arg(a.size())
                                        .arg(b.size())
                                        .arg([&] {
                                            qsizetype i = 0;
                                            while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
                                            return i;
                                        }())));
        // And the file is the piece: what the reader gets back has every note.
        auto back = readMidiFile(fromApp.toStdString());
        QVERIFY2(back.ok(), back.ok() ? "" : back.error().c_str());
        QCOMPARE(back->sequence.allNotes().size(), opened.noteCount());
    }

    /// The POP909-style song with what only a file keeps: the conductor's name, a key signature
    /// and a marker on it, a text event and a sysex message on a track, a copyright notice.
    static Sequence song() {
        Sequence s = test::pop909Piece();
        s.conductorName = "Song";
        s.conductorEvents = {{0, RawEvent::Kind::Meta, 0x59, std::string("\x02\x00", 2)},
                             {0, RawEvent::Kind::Meta, 0x02, "(c) the test"},
                             {4 * kTicksPerQuarter, RawEvent::Kind::Meta, 0x06, "Verse"}};
        s.tracks[0].rawEvents = {{0, RawEvent::Kind::Sysex, 0, std::string("\x7e\x7f\x09\x01\xf7", 5)},
                                 {2 * kTicksPerQuarter, RawEvent::Kind::Meta, 0x01, "breathe"}};
        return s;
    }

private slots:
    void songExportsTheSameBytes() {
        const QString in = fx_.filePath("song.mid");
        QVERIFY(writeMidiFile(in.toStdString(), song(), {1, 480}).ok());
        compareExports(in, -1, 0, "song");
        compareExports(in, 0, 960, "song-type0-960");
        compareExports(in, 1, 96, "song-96");
    }

    void projectWithTakesExportsTheSameBytes() {
        // A .continuo project: takes are not part of the export, in either path.
        const QString mid = fx_.filePath("piece.mid");
        QVERIFY(writeMidiFile(mid.toStdString(), song(), {1, 480}).ok());
        auto p = project::openProjectOrMidi(mid);
        QVERIFY(p.ok());
        project::Take take;
        take.id = 1000;
        take.name = "Take 1";
        Note n;
        n.pitch = 72;
        n.start = p->endTick;
        n.length = kTicksPerQuarter;
        take.notes = {n};
        p->takes.push_back(take);
        const QString in = fx_.filePath("piece.continuo");
        QVERIFY(project::saveProject(in, p.value()).ok());
        compareExports(in, -1, 0, "project");
        compareExports(in, 0, 480, "project-type0");
    }

    void maestroPerformancesExportTheSameBytes() {
        QStringList files;
        CONTINUO_MAESTRO_OR_SKIP(files);
        // A few performances spread over the set: real pedalling, dense playing, long files.
        for (int i = 0; i < 3; ++i) {
            const QString in = files[qsizetype(i) * files.size() / 3];
            compareExports(in, -1, 0, QString("maestro-%1").arg(i));
        }
        compareExports(files.front(), 0, 960, "maestro-type0-960");
    }
};

QTEST_MAIN(TestExportPaths)
#include "test_export_paths.moc"
