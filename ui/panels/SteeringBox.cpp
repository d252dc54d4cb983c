#include "panels/SteeringBox.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>

namespace continuo::ui {

namespace {

enum KeyChoice { KeyOff, KeyOfPrimer, KeyLocked };
enum DensityChoice { DensityOff, DensityLikePrimer, DensityTarget };
enum DynamicsChoice { DynamicsAny, DynamicsSofter, DynamicsLouder, DynamicsRange };

/// A MIDI note number shown as its name (C4 = 60), typed as either.
class NoteSpinBox : public QSpinBox {
public:
    explicit NoteSpinBox(QWidget* parent) : QSpinBox(parent) { setRange(0, 127); }

protected:
    QString textFromValue(int v) const override { return QString::fromStdString(noteName(v)); }
    int valueFromText(const QString& text) const override {
        return parseNoteName(text.trimmed().toStdString()).value_or(value());
    }
    QValidator::State validate(QString& text, int&) const override {
        return parseNoteName(text.trimmed().toStdString()) ? QValidator::Acceptable : QValidator::Intermediate;
    }
};

/// The ranges a pianist reaches for.
struct RangePreset {
    const char* name;
    int low, high;
};
constexpr RangePreset kRanges[] = {{"Whole keyboard", 21, 108}, {"Left hand (A0-C4)", 21, 60},
                                   {"Right hand (C4-C8)", 60, 108}, {"Middle (C3-C6)", 48, 84},
                                   {"Custom", -1, -1}};

QWidget* row(QWidget* parent, std::initializer_list<QWidget*> widgets) {
    auto* w = new QWidget(parent);
    auto* h = new QHBoxLayout(w);
    h->setContentsMargins(0, 0, 0, 0);
    for (QWidget* x : widgets) h->addWidget(x, x == *widgets.begin() ? 1 : 0);
    return w;
}

} // namespace

SteeringBox::SteeringBox(const QString& prefix, QWidget* parent) : QGroupBox(tr("Steer"), parent) {
    setObjectName(prefix + "Steering");
    setToolTip(tr("Constraints and a density aim applied while the take is written. All off: the model's own take"));
    auto* form = new QFormLayout(this);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setContentsMargins(6, 4, 6, 4);
    form->addRow(tr("Key"), keyRow());
    detected_ = new QLabel(this);
    detected_->setStyleSheet("color: #8a93a6;");
    useDetected_ = new QPushButton(tr("Lock to it"), this);
    useDetected_->setObjectName(prefix + "UseDetectedKey");
    useDetected_->setToolTip(tr("Lock notes to the detected key (Bellman-Budge key profiles)"));
    form->addRow(QString(), row(this, {detected_, useDetected_}));
    form->addRow(tr("Range"), rangeRow());
    form->addRow(tr("Density"), densityRow());
    polyphony_ = new QSpinBox(this);
    polyphony_->setObjectName(prefix + "Polyphony");
    polyphony_->setRange(0, 16);
    polyphony_->setSpecialValueText(tr("Off"));
    polyphony_->setToolTip(tr("At most this many notes sounding at once, pedal-held notes included"));
    form->addRow(tr("Polyphony"), polyphony_);
    form->addRow(tr("Dynamics"), dynamicsRow());
    connect(useDetected_, &QPushButton::clicked, this, [this] {
        if (!detectedKey_) return;
        Steering s = steering();
        s.keyMode = Steering::KeyMode::Fixed;
        s.key = detectedKey_->ofKey();
        setSteering(s);
    });
    connect(polyphony_, &QSpinBox::valueChanged, this, &SteeringBox::changed);
    setDetectedKey(std::nullopt);
    syncEnabled();
}

QWidget* SteeringBox::keyRow() {
    keyMode_ = new QComboBox(this);
    keyMode_->setObjectName(objectName() + "KeyMode");
    keyMode_->addItems({tr("Off"), tr("The primer's key"), tr("Lock to")});
    keyMode_->setToolTip(tr("Notes outside the scale are never written"));
    tonic_ = new QComboBox(this);
    for (int pc = 0; pc < 12; ++pc) tonic_->addItem(QString::fromStdString(Scale{pc, ScaleKind::Major}.name()).section(' ', 0, 0));
    scale_ = new QComboBox(this);
    for (int kind = 0; kind <= int(ScaleKind::Chromatic); ++kind) {
        const std::string name = Scale{0, ScaleKind(kind)}.name();
        scale_->addItem(QString::fromStdString(ScaleKind(kind) == ScaleKind::Chromatic ? name : name.substr(2)), kind);
    }
    scale_->setCurrentIndex(int(ScaleKind::NaturalMinor));
    for (QComboBox* c : {keyMode_, tonic_, scale_}) {
        connect(c, &QComboBox::currentIndexChanged, this, &SteeringBox::syncEnabled);
        connect(c, &QComboBox::currentIndexChanged, this, &SteeringBox::changed);
    }
    return row(this, {keyMode_, tonic_, scale_});
}

QWidget* SteeringBox::rangeRow() {
    rangePreset_ = new QComboBox(this);
    for (const RangePreset& p : kRanges) rangePreset_->addItem(tr(p.name));
    rangeLow_ = new NoteSpinBox(this);
    rangeHigh_ = new NoteSpinBox(this);
    rangeLow_->setValue(21);
    rangeHigh_->setValue(108);
    rangeLow_->setToolTip(tr("Lowest note (C4 is middle C)"));
    rangeHigh_->setToolTip(tr("Highest note"));
    connect(rangePreset_, &QComboBox::activated, this, [this](int i) {
        if (kRanges[i].low < 0) return;
        rangeLow_->setValue(kRanges[i].low);
        rangeHigh_->setValue(kRanges[i].high);
    });
    for (QSpinBox* b : {rangeLow_, rangeHigh_})
        connect(b, &QSpinBox::valueChanged, this, [this] {
            int preset = int(std::size(kRanges)) - 1;
            for (int i = 0; i + 1 < int(std::size(kRanges)); ++i)
                if (kRanges[i].low == rangeLow_->value() && kRanges[i].high == rangeHigh_->value()) preset = i;
            rangePreset_->setCurrentIndex(preset);
            emit changed();
        });
    return row(this, {rangePreset_, rangeLow_, rangeHigh_});
}

QWidget* SteeringBox::densityRow() {
    densityMode_ = new QComboBox(this);
    densityMode_->addItems({tr("Off"), tr("Like the primer"), tr("Notes per second")});
    density_ = new QDoubleSpinBox(this);
    density_->setRange(0.5, 40);
    density_->setSingleStep(0.5);
    density_->setValue(4);
    density_->setSuffix(tr(" /s"));
    densityMode_->setToolTip(tr("Leans the model towards more or fewer notes to keep the running density near the aim"));
    connect(densityMode_, &QComboBox::currentIndexChanged, this, &SteeringBox::syncEnabled);
    connect(densityMode_, &QComboBox::currentIndexChanged, this, &SteeringBox::changed);
    connect(density_, &QDoubleSpinBox::valueChanged, this, &SteeringBox::changed);
    return row(this, {densityMode_, density_});
}

QWidget* SteeringBox::dynamicsRow() {
    dynamics_ = new QComboBox(this);
    dynamics_->addItems({tr("Any"), tr("Softer than the primer"), tr("Louder than the primer"), tr("Velocity range")});
    velocityLow_ = new QSpinBox(this);
    velocityHigh_ = new QSpinBox(this);
    velocityLow_->setRange(1, 127);
    velocityHigh_->setRange(1, 127);
    velocityLow_->setValue(1);
    velocityHigh_->setValue(127);
    connect(dynamics_, &QComboBox::currentIndexChanged, this, &SteeringBox::syncEnabled);
    connect(dynamics_, &QComboBox::currentIndexChanged, this, &SteeringBox::changed);
    for (QSpinBox* b : {velocityLow_, velocityHigh_}) connect(b, &QSpinBox::valueChanged, this, &SteeringBox::changed);
    return row(this, {dynamics_, velocityLow_, velocityHigh_});
}

void SteeringBox::syncEnabled() {
    tonic_->setEnabled(keyMode_->currentIndex() == KeyLocked);
    density_->setEnabled(densityMode_->currentIndex() == DensityTarget);
    velocityLow_->setEnabled(dynamics_->currentIndex() == DynamicsRange);
    velocityHigh_->setEnabled(dynamics_->currentIndex() == DynamicsRange);
    scale_->setEnabled(keyMode_->currentIndex() == KeyLocked);
}

Steering SteeringBox::steering() const {
    Steering s;
    s.keyMode = keyMode_->currentIndex() == KeyOfPrimer ? Steering::KeyMode::Detected
                : keyMode_->currentIndex() == KeyLocked ? Steering::KeyMode::Fixed
                                                        : Steering::KeyMode::Off;
    if (s.keyMode == Steering::KeyMode::Fixed) {
        s.key = {tonic_->currentIndex(), ScaleKind(scale_->currentData().toInt())};
        if (s.key.kind == ScaleKind::Chromatic) s.key.tonic = 0;
    }
    const int low = std::min(rangeLow_->value(), rangeHigh_->value()), high = std::max(rangeLow_->value(), rangeHigh_->value());
    // The whole keyboard is no limit: the model writes nothing outside it anyway.
    if (!(low <= 21 && high >= 108)) s.rangeLow = low, s.rangeHigh = high;
    s.densityLikePrimer = densityMode_->currentIndex() == DensityLikePrimer;
    s.densityFactor = s.densityLikePrimer ? densityFactor_ : 1.0;
    s.density = densityMode_->currentIndex() == DensityTarget ? density_->value() : 0;
    s.polyphony = polyphony_->value();
    const int d = dynamics_->currentIndex();
    s.dynamics = d == DynamicsSofter ? Steering::Dynamics::Softer
                 : d == DynamicsLouder ? Steering::Dynamics::Louder
                                       : Steering::Dynamics::Range;
    if (d == DynamicsRange) s.velocityLow = velocityLow_->value(), s.velocityHigh = velocityHigh_->value();
    return s;
}

void SteeringBox::setSteering(const Steering& s) {
    keyMode_->setCurrentIndex(s.keyMode == Steering::KeyMode::Detected ? KeyOfPrimer
                              : s.keyMode == Steering::KeyMode::Fixed  ? KeyLocked
                                                                       : KeyOff);
    if (s.keyMode == Steering::KeyMode::Fixed) {
        tonic_->setCurrentIndex(s.key.tonic);
        scale_->setCurrentIndex(scale_->findData(int(s.key.kind)));
    }
    rangeLow_->setValue(s.rangeLimited() ? s.rangeLow : 21);
    rangeHigh_->setValue(s.rangeLimited() ? s.rangeHigh : 108);
    densityMode_->setCurrentIndex(s.densityLikePrimer ? DensityLikePrimer : s.density > 0 ? DensityTarget : DensityOff);
    if (s.density > 0) density_->setValue(s.density);
    densityFactor_ = s.densityLikePrimer ? s.densityFactor : 1.0;
    polyphony_->setValue(s.polyphony);
    dynamics_->setCurrentIndex(s.dynamics == Steering::Dynamics::Softer   ? DynamicsSofter
                               : s.dynamics == Steering::Dynamics::Louder ? DynamicsLouder
                               : s.velocityLimited()                      ? DynamicsRange
                                                                          : DynamicsAny);
    velocityLow_->setValue(s.velocityLow);
    velocityHigh_->setValue(s.velocityHigh);
    syncEnabled();
    emit changed();
}

void SteeringBox::setDetectedKey(const std::optional<Scale>& key) {
    detectedKey_ = key;
    detected_->setText(key ? tr("Detected: %1").arg(QString::fromStdString(key->name())) : tr("Detected: no notes yet"));
    useDetected_->setEnabled(key.has_value());
}

} // namespace continuo::ui
