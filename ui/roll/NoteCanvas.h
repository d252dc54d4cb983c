#pragma once
// The note grid of the piano roll: paints rows, grid, the piece, the auditioned take (in its
// own colour after the primer), notes being recorded and the playhead; edits notes with the
// draw and select tools. Only visible notes are painted: a binary search by start tick over
// the sorted notes, widened by the longest note so that long notes reaching in are drawn.
#include "continuo/core/Note.h"
#include "roll/ListeningSpan.h"

#include <QElapsedTimer>
#include <QPoint>
#include <QRect>
#include <QWidget>

#include <vector>

namespace continuo::project {
struct Take;
}

namespace continuo::ui {

class Document;
class RollView;

class NoteCanvas : public QWidget {
    Q_OBJECT
public:
    NoteCanvas(Document* doc, RollView* view, QWidget* parent = nullptr);

    /// Milliseconds the last paintEvent took (benchmark and diagnostics).
    double lastPaintMs() const { return lastPaintMs_; }
    int lastPaintedNotes() const { return lastPaintedNotes_; }
    /// Shades the span of the sketch the model will hear from where Continue starts.
    void setListeningSpan(const ListeningSpan& span);
    const ListeningSpan& listeningSpan() const { return listening_; }
    void setShowListening(bool on);
    bool showsListening() const { return showListening_ && listening_.valid(); }
    /// Compare with parent: the auditioned take's notes that it added after the take it
    /// continued from stand out; the parent take's notes are drawn as outlines and the sketch
    /// fades (when the take continued the sketch, the sketch is its parent).
    void setCompareWithParent(bool on);
    bool comparesWithParent() const { return compare_; }
    /// Notes highlighted and outlined by the last paint in compare mode (tests).
    int lastComparedAdded() const { return lastComparedAdded_; }
    int lastComparedParent() const { return lastComparedParent_; }
    /// Hides rows and labels that only matter while editing (screenshots use the default).
    QSize sizeHint() const override { return {800, 480}; }

signals:
    void previewNote(int pitch, int velocity, bool on);

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mouseReleaseEvent(QMouseEvent*) override;
    void leaveEvent(QEvent*) override;

private:
    /// Export: Ctrl+drag on a selected note carries the selection out as a MIDI file.
    enum class Drag { None, Move, Resize, Rubber, Export };
    void paintGrid(class QPainter& p, Tick t0, Tick t1);
    int paintNotes(QPainter& p, const std::vector<Note>& notes, Tick maxLen, Tick t0, Tick t1,
                   const QColor& base, bool selectable, Tick drawFrom = 0);
    void paintTakeBand(QPainter& p);
    void paintListening(QPainter& p);
    void paintGapBand(QPainter& p, const project::Take& take);
    void paintCompare(QPainter& p, const project::Take& take, Tick t0, Tick t1);
    const Note* hitNote(QPointF pos, bool* nearEnd) const;
    QRectF noteRect(const Note& n) const;
    Tick snapped(Tick t, Qt::KeyboardModifiers mods) const;
    void updateRubber(QPoint pos, Qt::KeyboardModifiers mods);
    void stopPreview();

    Document* doc_;
    RollView* view_;
    Drag drag_ = Drag::None;
    bool drawing_ = false; // resizing a note just drawn: its end follows the mouse
    int gesture_ = 0;
    QPointF pressPos_;
    Note anchor_;                  // the note under the mouse at press time
    std::vector<Note> original_;   // dragged notes as they were at press time
    QRect rubber_;
    std::vector<NoteId> rubberBase_;
    int previewPitch_ = -1;
    Tick ghostFrom_ = 0; ///< piece notes with onsets in [ghostFrom_, ghostTo_) are drawn as outlines
    Tick ghostTo_ = 0;
    double lastPaintMs_ = 0;
    ListeningSpan listening_;
    bool showListening_ = true;
    int lastPaintedNotes_ = 0;
    bool compare_ = false;
    int lastComparedAdded_ = 0;
    int lastComparedParent_ = 0;
};

} // namespace continuo::ui
