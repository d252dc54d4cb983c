#pragma once
// Audio & MIDI settings: audio system, output device, sample rate, buffer size, soundfont,
// MIDI input, MIDI output and where playback sounds (built-in synth, MIDI out, or both). The lists are read when the dialog opens and on "Refresh" (devices come
// and go); the window applies and remembers the result.
#include "playback/PlaybackController.h"

#include <QDialog>

class QComboBox;
class QLineEdit;
class QLabel;

namespace continuo::ui {

class AudioSettingsDialog : public QDialog {
    Q_OBJECT
public:
    /// `midiInputs` and `midiOutputs` are the ports the current MIDI backend sees.
    AudioSettingsDialog(const AudioSetup& current, QStringList midiInputs, QStringList midiOutputs,
                        QWidget* parent = nullptr);

    AudioSetup setup() const;
    /// The Model section: CPU threads for the model (0 = automatic) out of `cores`, and the
    /// choice the last Continue made, in words.
    void setModelThreads(int threads, int cores, const QString& lastChoice);
    int modelThreads() const;
    QComboBox* threadsBox() const { return threads_; }
    QComboBox* systemBox() const { return system_; }
    QComboBox* deviceBox() const { return device_; }
    QComboBox* midiBox() const { return midi_; }
    QComboBox* midiOutBox() const { return midiOut_; }
    QComboBox* playThroughBox() const { return playThrough_; }
    QLineEdit* soundFontEdit() const { return soundFont_; }

signals:
    /// "Apply": use these settings now and keep the dialog open.
    void applied(const continuo::ui::AudioSetup& setup);

private:
    void fillDevices(const QString& select);
    void fillMidi(const QString& select);
    void fillMidiOut(const QString& select);
    void browseSoundFont();

    QStringList midiInputs_;
    QStringList midiOutputs_;
    QComboBox* system_;
    QComboBox* device_;
    QComboBox* rate_;
    QComboBox* buffer_;
    QLineEdit* soundFont_;
    QComboBox* midi_;
    QComboBox* midiOut_;
    QComboBox* playThrough_;
    QLabel* note_;
    QComboBox* threads_;
    QLabel* threadsNote_;
};

} // namespace continuo::ui
