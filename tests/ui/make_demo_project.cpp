// Writes the demo project used by screenshots.sh: the example motif as primer and three
// takes written by hand-made rules (a sequence up a step, a broken-chord answer, and a
// lyrical descent), with provenance filled in as a Continue would. With --pop909, the
// three-track MIDI file of test_ui_tracks (MELODY, BRIDGE, PIANO).
#include "Pop909Piece.h"
#include "continuo/core/MidiFile.h"
#include "document/Document.h"
#include "document/EditOperations.h"
#include "document/ProjectFile.h"
#include "document/TakeCommands.h"

#include <QCoreApplication>
#include <QUndoStack>

#include <cstdio>

using namespace continuo;
using namespace continuo::ui;

namespace {
constexpr Tick Q = kTicksPerQuarter;
struct N { int pitch; double beat, len; int vel; };

std::vector<Note> notes(const std::vector<N>& src, Tick offset) {
    std::vector<Note> out;
    for (const N& n : src) {
        Note note;
        note.pitch = n.pitch;
        note.start = offset + Tick(n.beat * Q);
        note.length = Tick(n.len * Q) - 24;
        note.velocity = n.vel;
        out.push_back(note);
    }
    return out;
}
} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    if (argc == 3 && QByteArray(argv[1]) == "--pop909") {
        // The three-track piece of test_ui_tracks, as a MIDI file (screenshots of the track list).
        auto r = writeMidiFile(argv[2], test::pop909Piece(), {1, 480});
        if (!r) std::fprintf(stderr, "%s\n", r.error().c_str());
        return r ? 0 : 1;
    }
    if (argc < 2) {
        std::fprintf(stderr, "usage: make_demo_project OUT.continuo | --pop909 OUT.mid\n");
        return 2;
    }
    Document doc;
    doc.setBpm(96);
    const std::vector<N> motif = {
        {67, 0, 1, 72},   {72, 1, 1, 84},    {71, 2, .5, 70},  {72, 2.5, .5, 74}, {74, 3, 1, 82},
        {76, 4, 1.5, 92}, {74, 5.5, .5, 70}, {72, 6, 1, 78},   {71, 7, 1, 74},    {69, 8, 1, 80},
        {71, 9, .5, 72},  {72, 9.5, .5, 76}, {74, 10, 1, 86},  {67, 11, 1, 70},   {72, 12, 3.5, 88},
        {48, 0, 2, 62},   {55, 2, 2, 56},    {45, 4, 2, 60},   {52, 6, 2, 54},    {41, 8, 2, 60},
        {43, 10, 2, 58},  {48, 12, 3.5, 64}, {64, 0, 2, 50},   {60, 4, 2, 48},    {65, 8, 2, 50},
        {64, 12, 3.5, 52}};
    edit::addNotes(doc, notes(motif, 0), "Motif");
    const Tick end = 16 * Q;

    std::vector<N> sequenceUp; // the motif a step higher, then a cadence
    for (const N& n : motif) sequenceUp.push_back({n.pitch + 2, n.beat, n.len, std::min(127, n.vel + 6)});
    sequenceUp.push_back({79, 16, 1, 90});
    sequenceUp.push_back({77, 17, 1, 84});
    sequenceUp.push_back({76, 18, 2, 80});
    sequenceUp.push_back({43, 16, 4, 60});
    std::vector<N> broken; // broken chords under a held melody
    const int chords[4][3] = {{48, 52, 55}, {45, 48, 52}, {41, 45, 48}, {43, 47, 50}};
    for (int bar = 0; bar < 4; ++bar) {
        for (int i = 0; i < 8; ++i)
            broken.push_back({chords[bar][i % 3] + (i >= 3 ? 12 : 0), bar * 4 + i * 0.5, 0.5, 52 + (i % 4) * 6});
        broken.push_back({76 - bar * 2, bar * 4.0, 3.5, 88 - bar * 4});
    }
    std::vector<N> descent; // a lyrical line falling over a pedal
    const int line[] = {79, 77, 76, 74, 72, 74, 72, 71, 69, 71, 67, 69, 65, 64, 62, 60};
    for (int i = 0; i < 16; ++i) descent.push_back({line[i], i * 1.0 + (i % 4 == 3 ? 0.25 : 0), i % 4 == 3 ? 0.75 : 1.0, 92 - i * 3});
    for (int bar = 0; bar < 4; ++bar) descent.push_back({36 + (bar == 3 ? 7 : 0), bar * 4.0, 4, 58});

    std::vector<Take> takes;
    const std::vector<N>* sources[3] = {&sequenceUp, &broken, &descent};
    const double temps[3] = {0.9, 1.0, 1.1};
    for (int i = 0; i < 3; ++i) {
        Take t;
        t.id = doc.allocateTakeId();
        t.name = QStringLiteral("Take %1").arg(i + 1);
        t.notes = notes(*sources[i], end);
        for (Note& n : t.notes) n.id = doc.allocateNoteId();
        TakeProvenance& p = t.provenance;
        p.primerStart = 0;
        p.primerEnd = end;
        p.primerSource = "whole sketch";
        p.modelName = "dsmr-maestro-small";
        p.modelHash = "9f2c61d04be8a7e3c5d1f0aa7b1e6c9d2f4a8b3e5c7d9f1a2b4c6d8e0f1a3b5c";
        p.device = "CPU";
        p.sampling.seed = Seed::fixed(271828);
        p.sampling.temperature = temps[i];
        p.sampling.topP = 0.95;
        p.sampling.lengthSeconds = 10;
        p.variation = i;
        p.created = QDateTime::currentDateTime();
        takes.push_back(t);
    }
    doc.undoStack()->push(new AddTakesCommand(&doc, takes));
    doc.setTitle("Demo: motif and three takes");
    PieceSettings s;
    s.sampling.lengthSeconds = 10;
    s.sampling.seed = Seed::fixed(271828);
    auto r = ProjectFile::save(QString::fromLocal8Bit(argv[1]), doc, s);
    if (!r) {
        std::fprintf(stderr, "%s\n", r.error().c_str());
        return 1;
    }
    return 0;
}
