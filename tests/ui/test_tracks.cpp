// Tracks in the app: a POP909-style file (MELODY, BRIDGE, PIANO) opens as three tracks in the
// track list, one is muted (from its checkbox), and MIDI export keeps all three with their
// names, programs and pedal while playback leaves the muted one out. Keeping a take makes a
// track of its own; the pedal lane draws and erases pedal undoably; the primer leaves out the
// tracks unticked in the Primer column or in the Continue panel's "Primer:" menu, which stay
// in step; meta and sysex events of an opened file stay at their ticks through edits and come
// back in the export.
#include "MainWindowFixture.h"
#include "Pop909Piece.h"

#include "continuo/core/MidiFile.h"
#include "document/Document.h"
#include "window/ExportMidiDialog.h"
#include "document/TakeCommands.h"
#include "document/TrackCommands.h"
#include "document/EditOperations.h"
#include "document/MetreCommand.h"
#include "panels/ContinuePanel.h"
#include "panels/PrimerTracksButton.h"
#include "panels/TracksPanel.h"
#include "roll/PedalLane.h"
#include "roll/PianoRollWidget.h"
#include "roll/RollView.h"
#include "services/ContinueController.h"
#include "services/GenerationController.h"
#include "window/MainWindow.h"

#include <QSpinBox>
#include <QTableWidget>
#include <QUndoStack>
#include <QtTest>

#include <set>

using namespace continuo;
using namespace continuo::ui;

namespace {
std::size_t pedalEvents(const Sequence& s) {
    std::size_t n = 0;
    for (const Track& t : s.tracks)
        for (const ChannelEvent& e : t.events)
            if (e.kind == ChannelEvent::Kind::Controller && e.number == kSustainController) ++n;
    return n;
}
} // namespace

class TestTracks : public QObject {
    Q_OBJECT
    testutil::MainWindowFixture fx_;

    std::unique_ptr<MainWindow> makeWindow() { return fx_.makeWindow({.size = {1400, 900}}); }

private slots:
    void exportDefaultsToTheFilesOwnResolution() {
        // A piece opened from a 384-PPQ type-0 file exports at 384 PPQ, type 0, unless told.
        const QString mid = fx_.filePath("own-resolution.mid");
        Sequence one = test::pop909Piece().rescaled(384);
        QVERIFY(writeMidiFile(mid.toStdString(), one, {0, 384}).ok());
        auto w = makeWindow();
        QVERIFY(w->openFile(mid));
        ExportMidiDialog dialog;
        dialog.setSource(w->document()->midiTicksPerQuarter(), w->document()->midiFormat());
        QCOMPARE(dialog.ticksPerQuarter(), 384);
        QCOMPARE(dialog.format(), 0);
        // A resolution the list does not offer is added and chosen.
        dialog.setSource(500, 1);
        QCOMPARE(dialog.ticksPerQuarter(), 500);
        QCOMPARE(dialog.format(), 1);
    }

