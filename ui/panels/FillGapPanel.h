#pragma once
// Controls of Generate > Fill Gap: the gap it would fill (the selection's span or the loop
// region, in bars and seconds), how many candidates to write, the Fill Gap / Cancel buttons
// (MainWindow's actions), its own steering controls (SteeringBox), progress with tokens/s and the
// last result. Temperature, top-p and seed are the Continue panel's.
#include "continuo/core/Steering.h"

#include <QWidget>

class QAction;
class QLabel;
class QProgressBar;
class QSpinBox;

namespace continuo::ui {

class RunRow;
class SteeringBox;

class FillGapPanel : public QWidget {
    Q_OBJECT
public:
    FillGapPanel(QAction* fillAction, QAction* cancelAction, QWidget* parent = nullptr);

    int candidates() const;
    Steering steering() const;
    SteeringBox* steeringBox() const { return steering_; }
    QSpinBox* candidatesBox() const { return candidates_; }
    QLabel* gapLabel() const { return gap_; }
    QLabel* messageLabel() const { return message_; }
    QProgressBar* progressBar() const;

    /// The gap Fill Gap would fill now, in words (FillGapController::describe).
    void setGapText(const QString& text);
    void setRunning(bool running);
    void setProgress(double fraction, double tokensPerSecond, int tokens);
    void setMessage(const QString& text);

private:
    QLabel* gap_;
    QSpinBox* candidates_;
    SteeringBox* steering_;
    RunRow* run_;
    QLabel* message_;
};

} // namespace continuo::ui
