#pragma once
// Options of a MIDI export: file type (1 with a conductor track, or 0) and resolution.
#include <QDialog>

class QComboBox;

namespace continuo::ui {

class ExportMidiDialog : public QDialog {
    Q_OBJECT
public:
    explicit ExportMidiDialog(QWidget* parent = nullptr);
    int format() const;
    int ticksPerQuarter() const;

private:
    QComboBox* format_;
    QComboBox* ppq_;
};

} // namespace continuo::ui
