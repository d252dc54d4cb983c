#pragma once
// A small chart of a Teach Your Style job: training loss and held-out NLL (nats per token)
// against the step, with the base model's held-out NLL as a dashed line to beat. Paints what it
// is given; the Teaching panel gives it the job's curves as they grow.
#include <QPointF>
#include <QVector>
#include <QWidget>

namespace continuo::ui {

class LossCurveWidget : public QWidget {
    Q_OBJECT
public:
    explicit LossCurveWidget(QWidget* parent = nullptr);

    /// (step, value) points; `baseline` < 0: none. `steps` > 0 fixes the step axis's end.
    void setCurves(const QVector<QPointF>& loss, const QVector<QPointF>& heldout, double baseline, int steps);
    const QVector<QPointF>& loss() const { return loss_; }
    const QVector<QPointF>& heldout() const { return heldout_; }
    QSize sizeHint() const override { return {320, 220}; }
    QSize minimumSizeHint() const override { return {200, 120}; }

protected:
    void paintEvent(QPaintEvent* e) override;

private:
    QVector<QPointF> loss_;
    QVector<QPointF> heldout_;
    double baseline_ = -1;
    int steps_ = 0;
};

} // namespace continuo::ui
