#pragma once
// The takes beside the roll as a tree: the sketch at the root, each take under the take it
// continued from (select a row to audition it over the primer; the sketch row auditions no
// take), and the take actions as buttons (their actions live in MainWindow).
#include "document/Take.h"

#include <QWidget>

class QAction;
class QTreeView;
class QLabel;

namespace continuo::ui {

class Document;
class TakesModel;

class TakesPanel : public QWidget {
    Q_OBJECT
public:
    TakesPanel(Document* doc, QWidget* parent = nullptr);

    TakesModel* model() const { return model_; }
    QTreeView* view() const { return view_; }
    /// Adds a button for `action` under the list.
    void addActionButton(QAction* action);
    /// Opens the name editor of the current take.
    void editCurrentName();

private:
    void syncSelection();

    Document* doc_;
    TakesModel* model_;
    QTreeView* view_;
    QWidget* buttons_;
    QLabel* empty_;
    bool syncing_ = false;
};

} // namespace continuo::ui
