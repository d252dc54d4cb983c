#pragma once
// The steering controls of a generation (continuo/core/Steering.h), as the Continue and the
// Fill Gap panels show them: key lock (off, the primer's key, or a scale, with the detected
// key one click away), pitch range with presets, density, polyphony cap and dynamics. Every
// control starts off, so that takes are the model's own until the musician asks otherwise.
#include "continuo/core/Steering.h"

#include <QGroupBox>

#include <optional>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace continuo::ui {

class SteeringBox : public QGroupBox {
    Q_OBJECT
public:
    explicit SteeringBox(const QString& objectNamePrefix, QWidget* parent = nullptr);

    Steering steering() const;
    void setSteering(const Steering& steering);
    /// The key of the music the next take continues (or none): shown, and offered in one click.
    void setDetectedKey(const std::optional<Scale>& key);

    QComboBox* keyModeBox() const { return keyMode_; }
    QPushButton* useDetectedButton() const { return useDetected_; }
    QSpinBox* polyphonyBox() const { return polyphony_; }

signals:
    void changed();

private:
    QWidget* keyRow();
    QWidget* rangeRow();
    QWidget* densityRow();
    QWidget* dynamicsRow();
    void syncEnabled();

    QComboBox* keyMode_;
    QComboBox* tonic_;
    QComboBox* scale_;
    QLabel* detected_;
    QPushButton* useDetected_;
    std::optional<Scale> detectedKey_;
    QComboBox* rangePreset_;
    QSpinBox* rangeLow_;
    QSpinBox* rangeHigh_;
    QComboBox* densityMode_;
    QDoubleSpinBox* density_;
    double densityFactor_ = 1.0; ///< a project's or the command line's multiple of the primer's, kept
    QSpinBox* polyphony_;
    QComboBox* dynamics_;
    QSpinBox* velocityLow_;
    QSpinBox* velocityHigh_;
};

} // namespace continuo::ui
