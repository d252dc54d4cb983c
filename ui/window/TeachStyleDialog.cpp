#include "window/TeachStyleDialog.h"

#include "services/ModelLibrary.h"
#include "services/TeachingData.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace continuo::ui {

namespace {
QString minutesText(double seconds) {
    return seconds < 60 ? QObject::tr("%1 s").arg(qRound(seconds))
                        : QObject::tr("%1 min").arg(seconds / 60, 0, 'f', seconds < 600 ? 1 : 0);
}
} // namespace

TeachStyleDialog::TeachStyleDialog(ModelLibrary* library, const OpenPiece& piece, QWidget* parent)
    : QDialog(parent), library_(library), piece_(piece), scan_(new FineTuneScan(this)) {
    setObjectName("teachStyleDialog");
    setWindowTitle(tr("Teach Your Style"));
    steps_ = qEnvironmentVariableIntValue("CONTINUO_FINETUNE_STEPS");

    auto* intro = new QLabel(tr("Continuo learns from your own MIDI files: a new model that continues more the way "
                                "you play. It runs in the background at low priority while you go on composing; the "
                                "model you use now is not changed, and the new one joins your models."),
                             this);
    intro->setWordWrap(true);

    auto* music = new QGroupBox(tr("Your music"), this);
    folderEdit_ = new QLineEdit(music);
    folderEdit_->setObjectName("folderEdit");
    folderEdit_->setPlaceholderText(tr("A folder of MIDI files (its subfolders too)"));
    auto* choose = new QPushButton(tr("Choose…"), music);
    auto* folderRow = new QHBoxLayout;
    folderRow->addWidget(folderEdit_, 1);
    folderRow->addWidget(choose);
    includePiece_ = new QCheckBox(tr("And the open piece, “%1” (%n notes, %2)", nullptr, piece.notes)
                                      .arg(piece.title.isEmpty() ? tr("Untitled") : piece.title, minutesText(piece.seconds)),
                                  music);
    includePiece_->setObjectName("includePiece");
    includePiece_->setEnabled(piece.notes > 0);
    pieceNote_ = new QLabel(tr("One piece is little data: a model taught on it alone echoes that piece more than it "
                               "learns a style. A folder of ten or more of your pieces teaches much more. With fewer "
                               "than three pieces, the open piece is cut into parts, so that one can be held out to "
                               "check what was learnt."),
                            music);
    pieceNote_->setWordWrap(true);
    pieceNote_->setStyleSheet("color: #8a93a6;");
    summary_ = new QLabel(music);
    summary_->setObjectName("scanSummary");
    summary_->setWordWrap(true);
    skipped_ = new QTreeWidget(music);
    skipped_->setObjectName("skippedList");
    skipped_->setHeaderLabels({tr("Skipped file"), tr("Why")});
    skipped_->setRootIsDecorated(false);
    skipped_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    skipped_->header()->setStretchLastSection(true);
    skipped_->setMaximumHeight(120);
    auto* musicLayout = new QVBoxLayout(music);
    musicLayout->addLayout(folderRow);
    musicLayout->addWidget(includePiece_);
    musicLayout->addWidget(pieceNote_);
    musicLayout->addWidget(summary_);
    musicLayout->addWidget(skipped_);

    auto* model = new QGroupBox(tr("The new model"), this);
    name_ = new QLineEdit(tr("My style"), model);
    name_->setObjectName("nameEdit");
    base_ = new QComboBox(model);
    base_->setObjectName("baseBox");
    for (const ModelEntry& e : library_->models())
        base_->addItem(e.bundled ? tr("%1 (comes with Continuo)").arg(e.name) : e.name, e.bundled ? QString() : e.path);
    if (base_->count() == 0) base_->addItem(tr("The bundled model"), QString());
    minutes_ = new QSpinBox(model);
    minutes_->setObjectName("minutesBox");
    minutes_->setRange(1, 24 * 60);
    minutes_->setValue(20);
    minutes_->setSuffix(tr(" min"));
    minutes_->setToolTip(tr("How long it may learn (at low priority it takes longer while you work). "
                            "It stops sooner when the held-out pieces stop improving."));
    auto* form = new QFormLayout(model);
    form->addRow(tr("Name"), name_);
    form->addRow(tr("Start from"), base_);
    form->addRow(tr("Time budget"), minutes_);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    start_ = buttons->addButton(tr("Start Teaching"), QDialogButtonBox::AcceptRole);
    start_->setObjectName("startButton");
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(music);
    layout->addWidget(model);
    layout->addWidget(buttons);
    resize(620, 560);

    connect(choose, &QPushButton::clicked, this, &TeachStyleDialog::chooseFolder);
    connect(folderEdit_, &QLineEdit::editingFinished, this, [this] { setFolder(folderEdit_->text().trimmed()); });
    connect(includePiece_, &QCheckBox::toggled, this, &TeachStyleDialog::updateSummary);
    connect(name_, &QLineEdit::textChanged, this, &TeachStyleDialog::updateSummary);
    connect(scan_, &FineTuneScan::finished, this, &TeachStyleDialog::onScanned);
    connect(scan_, &FineTuneScan::failed, this, &TeachStyleDialog::onScanFailed);
    updateSummary();
}

