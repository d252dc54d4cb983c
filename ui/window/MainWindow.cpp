#include "window/MainWindow.h"

#include "document/Document.h"
#include "document/RecoveryManager.h"
#include "panels/ContinuePanel.h"
#include "panels/TakesPanel.h"
#include "panels/TracksPanel.h"
#include "panels/TransportBar.h"
#include "playback/PlaybackController.h"
#include "roll/NoteCanvas.h"
#include "roll/PianoRollWidget.h"
#include "roll/RollView.h"
#include "services/ContinueController.h"
#include "services/JamController.h"
#include "services/GenerationController.h"
#include "services/FillGapController.h"
#include "services/FineTuneJob.h"
#include "services/ThreadContinuationService.h"

#include <QAction>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QFileInfo>
#include <QLabel>
#include <QMessageBox>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QUndoStack>
#include <QVBoxLayout>

namespace continuo::ui {

MainWindow::MainWindow(const MainWindowOptions& options, QWidget* parent)
    : QMainWindow(parent), options_(options), doc_(new Document(this)) {
    setObjectName("mainWindow");
    setWindowIcon(QIcon(":/icons/continuo.svg"));
    service_ = options_.service ? options_.service : new ThreadContinuationService(this);
    service_->setParent(this);
    // One generation job runs Continue and Fill Gap alike; each builds its own kind of request.
    generation_ = new GenerationController(doc_, service_, this);
    controller_ = new ContinueController(doc_, generation_, this);
    playback_ = new PlaybackController(doc_, this);
    jam_ = new JamController(doc_, playback_, generation_, this);
    recovery_ = new RecoveryManager(
        doc_, options_.recoveryDir.isEmpty() ? RecoveryManager::defaultDirectory() : options_.recoveryDir, this);

    roll_ = new PianoRollWidget(doc_, this);
    transport_ = new TransportBar(doc_, this);
    createActions();

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    hint_ = new QLabel(central);
    hint_->setObjectName("hint");
    hint_->setText(tr("An example motif is in the roll: press <b>Ctrl+Enter</b> to continue it. "
                      "To record your own, pick a keyboard in Transport ▸ MIDI Input, press <b>R</b>, "
                      "play, then <b>Space</b>. Draw with the pencil (<b>D</b>)."));
    hint_->setStyleSheet("background: #263145; color: #c8d6ee; padding: 5px 10px;");
    hint_->setWordWrap(true); // one line on a wide screen, two on a laptop; never wider than the window
    hint_->setVisible(false);
    layout->addWidget(hint_);
    layout->addWidget(roll_, 1);
    setCentralWidget(central);

    addToolBar(Qt::TopToolBarArea, transport_);
    transport_->addAction(action("play"));
    transport_->addAction(action("stop"));
    transport_->addAction(action("record"));
    transport_->addAction(action("jam"));
    transport_->addAction(action("loop"));
    transport_->addAction(action("metronome"));
    transport_->addSeparator();
    transport_->addAction(action("toolDraw"));
    transport_->addAction(action("toolSelect"));
    transport_->addFields();

    createDocks();
    createFillGap();
    createTeaching();
    createMenus();
    createStatusBar();
    connectServices();
    if (options_.useSettings) restoreSettings();
    else resize(1280, 800);
    updateTitle();
    updateActions();

    recovery_->setSettingsProvider([this] { return pieceSettings(); });
    recovery_->start(options_.autosaveMs);

    if (options_.exampleMotif) {
        loadExampleMotif();
        hint_->setVisible(true);
    }
    if (options_.openAudio) {
        AudioSetup setup;
        // A JACK server named in the environment is the obvious choice until one is saved.
        if (qEnvironmentVariableIsSet("JACK_DEFAULT_SERVER")) setup.system = QStringLiteral("JACK");
        if (options_.useSettings) {
            QSettings s;
            setup.system = s.value("audio/system", setup.system).toString();
            setup.device = s.value("audio/device").toString();
            setup.sampleRate = s.value("audio/sampleRate", setup.sampleRate).toUInt();
            setup.bufferFrames = s.value("audio/bufferFrames", setup.bufferFrames).toUInt();
            setup.soundFont = s.value("audio/soundFont").toString();
            setup.midiInput = s.value("audio/midiInput").toString();
            setup.midiOutput = s.value("audio/midiOutput").toString();
            setup.playThrough = PlaybackController::playThroughFromKey(s.value("audio/playThrough").toString());
        }
        playback_->open(setup);
    } else {
        engineLabel_->setText(tr("Audio off"));
    }
    rebuildMidiMenu();
    if (options_.loadDefaultModel) {
        QString model = options_.useSettings ? QSettings().value("model/path").toString() : QString();
        if (model.isEmpty() || !QFileInfo::exists(model)) model = ThreadContinuationService::defaultModelPath();
        loadModel(model);
    } else if (service_->isReady()) {
        modelOk_ = true;
        modelLabel_->setText(tr("Model: %1").arg(service_->model().summary));
        continuePanel_->setModelText(tr("Model: <b>%1</b>").arg(service_->model().name.toHtmlEscaped()), true);
        updateActions();
    } else {
        continuePanel_->setModelText(tr("No model loaded."), false);
    }
    if (options_.resumeJobs) restoreTeaching();
}

MainWindow::~MainWindow() {
    // A job still teaching stops at a checkpoint while the window can still hear about it.
    if (job_) job_->shutdown();
}

void MainWindow::createDocks() {
    continuePanel_ = new ContinuePanel(action("continue"), action("cancel"), action("chooseModel"), this);
    continuePanel_->setDocument(doc_);
    auto* cdock = new QDockWidget(tr("Continue"), this);
    cdock->setObjectName("continueDock");
    cdock->setWidget(continuePanel_);
    addDockWidget(Qt::RightDockWidgetArea, cdock);

    takesPanel_ = new TakesPanel(doc_, this);
    for (const char* name : {"auditionTake", "keepTake", "discardTake", "continueFromTake", "compareWithParent"})
        takesPanel_->addActionButton(action(name));
    auto* tdock = new QDockWidget(tr("Takes"), this);
    tdock->setObjectName("takesDock");
    tdock->setWidget(takesPanel_);
    addDockWidget(Qt::RightDockWidgetArea, tdock);
    resizeDocks({cdock, tdock}, {360, 360}, Qt::Horizontal);

    tracksPanel_ = new TracksPanel(doc_, this);
    auto* trdock = new QDockWidget(tr("Tracks"), this);
    trdock->setObjectName("tracksDock");
    trdock->setWidget(tracksPanel_);
    addDockWidget(Qt::LeftDockWidgetArea, trdock);
    resizeDocks({trdock}, {300}, Qt::Horizontal);
}

void MainWindow::createStatusBar() {
    engineLabel_ = new QLabel(this);
    engineLabel_->setToolTip(tr("Audio engine: device and soundfont"));
    modelLabel_ = new QLabel(this);
    modelLabel_->setToolTip(tr("Model used by Continue"));
    statusBar()->addPermanentWidget(engineLabel_);
    statusBar()->addPermanentWidget(modelLabel_);
}

void MainWindow::connectServices() {
    connect(roll_, &PianoRollWidget::previewNote, playback_, &PlaybackController::previewNote);
    connect(roll_, &PianoRollWidget::locateRequested, playback_, &PlaybackController::locate);
    connect(playback_, &PlaybackController::positionChanged, this, [this](Tick t) {
        roll_->view()->setPlayhead(t);
        transport_->setPosition(t);
    });
    connect(playback_, &PlaybackController::stateChanged, this, &MainWindow::updateActions);
    connect(playback_, &PlaybackController::statusChanged, this, [this](const QString& s) {
        engineLabel_->setText(s);
    });
    connect(playback_, &PlaybackController::message, this, [this](const QString& m) { showMessage(m); });
    connect(transport_, &TransportBar::countInChanged, playback_, &PlaybackController::setCountInBars);
    connect(transport_, &TransportBar::gridChanged, this, [this](int i) {
        const auto grids = Grid::all();
        if (i >= 0 && i < int(grids.size())) roll_->view()->setGrid(grids[std::size_t(i)]);
    });

    connect(service_, &ContinuationService::modelLoading, this, [this](const QString& path) {
        modelLabel_->setText(tr("Loading model…"));
        continuePanel_->setModelText(tr("Loading %1…").arg(QFileInfo(path).fileName()), true);
    });
    connect(service_, &ContinuationService::modelLoaded, this, [this](const ModelDescription& m) {
        modelOk_ = true;
        modelLabel_->setText(tr("Model: %1").arg(m.summary));
        continuePanel_->setModelText(tr("Model: <b>%1</b><br><span style='color:#8a93a6'>%2</span>")
                                         .arg(m.name.toHtmlEscaped(), m.summary.toHtmlEscaped()), true);
        if (!m.path.isEmpty() && options_.useSettings) QSettings().setValue("model/path", m.path);
        updateActions();
    });
    connect(service_, &ContinuationService::modelFailed, this, [this](const QString& path, const QString& msg) {
        modelOk_ = service_->isReady();
        modelLabel_->setText(modelOk_ ? modelLabel_->text() : tr("No model"));
        continuePanel_->setModelText(
            tr("Cannot use the model %1: %2. Choose another in <b>Models ▸ Models…</b>; "
               "editing and playback keep working.").arg(path.toHtmlEscaped(), msg.toHtmlEscaped()), false);
        showMessage(tr("Model not loaded: %1").arg(msg), 12000);
        updateActions();
    });
    connect(controller_, &ContinueController::runningChanged, this, [this](bool running) {
        continuePanel_->setRunning(running);
        updateActions();
    });
    connect(controller_, &ContinueController::started, this, [this](quint64 seed, int n) {
        continuePanel_->showSeed(seed);
        if (const Take* t = doc_->take(doc_->view()->currentTake())) roll_->revealTick(t->provenance.primerEnd);
        showMessage(tr("Writing %n take(s) with seed %1…", nullptr, n).arg(seed));
    });
    connect(controller_, &ContinueController::progressed, continuePanel_, &ContinuePanel::setProgress);
    connect(controller_, &ContinueController::firstNote, continuePanel_, &ContinuePanel::setFirstNote);
    connect(controller_, &ContinueController::listeningChanged, continuePanel_, &ContinuePanel::setListening);
    connect(controller_, &ContinueController::listeningSpanChanged, roll_->canvas(), &NoteCanvas::setListeningSpan);
    connect(controller_, &ContinueController::timed, this, [this](const ContinuationTiming& t) {
        continuePanel_->setTiming(t);
        lastThreadChoice_ = t.threads;
    });
    // The primer is prepared in the background once the sketch or these settings settle.
    controller_->setSettingsSource([this] {
        ContinueSettings s = continuePanel_->settings();
        s.playhead = roll_->view()->playhead();
        return s;
    });
    // A jam answer samples as the Continue panel says.
    jam_->setSamplingSource([this] { return continuePanel_->settings().sampling; });
    connect(jam_, &JamController::message, this, [this](const QString& m) { showMessage(m); });
    connect(jam_, &JamController::jammingChanged, this, [this](bool on) {
        controller_->setPrimingPaused(on); // the jam keeps the model's state itself
        action("jam")->setChecked(on);
        updateActions();
    });
    connect(jam_, &JamController::answerFinished, this, [this](project::TakeId take, bool stopped) {
        const Take* t = doc_->take(take);
        if (!t) showMessage(tr("Jam: the answer was played over before it sounded."));
        else showMessage(stopped ? tr("Jam: %1 kept as heard (%n notes), stopped where you played.", nullptr, int(t->notes.size())).arg(t->name)
                                 : tr("Jam: %1 (%n notes).", nullptr, int(t->notes.size())).arg(t->name));
    });
    connect(continuePanel_->primerBox(), &QComboBox::currentIndexChanged, controller_, &ContinueController::schedulePrime);
    connect(continuePanel_->recallBox(), &QDoubleSpinBox::valueChanged, controller_, &ContinueController::settingsChanged);
    connect(controller_, &ContinueController::finished, this, [this](bool, const QString& m) {
        continuePanel_->setMessage(m);
        showMessage(m);
    });
    connect(controller_, &ContinueController::failed, this, [this](const QString& m) {
        continuePanel_->setMessage(m);
        showMessage(m);
    });
    connect(doc_, &Document::modifiedChanged, this, &MainWindow::updateTitle);
    connect(doc_, &Document::titleChanged, this, &MainWindow::updateTitle);
    connect(doc_->view(), &ViewState::selectionChanged, this, &MainWindow::updateActions);
    connect(doc_, &Document::takesChanged, this, &MainWindow::updateActions);
    connect(doc_->view(), &ViewState::currentTakeChanged, this, &MainWindow::updateActions);
    connect(doc_->view(), &ViewState::loopChanged, this, [this] {
        action("loop")->setChecked(doc_->view()->loopEnabled());
    });
}

void MainWindow::loadModel(const QString& path) {
    if (path.isEmpty() || !QFileInfo::exists(path)) {
        continuePanel_->setModelText(
            tr("No model file found%1. Choose one with <b>Choose Model…</b>; "
               "editing and playback keep working.")
                .arg(path.isEmpty() ? QString() : tr(" at %1").arg(path.toHtmlEscaped())), false);
        modelLabel_->setText(tr("No model"));
        return;
    }
    service_->loadModel(path);
}

void MainWindow::showMessage(const QString& text, int ms) { statusBar()->showMessage(text, ms); }

void MainWindow::updateTitle() {
    QString name = path_.isEmpty() ? (doc_->title().isEmpty() ? tr("Untitled") : doc_->title())
                                   : QFileInfo(path_).fileName();
    setWindowTitle(QStringLiteral("%1[*] — Continuo").arg(name));
    setWindowModified(hasUnsavedChanges());
}

void MainWindow::updateActions() {
    const bool running = controller_->isRunning() || fillGap_->isRunning();
    const Take* take = doc_->take(doc_->view()->currentTake());
    const bool takeReady = take && !take->generating;
    action("continue")->setEnabled(!running && modelOk_);
    action("cancel")->setEnabled(running);
    for (const char* n : {"keepTake", "discardTake", "renameTake", "continueFromTake"})
        action(n)->setEnabled(takeReady);
    action("fillGap")->setEnabled(!running && modelOk_);
    // An infill take belongs inside the piece, not after it: keep it instead.
    if (take && take->provenance.infill) action("continueFromTake")->setEnabled(false);
    action("auditionTake")->setEnabled(take != nullptr);
    const bool sel = !doc_->view()->selection().empty();
    for (const char* n : {"cut", "copy", "delete", "duplicate", "transposeUp", "transposeDown",
                          "octaveUp", "octaveDown", "moveLeft", "moveRight"})
        action(n)->setEnabled(sel);
    action("play")->setChecked(playback_->isPlaying());
    action("record")->setChecked(playback_->isRecording());
}

void MainWindow::restoreSettings() {
    QSettings s;
    if (!restoreGeometry(s.value("window/geometry").toByteArray())) resize(1320, 820);
    restoreState(s.value("window/state").toByteArray());
    roll_->view()->setGrid(Grid::all()[std::size_t(std::clamp(s.value("roll/grid", 4).toInt(), 0, 9))]);
    transport_->gridBox()->setCurrentIndex(std::clamp(s.value("roll/grid", 4).toInt(), 0, 9));
    transport_->countInBox()->setCurrentIndex(std::clamp(s.value("transport/countIn", 1).toInt(), 0, 2));
    action("metronome")->setChecked(s.value("transport/metronome", true).toBool());
    playback_->setMetronome(action("metronome")->isChecked());
    modelThreads_ = std::max(0, s.value("model/threads", 0).toInt());
    service_->setThreads(modelThreads_);
}

void MainWindow::saveSettings() {
    if (!options_.useSettings) return;
    QSettings s;
    s.setValue("window/geometry", saveGeometry());
    s.setValue("window/state", saveState());
    s.setValue("roll/grid", transport_->gridBox()->currentIndex());
    s.setValue("transport/countIn", transport_->countInBox()->currentIndex());
    s.setValue("transport/metronome", action("metronome")->isChecked());
    s.setValue("model/threads", modelThreads_);
    if (options_.openAudio) {
        // What was chosen, not what happened to be found: an unplugged device stays remembered.
        const AudioSetup a = playback_->setup();
        s.setValue("audio/system", a.system);
        s.setValue("audio/device", a.device);
        s.setValue("audio/sampleRate", a.sampleRate);
        s.setValue("audio/bufferFrames", a.bufferFrames);
        s.setValue("audio/soundFont", a.soundFont);
        s.setValue("audio/midiInput", a.midiInput);
        s.setValue("audio/midiOutput", a.midiOutput);
        s.setValue("audio/playThrough", PlaybackController::playThroughKey(a.playThrough));
    }
}

void MainWindow::closeEvent(QCloseEvent* e) {
    if (!maybeSave()) {
        e->ignore();
        return;
    }
    controller_->cancel();
    fillGap_->cancel();
    playback_->panic();
    saveSettings();
    recovery_->finish();
    // A job teaching in the background writes its checkpoint and goes on at the next start.
    if (job_) job_->shutdown();
    e->accept();
}

bool MainWindow::maybeSave() {
    if (!hasUnsavedChanges() || !options_.useSettings) return true;
    const QString text = doc_->isModified()
                             ? tr("The piece has unsaved changes. Save them first?")
                             : tr("The piece's settings (sampling, steering or model) changed since it was saved. Save them first?");
    const auto answer = QMessageBox::question(this, tr("Save changes?"), text,
                                              QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Cancel) return false;
    if (answer == QMessageBox::Save) {
        save();
        return !hasUnsavedChanges();
    }
    return true;
}

} // namespace continuo::ui
