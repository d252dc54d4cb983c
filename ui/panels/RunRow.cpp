#include "panels/RunRow.h"

#include <QAction>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QToolButton>
#include <QVBoxLayout>

namespace continuo::ui {

QToolButton* textButtonFor(QAction* action, QWidget* parent) {
    auto* b = new QToolButton(parent);
    b->setDefaultAction(action);
    b->setToolButtonStyle(Qt::ToolButtonTextOnly);
    b->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    return b;
}

RunRow::RunRow(QAction* runAction, QAction* cancelAction, const QString& buttonName, const QString& colour,
               QWidget* parent)
    : QWidget(parent) {
    run_ = textButtonFor(runAction, this);
    run_->setObjectName(buttonName);
    run_->setMinimumHeight(30);
    run_->setStyleSheet(QStringLiteral("QToolButton { font-weight: bold; background: %1; color: white; "
                                       "border-radius: 4px; padding: 4px 10px; } "
                                       "QToolButton:disabled { background: #3a3f4b; color: #8a93a6; }")
                            .arg(colour));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(run_, 2);
    buttons->addWidget(textButtonFor(cancelAction, this), 1);

    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1000);
    progress_->setValue(0);
    progress_->setTextVisible(false);
    progress_->setMaximumHeight(8);
    rate_ = new QLabel(this);
    rate_->setStyleSheet("color: #8a93a6;");

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(buttons);
    layout->addWidget(progress_);
    layout->addWidget(rate_);
}

void RunRow::reset(const QString& text) {
    progress_->setValue(0);
    rate_->setText(text);
}

void RunRow::setProgress(double fraction, const QString& text) {
    progress_->setValue(int(fraction * 1000));
    rate_->setText(text);
}

void RunRow::setText(const QString& text) { rate_->setText(text); }

} // namespace continuo::ui
