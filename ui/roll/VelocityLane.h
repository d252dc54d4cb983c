#pragma once
// Velocity bars under the roll. Drag a bar to change one note (and the rest of the selection
// by the same amount when it is selected); drag across empty space to draw a ramp over the
// selected notes (or every note in the range when none is selected).
#include "continuo/core/Note.h"

#include <QPoint>
#include <QWidget>

namespace continuo::ui {

class Document;
class RollView;

class VelocityLane : public QWidget {
    Q_OBJECT
public:
    VelocityLane(Document* doc, RollView* view, QWidget* parent = nullptr);
    QSize sizeHint() const override { return {400, 90}; }

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mouseReleaseEvent(QMouseEvent*) override;

private:
    int velocityAt(double y) const;
    double yOf(int velocity) const;
    const Note* barAt(QPointF pos) const;

    Document* doc_;
    RollView* view_;
    NoteId dragging_ = 0;
    int gesture_ = 0;
    bool ramp_ = false;
    QPointF rampFrom_, rampTo_;
};

} // namespace continuo::ui
