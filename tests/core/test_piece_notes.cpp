// The project's one list of notes (continuo::project::PieceNotes) and its indexes, checked
// against a plain vector searched the slow way after every change of a long random edit
// sequence; and Project::normalize on projects built by hand.
#include "continuo/project/Project.h"

#include <QtTest>

#include <algorithm>
#include <random>

using namespace continuo;
using namespace continuo::project;

namespace {

/// The same answers as PieceNotes, computed by scanning.
struct Reference {
    std::vector<Note> notes;
    void replace(const std::vector<NoteId>& remove, const std::vector<Note>& insert) {
        std::erase_if(notes, [&](const Note& n) { return std::find(remove.begin(), remove.end(), n.id) != remove.end(); });
        notes.insert(notes.end(), insert.begin(), insert.end());
        std::sort(notes.begin(), notes.end(), noteLess);
    }
    std::vector<Note> overlapping(Tick from, Tick to) const {
        std::vector<Note> out;
        for (const Note& n : notes)
            if (n.start < to && (n.end() > from || n.start == from)) out.push_back(n);
        return out;
    }
    std::vector<Note> ofTrack(std::uint32_t track) const {
        std::vector<Note> out;
        for (const Note& n : notes)
            if (n.track == track) out.push_back(n);
        return out;
    }
};

void checkAgainst(const PieceNotes& got, const Reference& want, std::mt19937& rng) {
    QCOMPARE(got.all(), want.notes);
    Tick longest = 0, end = 0;
    for (const Note& n : want.notes) {
        longest = std::max(longest, n.length);
        end = std::max(end, n.end());
        const Note* found = got.find(n.id);
        QVERIFY(found);
        QCOMPARE(*found, n);
    }
    QCOMPARE(got.maxLength(), longest);
    QCOMPARE(got.endTick(), end);
    for (std::uint32_t track = 1; track <= 3; ++track) {
        QCOMPARE(got.ofTrack(track), want.ofTrack(track));
        QCOMPARE(got.countOnTrack(track), want.ofTrack(track).size());
    }
    for (int k = 0; k < 20; ++k) {
        const Tick from = std::uniform_int_distribution<Tick>(0, 20000)(rng);
        const Tick to = from + std::uniform_int_distribution<Tick>(0, 4000)(rng);
        QCOMPARE(got.overlapping(from, to), want.overlapping(from, to));
        const std::size_t lb = got.lowerBound(from);
        QVERIFY(lb == got.size() || got[lb].start >= from);
        QVERIFY(lb == 0 || got[lb - 1].start < from);
    }
}

} // namespace

class TestPieceNotes : public QObject {
    Q_OBJECT
private slots:
    void indexesAgreeWithAScanThroughRandomEdits() {
        std::mt19937 rng(7);
        PieceNotes notes;
        Reference ref;
        NoteId nextId = 1;
        for (int step = 0; step < 300; ++step) {
            std::vector<NoteId> remove;
            for (const Note& n : ref.notes)
                if (std::uniform_int_distribution<int>(0, 29)(rng) == 0) remove.push_back(n.id);
            remove.push_back(999999); // an id that is not there is ignored
            std::vector<Note> insert;
            const int count = std::uniform_int_distribution<int>(0, 6)(rng);
            for (int i = 0; i < count; ++i) {
                Note n;
                n.id = nextId++;
                n.pitch = std::uniform_int_distribution<int>(21, 108)(rng);
                n.start = std::uniform_int_distribution<Tick>(0, 20000)(rng) / 10 * 10; // ties in time
                // Now and then a very long note, so that maxLength must grow and shrink again.
                n.length = step % 37 == 0 ? 15000 : std::uniform_int_distribution<Tick>(0, 2000)(rng);
                n.track = std::uint32_t(std::uniform_int_distribution<int>(1, 3)(rng));
                insert.push_back(n);
            }
            notes.replace(remove, insert);
            ref.replace(remove, insert);
            checkAgainst(notes, ref, rng);
            if (QTest::currentTestFailed()) return;
            QCOMPARE(notes.maxId(), ref.notes.empty() ? NoteId(0)
                                                      : std::max_element(ref.notes.begin(), ref.notes.end(),
                                                                         [](const Note& a, const Note& b) { return a.id < b.id; })->id);
        }
        QVERIFY(notes.size() > 50);
        // Every note of track 2 moves to track 3.
        notes.moveTrack(2, 3);
        for (Note& n : ref.notes)
            if (n.track == 2) n.track = 3;
        QCOMPARE(notes.countOnTrack(2), 0u);
        checkAgainst(notes, ref, rng);
    }

