#pragma once
// The takes under the roll, one thin lane each on the roll's time axis (same zoom and scroll):
// each lane shows its take's notes as short strokes (low notes at the bottom) and its name.
// Lanes follow the takes tree (the sketch's takes first, each followed by the takes continued
// from it, their names indented). Clicking a lane auditions its take, as selecting it in the
// Takes panel does; the auditioned take's lane is lit. Dragging a lane out of the window drops
// its take as a MIDI file (MidiTransfer) into a DAW or a file manager.
#include "continuo/core/Note.h"
#include "document/Take.h"

#include <QWidget>

class QMimeData;

#include <vector>

namespace continuo::ui {

class Document;
class RollView;

class TakeLanes : public QWidget {
    Q_OBJECT
public:
    TakeLanes(Document* doc, RollView* view, QWidget* parent = nullptr);
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override { return sizeHint(); }

    int laneCount() const { return int(lanes_.size()); }
    /// The take shown in lane `lane` (0 when out of range).
    TakeId takeAt(int lane) const;
    int laneOf(TakeId id) const;
    /// Where lane `lane` is drawn, and a note of its take within it (widget coordinates).
    QRectF laneRect(int lane) const;
    QRectF noteRect(int lane, const Note& note) const;
    /// What a drag of lane `lane` carries (MidiTransfer::forTake); nullptr for no take.
    QMimeData* dragData(int lane) const;

signals:
    /// A lane was clicked: the take to audition.
    void takeClicked(continuo::ui::TakeId id);

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mouseReleaseEvent(QMouseEvent*) override;

private:
    struct Lane {
        TakeId id = 0;
        int depth = 0; ///< 0: continued the sketch
    };
    void rebuild();
    double laneHeight() const;

    Document* doc_;
    RollView* view_;
    std::vector<Lane> lanes_;
    int pressLane_ = -1; ///< the lane a left press began on (a drag may follow)
    QPointF pressPos_;
};

} // namespace continuo::ui
