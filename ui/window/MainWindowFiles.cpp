// MainWindow: files (new, open, import, save, export MIDI/WAV), the example motif, crash
// recovery and choosing a model.
#include "window/MainWindow.h"

#include "continuo/core/MidiFile.h"
#include "document/Document.h"
#include "document/EditOperations.h"
#include "document/MidiTransfer.h"
#include "document/RecoveryManager.h"
#include "panels/ContinuePanel.h"
#include "playback/PlaybackController.h"
#include "roll/PianoRollWidget.h"
#include "services/ContinueController.h"
#include "services/FillGapController.h"
#include "window/AudioSettingsDialog.h"
#include "window/ExportMidiDialog.h"
#include "window/WavExporter.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMessageBox>
#include <QProgressDialog>
#include <QClipboard>
#include <QGuiApplication>
#include <QMimeData>
#include <QSettings>
#include <QStandardPaths>
#include <QThread>
#include <QUndoStack>

namespace continuo::ui {

namespace {
QString lastDir() {
    return QSettings().value("files/lastDir", QStandardPaths::writableLocation(QStandardPaths::MusicLocation)).toString();
}
void rememberDir(const QString& path) { QSettings().setValue("files/lastDir", QFileInfo(path).absolutePath()); }
} // namespace

void MainWindow::loadExampleMotif() {
    // A four-bar phrase in C major, melody over a walking bass, with some dynamics: enough
    // for the model to pick up key, metre and register.
    struct N { int pitch; double beat, len; int vel; };
    static const N motif[] = {
        {67, 0, 1, 72},    {72, 1, 1, 84},   {71, 2, .5, 70},  {72, 2.5, .5, 74}, {74, 3, 1, 82},
        {76, 4, 1.5, 92},  {74, 5.5, .5, 70}, {72, 6, 1, 78},   {71, 7, 1, 74},   {69, 8, 1, 80},
        {71, 9, .5, 72},   {72, 9.5, .5, 76}, {74, 10, 1, 86},  {67, 11, 1, 70},  {72, 12, 3.5, 88},
        {48, 0, 2, 62},    {55, 2, 2, 56},   {45, 4, 2, 60},   {52, 6, 2, 54},   {41, 8, 2, 60},
        {43, 10, 2, 58},   {48, 12, 3.5, 64}, {64, 0, 2, 50},  {60, 4, 2, 48},   {65, 8, 2, 50},
        {64, 12, 3.5, 52},
    };
    Sequence seq;
    seq.tempo.clear(60'000'000.0 / 96.0);
    Track t;
    t.name = "Piano";
    for (const N& n : motif) {
        Note note;
        note.pitch = n.pitch;
        note.start = Tick(n.beat * kTicksPerQuarter);
        note.length = Tick(n.len * kTicksPerQuarter) - 20;
        note.velocity = n.vel;
        t.notes.push_back(note);
    }
    t.sort();
    seq.tracks.push_back(t);
    seq.updateEndTick();
    doc_->reset(seq);
    doc_->setTitle(tr("Example motif"));
    doc_->view()->setLoop(0, doc_->ticksPerBar() * 4);
    path_.clear();
    updateTitle();
    roll_->zoomToFit(doc_->ticksPerBar() * 10); // room for the first takes
}

void MainWindow::newFile() {
    if (!maybeSave()) return;
    controller_->cancel();
    fillGap_->cancel();
    doc_->reset(Sequence{});
    doc_->setTitle(QString());
    projectModel_ = {}; // keeps the model in use, and names it when saved
    path_.clear();
    updateTitle();
}

void MainWindow::openDialog() {
    if (!maybeSave()) return;
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open"), lastDir(), tr("Continuo projects and MIDI files (*.continuo *.mid *.midi);;All files (*)"));
    if (!path.isEmpty()) openFile(path);
}

void MainWindow::importDialog() {
    if (!maybeSave()) return;
    const QString path = QFileDialog::getOpenFileName(this, tr("Import MIDI"), lastDir(),
                                                      tr("MIDI files (*.mid *.midi *.smf);;All files (*)"));
    if (!path.isEmpty()) openFile(path);
}

bool MainWindow::openFile(const QString& path) {
    controller_->cancel();
    fillGap_->cancel();
    playback_->stop();
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == "continuo") {
        PieceSettings s;
        auto r = ProjectFile::load(path, *doc_, &s);
        if (!r) {
            QMessageBox::warning(this, tr("Cannot open"), QString::fromStdString(r.error()));
            return false;
        }
        continuePanel_->setPieceSettings(s);
        applyProjectModel(s.model);
        path_ = path;
        rememberSavedSettings();
    } else {
        // The same code as `continuo-cli convert`: tracks, pedal, controllers, metre kept.
        std::vector<std::string> warnings;
        auto midi = project::openProjectOrMidi(path, &warnings);
        if (!midi) {
            QMessageBox::warning(this, tr("Cannot import"), QString::fromStdString(midi.error()));
            return false;
        }
        doc_->reset(midi.value());
        projectModel_ = {};
        path_.clear(); // saving asks for a .continuo name
        QString message =
            tr("Imported %n notes from %1.", nullptr, int(doc_->notes().size())).arg(QFileInfo(path).fileName());
        // What the reader repaired or skipped (each names its byte offset): the first in the
        // status bar, kept there longer, and the count of the rest.
        if (!warnings.empty()) {
            message += ' ' + tr("Warning: %1").arg(QString::fromStdString(warnings.front()));
            if (warnings.size() > 1) message += ' ' + tr("(and %n more)", nullptr, int(warnings.size() - 1));
        }
        showMessage(message, warnings.empty() ? 6000 : 20000);
    }
    if (options_.useSettings) rememberDir(path);
    hint_->setVisible(false);
    updateTitle();
    roll_->scrollToContent();
    playback_->locate(0);
    return true;
}

