#include "window/AudioSettingsDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

namespace continuo::ui {

namespace {
void selectData(QComboBox* box, const QVariant& value) {
    const int i = box->findData(value);
    if (i >= 0) box->setCurrentIndex(i);
}
} // namespace

AudioSettingsDialog::AudioSettingsDialog(const AudioSetup& current, QStringList midiInputs, QStringList midiOutputs,
                                         QWidget* parent)
    : QDialog(parent), midiInputs_(std::move(midiInputs)), midiOutputs_(std::move(midiOutputs)) {
    setObjectName("audioSettingsDialog");
    setWindowTitle(tr("Audio and MIDI Settings"));

    system_ = new QComboBox(this);
    system_->addItem(tr("Automatic (first that works)"), QString());
    for (const QString& s : PlaybackController::audioSystems()) system_->addItem(s, s);
    system_->setToolTip(tr("The sound server or driver Continuo plays through"));
    selectData(system_, current.system);

    device_ = new QComboBox(this);
    device_->setToolTip(tr("Output device of that audio system"));
    device_->setMinimumContentsLength(28);

    rate_ = new QComboBox(this);
    for (unsigned r : {44100u, 48000u, 88200u, 96000u}) rate_->addItem(tr("%1 Hz").arg(r), r);
    rate_->setToolTip(tr("Sample rate (JACK always runs at the server's rate)"));
    selectData(rate_, current.sampleRate);

    buffer_ = new QComboBox(this);
    for (unsigned b : {64u, 128u, 256u, 512u, 1024u, 2048u})
        buffer_->addItem(tr("%1 frames (%2 ms at 48 kHz)").arg(b).arg(b * 1000.0 / 48000.0, 0, 'f', 1), b);
    buffer_->setToolTip(tr("Smaller buffers answer the keyboard sooner but need a faster machine"));
    selectData(buffer_, current.bufferFrames);

    soundFont_ = new QLineEdit(current.soundFont, this);
    soundFont_->setPlaceholderText(tr("Automatic (a General MIDI soundfont on this system)"));
    soundFont_->setToolTip(tr("SoundFont (.sf2 or .sf3) used for the piano"));
    auto* browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, &AudioSettingsDialog::browseSoundFont);
    auto* sfRow = new QHBoxLayout;
    sfRow->addWidget(soundFont_, 1);
    sfRow->addWidget(browse);

    midi_ = new QComboBox(this);
    midi_->setToolTip(tr("The MIDI keyboard to record from (heard through the synth while you play)"));

    midiOut_ = new QComboBox(this);
    midiOut_->setObjectName("midiOutput");
    midiOut_->setToolTip(tr("An external synth or a DAW that hears what Continuo plays. \"%1\" is a port of "
                            "Continuo's own that other programs connect to.")
                             .arg(PlaybackController::virtualMidiOutput()));
    playThrough_ = new QComboBox(this);
    playThrough_->setObjectName("playThrough");
    playThrough_->addItem(tr("Built-in synth"), PlaybackController::playThroughKey(PlayThrough::Synth));
    playThrough_->addItem(tr("MIDI out"), PlaybackController::playThroughKey(PlayThrough::MidiOut));
    playThrough_->addItem(tr("Both"), PlaybackController::playThroughKey(PlayThrough::Both));
    playThrough_->setToolTip(tr("Where playback, takes and jam answers sound. Without a MIDI output, or when it "
                                "is unplugged, the built-in synth plays."));
    selectData(playThrough_, PlaybackController::playThroughKey(current.playThrough));

    note_ = new QLabel(this);
    note_->setWordWrap(true);
    note_->setStyleSheet("color: #9aa3b2;");

