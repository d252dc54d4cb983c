#pragma once
// Models ▸ Teach Your Style…: what to teach from (a folder of the musician's MIDI files, the
// open piece, or both), what the folder holds (scanned by the CLI in the background: pieces,
// minutes of music, the files skipped and why), the new model's name, the model it starts from
// and the time budget. Start gives the main window a TeachRequest; it runs the job.
#include "services/FineTuneJob.h"
#include "services/FineTuneScan.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTreeWidget;

namespace continuo::ui {

class ModelLibrary;

/// The open piece, as the dialog offers it.
struct OpenPiece {
    QString title;
    int notes = 0;
    double seconds = 0;
};

/// What Start asks for. spec.folder is the musician's folder (may be empty when only the piece
/// is taught); the main window writes the piece (in `pieceParts` parts) into the job's folder.
struct TeachRequest {
    FineTuneSpec spec;
    bool includePiece = false;
    int pieceParts = 1;
};

class TeachStyleDialog : public QDialog {
    Q_OBJECT
public:
    TeachStyleDialog(ModelLibrary* library, const OpenPiece& piece, QWidget* parent = nullptr);

    /// Chooses the folder (as the Choose… button does) and scans it.
    void setFolder(const QString& folder);
    void setIncludePiece(bool on);
    /// An exact number of steps in place of the budget (tests; also CONTINUO_FINETUNE_STEPS).
    void setSteps(int steps) { steps_ = steps; }
    TeachRequest request() const;

    QLineEdit* nameEdit() const { return name_; }
    QSpinBox* minutesBox() const { return minutes_; }
    QComboBox* baseBox() const { return base_; }
    QLabel* summaryLabel() const { return summary_; }
    QTreeWidget* skippedList() const { return skipped_; }
    QPushButton* startButton() const { return start_; }
    bool isScanning() const { return scan_->isRunning(); }
    /// The last scan's result (empty before one).
    const FineTuneScanResult& scanResult() const { return result_; }

signals:
    /// A scan answered (the summary is up to date).
    void scanned();

private:
    void chooseFolder();
    void onScanned(const FineTuneScanResult& result);
    void onScanFailed(const QString& message);
    void updateSummary();
    int folderPieces() const { return int(result_.pieces.size()); }

    ModelLibrary* library_;
    OpenPiece piece_;
    FineTuneScan* scan_;
    FineTuneScanResult result_;
    QString scanError_;
    QString folder_;
    int steps_ = 0;
    QLineEdit* folderEdit_;
    QCheckBox* includePiece_;
    QLabel* pieceNote_;
    QLabel* summary_;
    QTreeWidget* skipped_;
    QLineEdit* name_;
    QComboBox* base_;
    QSpinBox* minutes_;
    QPushButton* start_;
};

} // namespace continuo::ui
