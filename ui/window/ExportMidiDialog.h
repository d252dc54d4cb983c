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
    /// Preselects the piece's own resolution and file type (those of the MIDI file it came
    /// from), so that an export writes every tick where it was.
    void setSource(int ticksPerQuarter, int format);

private:
    QComboBox* format_;
    QComboBox* ppq_;
};

} // namespace continuo::ui
