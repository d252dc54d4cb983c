#pragma once
// The run row of a generation panel (Continue, Fill Gap): its start button and Cancel (the
// main window's actions), a thin progress bar, and a line for the rate or the stage. One
// widget, so that every kind of generation shows its run the same way.
#include <QWidget>

class QAction;
class QLabel;
class QProgressBar;
class QToolButton;

namespace continuo::ui {

class RunRow : public QWidget {
    Q_OBJECT
public:
    /// `runAction` gets a bold button in `colour` named `buttonName`; `cancelAction` a plain one.
    RunRow(QAction* runAction, QAction* cancelAction, const QString& buttonName, const QString& colour,
           QWidget* parent = nullptr);

    QToolButton* runButton() const { return run_; }
    QProgressBar* progressBar() const { return progress_; }
    QLabel* rateLabel() const { return rate_; }

    /// Progress back to 0, with `text` on the rate line.
    void reset(const QString& text);
    /// `fraction` in 0..1, with `text` on the rate line.
    void setProgress(double fraction, const QString& text);
    void setText(const QString& text);

private:
    QToolButton* run_;
    QProgressBar* progress_;
    QLabel* rate_;
};

/// A tool button that shows `action` as text and stretches across its row.
QToolButton* textButtonFor(QAction* action, QWidget* parent);

} // namespace continuo::ui
