#pragma once
// Zoom, scroll, grid and tool state shared by the parts of the piano roll (keyboard, ruler,
// note canvas, velocity lane). Pure geometry: ticks <-> x, pitch <-> y.
#include "continuo/core/Note.h"
#include "document/Grid.h"

#include <QObject>

namespace continuo::ui {

enum class RollTool { Select, Draw };

class RollView : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;

    static constexpr int kLowestPitch = 0;
    static constexpr int kHighestPitch = 127;

    double pixelsPerTick() const { return ppt_; }
    int rowHeight() const { return rowHeight_; }
    double scrollX() const { return scrollX_; }
    double scrollY() const { return scrollY_; }
    int contentHeight() const { return (kHighestPitch - kLowestPitch + 1) * rowHeight_; }

    double tickToX(Tick t) const { return double(t) * ppt_ - scrollX_; }
    Tick xToTick(double x) const { return Tick((x + scrollX_) / ppt_); }
    double pitchToY(int pitch) const { return double(kHighestPitch - pitch) * rowHeight_ - scrollY_; }
    int yToPitch(double y) const;

    void setPixelsPerTick(double ppt, double anchorX = 0);
    void setRowHeight(int px, double anchorY = 0);
    void setScrollX(double x);
    void setScrollY(double y);
    /// Scrolls so that `pitch` sits in the middle of a viewport `height` pixels tall.
    void centerOnPitch(int pitch, int height);

    const Grid& grid() const { return grid_; }
    void setGrid(const Grid& g);
    RollTool tool() const { return tool_; }
    void setTool(RollTool t);

    Tick playhead() const { return playhead_; }
    void setPlayhead(Tick t);

signals:
    void viewChanged();
    void gridChanged();
    void toolChanged(continuo::ui::RollTool tool);
    void playheadChanged(continuo::Tick tick);

private:
    double ppt_ = 96.0 / kTicksPerQuarter; // 96 px per quarter note
    int rowHeight_ = 14;
    double scrollX_ = 0;
    double scrollY_ = 0;
    Grid grid_{16, false};
    RollTool tool_ = RollTool::Draw;
    Tick playhead_ = 0;
};

} // namespace continuo::ui