    void threeTracksMuteOneExportAll() {
        const QString mid = fx_.filePath("pop909.mid");
        const Sequence original = test::pop909Piece();
        QVERIFY(writeMidiFile(mid.toStdString(), original, {1, 480}).ok());
        auto w = makeWindow();
        QVERIFY(w->openFile(mid));
        Document* doc = w->document();
        QTableWidget* table = w->tracksPanel()->table();
        QCOMPARE(table->rowCount(), 3);
        QCOMPARE(table->item(0, TracksPanel::Name)->text(), QString("MELODY"));
        QCOMPARE(table->item(1, TracksPanel::Name)->text(), QString("BRIDGE"));
        QCOMPARE(table->item(2, TracksPanel::Name)->text(), QString("PIANO"));
        // Programs are shown 1..128: the bridge's 48 (strings) is 49 on screen.
        auto* program = qobject_cast<QSpinBox*>(table->cellWidget(1, TracksPanel::Program));
        QVERIFY(program);
        QCOMPARE(program->value(), 49);
        QCOMPARE(doc->notes().size(), original.noteCount());

        // Mute the bridge from its checkbox.
        QTableWidgetItem* mute = table->item(1, TracksPanel::Mute);
        QVERIFY(mute->flags() & Qt::ItemIsUserCheckable);
        mute->setCheckState(Qt::Checked);
        QVERIFY(doc->tracks()[1].muted);
        QVERIFY(!doc->isTrackAudible(doc->tracks()[1].id));
        const Sequence heard = doc->toSequence(false, true);
        QCOMPARE(heard.tracks.size(), 2u);
        QCOMPARE(heard.tracks[1].name, std::string("PIANO"));

        // Export keeps all three, muted or not.
        const QString out = fx_.filePath("export.mid");
        QVERIFY(w->exportMidi(out, 1, 480));
        auto back = readMidiFile(out.toStdString());
        QVERIFY2(back.ok(), back.error().c_str());
        QCOMPARE(back->sequence.tracks.size(), 3u);
        for (std::size_t k = 0; k < 3; ++k) {
            QCOMPARE(back->sequence.tracks[k].name, original.tracks[k].name);
            QCOMPARE(back->sequence.tracks[k].program, original.tracks[k].program);
            QCOMPARE(back->sequence.tracks[k].notes, original.tracks[k].notes);
        }
        QCOMPARE(pedalEvents(back->sequence), pedalEvents(original));
        QCOMPARE(back->sequence.timeSignatures, original.timeSignatures);

        // Saved and opened again: the mute is part of the project.
        const QString project = fx_.filePath("pop909.continuo");
        QVERIFY(w->saveTo(project));
        QVERIFY(w->openFile(project));
        QCOMPARE(w->tracksPanel()->table()->rowCount(), 3);
        QCOMPARE(w->tracksPanel()->table()->item(1, TracksPanel::Mute)->checkState(), Qt::Checked);

        // Renaming from the list is an undo step.
        w->tracksPanel()->table()->item(0, TracksPanel::Name)->setText("Tune");
        QCOMPARE(doc->tracks()[0].name, std::string("Tune"));
        doc->undoStack()->undo();
        QCOMPARE(doc->tracks()[0].name, std::string("MELODY"));
        QCOMPARE(w->tracksPanel()->table()->item(0, TracksPanel::Name)->text(), QString("MELODY"));

        // Clicking a row makes its track the one new notes go to.
        w->tracksPanel()->table()->setCurrentCell(2, TracksPanel::Name);
        QCOMPARE(doc->view()->activeTrack(), doc->tracks()[2].id);

        // The pedal lane edits the active track's pedal: a right-drag over bar 2 lifts it there
        // (one undo step), a left-drag over the first half of bar 2 puts it down again.
        PedalLane* lane = w->pianoRoll()->pedalLane();
        RollView* view = w->pianoRoll()->view();
        const TrackInfo& piano = doc->tracks()[2];
        const Tick bar = doc->ticksPerBar();
        const auto regions = [&] { return pedal::regions(doc->track(piano.id)->events, piano.channel, doc->endTick()); };
        QCOMPARE(regions().size(), 4u);
        w->pianoRoll()->zoomToFit(6 * bar);
        view->setScrollX(0);
        QVERIFY(view->tickToX(2 * bar) < lane->width());
        const int y = lane->height() / 2;
        const int undoBefore = doc->undoStack()->index();
        QTest::mousePress(lane, Qt::RightButton, {}, QPoint(int(view->tickToX(bar)) + 1, y));
        QTest::mouseMove(lane, QPoint(int(view->tickToX(bar + bar / 2)), y));
        QTest::mouseRelease(lane, Qt::RightButton, {}, QPoint(int(view->tickToX(2 * bar)) + 1, y));
        QCOMPARE(doc->undoStack()->index(), undoBefore + 1); // one step for the whole drag
        QCOMPARE(doc->undoStack()->undoText(), QString("Lift pedal"));
        QCOMPARE(regions().size(), 3u);
        QTest::mousePress(lane, Qt::LeftButton, {}, QPoint(int(view->tickToX(bar)) + 1, y));
        QTest::mouseRelease(lane, Qt::LeftButton, {}, QPoint(int(view->tickToX(bar + bar / 2)) + 1, y));
        QCOMPARE(regions().size(), 4u);
        QCOMPARE(regions()[1].first, view->grid().snap(view->xToTick(int(view->tickToX(bar)) + 1)));
        doc->undoStack()->undo();
        doc->undoStack()->undo();
        QCOMPARE(regions().size(), 4u);
        QCOMPARE(regions(), pedal::regions(test::pop909Piece().rescaled(kTicksPerQuarter).tracks[2].events, 2, doc->endTick()));
    }

