#include "panels/LossCurveWidget.h"

#include "roll/RollPalette.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace continuo::ui {

namespace {
QColor lossColour() { return QColor(0x5a, 0xa9, 0xf6); }
QColor heldoutColour() { return QColor(0xf2, 0x9e, 0x4c); }
} // namespace

LossCurveWidget::LossCurveWidget(QWidget* parent) : QWidget(parent) {
    setObjectName("lossCurve");
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void LossCurveWidget::setCurves(const QVector<QPointF>& loss, const QVector<QPointF>& heldout, double baseline,
                                int steps) {
    loss_ = loss;
    heldout_ = heldout;
    baseline_ = baseline;
    steps_ = steps;
    update();
}

void LossCurveWidget::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette::background());
    const QFontMetrics fm(font());
    const QRectF plot = QRectF(rect()).adjusted(fm.horizontalAdvance("00.00") + 10, fm.height() + 8, -10, -fm.height() - 6);
    if (plot.width() < 20 || plot.height() < 20) return;

    // The value range of everything shown, with a little room.
    double lo = 1e9, hi = -1e9, maxStep = std::max(1, steps_);
    auto take = [&](const QVector<QPointF>& pts) {
        for (const QPointF& q : pts) {
            lo = std::min(lo, q.y());
            hi = std::max(hi, q.y());
            maxStep = std::max(maxStep, q.x());
        }
    };
    take(loss_);
    take(heldout_);
    if (baseline_ >= 0) {
        lo = std::min(lo, baseline_);
        hi = std::max(hi, baseline_);
    }
    p.setPen(palette::gridLine());
    p.drawRect(plot);
    p.setPen(palette::dimText());
    if (lo > hi) {
        p.drawText(plot, Qt::AlignCenter, tr("The curve appears after the first steps."));
        return;
    }
    const double pad = std::max(0.05, (hi - lo) * 0.1);
    lo -= pad;
    hi += pad;
    auto at = [&](QPointF q) {
        return QPointF(plot.left() + plot.width() * q.x() / maxStep, plot.bottom() - plot.height() * (q.y() - lo) / (hi - lo));
    };
    // Axes: values at the top and bottom, steps at the ends.
    p.drawText(QRectF(0, plot.top() - fm.height() / 2.0, plot.left() - 4, fm.height()), Qt::AlignRight | Qt::AlignVCenter,
               QString::number(hi, 'f', 2));
    p.drawText(QRectF(0, plot.bottom() - fm.height() / 2.0, plot.left() - 4, fm.height()), Qt::AlignRight | Qt::AlignVCenter,
               QString::number(lo, 'f', 2));
    p.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), fm.height()), Qt::AlignLeft, QStringLiteral("0"));
    p.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), fm.height()), Qt::AlignRight,
               tr("step %1").arg(qRound(maxStep)));
    if (baseline_ >= 0) {
        p.setPen(QPen(heldoutColour().darker(140), 1, Qt::DashLine));
        const double y = at({0, baseline_}).y();
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
    }
    auto draw = [&](const QVector<QPointF>& pts, const QColor& c, bool dots) {
        if (pts.isEmpty()) return;
        QPainterPath path(at(pts.front()));
        for (const QPointF& q : pts) path.lineTo(at(q));
        p.setPen(QPen(c, 1.6));
        p.setBrush(Qt::NoBrush);
        p.drawPath(path);
        if (dots) {
            p.setBrush(c);
            for (const QPointF& q : pts) p.drawEllipse(at(q), 2.5, 2.5);
        }
    };
    draw(loss_, lossColour(), loss_.size() == 1);
    draw(heldout_, heldoutColour(), true);
    // Legend along the top.
    const QString lossText = tr("training loss"), heldText = tr("held-out NLL");
    double x = plot.left();
    for (auto [text, colour] : {std::pair{lossText, lossColour()}, std::pair{heldText, heldoutColour()}}) {
        p.setPen(Qt::NoPen);
        p.setBrush(colour);
        p.drawRect(QRectF(x, 4 + fm.height() / 2.0 - 3, 10, 6));
        p.setPen(palette::text());
        p.drawText(QPointF(x + 14, 4 + fm.ascent()), text);
        x += 14 + fm.horizontalAdvance(text) + 14;
    }
}

} // namespace continuo::ui
