#pragma once
// The piano keyboard at the left of the roll. Click a key to hear it.
#include <QWidget>

namespace continuo::ui {

class RollView;

class KeyboardWidget : public QWidget {
    Q_OBJECT
public:
    explicit KeyboardWidget(RollView* view, QWidget* parent = nullptr);
    QSize sizeHint() const override { return {64, 400}; }

signals:
    void previewNote(int pitch, int velocity, bool on);

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mouseReleaseEvent(QMouseEvent*) override;

private:
    RollView* view_;
    int pressed_ = -1;
};

} // namespace continuo::ui