    auto* form = new QFormLayout;
    form->addRow(tr("Audio system"), system_);
    form->addRow(tr("Output device"), device_);
    form->addRow(tr("Sample rate"), rate_);
    form->addRow(tr("Buffer"), buffer_);
    form->addRow(tr("SoundFont"), sfRow);
    form->addRow(tr("MIDI input"), midi_);
    form->addRow(tr("MIDI output"), midiOut_);
    form->addRow(tr("Play through"), playThrough_);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Apply | QDialogButtonBox::Cancel, this);
    auto* refresh = buttons->addButton(tr("Refresh"), QDialogButtonBox::ResetRole);
    refresh->setToolTip(tr("Look for devices again (after plugging one in)"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this, [this] { emit applied(setup()); });
    connect(refresh, &QPushButton::clicked, this, [this] {
        fillDevices(device_->currentData().toString());
        fillMidi(midi_->currentData().toString());
        fillMidiOut(midiOut_->currentData().toString());
    });
    connect(system_, &QComboBox::currentIndexChanged, this, [this] { fillDevices(QString()); });

    threads_ = new QComboBox(this);
    threads_->setObjectName("modelThreads");
    threads_->setToolTip(tr("Automatic decodes on one thread and adds only cores that are idle when the primer is read, "
                            "so Continue stays fast while other programs run."));
    threadsNote_ = new QLabel(this);
    threadsNote_->setWordWrap(true);
    threadsNote_->setStyleSheet("color: #9aa3b2;");
    auto* model = new QGroupBox(tr("Model"), this);
    auto* modelForm = new QFormLayout(model);
    modelForm->addRow(tr("CPU threads"), threads_);
    modelForm->addRow(threadsNote_);
    setModelThreads(0, 1, QString());

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note_);
    layout->addWidget(model);
    layout->addWidget(buttons);

    fillDevices(current.device);
    fillMidi(current.midiInput);
    fillMidiOut(current.midiOutput);
}

void AudioSettingsDialog::fillDevices(const QString& select) {
    const QSignalBlocker block(device_);
    device_->clear();
    device_->addItem(tr("Default output"), QString());
    const QString system = system_->currentData().toString();
    const QStringList devices = system.isEmpty() ? QStringList() : PlaybackController::outputDevices(system);
    for (const QString& d : devices) device_->addItem(d, d);
    if (!select.isEmpty() && device_->findData(select) < 0)
        device_->addItem(tr("%1 (not found)").arg(select), select); // remembered, unplugged
    selectData(device_, select);
    device_->setEnabled(!system.isEmpty());
    if (system.isEmpty())
        note_->setText(tr("Automatic tries JACK, then PulseAudio, then ALSA, and plays silently (with a "
                          "message) when none answers."));
    else if (devices.isEmpty())
        note_->setText(tr("%1 reports no output devices: is its server running?").arg(system));
    else
        note_->clear();
}

void AudioSettingsDialog::fillMidi(const QString& select) {
    const QSignalBlocker block(midi_);
    midi_->clear();
    midi_->addItem(tr("None"), QString());
    for (const QString& m : midiInputs_) midi_->addItem(m, m);
    if (!select.isEmpty() && midi_->findData(select) < 0) midi_->addItem(tr("%1 (not connected)").arg(select), select);
    selectData(midi_, select);
}

void AudioSettingsDialog::fillMidiOut(const QString& select) {
    const QSignalBlocker block(midiOut_);
    midiOut_->clear();
    midiOut_->addItem(tr("None"), QString());
    for (const QString& m : midiOutputs_) midiOut_->addItem(m, m);
    if (!select.isEmpty() && midiOut_->findData(select) < 0)
        midiOut_->addItem(tr("%1 (not connected)").arg(select), select);
    selectData(midiOut_, select);
}

void AudioSettingsDialog::browseSoundFont() {
    const QString start = soundFont_->text().isEmpty() ? QStringLiteral("/usr/share/sounds/sf2") : QFileInfo(soundFont_->text()).path();
    const QString f = QFileDialog::getOpenFileName(this, tr("Choose a SoundFont"), start, tr("SoundFonts (*.sf2 *.sf3 *.SF2)"));
    if (!f.isEmpty()) soundFont_->setText(f);
}

AudioSetup AudioSettingsDialog::setup() const {
    AudioSetup s;
    s.system = system_->currentData().toString();
    s.device = device_->currentData().toString();
    s.sampleRate = rate_->currentData().toUInt();
    s.bufferFrames = buffer_->currentData().toUInt();
    s.soundFont = soundFont_->text().trimmed();
    s.midiInput = midi_->currentData().toString();
    s.midiOutput = midiOut_->currentData().toString();
    s.playThrough = PlaybackController::playThroughFromKey(playThrough_->currentData().toString());
    return s;
}

void AudioSettingsDialog::setModelThreads(int threads, int cores, const QString& lastChoice) {
    threads_->clear();
    threads_->addItem(tr("Automatic (recommended)"), 0);
    for (int n = 1; n <= std::max({1, cores, threads}); ++n) threads_->addItem(tr("%n thread(s)", nullptr, n), n);
    threads_->setCurrentIndex(std::max(0, threads_->findData(threads)));
    threadsNote_->setText(lastChoice.isEmpty() ? tr("The last Continue's choice is shown here.")
                                               : tr("Last Continue: %1.").arg(lastChoice));
}

int AudioSettingsDialog::modelThreads() const { return threads_->currentData().toInt(); }

} // namespace continuo::ui