    void barsFollowEveryTimeSignature() {
        Document doc;
        doc.reset(test::pop909Piece()); // 4/4, then 2/4 from bar 4
        const Tick q = kTicksPerQuarter;
        Document::Bar b = doc.barAt(11 * q);
        QCOMPARE(b.index, Tick(2));
        QCOMPARE(b.start, 8 * q);
        b = doc.barAt(12 * q);
        QCOMPARE(b.index, Tick(3));
        QCOMPARE(b.length, 2 * q);
        QCOMPARE(doc.barAt(14 * q).index, Tick(4));
        // A signature in the middle of a bar cuts that bar short and starts a new one.
        Sequence s;
        s.timeSignatures = {{0, 4, 4}, {2 * q, 3, 4}, {8 * q, 6, 8}};
        doc.reset(s);
        b = doc.barAt(q);
        QCOMPARE(b.index, Tick(0));
        QCOMPARE(b.end, 2 * q);
        b = doc.barAt(b.end);
        QCOMPARE(b.index, Tick(1));
        QCOMPARE(b.length, 3 * q);
        b = doc.barAt(8 * q + 10);
        QCOMPARE(b.index, Tick(3)); // after two bars of 3/4 (2 q .. 8 q), the first of 6/8
        QCOMPARE(b.beat, q / 2);
        QCOMPARE(b.length, 3 * q);
    }

    void pedalLaneEditsAreUndoable() {
        Document doc;
        doc.reset(test::pop909Piece());
        const TrackId piano = doc.tracks()[2].id;
        const int ch = doc.tracks()[2].channel;
        const Tick end = doc.endTick();
        const auto before = pedal::regions(doc.track(piano)->events, ch, end);
        QCOMPARE(before.size(), 4u); // one per bar
        // Erase the pedal over bars 2 and 3, then hold it down over the last two beats of bar 4.
        const Tick bar = 4 * kTicksPerQuarter;
        doc.undoStack()->push(new TrackEventsCommand(&doc, piano, pedal::withPedal(doc.track(piano)->events, ch, bar, 3 * bar, false),
                                                     "Erase pedal"));
        auto after = pedal::regions(doc.track(piano)->events, ch, end);
        QCOMPARE(after.size(), 2u);
        QCOMPARE(after[0], before[0]);
        QCOMPARE(after[1], before[3]);
        doc.undoStack()->push(new TrackEventsCommand(&doc, piano,
                                                     pedal::withPedal(doc.track(piano)->events, ch, bar + 100, bar + 900, true),
                                                     "Draw pedal"));
        after = pedal::regions(doc.track(piano)->events, ch, end);
        QCOMPARE(after.size(), 3u);
        QCOMPARE(after[1], (std::pair<Tick, Tick>{bar + 100, bar + 900}));
        doc.undoStack()->undo();
        doc.undoStack()->undo();
        QCOMPARE(pedal::regions(doc.track(piano)->events, ch, end), before);
    }