bool MainWindow::saveTo(const QString& path) {
    const PieceSettings settings = pieceSettings();
    auto r = ProjectFile::save(path, *doc_, settings);
    if (!r) {
        QMessageBox::warning(this, tr("Cannot save"), QString::fromStdString(r.error()));
        return false;
    }
    path_ = path;
    projectModel_ = settings.model;
    rememberSavedSettings();
    doc_->setClean();
    if (doc_->title().isEmpty() || doc_->title() == tr("Example motif")) doc_->setTitle(QFileInfo(path).completeBaseName());
    updateTitle();
    showMessage(tr("Saved %1.").arg(QFileInfo(path).fileName()));
    return true;
}

void MainWindow::rememberSavedSettings() {
    savedSettings_ = continuePanel_->pieceSettings();
    savedModel_ = projectModel_;
}

bool MainWindow::hasUnsavedChanges() const { return doc_->isModified() || settingsChangedSinceSave(); }

bool MainWindow::settingsChangedSinceSave() const {
    // An untitled piece has no file whose settings could go stale (saving asks for a name anyway).
    if (path_.isEmpty()) return false;
    const PieceSettings now = continuePanel_->pieceSettings();
    if (!(now.sampling == savedSettings_.sampling) || now.gridIndex != savedSettings_.gridIndex) return true;
    // A model is the same model when its file's hash is (a name or file name can change).
    if (!projectModel_.sha256.isEmpty() && !savedModel_.sha256.isEmpty()) return projectModel_.sha256 != savedModel_.sha256;
    return projectModel_.fileName != savedModel_.fileName;
}

void MainWindow::save() {
    if (path_.isEmpty()) saveAsDialog();
    else saveTo(path_);
}

void MainWindow::saveAsDialog() {
    QString path = QFileDialog::getSaveFileName(this, tr("Save As"), lastDir(), tr("Continuo projects (*.continuo)"));
    if (path.isEmpty()) return;
    if (!path.endsWith(".continuo")) path += ".continuo";
    if (options_.useSettings) rememberDir(path);
    saveTo(path);
}

void MainWindow::copyAsMidi() {
    const bool selection = !doc_->view()->selection().empty();
    const TakeId take = doc_->view()->currentTake();
    QMimeData* mime = selection ? MidiTransfer::forSelection(*doc_) : MidiTransfer::forTake(*doc_, take);
    if (!mime) {
        showMessage(selection || take ? tr("Could not write the MIDI file to the temporary folder.")
                                      : tr("Nothing to copy as MIDI: select notes or audition a take."));
        return;
    }
    QGuiApplication::clipboard()->setMimeData(mime);
    showMessage(selection ? tr("Copied %n selected note(s) as MIDI.", nullptr, int(doc_->view()->selection().size()))
                          : tr("Copied %1 as MIDI.").arg(doc_->take(take)->name));
}

bool MainWindow::exportMidi(const QString& path, int format, int ppq) {
    // The same code as `continuo-cli convert`: the piece as a project, written by the core.
    auto r = project::exportMidiFile(path, doc_->toProject(), format, ppq);
    if (!r) {
        QMessageBox::warning(this, tr("Cannot export"), QString::fromStdString(r.error()));
        return false;
    }
    showMessage(tr("Exported %1 (type %2, %3 PPQ).").arg(QFileInfo(path).fileName()).arg(format).arg(ppq));
    return true;
}

