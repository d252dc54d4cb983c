// Into the DAW: what a drag of a take's lane carries, and what Edit ▸ Copy as MIDI puts on the
// clipboard (a take, or the selected notes), read back with the core's MIDI reader: the same
// notes at the same ticks, with the piece's tempo changes and metre, as audio/midi,
// audio/x-midi and a .mid file named after the take.
#include "MainWindowFixture.h"

#include "continuo/core/MidiFile.h"
#include "document/Document.h"
#include "document/EditNotesCommand.h"
#include "document/MidiTransfer.h"
#include "document/TakeCommands.h"
#include "roll/PianoRollWidget.h"
#include "roll/TakeLanes.h"

#include <QAction>
#include <QClipboard>
#include <QFileInfo>
#include <QGuiApplication>
#include <QMimeData>
#include <QUndoStack>
#include <QtTest>

#include <algorithm>
#include <span>
#include <tuple>

using namespace continuo;
using namespace continuo::ui;

namespace {

using Key = std::tuple<Tick, int, int, Tick, int>; // start, pitch, velocity, length, channel

std::vector<Key> keys(const std::vector<Note>& notes) {
    std::vector<Key> out;
    for (const Note& n : notes) out.emplace_back(n.start, n.pitch, n.velocity, n.length, n.channel);
    std::sort(out.begin(), out.end());
    return out;
}

Expected<MidiFile> read(const QByteArray& bytes) {
    return readMidi(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.constData()),
                                                  std::size_t(bytes.size())));
}

} // namespace

class TestMidiTransfer : public QObject {
    Q_OBJECT
    testutil::MainWindowFixture fixture;
    std::unique_ptr<MainWindow> window;
    Document* doc = nullptr;
    Take take;

    /// The file in `mime` (its bytes, both types, and the file its URL names) read back: the
    /// notes, and the piece's tempo and metre.
    void checkMidi(const QMimeData* mime, const std::vector<Note>& expected, const QString& fileName) {
        QVERIFY(mime);
        QVERIFY(mime->hasFormat("audio/midi"));
        QVERIFY(mime->hasFormat("audio/x-midi"));
        const QByteArray bytes = mime->data("audio/midi");
        QCOMPARE(mime->data("audio/x-midi"), bytes);
        QVERIFY(bytes.startsWith("MThd"));
        QCOMPARE(mime->urls().size(), 1);
        const QUrl url = mime->urls().front();
        QVERIFY(url.isLocalFile());
        QCOMPARE(QFileInfo(url.toLocalFile()).fileName(), fileName);
        auto fromFile = readMidiFile(url.toLocalFile().toStdString());
        QVERIFY2(fromFile, fromFile ? "" : fromFile.error().c_str());
        auto midi = read(bytes);
        QVERIFY2(midi, midi ? "" : midi.error().c_str());
        QVERIFY(midi->info.warnings.empty());

        for (const Sequence* s : {&midi->sequence, &fromFile->sequence}) {
            QCOMPARE(s->ticksPerQuarter, doc->toSequence().ticksPerQuarter);
            QCOMPARE(keys(s->allNotes()), keys(expected));
            QCOMPARE(s->tempo.changes(), doc->tempo().changes());
            QCOMPARE(s->timeSignatures, doc->timeSignatures());
        }
    }

private slots:
    void initTestCase() {
        QVERIFY(fixture.isValid());
        window = fixture.makeWindow({.size = QSize(1200, 800)});
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        doc = window->document();
        // A piece in 3/4 whose tempo changes: the file must keep both.
        TempoMap tempo(doc->tempo());
        tempo.clear(600000.0);          // 100 BPM
        tempo.setTempo(Tick(6) * 960, 428571.0); // ~140 BPM from bar 3
        doc->setTempoMap(tempo);
        doc->setTimeSignature(TimeSignature{0, 3, 4});
        QCOMPARE(doc->tempo().changes().size(), std::size_t(2));
        QCOMPARE(doc->timeSignatures().front().numerator, 3);

        take.id = doc->allocateTakeId();
        take.name = QStringLiteral("Take 7 / after the motif");
        take.provenance.primerEnd = 960 * 3;
        int velocity = 31;
        for (int i = 0; i < 24; ++i) {
            Note n;
            n.id = doc->allocateNoteId();
            n.pitch = 50 + (i * 5) % 31;
            n.velocity = velocity;
            velocity = 31 + (velocity * 7) % 90;
            n.start = 960 * 3 + Tick(i) * 240 + (i % 3) * 17; // off the grid too
            n.length = 100 + Tick(i) * 37;
            take.notes.push_back(n);
        }
        std::sort(take.notes.begin(), take.notes.end(), noteLess);
        doc->undoStack()->push(new AddTakesCommand(doc, {take}));
        QVERIFY(doc->take(take.id));
    }

    void laneDragCarriesTheTake() {
        TakeLanes* lanes = window->pianoRoll()->takeLanes();
        const int lane = lanes->laneOf(take.id);
        QVERIFY(lane >= 0);
        std::unique_ptr<QMimeData> mime(lanes->dragData(lane));
        checkMidi(mime.get(), take.notes, QStringLiteral("Take 7 _ after the motif.mid"));
        QVERIFY(!lanes->dragData(lanes->laneCount())); // no lane there, no drag
    }

    void copyAsMidiPutsTheTakeOnTheClipboard() {
        doc->view()->setSelection({});
        doc->view()->setCurrentTake(take.id);
        QGuiApplication::clipboard()->clear();
        QAction* copy = window->findChild<QAction*>("copyAsMidi");
        QVERIFY(copy);
        QCOMPARE(copy->shortcut(), QKeySequence(QStringLiteral("Ctrl+Shift+C")));
        copy->trigger();
        checkMidi(QGuiApplication::clipboard()->mimeData(), take.notes, QStringLiteral("Take 7 _ after the motif.mid"));
    }

    void copyAsMidiPrefersTheSelection() {
        std::vector<Note> piece;
        for (int i = 0; i < 6; ++i) {
            Note n;
            n.id = doc->allocateNoteId();
            n.pitch = 60 + i;
            n.velocity = 40 + 10 * i;
            n.start = Tick(i) * 480;
            n.length = 400;
            piece.push_back(n);
        }
        doc->undoStack()->push(new EditNotesCommand(doc, QStringLiteral("notes"), {}, piece));
        const std::vector<Note> chosen = {piece[1], piece[2], piece[4]};
        doc->view()->setSelection({piece[1].id, piece[2].id, piece[4].id});
        QGuiApplication::clipboard()->clear();
        window->findChild<QAction*>("copyAsMidi")->trigger();
        checkMidi(QGuiApplication::clipboard()->mimeData(), chosen, QStringLiteral("Continuo selection.mid"));
    }
};

QTEST_MAIN(TestMidiTransfer)
#include "test_midi_transfer.moc"
