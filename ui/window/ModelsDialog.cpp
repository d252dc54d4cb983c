#include "window/ModelsDialog.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QStandardPaths>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace continuo::ui {

namespace {
enum Column { Name, Size, TrainedOn, HeldOut, Hash, Columns };

QString heldOutText(const ModelEntry& e) {
    if (!e.isFineTuned()) return QStringLiteral("—");
    return e.nllBefore >= 0 ? QStringLiteral("%1 → %2").arg(e.nllBefore, 0, 'f', 3).arg(e.nllAfter, 0, 'f', 3)
                            : QString::number(e.nllAfter, 'f', 3);
}
} // namespace

ModelsDialog::ModelsDialog(ModelLibrary* library, const QString& inUseSha256, QWidget* parent)
    : QDialog(parent), library_(library), inUse_(inUseSha256) {
    setObjectName("modelsDialog");
    setWindowTitle(tr("Models"));
    list_ = new QTreeWidget(this);
    list_->setObjectName("modelList");
    list_->setColumnCount(Columns);
    list_->setHeaderLabels({tr("Model"), tr("Size"), tr("Trained on"), tr("Held-out NLL"), tr("SHA-256")});
    list_->setRootIsDecorated(false);
    list_->setAlternatingRowColors(true);
    list_->header()->setSectionResizeMode(TrainedOn, QHeaderView::Stretch);
    list_->headerItem()->setToolTip(HeldOut, tr("Nats per token on the pieces held out from teaching, before → after "
                                               "(lower: the model finds the musician's music more likely)"));
    message_ = new QLabel(this);
    message_->setObjectName("modelsMessage");
    message_->setWordWrap(true);
    use_ = new QPushButton(tr("Use for This Project"), this);
    use_->setDefault(true);
    export_ = new QPushButton(tr("Export…"), this);
    import_ = new QPushButton(tr("Import…"), this);
    remove_ = new QPushButton(tr("Remove"), this);
    auto* row = new QHBoxLayout;
    for (QPushButton* b : {use_, export_, import_, remove_}) row->addWidget(b);
    row->addStretch();
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    row->addWidget(close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(list_, 1);
    layout->addWidget(message_);
    layout->addLayout(row);
    resize(900, 380);

    connect(list_, &QTreeWidget::currentItemChanged, this, &ModelsDialog::updateButtons);
    connect(list_, &QTreeWidget::itemDoubleClicked, this, [this] { use_->click(); });
    connect(use_, &QPushButton::clicked, this, [this] {
        if (const ModelEntry* e = selected()) emit useRequested(*e);
    });
    connect(export_, &QPushButton::clicked, this, [this] {
        const ModelEntry* e = selected();
        if (!e) return;
        const QString start = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation) + '/' + e->fileName();
        const QString path = QFileDialog::getSaveFileName(this, tr("Export Model"), start, tr("Continuo models (*.safetensors)"));
        if (!path.isEmpty()) exportSelected(path.endsWith(".safetensors") ? path : path + ".safetensors");
    });
    connect(import_, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Import Model"), QString(),
                                                          tr("Continuo models (*.safetensors);;All files (*)"));
        if (!path.isEmpty()) importFile(path);
    });
    connect(remove_, &QPushButton::clicked, this, [this] { removeSelected(true); });
    connect(library_, &ModelLibrary::changed, this, &ModelsDialog::reload);
    connect(library_, &ModelLibrary::imported, this, [this](const ModelEntry& e) {
        select(e.path);
        showMessage(tr("Imported “%1”.").arg(e.name), false);
    });
    connect(library_, &ModelLibrary::importFailed, this, [this](const QString& path, const QString& why) {
        showMessage(tr("Not imported: %1").arg(why.isEmpty() ? path : why), true);
        updateButtons();
    });
    reload();
}

void ModelsDialog::setInUse(const QString& sha256) {
    inUse_ = sha256;
    reload();
}

