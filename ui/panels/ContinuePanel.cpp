#include "panels/ContinuePanel.h"

#include "panels/PrimerTracksButton.h"
#include "panels/RunRow.h"
#include "panels/SteeringBox.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QRegularExpression>
#include <QRegularExpressionValidator>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

namespace continuo::ui {

namespace {
} // namespace

ContinuePanel::ContinuePanel(QAction* continueAction, QAction* cancelAction, QAction* chooseModel,
                             QWidget* parent)
    : QWidget(parent) {
    length_ = new QDoubleSpinBox(this);
    length_->setRange(2, 300);
    length_->setDecimals(0);
    length_->setSuffix(tr(" s"));
    length_->setValue(15);
    length_->setToolTip(tr("Seconds of music to write after the primer"));
    temperature_ = new QDoubleSpinBox(this);
    temperature_->setRange(0.1, 2.0);
    temperature_->setSingleStep(0.05);
    temperature_->setValue(kDefaultTemperature);
    temperature_->setToolTip(tr("Lower: safer, more repetitive. Higher: more surprising."));
    topP_ = new QDoubleSpinBox(this);
    topP_->setRange(0.05, 1.0);
    topP_->setSingleStep(0.05);
    topP_->setValue(kDefaultTopP);
    topP_->setToolTip(tr("Nucleus sampling: keep the most likely events up to this probability mass. 1 samples the model's whole distribution and keeps the piece's pace; lower values cut its rare long pauses, so takes get busier"));
    recall_ = new QDoubleSpinBox(this);
    recall_->setRange(0.0, 1.0);
    recall_->setSingleStep(0.05);
    recall_->setValue(kDefaultRecall);
    recall_->setToolTip(tr("How much a take may borrow from the piece itself: where the music comes back to a place "
                           "it has been before, the model leans toward what followed there, however far back. "
                           "0 is the model alone; higher keeps takes closer to the piece's own material"));
    motif_ = new QDoubleSpinBox(this);
    motif_->setRange(0.0, kMaxMotif);
    motif_->setSingleStep(0.5);
    motif_->setDecimals(1);
    motif_->setValue(kDefaultMotif);
    motif_->setToolTip(tr("How strongly a take develops the melody's figures: where the take's top line has just "
                          "played two steps that the piece played before, it leans toward the note that followed "
                          "them there, moved to where the take is now (in the key). 0 is off; higher brings the "
                          "motif back more often"));
    variations_ = new QSpinBox(this);
    variations_->setRange(1, 8);
    variations_->setValue(3);
    variations_->setToolTip(tr("How many takes one Continue writes (side by side)"));
    seed_ = new QLineEdit(this);
    seed_->setPlaceholderText(tr("random"));
    // Seeds are whole numbers (Seed::resolve draws them below 2^31; any typed one up to 15 digits).
    seed_->setValidator(new QRegularExpressionValidator(QRegularExpression("[0-9]{1,15}"), seed_));
    seed_->setToolTip(tr("The seed of the last Continue is shown here; untick Random to reuse it"));
    randomSeed_ = new QCheckBox(tr("Random"), this);
    randomSeed_->setChecked(true);
    connect(randomSeed_, &QCheckBox::toggled, seed_, [this](bool on) { seed_->setReadOnly(on); });
    seed_->setReadOnly(true);
    primer_ = new QComboBox(this);
    primer_->addItem(tr("Whole sketch"), int(PrimerSource::Sketch));
    primer_->addItem(tr("Selection"), int(PrimerSource::Selection));
    primer_->addItem(tr("Up to the playhead"), int(PrimerSource::UpToPlayhead));
    primer_->setToolTip(tr("What the model listens to before it continues"));

    auto* seedRow = new QHBoxLayout;
    seedRow->addWidget(seed_, 1);
    seedRow->addWidget(randomSeed_);

    auto* form = new QFormLayout;
    form_ = form;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Primer"), primer_);
    form->addRow(tr("Length"), length_);
    form->addRow(tr("Temperature"), temperature_);
    form->addRow(tr("Top-p"), topP_);
    form->addRow(tr("Recall"), recall_);
    form->addRow(tr("Motif"), motif_);
    form->addRow(tr("Variations"), variations_);
    form->addRow(tr("Seed"), seedRow);

    steering_ = new SteeringBox(QStringLiteral("continue"), this);

    run_ = new RunRow(continueAction, cancelAction, "continueButton", "#2f6fb5", this);
    model_ = new QLabel(this);
    model_->setWordWrap(true);
    listening_ = new QLabel(this);
    listening_->setObjectName("listening");
    listening_->setWordWrap(true);
    listening_->setStyleSheet("color: #8a93a6;");
    message_ = new QLabel(this);
    message_->setWordWrap(true);
    message_->setStyleSheet("color: #8a93a6;");

    auto* modelRow = new QHBoxLayout;
    modelRow->addWidget(model_, 1);
    modelRow->addWidget(textButtonFor(chooseModel, this), 0);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(form);
    layout->addWidget(steering_);
    layout->addWidget(run_);
    layout->addLayout(modelRow);
    layout->addWidget(listening_);
    layout->addWidget(message_);
    layout->addStretch(1);
}

SamplingSettings ContinuePanel::sampling() const {
    SamplingSettings s;
    s.lengthSeconds = length_->value();
    s.temperature = temperature_->value();
    s.topP = topP_->value();
    s.topK = topK_;
    s.recall = recall_->value();
    s.motif = motif_->value();
    s.variations = variations_->value();
    const auto seed = Seed::parse(seed_->text().toStdString());
    s.seed = randomSeed_->isChecked() || !seed ? Seed::random() : *seed;
    s.steering = steering_->steering();
    return s;
}

ContinueSettings ContinuePanel::settings() const {
    ContinueSettings s;
    s.sampling = sampling();
    s.source = PrimerSource(primer_->currentData().toInt());
    return s;
}

PieceSettings ContinuePanel::pieceSettings() const {
    PieceSettings p;
    p.sampling = sampling();
    return p;
}

void ContinuePanel::setPieceSettings(const PieceSettings& p) {
    const SamplingSettings& s = p.sampling;
    length_->setValue(s.lengthSeconds);
    temperature_->setValue(s.temperature);
    topP_->setValue(s.topP);
    topK_ = s.topK; // no box of its own: kept as the piece has it
    recall_->setValue(s.recall);
    motif_->setValue(s.motif);
    variations_->setValue(s.variations);
    randomSeed_->setChecked(s.seed.isRandom());
    if (!s.seed.isRandom()) seed_->setText(QString::number(s.seed.value()));
    steering_->setSteering(s.steering);
}

void ContinuePanel::setDocument(Document* doc) {
    if (primerTracks_ || !doc) return;
    primerTracks_ = new PrimerTracksButton(doc, this);
    int row = -1;
    QFormLayout::ItemRole role;
    form_->getWidgetPosition(primer_, &row, &role);
    form_->insertRow(row + 1, primerTracks_); // says "Primer: ..." itself: the whole row
}

void ContinuePanel::showSeed(quint64 seed) { seed_->setText(QString::number(seed)); }

QLabel* ContinuePanel::rateLabel() const { return run_->rateLabel(); }

void ContinuePanel::setRunning(bool running) {
    if (running) {
        firstNoteMs_ = -1;
        run_->reset(tr("Starting…"));
    }
}

void ContinuePanel::setProgress(double fraction, double tokensPerSecond, int tokens) {
    const QString rate = tr("%1 tokens · %2 tokens/s").arg(tokens).arg(tokensPerSecond, 0, 'f', 0);
    run_->setProgress(fraction, firstNoteMs_ < 0 ? rate
                                                 : tr("first note after %1 ms · %2").arg(firstNoteMs_, 0, 'f', 0).arg(rate));
}

void ContinuePanel::setFirstNote(double ms) {
    firstNoteMs_ = ms;
    run_->setText(tr("first note after %1 ms").arg(ms, 0, 'f', 0));
}

void ContinuePanel::setTiming(const ContinuationTiming& t) {
    QString tip = t.primedAhead ? tr("The primer was prepared while you were editing: sampling began at once.")
                                : tr("The primer (%1 events the model can see) took %2 ms after Continue.")
                                      .arg(t.primerTokensFed)
                                      .arg(t.primeMs, 0, 'f', 0);
    tip += "\n" + tr("First token %1 ms after the request reached the model.").arg(t.firstTokenMs, 0, 'f', 0);
    if (!t.threads.isEmpty()) tip += "\n" + tr("CPU threads: %1.").arg(t.threads);
    run_->rateLabel()->setToolTip(tip);
}

void ContinuePanel::setModelText(const QString& text, bool ok) {
    model_->setText(text);
    model_->setStyleSheet(ok ? QString() : QStringLiteral("color: #ff8a8a;"));
}

void ContinuePanel::setMessage(const QString& text) { message_->setText(text); }

void ContinuePanel::setListening(const QString& text) { listening_->setText(text); }

} // namespace continuo::ui
