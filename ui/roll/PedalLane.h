#pragma once
// The sustain pedal (CC64) of the active track, under the velocity lane: pedal-down stretches
// drawn as bars. Drag to hold the pedal down over a stretch; drag with the right button (or
// Shift) to lift it there. Each drag is one undo step (TrackEventsCommand).
#include "continuo/core/Note.h"

#include <QPointF>
#include <QWidget>

#include <vector>

namespace continuo::ui {

class Document;
class RollView;

class PedalLane : public QWidget {
    Q_OBJECT
public:
    PedalLane(Document* doc, RollView* view, QWidget* parent = nullptr);
    QSize sizeHint() const override { return {400, 36}; }

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mouseReleaseEvent(QMouseEvent*) override;

private:
    void apply(QPointF to);
    Document* doc_;
    RollView* view_;
    bool dragging_ = false;
    bool down_ = true;
    int gesture_ = 0;
    Tick from_ = 0;
    std::vector<ChannelEvent> startEvents_;
};

} // namespace continuo::ui
