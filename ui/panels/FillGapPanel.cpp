#include "panels/FillGapPanel.h"

#include "panels/RunRow.h"
#include "panels/SteeringBox.h"

#include <QAction>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

namespace continuo::ui {


FillGapPanel::FillGapPanel(QAction* fillAction, QAction* cancelAction, QWidget* parent) : QWidget(parent) {
    gap_ = new QLabel(this);
    gap_->setObjectName("fillGapRange");
    gap_->setWordWrap(true);
    gap_->setToolTip(tr("Fill Gap rewrites the notes whose onsets lie in this range. Select notes to set it "
                        "(from the first onset to the last end), or drag a loop region on the ruler."));
    candidates_ = new QSpinBox(this);
    candidates_->setObjectName("fillGapCandidates");
    candidates_->setRange(1, 8);
    candidates_->setValue(4);
    candidates_->setToolTip(tr("How many fills the model writes; they are ranked by how well the music after the "
                               "gap follows each, best first"));
    auto* shared = new QLabel(tr("Temperature, top-p and seed: those of the Continue tab"), this);
    shared->setStyleSheet("color: #8a93a6;");
    shared->setWordWrap(true);

    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Gap"), gap_);
    form->addRow(tr("Candidates"), candidates_);

    steering_ = new SteeringBox(QStringLiteral("fillGap"), this);

    run_ = new RunRow(fillAction, cancelAction, "fillGapButton", "#b5702f", this);
    message_ = new QLabel(this);
    message_->setWordWrap(true);
    message_->setStyleSheet("color: #8a93a6;");

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(form);
    layout->addWidget(shared);
    layout->addWidget(steering_);
    layout->addWidget(run_);
    layout->addWidget(message_);
    layout->addStretch(1);
}

QProgressBar* FillGapPanel::progressBar() const { return run_->progressBar(); }

int FillGapPanel::candidates() const { return candidates_->value(); }

Steering FillGapPanel::steering() const { return steering_->steering(); }

void FillGapPanel::setGapText(const QString& text) { gap_->setText(text); }

void FillGapPanel::setRunning(bool running) {
    run_->reset(running ? tr("Writing the candidates…") : QString());
}

void FillGapPanel::setProgress(double fraction, double tokensPerSecond, int tokens) {
    // The engine spends the last tenth of the fraction on ranking (InfillOptions::onProgress).
    run_->setProgress(fraction, fraction >= 0.9 ? tr("Ranking: reading the music after the gap after each candidate…")
                                                : tr("%1 tokens · %2 tokens/s").arg(tokens).arg(tokensPerSecond, 0, 'f', 0));
}

void FillGapPanel::setMessage(const QString& text) { message_->setText(text); }

} // namespace continuo::ui