void ModelsDialog::reload() {
    const ModelEntry* current = selected();
    const QString keep = current ? current->path : QString();
    entries_ = library_->models();
    list_->clear();
    const QLocale locale;
    for (const ModelEntry& e : entries_) {
        auto* item = new QTreeWidgetItem(list_);
        QString name = e.name;
        if (e.bundled) name += tr(" (comes with Continuo)");
        if (!inUse_.isEmpty() && e.sha256 == inUse_) name += tr(" — in use");
        item->setText(Name, name);
        item->setText(Size, locale.formattedDataSize(e.fileBytes, 1));
        item->setText(TrainedOn, e.trainingData.isEmpty() ? tr("(not said)") : e.trainingData);
        item->setToolTip(TrainedOn, e.trainingData + (e.baseModel.isEmpty() ? QString() : tr("\nFine-tuned from %1").arg(e.baseModel)));
        item->setText(HeldOut, heldOutText(e));
        item->setText(Hash, e.sha256.left(12));
        item->setToolTip(Hash, e.sha256);
        item->setToolTip(Name, QDir::toNativeSeparators(e.path));
        if (!inUse_.isEmpty() && e.sha256 == inUse_) {
            QFont f = item->font(Name);
            f.setBold(true);
            item->setFont(Name, f);
        }
    }
    for (int c = 0; c < Columns; ++c)
        if (c != TrainedOn) list_->resizeColumnToContents(c);
    if (keep.isEmpty() || !select(keep)) list_->setCurrentItem(list_->topLevelItem(0));
    updateButtons();
}

bool ModelsDialog::select(const QString& path) {
    const QString wanted = QFileInfo(path).absoluteFilePath();
    for (std::size_t i = 0; i < entries_.size(); ++i)
        if (entries_[i].path == wanted) {
            list_->setCurrentItem(list_->topLevelItem(int(i)));
            return true;
        }
    return false;
}

const ModelEntry* ModelsDialog::selected() const {
    const int row = list_->indexOfTopLevelItem(list_->currentItem());
    return row >= 0 && row < int(entries_.size()) ? &entries_[std::size_t(row)] : nullptr;
}

void ModelsDialog::updateButtons() {
    const ModelEntry* e = selected();
    use_->setEnabled(e != nullptr);
    export_->setEnabled(e != nullptr);
    remove_->setEnabled(e && !e->bundled);
    import_->setEnabled(!library_->isImporting());
}

void ModelsDialog::showMessage(const QString& text, bool error) {
    message_->setText(text);
    message_->setStyleSheet(error ? QStringLiteral("color: #ff8a8a;") : QString());
}

void ModelsDialog::importFile(const QString& path) {
    showMessage(tr("Checking %1…").arg(QFileInfo(path).fileName()), false);
    library_->importModel(path);
    updateButtons();
}

bool ModelsDialog::exportSelected(const QString& targetPath) {
    const ModelEntry* e = selected();
    if (!e) return false;
    auto r = library_->exportModel(*e, targetPath);
    if (!r) {
        showMessage(tr("Not exported: %1").arg(QString::fromStdString(r.error())), true);
        return false;
    }
    showMessage(tr("Exported “%1” to %2%3.")
                    .arg(e->name, QDir::toNativeSeparators(targetPath),
                         e->cardPath.isEmpty() ? QString() : tr(", its card beside it")),
                false);
    return true;
}

bool ModelsDialog::removeSelected(bool ask) {
    const ModelEntry* e = selected();
    if (!e || e->bundled) return false;
    const ModelEntry model = *e;
    if (ask) {
        QMessageBox box(QMessageBox::Question, tr("Remove Model"),
                        tr("Remove “%1” from your models? Its file and card are deleted; takes made with it keep "
                           "their notes.").arg(model.name),
                        QMessageBox::Cancel, this);
        QAbstractButton* removeButton = box.addButton(tr("Remove"), QMessageBox::DestructiveRole);
        box.exec();
        if (box.clickedButton() != removeButton) return false;
    }
    auto r = library_->removeModel(model);
    if (!r) {
        showMessage(QString::fromStdString(r.error()), true);
        return false;
    }
    showMessage(tr("Removed “%1”.").arg(model.name), false);
    return true;
}

} // namespace continuo::ui
