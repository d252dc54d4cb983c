#pragma once
// The "Teaching…" dock: a Teach Your Style job while it runs in the background (progress with
// its estimate of the time left, the loss curve, Pause, Resume and Cancel), and once it has
// finished, its result with the offer to use the new model for the open project.
#include <QPointer>
#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;

namespace continuo::ui {

class FineTuneJob;
class LossCurveWidget;

class TeachingPanel : public QWidget {
    Q_OBJECT
public:
    explicit TeachingPanel(QWidget* parent = nullptr);

    /// Follows `job` (null: shows nothing to do).
    void setJob(FineTuneJob* job);
    FineTuneJob* job() const { return job_; }

    QProgressBar* progressBar() const { return progress_; }
    LossCurveWidget* curve() const { return curve_; }
    QLabel* statusLabel() const { return status_; }
    QPushButton* pauseButton() const { return pause_; }
    QPushButton* resumeButton() const { return resume_; }
    QPushButton* cancelButton() const { return cancel_; }
    QPushButton* useButton() const { return use_; }
    QPushButton* dismissButton() const { return dismiss_; }

    /// "about 12 min left".
    static QString etaText(double seconds);

signals:
    /// Use the finished job's model for the open project.
    void useModelRequested(const QString& path);
    /// The finished, failed or cancelled job is put away.
    void dismissed();

private:
    void refresh();

    QPointer<FineTuneJob> job_;
    QLabel* title_;
    QProgressBar* progress_;
    QLabel* status_;
    QLabel* eta_;
    LossCurveWidget* curve_;
    QPushButton* pause_;
    QPushButton* resume_;
    QPushButton* cancel_;
    QPushButton* use_;
    QPushButton* dismiss_;
};

} // namespace continuo::ui
