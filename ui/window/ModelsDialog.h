#pragma once
// Models ▸ Models…: the bundled model and the musician's own, each with its size, what it was
// trained on, its held-out NLL before and after fine-tuning and its hash; Use for This Project,
// Export…, Import… and Remove. Messages (an import refused, a removal) show in the dialog's
// own line rather than in a box over it.
#include "services/ModelLibrary.h"

#include <QDialog>

class QLabel;
class QPushButton;
class QTreeWidget;

namespace continuo::ui {

class ModelsDialog : public QDialog {
    Q_OBJECT
public:
    /// `inUseSha256` marks the model the project uses now.
    ModelsDialog(ModelLibrary* library, const QString& inUseSha256, QWidget* parent = nullptr);

    void setInUse(const QString& sha256);
    /// The list as shown, in its order.
    const std::vector<ModelEntry>& entries() const { return entries_; }
    QTreeWidget* list() const { return list_; }
    QLabel* messageLabel() const { return message_; }
    QPushButton* useButton() const { return use_; }
    QPushButton* removeButton() const { return remove_; }
    /// Selects the row of the model at `path`; false when it is not listed.
    bool select(const QString& path);
    const ModelEntry* selected() const;

    /// Import… without its file dialog: checks and copies `path` (imported() or the message).
    void importFile(const QString& path);
    /// Export… without its file dialog.
    bool exportSelected(const QString& targetPath);
    /// Remove, asking first unless `ask` is false.
    bool removeSelected(bool ask = true);

signals:
    void useRequested(const continuo::ui::ModelEntry& model);

private:
    void reload();
    void updateButtons();
    void showMessage(const QString& text, bool error);

    ModelLibrary* library_;
    QString inUse_;
    std::vector<ModelEntry> entries_;
    QTreeWidget* list_;
    QLabel* message_;
    QPushButton* use_;
    QPushButton* export_;
    QPushButton* import_;
    QPushButton* remove_;
};

} // namespace continuo::ui
