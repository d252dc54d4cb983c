#pragma once
// Bars and beats above the roll, from the document's metre. Click to move the playhead;
// drag to set the loop region.
#include "continuo/core/Note.h"

#include <QWidget>

namespace continuo::ui {

class Document;
class RollView;

class RulerWidget : public QWidget {
    Q_OBJECT
public:
    RulerWidget(Document* doc, RollView* view, QWidget* parent = nullptr);
    QSize sizeHint() const override { return {400, 28}; }

signals:
    void locateRequested(continuo::Tick tick);

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mouseReleaseEvent(QMouseEvent*) override;

private:
    Document* doc_;
    RollView* view_;
    Tick pressTick_ = -1;
    bool dragging_ = false;
};

} // namespace continuo::ui
