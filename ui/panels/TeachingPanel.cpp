#include "panels/TeachingPanel.h"

#include "panels/LossCurveWidget.h"
#include "services/FineTuneJob.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include <cmath>

namespace continuo::ui {

TeachingPanel::TeachingPanel(QWidget* parent) : QWidget(parent) {
    setObjectName("teachingPanel");
    auto* layout = new QVBoxLayout(this);
    title_ = new QLabel(this);
    title_->setWordWrap(true);
    title_->setTextFormat(Qt::RichText);
    progress_ = new QProgressBar(this);
    progress_->setTextVisible(true);
    status_ = new QLabel(this);
    status_->setObjectName("teachingStatus");
    status_->setWordWrap(true);
    eta_ = new QLabel(this);
    eta_->setStyleSheet("color: #8a93a6;");
    curve_ = new LossCurveWidget(this);
    pause_ = new QPushButton(tr("Pause"), this);
    pause_->setToolTip(tr("Stop at a checkpoint; Resume goes on from there, also after Continuo restarts"));
    resume_ = new QPushButton(tr("Resume"), this);
    cancel_ = new QPushButton(tr("Cancel"), this);
    cancel_->setToolTip(tr("Stop teaching and delete what it has learnt so far"));
    use_ = new QPushButton(tr("Use for This Project"), this);
    use_->setStyleSheet("font-weight: bold;");
    dismiss_ = new QPushButton(tr("Dismiss"), this);
    auto* buttons = new QHBoxLayout;
    for (QPushButton* b : {pause_, resume_, cancel_, use_, dismiss_}) buttons->addWidget(b);
    buttons->addStretch();
    layout->addWidget(title_);
    layout->addWidget(progress_);
    layout->addWidget(status_);
    layout->addWidget(eta_);
    layout->addWidget(curve_, 1);
    layout->addLayout(buttons);

    connect(pause_, &QPushButton::clicked, this, [this] { if (job_) job_->pause(); });
    connect(resume_, &QPushButton::clicked, this, [this] { if (job_) job_->start(); });
    connect(cancel_, &QPushButton::clicked, this, [this] { if (job_) job_->cancel(); });
    connect(use_, &QPushButton::clicked, this, [this] { if (job_) emit useModelRequested(job_->result().model); });
    connect(dismiss_, &QPushButton::clicked, this, [this] {
        // A failed job's folder goes with it; a finished or cancelled one has none left.
        if (job_ && job_->state() == FineTuneState::Failed) job_->cancel();
        emit dismissed();
    });
    refresh();
}

void TeachingPanel::setJob(FineTuneJob* job) {
    if (job_) job_->disconnect(this);
    job_ = job;
    if (job) {
        connect(job, &FineTuneJob::progressed, this, &TeachingPanel::refresh);
        connect(job, &FineTuneJob::stateChanged, this, &TeachingPanel::refresh);
    }
    refresh();
}

QString TeachingPanel::etaText(double seconds) {
    if (seconds < 0) return {};
    if (seconds < 60) return tr("less than a minute left");
    if (seconds < 3600) return tr("about %n min left", nullptr, qRound(seconds / 60));
    return tr("about %1 h %2 min left").arg(int(seconds / 3600)).arg(qRound(std::fmod(seconds, 3600) / 60));
}

void TeachingPanel::refresh() {
    const FineTuneJob* job = job_;
    for (QWidget* w : {static_cast<QWidget*>(pause_), static_cast<QWidget*>(resume_), static_cast<QWidget*>(cancel_),
                       static_cast<QWidget*>(use_), static_cast<QWidget*>(dismiss_)})
        w->setVisible(false);
    if (!job) {
        title_->setText(tr("Nothing is being taught. Models ▸ Teach Your Style… starts."));
        progress_->setRange(0, 1);
        progress_->setValue(0);
        status_->clear();
        eta_->clear();
        curve_->setCurves({}, {}, -1, 0);
        return;
    }
    const FineTuneSpec& spec = job->spec();
    const FineTuneProgress& p = job->progress();
    title_->setText(tr("<b>Teaching “%1”</b><br><span style='color:#8a93a6'>%2</span>")
                        .arg(spec.name.toHtmlEscaped(), spec.source.toHtmlEscaped()));
    curve_->setCurves(job->lossCurve(), job->heldoutCurve(), p.heldoutBefore, p.steps);
    if (p.steps > 0) {
        progress_->setRange(0, p.steps);
        progress_->setValue(std::min(p.step, p.steps));
        progress_->setFormat(tr("step %v of %m"));
    } else {
        progress_->setRange(0, job->isActive() ? 0 : 1); // busy until the budget is turned into steps
        progress_->setValue(0);
    }
    QString numbers;
    if (p.loss >= 0) numbers = tr("loss %1").arg(p.loss, 0, 'f', 3);
    if (p.heldout >= 0)
        numbers += (numbers.isEmpty() ? QString() : QStringLiteral(" · ")) + tr("held-out NLL %1").arg(p.heldout, 0, 'f', 3);
    if (p.heldoutBefore >= 0)
        numbers += (numbers.isEmpty() ? QString() : QStringLiteral(" · ")) + tr("before %1").arg(p.heldoutBefore, 0, 'f', 3);
    status_->setStyleSheet(QString());
    eta_->clear();
    switch (job->state()) {
    case FineTuneState::Ready:
        status_->setText(job->wasRunning() ? tr("Resuming…") : tr("Starting…"));
        break;
    case FineTuneState::Running:
        status_->setText(p.step == 0 && p.loss < 0 ? tr("Reading the pieces and measuring the base model…") : numbers);
        eta_->setText(etaText(p.etaSeconds));
        pause_->setVisible(true);
        cancel_->setVisible(true);
        break;
    case FineTuneState::Pausing:
        status_->setText(tr("Pausing: writing a checkpoint…"));
        break;
    case FineTuneState::Paused:
        status_->setText(job->hasCheckpoint() ? tr("Paused at step %1. Resume goes on from there.").arg(p.step)
                                              : tr("Paused before the first checkpoint: Resume starts again."));
        resume_->setVisible(true);
        cancel_->setVisible(true);
        break;
    case FineTuneState::Cancelling:
        status_->setText(tr("Cancelling…"));
        break;
    case FineTuneState::Finished: {
        const FineTuneResult& r = job->result();
        QString text = tr("Finished: “%1” is in your models (Models ▸ Models…).").arg(r.name.toHtmlEscaped());
        if (r.heldoutBefore >= 0 && r.heldoutAfter >= 0)
            text += ' ' + tr("On the held-out pieces: %1 → %2 nats per token (lower fits your music better).")
                              .arg(r.heldoutBefore, 0, 'f', 3)
                              .arg(r.heldoutAfter, 0, 'f', 3);
        if (r.stoppedEarly) text += ' ' + tr("It stopped early, when the held-out pieces stopped improving.");
        status_->setText(text);
        progress_->setRange(0, 1);
        progress_->setValue(1);
        progress_->setFormat(tr("done"));
        use_->setVisible(true);
        dismiss_->setVisible(true);
        break;
    }
    case FineTuneState::Failed:
        status_->setText(tr("Teaching stopped: %1").arg(job->errorMessage().toHtmlEscaped()));
        status_->setStyleSheet("color: #ff8a8a;");
        resume_->setText(job->hasCheckpoint() ? tr("Resume") : tr("Try Again"));
        resume_->setVisible(true);
        dismiss_->setVisible(true);
        break;
    case FineTuneState::Cancelled:
        status_->setText(tr("Cancelled; its files are deleted."));
        dismiss_->setVisible(true);
        break;
    }
    if (job->state() != FineTuneState::Failed) resume_->setText(tr("Resume"));
}

} // namespace continuo::ui
