#include "roll/RollView.h"

#include <algorithm>
#include <cmath>

namespace continuo::ui {

int RollView::yToPitch(double y) const {
    const int row = int(std::floor((y + scrollY_) / rowHeight_));
    return std::clamp(kHighestPitch - row, kLowestPitch, kHighestPitch);
}

void RollView::setPixelsPerTick(double ppt, double anchorX) {
    ppt = std::clamp(ppt, 2.0 / kTicksPerQuarter, 800.0 / kTicksPerQuarter);
    if (ppt == ppt_) return;
    const double tickAtAnchor = (anchorX + scrollX_) / ppt_;
    ppt_ = ppt;
    scrollX_ = std::max(0.0, tickAtAnchor * ppt_ - anchorX);
    emit viewChanged();
}

void RollView::setRowHeight(int px, double anchorY) {
    px = std::clamp(px, 4, 40);
    if (px == rowHeight_) return;
    const double rowAtAnchor = (anchorY + scrollY_) / rowHeight_;
    rowHeight_ = px;
    scrollY_ = std::max(0.0, rowAtAnchor * rowHeight_ - anchorY);
    emit viewChanged();
}

void RollView::setScrollX(double x) {
    x = std::max(0.0, x);
    if (x == scrollX_) return;
    scrollX_ = x;
    emit viewChanged();
}

void RollView::setScrollY(double y) {
    y = std::clamp(y, 0.0, double(contentHeight()));
    if (y == scrollY_) return;
    scrollY_ = y;
    emit viewChanged();
}

void RollView::centerOnPitch(int pitch, int height) {
    setScrollY(double(kHighestPitch - pitch) * rowHeight_ - height / 2.0);
}

void RollView::setGrid(const Grid& g) {
    if (g == grid_) return;
    grid_ = g;
    emit gridChanged();
    emit viewChanged();
}

void RollView::setTool(RollTool t) {
    if (t == tool_) return;
    tool_ = t;
    emit toolChanged(t);
}

void RollView::setPlayhead(Tick t) {
    t = std::max<Tick>(0, t);
    if (t == playhead_) return;
    playhead_ = t;
    emit playheadChanged(t);
}

} // namespace continuo::ui
