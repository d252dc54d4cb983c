// Child process for the crash-recovery test: edits a document with autosave running, says
// "ready" once the edits are on disk, then waits to be killed.
#include "document/Document.h"
#include "document/EditOperations.h"
#include "document/RecoveryManager.h"

#include <QCoreApplication>
#include <QTimer>

#include <cstdio>

using namespace continuo;
using namespace continuo::ui;

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    if (argc < 2) return 2;
    Document doc;
    RecoveryManager recovery(&doc, QString::fromLocal8Bit(argv[1]));
    recovery.start(50);
    std::vector<Note> notes;
    for (int i = 0; i < 12; ++i) {
        Note n;
        n.pitch = 60 + i;
        n.start = Tick(i) * kTicksPerQuarter;
        n.length = kTicksPerQuarter / 2;
        n.velocity = 40 + i * 5;
        notes.push_back(n);
    }
    edit::addNotes(doc, notes, "Draw");
    edit::transposeSelection(doc, 2);
    doc.setBpm(88);
    // The next autosave (timer) writes the file; report then.
    QObject::connect(&recovery, &RecoveryManager::autosaved, [] {
        std::printf("ready\n");
        std::fflush(stdout);
    });
    return app.exec();
}
