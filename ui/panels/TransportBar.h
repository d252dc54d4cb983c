#pragma once
// Transport toolbar: play/stop/record/loop/metronome buttons (actions from MainWindow), the
// position in bars:beats and time, tempo, time signature, count-in, grid and quantize
// strength.
#include "continuo/core/Note.h"

#include <QToolBar>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSpinBox;

namespace continuo::ui {

class Document;

class TransportBar : public QToolBar {
    Q_OBJECT
public:
    TransportBar(Document* doc, QWidget* parent = nullptr);

    void setPosition(Tick tick);
    QComboBox* countInBox() const { return countIn_; }
    QComboBox* gridBox() const { return grid_; }
    QSpinBox* quantizeStrengthBox() const { return strength_; }
    QDoubleSpinBox* tempoBox() const { return tempo_; }
    QSpinBox* numeratorBox() const { return numerator_; }
    QComboBox* denominatorBox() const { return denominator_; }
    /// Adds the tempo, metre, count-in, grid and strength widgets after the actions.
    void addFields();

signals:
    void countInChanged(int bars);
    void gridChanged(int index);

private:
    void syncFromDocument();

    Document* doc_;
    QLabel* bars_;
    QLabel* time_;
    QDoubleSpinBox* tempo_;
    QSpinBox* numerator_;
    QComboBox* denominator_;
    QComboBox* countIn_;
    QComboBox* grid_;
    QSpinBox* strength_;
};

} // namespace continuo::ui