void TeachStyleDialog::chooseFolder() {
    const QString start = folder_.isEmpty() ? QStandardPaths::writableLocation(QStandardPaths::MusicLocation) : folder_;
    const QString dir = QFileDialog::getExistingDirectory(this, tr("A Folder of Your MIDI Files"), start);
    if (!dir.isEmpty()) setFolder(dir);
}

void TeachStyleDialog::setFolder(const QString& folder) {
    if (folder == folder_ && (scan_->isRunning() || !result_.folder.isEmpty() || !scanError_.isEmpty())) return;
    folder_ = folder;
    folderEdit_->setText(folder);
    result_ = {};
    scanError_.clear();
    if (!folder.isEmpty()) scan_->start(folder);
    else scan_->stop();
    updateSummary();
}

void TeachStyleDialog::setIncludePiece(bool on) { includePiece_->setChecked(on); }

void TeachStyleDialog::onScanned(const FineTuneScanResult& result) {
    result_ = result;
    if (result_.folder.isEmpty()) result_.folder = folder_;
    updateSummary();
    emit scanned();
}

void TeachStyleDialog::onScanFailed(const QString& message) {
    scanError_ = message;
    updateSummary();
    emit scanned();
}

void TeachStyleDialog::updateSummary() {
    skipped_->clear();
    for (const SkippedFile& s : result_.skipped)
    {
        auto* item = new QTreeWidgetItem(skipped_, {QDir(folder_).relativeFilePath(s.path), s.reason});
        item->setToolTip(0, QDir::toNativeSeparators(s.path));
        item->setToolTip(1, s.reason);
    }
    skipped_->setVisible(!result_.skipped.empty());
    const bool piece = includePiece_->isChecked();
    QString text;
    bool ok = false;
    if (!folder_.isEmpty() && scan_->isRunning()) {
        text = tr("Looking through the folder…");
    } else if (!scanError_.isEmpty()) {
        text = tr("Cannot read this folder: %1").arg(scanError_.toHtmlEscaped());
    } else if (!folder_.isEmpty()) {
        text = tr("Found %n usable piece(s), %1 of music (%2 notes)", nullptr, folderPieces())
                   .arg(minutesText(result_.totalSeconds))
                   .arg(result_.totalNotes);
        text += result_.skipped.empty() ? tr(".") : tr("; %n file(s) skipped (below).", nullptr, int(result_.skipped.size()));
    }
    if (piece) {
        const int parts = TeachingData::partsNeeded(folderPieces());
        text += (text.isEmpty() ? QString() : QStringLiteral("<br>")) +
                (parts > 1 ? tr("The open piece will be cut into %1 parts.").arg(parts) : tr("The open piece joins them."));
    }
    const bool scanned = folder_.isEmpty() || (!scan_->isRunning() && scanError_.isEmpty());
    if (scanned) {
        if (piece) ok = true;
        else if (folder_.isEmpty()) text = tr("Choose a folder of your MIDI files, or the open piece.");
        else if (folderPieces() < TeachingData::kMinimumPieces)
            text += ' ' + tr("Teaching needs %1 pieces at least (one is held out to check what was learnt).")
                              .arg(TeachingData::kMinimumPieces);
        else ok = true;
    }
    summary_->setText(text);
    start_->setEnabled(ok && !name_->text().trimmed().isEmpty());
}

TeachRequest TeachStyleDialog::request() const {
    TeachRequest r;
    r.spec.name = name_->text().trimmed();
    r.spec.folder = folder_;
    r.spec.base = base_->currentData().toString();
    r.spec.minutes = minutes_->value();
    r.spec.steps = steps_;
    r.includePiece = includePiece_->isChecked();
    r.pieceParts = r.includePiece ? TeachingData::partsNeeded(folder_.isEmpty() ? 0 : folderPieces()) : 1;
    QStringList from;
    if (!folder_.isEmpty())
        from << tr("%n piece(s), %1 of music in %2", nullptr, folderPieces())
                    .arg(minutesText(result_.totalSeconds), QDir::toNativeSeparators(folder_));
    if (r.includePiece) from << tr("the open piece, “%1”").arg(piece_.title.isEmpty() ? tr("Untitled") : piece_.title);
    r.spec.source = tr("From %1").arg(from.join(tr(" and ")));
    return r;
}

} // namespace continuo::ui
