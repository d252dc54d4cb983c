// Child process of the stress test (test_stress.cpp): with autosave to a recovery folder
// running, does the test's deterministic work (import, takes, edits, undo all, redo all), then
// says "ready" once the autosave after the work is on disk, and waits to be killed.
//   stress_child MIDI_FILE RECOVERY_DIR TAKES EDITS
#include "StressWork.h"
#include "document/RecoveryManager.h"

#include <QCoreApplication>

#include <cstdio>

using namespace continuo;

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    if (argc < 5) {
        std::fprintf(stderr, "usage: stress_child MIDI_FILE RECOVERY_DIR TAKES EDITS\n");
        return 2;
    }
    const QString midi = QString::fromLocal8Bit(argv[1]);
    const int takes = std::atoi(argv[3]);
    const int edits = std::atoi(argv[4]);
    ui::Document doc;
    ui::RecoveryManager recovery(&doc, QString::fromLocal8Bit(argv[2]));
    // As the app does: the lock and the timer from the start. The work below runs without
    // returning to the event loop, so the first autosave is the one after it.
    recovery.start(100);
    if (auto r = stress::importMidi(doc, midi); !r) {
        std::fprintf(stderr, "import failed: %s\n", r.error().c_str());
        return 1;
    }
    stress::makeTakes(doc, takes, stress::kSeed);
    if (!stress::performEdits(doc, edits, stress::kSeed + 1)) {
        std::fprintf(stderr, "could not perform %d edits\n", edits);
        return 1;
    }
    stress::undoSteps(doc, edits);
    stress::redoSteps(doc, edits);
    QObject::connect(&recovery, &ui::RecoveryManager::autosaved, [] {
        std::printf("ready\n");
        std::fflush(stdout);
    });
    return app.exec();
}
