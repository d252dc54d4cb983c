#pragma once
// The piano roll: keyboard, ruler, note canvas, velocity, pedal and take lanes and scroll bars around one
// RollView. Ctrl+wheel zooms time, Ctrl+Shift+wheel zooms pitch, wheel scrolls pitch,
// Shift+wheel scrolls time.
#include "continuo/core/Note.h"

#include <QWidget>

class QScrollBar;

namespace continuo::ui {

class Document;
class KeyboardWidget;
class NoteCanvas;
class RollView;
class RulerWidget;
class PedalLane;
class TakeLanes;
class VelocityLane;

class PianoRollWidget : public QWidget {
    Q_OBJECT
public:
    explicit PianoRollWidget(Document* doc, QWidget* parent = nullptr);

    RollView* view() const { return view_; }
    NoteCanvas* canvas() const { return canvas_; }
    KeyboardWidget* keyboard() const { return keyboard_; }
    RulerWidget* ruler() const { return ruler_; }
    VelocityLane* velocityLane() const { return velocity_; }
    PedalLane* pedalLane() const { return pedal_; }
    TakeLanes* takeLanes() const { return lanes_; }

    bool followPlayhead() const { return follow_; }
    void setFollowPlayhead(bool on) { follow_ = on; }
    void zoomTime(double factor);
    void zoomPitch(int delta);
    /// Shows the whole piece (and the auditioned take).
    void zoomToFit(Tick minimumEnd = 0);
    /// Scrolls so that the notes are in view (after opening a file).
    void scrollToContent();
    /// Scrolls (if needed) so that `tick` sits a third of the way into the view, with room
    /// after it: where a Continue starts writing.
    void revealTick(Tick tick);

signals:
    void previewNote(int pitch, int velocity, bool on);
    void locateRequested(continuo::Tick tick);

protected:
    void wheelEvent(QWheelEvent*) override;
    void resizeEvent(QResizeEvent*) override;
    void showEvent(QShowEvent*) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void syncScrollBars();
    void onPlayhead(Tick t);

    Document* doc_;
    RollView* view_;
    KeyboardWidget* keyboard_;
    RulerWidget* ruler_;
    NoteCanvas* canvas_;
    VelocityLane* velocity_;
    PedalLane* pedal_;
    TakeLanes* lanes_;
    QScrollBar* hbar_;
    QScrollBar* vbar_;
    bool follow_ = true;
    bool syncing_ = false;
    Tick pendingEnd_ = 0;
    int pending_ = 0; // 1: scroll to content, 2: zoom to fit, once the canvas has its size
};

} // namespace continuo::ui