    void primerButtonAndTracksColumnStayInStep() {
        // The Continue panel's "Primer:" menu and the track list's Primer column are two views
        // of one flag per track; Continue's primer leaves out what either unticks.
        auto* service = new testutil::FakeContinuationService;
        const auto window = fx_.makeWindow({.service = service, .recoveryDir = fx_.filePath("recovery-primer")});
        MainWindow& w = *window;
        const QString mid = fx_.filePath("primer.mid");
        QVERIFY(writeMidiFile(mid.toStdString(), test::pop909Piece(), {1, 480}).ok());
        QVERIFY(w.openFile(mid));
        Document* doc = w.document();
        PrimerTracksButton* button = w.continuePanel()->primerTracksButton();
        QVERIFY(button);
        QTableWidget* table = w.tracksPanel()->table();
        const TrackId melody = doc->tracks()[0].id, bridge = doc->tracks()[1].id, piano = doc->tracks()[2].id;
        QCOMPARE(button->text(), QString("Primer: all tracks"));
        QVERIFY(button->actionFor(bridge) && button->actionFor(bridge)->isChecked());
        QCOMPARE(button->actionFor(bridge)->text(), QString("BRIDGE"));
        QVERIFY(!button->allTracksAction()->isEnabled());

        // Unticked in the menu: out of the primer, unticked in the list.
        button->actionFor(bridge)->trigger();
        QVERIFY(!doc->isTrackInPrimer(bridge));
        QCOMPARE(table->item(1, TracksPanel::Primer)->checkState(), Qt::Unchecked);
        QCOMPARE(button->text(), QString("Primer: 2 of 3 tracks"));
        QVERIFY(button->allTracksAction()->isEnabled());

        // Continue: the request's primer holds the melody's and the piano's notes, not the bridge's.
        auto played = [&](std::initializer_list<TrackId> ids) {
            std::multiset<std::pair<int, int>> out; // (pitch, velocity)
            for (const Note& n : doc->notes())
                if (std::find(ids.begin(), ids.end(), n.track) != ids.end()) out.insert({n.pitch, n.velocity});
            return out;
        };
        auto primed = [&] {
            std::multiset<std::pair<int, int>> out;
            for (const GeneratedNote& n : service->lastRequest.primer) out.insert({n.pitch, n.velocity});
            return out;
        };
        QVERIFY(w.action("continue")->isEnabled());
        w.action("continue")->trigger();
        QTRY_VERIFY(!w.continueController()->isRunning());
        QCOMPARE(service->lastRequest.primer.size(), doc->notes().size() - 8); // the bridge's eight notes
        QCOMPARE(primed(), played({melody, piano}));

        // Ticked again in the list, the other two unticked there: the menu follows.
        table->item(1, TracksPanel::Primer)->setCheckState(Qt::Checked);
        table->item(0, TracksPanel::Primer)->setCheckState(Qt::Unchecked);
        table->item(2, TracksPanel::Primer)->setCheckState(Qt::Unchecked);
        QVERIFY(button->actionFor(bridge)->isChecked());
        QVERIFY(!button->actionFor(melody)->isChecked());
        QVERIFY(!button->actionFor(piano)->isChecked());
        QCOMPARE(button->text(), QString("Primer: BRIDGE"));
        w.action("continue")->trigger();
        QTRY_VERIFY(!w.continueController()->isRunning());
        QCOMPARE(primed(), played({bridge}));

        // Like the column, the menu is not an undo step; "All tracks" puts every track back.
        const int undoIndex = doc->undoStack()->index();
        button->allTracksAction()->trigger();
        QCOMPARE(doc->undoStack()->index(), undoIndex);
        for (const TrackInfo& t : doc->tracks()) QVERIFY(t.inPrimer);
        for (int row = 0; row < 3; ++row) QCOMPARE(table->item(row, TracksPanel::Primer)->checkState(), Qt::Checked);
        QCOMPARE(button->text(), QString("Primer: all tracks"));

        // Renamed or added tracks appear in the menu; the choice is saved with the project.
        doc->undoStack()->push(new TrackHeaderCommand(doc, piano, "Keys", 2, 0));
        QCOMPARE(button->actionFor(piano)->text(), QString("Keys"));
        button->actionFor(melody)->trigger();
        const QString project = fx_.filePath("primer.continuo");
        QVERIFY(w.saveTo(project));
        QVERIFY(w.openFile(project));
        QCOMPARE(w.continuePanel()->primerTracksButton()->text(), QString("Primer: 2 of 3 tracks"));
        QVERIFY(!w.continuePanel()->primerTracksButton()->actionFor(w.document()->tracks()[0].id)->isChecked());
    }