    void theLongestNoteBoundsTheSearchBackwards() {
        // A long note that starts well before the window still sounds in it.
        Note pedal{.id = 1, .pitch = 36, .start = 0, .length = 10000, .track = 1};
        Note shortOne{.id = 2, .pitch = 60, .start = 5000, .length = 100, .track = 1};
        PieceNotes notes({shortOne, pedal});
        QCOMPARE(notes.overlapping(8000, 8100), std::vector<Note>{pedal});
        notes.replace({1}, {});
        QCOMPARE(notes.maxLength(), Tick(100));
        QVERIFY(notes.overlapping(8000, 8100).empty());
        QCOMPARE(notes.endTick(), Tick(5100));
    }

    void normalizeGivesAProjectTheRulesTheAppReliesOn() {
        Project p;
        p.tracks.resize(3);
        p.tracks[0].id = 5;
        p.tracks[1].id = 5; // a duplicate
        p.tracks[2].id = 0; // none
        Take take;
        take.id = 4;
        take.generating = true;
        take.notes = {Note{.id = 40, .pitch = 70}};
        p.takes.push_back(take);
        p.primerTake = 9; // not a take
        p.timeSignatures = {{960, 3, 4}};
        p.tempo = TempoMap(480);
        p.notes.assign({Note{.id = 0, .pitch = 60, .track = 5}, Note{.id = 0, .pitch = 62, .track = 77},
                        Note{.id = 40, .pitch = 64, .start = 10, .track = 5}});
        p.normalize();
        std::vector<TrackId> ids;
        for (const ProjectTrack& t : p.tracks) ids.push_back(t.id);
        QCOMPARE(ids, (std::vector<TrackId>{5, 6, 7}));
        std::vector<NoteId> noteIds;
        for (const Note& n : p.notes) {
            noteIds.push_back(n.id);
            QCOMPARE(n.track, TrackId(5)); // the note of a missing track goes to the first
        }
        QCOMPARE(noteIds, (std::vector<NoteId>{41, 42, 43})); // above the take's 40
        QCOMPARE(p.takes[0].notes[0].id, NoteId(40));
        QVERIFY(!p.takes[0].generating);
        QCOMPARE(p.primerTake, TakeId(0));
        QCOMPARE(p.timeSignatures.front().tick, Tick(0));
        QCOMPARE(p.timeSignatures.size(), 2u);
        QCOMPARE(p.tempo.ticksPerQuarter(), kTicksPerQuarter);

        Project empty;
        empty.normalize();
        QCOMPARE(empty.tracks.size(), 1u); // one track to draw on
        QVERIFY(empty.tracks[0].id != 0);
    }

    void takeTreeAndMetreLiveWithTheProject() {
        Project p;
        auto addTake = [&](TakeId id, TakeId parent, const char* name) {
            Take t;
            t.id = id;
            t.name = name;
            t.provenance.parentTake = parent;
            p.takes.push_back(t);
        };
        addTake(1, 0, "Take 1");
        addTake(2, 1, "Take 2");
        addTake(3, 0, "Take 7");
        addTake(4, 99, "Fill 2"); // its parent is gone: it hangs from the sketch
        QCOMPARE(p.takeTree(), (std::vector<std::pair<TakeId, int>>{{1, 0}, {2, 1}, {3, 0}, {4, 0}}));
        QCOMPARE(p.nextTakeNumber("Take"), 8);
        QCOMPARE(p.nextTakeNumber("Fill"), 3);
        QCOMPARE(p.nextTakeNumber("Variation"), 1);
        addTake(5, 0, "Take 9 (stopped)"); // a stopped take keeps its number taken
        addTake(6, 0, "Take 12b");         // not a number of its own
        QCOMPARE(p.nextTakeNumber("Take"), 10);
        p.timeSignatures = {{0, 4, 4}, {2 * 3840 + 960, 3, 4}}; // 3/4 from the middle of bar 3
        QCOMPARE(p.barAt(8000).index, Tick(2));
        QCOMPARE(p.barAt(8000).end, Tick(8640)); // bar 2 is cut short by the new metre
        QCOMPARE(p.barAt(9000).index, Tick(3));
        QCOMPARE(p.barAt(9000).start, Tick(8640));
        QCOMPARE(p.barAt(9000).length, Tick(2880));
        QCOMPARE(p.barAt(3 * 3840).index, Tick(4));
        QCOMPARE(p.barAt(3 * 3840).start, Tick(8640 + 2880));
        QCOMPARE(p.barAt(0).length, Tick(3840));
        QCOMPARE(p.ticksPerBar(), Tick(3840));
    }
};

QTEST_GUILESS_MAIN(TestPieceNotes)
#include "test_piece_notes.moc"
