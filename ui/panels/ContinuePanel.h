#pragma once
// Controls of a Continue: length, temperature, top-p, recall, motif, variations, seed, primer (and the tracks
// it is made of, PrimerTracksButton), the steering controls (SteeringBox); the Continue / Cancel buttons (MainWindow's actions),
// progress with tokens/s, and the model.
#include "document/ProjectFile.h"
#include "services/ContinueController.h"

#include <QWidget>

class QAction;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QProgressBar;
class QSpinBox;
class QToolButton;

namespace continuo::ui {

class RunRow;
class SteeringBox;

class Document;
class PrimerTracksButton;

class ContinuePanel : public QWidget {
    Q_OBJECT
public:
    ContinuePanel(QAction* continueAction, QAction* cancelAction, QAction* chooseModelAction,
                  QWidget* parent = nullptr);

    /// The sampling settings as the panel shows them (the seed random while Random is ticked).
    SamplingSettings sampling() const;
    ContinueSettings settings() const;
    PieceSettings pieceSettings() const;
    void setPieceSettings(const PieceSettings& s);
    /// Shows the seed a run used, so it can be reused.
    void showSeed(quint64 seed);
    void setRunning(bool running);
    void setProgress(double fraction, double tokensPerSecond, int tokens);
    /// Time from pressing Continue to the first note, shown beside tokens/s.
    void setFirstNote(double ms);
    /// How the last Continue ran: threads, and whether its primer was prepared ahead.
    void setTiming(const ContinuationTiming& timing);
    QLabel* rateLabel() const;
    void setModelText(const QString& text, bool ok);
    void setMessage(const QString& text);
    /// How far back the model listens, in words (ContinueController::listeningFor).
    void setListening(const QString& text);
    QLabel* listeningLabel() const { return listening_; }

    QSpinBox* variationsBox() const { return variations_; }
    QDoubleSpinBox* lengthBox() const { return length_; }
    QDoubleSpinBox* recallBox() const { return recall_; }
    QDoubleSpinBox* motifBox() const { return motif_; }
    QComboBox* primerBox() const { return primer_; }
    QLineEdit* seedEdit() const { return seed_; }
    QCheckBox* randomSeedBox() const { return randomSeed_; }
    SteeringBox* steeringBox() const { return steering_; }

    /// Adds, below the primer choice, the button that picks the tracks the primer is made of
    /// (in step with the track list's Primer column). Once, for the document of the window.
    void setDocument(Document* doc);
    PrimerTracksButton* primerTracksButton() const { return primerTracks_; }

private:
    QDoubleSpinBox* length_;
    QDoubleSpinBox* temperature_;
    QDoubleSpinBox* topP_;
    QDoubleSpinBox* recall_;
    QDoubleSpinBox* motif_;
    QSpinBox* variations_;
    QLineEdit* seed_;
    int topK_ = 0; ///< the piece's top-k (no box: only a project file sets it)
    QCheckBox* randomSeed_;
    QComboBox* primer_;
    SteeringBox* steering_;
    QFormLayout* form_;
    PrimerTracksButton* primerTracks_ = nullptr;
    RunRow* run_;
    QLabel* model_;
    QLabel* message_;
    QLabel* listening_;
    double firstNoteMs_ = -1;
};

} // namespace continuo::ui