void MainWindow::exportMidiDialog() {
    ExportMidiDialog dialog(this);
    dialog.setSource(doc_->midiTicksPerQuarter(), doc_->midiFormat());
    if (dialog.exec() != QDialog::Accepted) return;
    QString path = QFileDialog::getSaveFileName(this, tr("Export MIDI"), lastDir(), tr("MIDI files (*.mid)"));
    if (path.isEmpty()) return;
    if (!path.endsWith(".mid") && !path.endsWith(".midi")) path += ".mid";
    exportMidi(path, dialog.format(), dialog.ticksPerQuarter());
}

void MainWindow::exportWavDialog() {
    if (!WavExporter::available()) {
        QMessageBox::information(this, tr("Export WAV"), tr("This build has no offline renderer."));
        return;
    }
    QString path = QFileDialog::getSaveFileName(this, tr("Export WAV"), lastDir(), tr("WAV audio (*.wav)"));
    if (path.isEmpty()) return;
    if (!path.endsWith(".wav")) path += ".wav";
    QProgressDialog progress(tr("Rendering %1…").arg(QFileInfo(path).fileName()), tr("Cancel"), 0, 1000, this);
    progress.setWindowModality(Qt::WindowModal);
    progress.setMinimumDuration(0);
    WavExporter exporter;
    connect(&exporter, &WavExporter::progress, &progress, [&progress](double f) { progress.setValue(int(f * 1000)); });
    connect(&progress, &QProgressDialog::canceled, &exporter, &WavExporter::cancel);
    // What playback plays: the tracks that sound (mute/solo), with their programs and pedal.
    const QString err = exporter.run(doc_->toSequence(false, true), path, playback_->soundFontPath());
    progress.reset();
    if (!err.isEmpty()) QMessageBox::warning(this, tr("Export WAV"), err);
    else showMessage(tr("Rendered %1.").arg(QFileInfo(path).fileName()));
}

void MainWindow::audioSettingsDialog() {
    if (audioDialog_) {
        audioDialog_->raise();
        audioDialog_->activateWindow();
        return;
    }
    audioDialog_ = new AudioSettingsDialog(playback_->setup(), playback_->midiInputs(), playback_->midiOutputs(), this);
    audioDialog_->setAttribute(Qt::WA_DeleteOnClose);
    audioDialog_->setModelThreads(modelThreads_, QThread::idealThreadCount(), lastThreadChoice_);
    connect(audioDialog_, &AudioSettingsDialog::applied, this, &MainWindow::applyAudioSetup);
    connect(audioDialog_, &QDialog::accepted, this, [this] { applyAudioSetup(audioDialog_->setup()); });
    audioDialog_->open();
}

AudioSettingsDialog* MainWindow::audioSettings() const { return audioDialog_.data(); }

void MainWindow::applyAudioSetup(const AudioSetup& setup) {
    if (audioDialog_) {
        modelThreads_ = audioDialog_->modelThreads();
        service_->setThreads(modelThreads_);
    }
    const QString status = playback_->open(setup);
    rebuildMidiMenu();
    saveSettings();
    showMessage(status, 10000);
}

void MainWindow::chooseModelDialog() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Choose Model"), QFileInfo(service_->model().path).absolutePath(),
                                                      tr("Continuo models (*.safetensors);;All files (*)"));
    if (path.isEmpty()) return;
    modelForProject_ = path; // a model chosen by hand is the project's too
    loadModel(path);
}

bool MainWindow::offerRecovery(bool ask) {
    if (!recovery_->hasOrphanedRecovery()) return false;
    if (ask) {
        const QDateTime when = QFileInfo(recovery_->recoveryPath()).lastModified();
        const auto answer = QMessageBox::question(
            this, tr("Restore unsaved work?"),
            tr("Continuo did not close properly last time. Restore the work autosaved at %1?")
                .arg(QLocale().toString(when, QLocale::ShortFormat)),
            QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes);
        if (answer != QMessageBox::Yes) {
            recovery_->discardRecovery();
            return false;
        }
    }
    PieceSettings s;
    auto r = recovery_->restore(&s);
    if (!r) {
        showMessage(tr("Could not restore: %1").arg(QString::fromStdString(r.error())));
        return false;
    }
    continuePanel_->setPieceSettings(s);
    applyProjectModel(s.model);
    path_.clear();
    hint_->setVisible(false);
    updateTitle();
    roll_->scrollToContent();
    showMessage(tr("Restored the autosaved work."));
    return true;
}

} // namespace continuo::ui
