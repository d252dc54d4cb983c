#include "panels/TakesPanel.h"

#include "document/Document.h"
#include "panels/TakesModel.h"

#include <QAction>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTreeView>
#include <QToolButton>
#include <QVBoxLayout>

namespace continuo::ui {

TakesPanel::TakesPanel(Document* doc, QWidget* parent)
    : QWidget(parent), doc_(doc), model_(new TakesModel(doc, this)), view_(new QTreeView(this)) {
    view_->setModel(model_);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::SingleSelection);
    view_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    view_->setRootIsDecorated(true);
    view_->setUniformRowHeights(true);
    view_->setIndentation(14);
    view_->setExpandsOnDoubleClick(false); // double click renames
    view_->header()->setStretchLastSection(false);
    view_->header()->setSectionResizeMode(TakesModel::Name, QHeaderView::Stretch);
    for (int c = 1; c < TakesModel::ColumnCount; ++c)
        view_->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    view_->setAlternatingRowColors(true);
    view_->setObjectName("takesView");

    empty_ = new QLabel(tr("No takes yet. Press <b>Continue</b> (Ctrl+Enter) and the model's "
                           "variations appear here, one row each; <b>Fill Gap</b> (Ctrl+Shift+Enter) "
                           "lists its fills for the selected bars here too, best first."), this);
    empty_->setWordWrap(true);
    empty_->setStyleSheet("color: #8a93a6; padding: 6px;");

    buttons_ = new QWidget(this);
    auto* bl = new QHBoxLayout(buttons_);
    bl->setContentsMargins(0, 0, 0, 0);
    bl->setSpacing(4);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(view_, 1);
    layout->addWidget(empty_);
    layout->addWidget(buttons_);

    connect(view_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (!syncing_) doc_->view()->setCurrentTake(model_->takeAt(current));
            });
    connect(model_, &QAbstractItemModel::modelReset, this, &TakesPanel::syncSelection);
    connect(doc_->view(), &ViewState::currentTakeChanged, this, &TakesPanel::syncSelection);
    syncSelection();
}

void TakesPanel::addActionButton(QAction* action) {
    auto* b = new QToolButton(buttons_);
    b->setDefaultAction(action);
    b->setToolButtonStyle(Qt::ToolButtonTextOnly);
    buttons_->layout()->addWidget(b);
}

void TakesPanel::editCurrentName() {
    const QModelIndex i = model_->indexOf(doc_->view()->currentTake(), TakesModel::Name);
    if (i.isValid() && doc_->view()->currentTake() != 0) view_->edit(i);
}

void TakesPanel::syncSelection() {
    syncing_ = true;
    // The whole tree stays open: a musician sees every branch at once.
    view_->expandAll();
    const QModelIndex i = model_->indexOf(doc_->view()->currentTake());
    if (i.isValid()) view_->selectionModel()->setCurrentIndex(i, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    else view_->selectionModel()->clearSelection();
    empty_->setVisible(doc_->takes().empty());
    syncing_ = false;
}

} // namespace continuo::ui