    void keptEventsStayThroughEditsAndExport() {
        // Meta and sysex events of an opened file follow the rules of the controllers: notes
        // moved and the tempo changed leave them at their ticks, on their tracks, and MIDI
        // export writes them back with the conductor track's name; an empty track stays.
        Sequence piece = test::pop909Piece();
        piece.conductorName = "POP909 conductor";
        piece.conductorEvents = {{0, RawEvent::Kind::Meta, 0x59, std::string("\x00\x00", 2)},
                                 {1920, RawEvent::Kind::Meta, 0x06, "Chorus"}};
        piece.tracks[0].rawEvents = {{0, RawEvent::Kind::Sysex, 0, std::string("\x7E\x7F\x09\x01\xF7", 5)},
                                     {480, RawEvent::Kind::Meta, 0x05, "la"}};
        piece.tracks[2].rawEvents = {{960, RawEvent::Kind::Meta, 0x01, "pedal here"}};
        Track empty;
        empty.name = "Nothing yet";
        piece.tracks.insert(piece.tracks.begin() + 1, empty);
        const QString mid = fx_.filePath("kept.mid");
        QVERIFY(writeMidiFile(mid.toStdString(), piece, {1, 480}).ok());
        auto w = makeWindow();
        QVERIFY(w->openFile(mid));
        Document* doc = w->document();
        QCOMPARE(doc->tracks().size(), 4u);
        QCOMPARE(doc->tracks()[1].name, std::string("Nothing yet"));

        edit::selectAll(*doc);
        QVERIFY(edit::moveSelection(*doc, kTicksPerQuarter));
        doc->undoStack()->push(MetreCommand::tempo(doc, 120));
        QCOMPARE(doc->tempo().bpmAt(0), 120.0);

        const QString out = fx_.filePath("kept-export.mid");
        QVERIFY(w->exportMidi(out, 1, 480));
        auto back = readMidiFile(out.toStdString());
        QVERIFY2(back.ok(), back.error().c_str());
        const Sequence& got = back->sequence;
        QCOMPARE(got.conductorName, piece.conductorName);
        QCOMPARE(got.conductorEvents, piece.conductorEvents);
        QCOMPARE(got.tracks.size(), piece.tracks.size());
        for (std::size_t i = 0; i < piece.tracks.size(); ++i) {
            QCOMPARE(got.tracks[i].name, piece.tracks[i].name);
            QCOMPARE(got.tracks[i].rawEvents, piece.tracks[i].rawEvents);
        }
        QCOMPARE(got.tracks[0].notes.front().start, piece.tracks[0].notes.front().start + 480); // the notes moved
        // Saved as a project and opened again: the same.
        const QString project = fx_.filePath("kept.continuo");
        QVERIFY(w->saveTo(project));
        QVERIFY(w->openFile(project));
        const project::Project p = w->document()->toProject();
        QCOMPARE(p.conductorName, piece.conductorName);
        QCOMPARE(p.tracks[0].rawEvents.size(), 2u);
        QCOMPARE(p.tracks[0].rawEvents[1].tick, Tick(960)); // 480 at 480 PPQ
        QCOMPARE(p.tracks[3].rawEvents[0].data, std::string("pedal here"));
    }

    void primerLeavesOutUntickedTracks() {
        Document doc;
        doc.reset(test::pop909Piece());
        testutil::FakeContinuationService service;
        GenerationController generation(&doc, &service);
        ContinueController controller(&doc, &generation);
        ContinueSettings s;
        const std::size_t all = controller.primerFor(s).notes.size();
        QCOMPARE(all, doc.notes().size());
        doc.setTrackInPrimer(doc.tracks()[1].id, false);
        const auto primer = controller.primerFor(s);
        QCOMPARE(primer.notes.size(), all - 8); // the bridge's eight notes
        for (const Note& n : primer.notes) QVERIFY(n.track != doc.tracks()[1].id);
    }
};

QTEST_MAIN(TestTracks)
#include "test_tracks.moc"
