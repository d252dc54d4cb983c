// MainWindow: the table of commands (menus, shortcuts, tooltips) and the editing, transport
// and take commands behind them.
#include "window/MainWindow.h"

#include "document/Document.h"
#include "document/EditOperations.h"
#include "document/TakeCommands.h"
#include "panels/ContinuePanel.h"
#include "panels/TakesPanel.h"
#include "panels/TransportBar.h"
#include "playback/PlaybackController.h"
#include "roll/NoteCanvas.h"
#include "roll/PianoRollWidget.h"
#include "roll/RollView.h"
#include "services/ContinueController.h"
#include "services/JamController.h"
#include "services/ThreadContinuationService.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QDockWidget>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QPainter>
#include <QSettings>
#include <QSpinBox>
#include <QStyle>
#include <QUndoStack>

namespace continuo::ui {

namespace {
QIcon dotIcon(const QColor& c) {
    QPixmap pm(32, 32);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.setBrush(c);
    p.setPen(Qt::NoPen);
    p.drawEllipse(QRectF(6, 6, 20, 20));
    return QIcon(pm);
}
} // namespace

QAction* MainWindow::makeAction(const QString& name, const QString& text,
                                const QList<QKeySequence>& keys, const QString& tip,
                                void (MainWindow::*slot)()) {
    auto* a = new QAction(text, this);
    a->setObjectName(name);
    a->setShortcuts(keys);
    QString plain = text;
    plain.remove('&');
    plain.remove(QStringLiteral("…"));
    const QString keyText = keys.isEmpty() ? QString() : keys.first().toString(QKeySequence::NativeText);
    a->setToolTip(keyText.isEmpty() ? QStringLiteral("%1 — %2").arg(plain, tip)
                                    : QStringLiteral("%1 (%2) — %3").arg(plain, keyText, tip));
    a->setStatusTip(tip);
    if (slot) connect(a, &QAction::triggered, this, slot);
    addAction(a); // window-wide shortcut
    actions_.insert(name, a);
    return a;
}

void MainWindow::createActions() {
    createFileActions();
    createUndoActions();
    createNoteActions();
    createToolActions();
    createViewActions();
    createTransportActions();
    createGenerateActions();
    createTakeActions();
    createModelActions();
}

void MainWindow::createFileActions() {
    using K = QKeySequence;
    makeAction("new", tr("&New"), {K::New}, tr("Start an empty piece"), &MainWindow::newFile);
    makeAction("open", tr("&Open…"), {K::Open}, tr("Open a .continuo project or a MIDI file"), &MainWindow::openDialog);
    makeAction("import", tr("&Import MIDI…"), {K(tr("Ctrl+I"))}, tr("Open a MIDI file as a new piece"), &MainWindow::importDialog);
    makeAction("save", tr("&Save"), {K::Save}, tr("Save the project"), &MainWindow::save);
    makeAction("saveAs", tr("Save &As…"), {K(tr("Ctrl+Shift+S"))}, tr("Save the project under a new name"), &MainWindow::saveAsDialog);
    makeAction("exportMidi", tr("Export &MIDI…"), {K(tr("Ctrl+E"))}, tr("Write a Standard MIDI File (type 1 or 0)"), &MainWindow::exportMidiDialog);
    makeAction("exportWav", tr("Export &WAV…"), {K(tr("Ctrl+Shift+E"))}, tr("Render the piece to a WAV file"), &MainWindow::exportWavDialog);
    makeAction("quit", tr("&Quit"), {K::Quit}, tr("Leave Continuo"));
    makeAction("audioSettings", tr("&Audio and MIDI Settings…"), {K(tr("Ctrl+,"))},
               tr("Choose the audio output, buffer, soundfont and MIDI keyboard"), &MainWindow::audioSettingsDialog);
    connect(action("quit"), &QAction::triggered, this, &QWidget::close);
}

// Undo/redo come from the stack so that their text names the step.
void MainWindow::createUndoActions() {
    using K = QKeySequence;
    QAction* undo = doc_->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcuts({K(tr("Ctrl+Z"))});
    undo->setToolTip(tr("Undo (Ctrl+Z)"));
    undo->setObjectName("undo");
    QAction* redo = doc_->undoStack()->createRedoAction(this, tr("&Redo"));
    redo->setShortcuts({K(tr("Ctrl+Shift+Z")), K(tr("Ctrl+Y"))});
    redo->setToolTip(tr("Redo (Ctrl+Shift+Z, Ctrl+Y)"));
    redo->setObjectName("redo");
    addAction(undo);
    addAction(redo);
    actions_.insert("undo", undo);
    actions_.insert("redo", redo);
}

void MainWindow::createNoteActions() {
    using K = QKeySequence;
    // Note commands act on the roll: their shortcuts only fire while it has focus, so that
    // arrows and Delete keep working in the takes list and the spin boxes.
    auto rollAction = [this](QAction* a) {
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        removeAction(a);
        roll_->addAction(a);
        return a;
    };
    rollAction(makeAction("cut", tr("Cu&t"), {K::Cut}, tr("Cut the selected notes"),
                          nullptr));
    connect(action("cut"), &QAction::triggered, this, [this] { edit::cutSelection(*doc_); });
    rollAction(makeAction("copy", tr("&Copy"), {K::Copy}, tr("Copy the selected notes"), nullptr));
    connect(action("copy"), &QAction::triggered, this, [this] { edit::copySelection(*doc_); });
    makeAction("copyAsMidi", tr("Copy as &MIDI"), {K(tr("Ctrl+Shift+C"))},
               tr("Put the selected notes, or else the auditioned take, on the clipboard as a MIDI file for a DAW"),
               &MainWindow::copyAsMidi);
    rollAction(makeAction("paste", tr("&Paste"), {K::Paste}, tr("Paste at the playhead"), &MainWindow::paste));
    rollAction(makeAction("duplicate", tr("D&uplicate"), {K(tr("Ctrl+D"))}, tr("Repeat the selection right after itself"), &MainWindow::duplicate));
    rollAction(makeAction("delete", tr("&Delete"), {K(Qt::Key_Delete), K(Qt::Key_Backspace)}, tr("Delete the selected notes"), nullptr));
    connect(action("delete"), &QAction::triggered, this, [this] { edit::deleteSelection(*doc_); });
    rollAction(makeAction("selectAll", tr("Select &All"), {K::SelectAll}, tr("Select every note"), nullptr));
    connect(action("selectAll"), &QAction::triggered, this, [this] { edit::selectAll(*doc_); });
    rollAction(makeAction("transposeUp", tr("Transpose Up"), {K(Qt::Key_Up)}, tr("Selection up a semitone"), nullptr));
    connect(action("transposeUp"), &QAction::triggered, this, [this] { edit::transposeSelection(*doc_, 1); });
    rollAction(makeAction("transposeDown", tr("Transpose Down"), {K(Qt::Key_Down)}, tr("Selection down a semitone"), nullptr));
    connect(action("transposeDown"), &QAction::triggered, this, [this] { edit::transposeSelection(*doc_, -1); });
    rollAction(makeAction("octaveUp", tr("Octave Up"), {K(tr("Shift+Up"))}, tr("Selection up an octave"), nullptr));
    connect(action("octaveUp"), &QAction::triggered, this, [this] { edit::transposeSelection(*doc_, 12); });
    rollAction(makeAction("octaveDown", tr("Octave Down"), {K(tr("Shift+Down"))}, tr("Selection down an octave"), nullptr));
    connect(action("octaveDown"), &QAction::triggered, this, [this] { edit::transposeSelection(*doc_, -12); });
    rollAction(makeAction("moveLeft", tr("Move Left"), {K(Qt::Key_Left)}, tr("Selection one grid step earlier"), &MainWindow::moveLeft));
    rollAction(makeAction("moveRight", tr("Move Right"), {K(Qt::Key_Right)}, tr("Selection one grid step later"), &MainWindow::moveRight));
    makeAction("quantize", tr("&Quantize"), {K(tr("Q"))}, tr("Move the selection (or all notes) toward the grid by the Q strength"), &MainWindow::quantize);
}

// The roll's tools: one of them is on at a time.
void MainWindow::createToolActions() {
    using K = QKeySequence;
    auto* tools = new QActionGroup(this);
    QAction* draw = makeAction("toolDraw", tr("Draw"), {K(tr("D"))}, tr("Pencil: click to add a note, drag to set its length"));
    QAction* select = makeAction("toolSelect", tr("Select"), {K(tr("S"))}, tr("Arrow: click, Shift+click or drag a rectangle to select; drag notes to move, their right edge to resize"));
    for (QAction* a : {draw, select}) {
        a->setCheckable(true);
        tools->addAction(a);
    }
    draw->setChecked(true);
    connect(draw, &QAction::triggered, this, [this] { roll_->view()->setTool(RollTool::Draw); });
    connect(select, &QAction::triggered, this, [this] { roll_->view()->setTool(RollTool::Select); });
}

void MainWindow::createViewActions() {
    using K = QKeySequence;
    makeAction("zoomIn", tr("Zoom In (Time)"), {K(tr("Ctrl+=")), K(tr("Ctrl++"))}, tr("Ctrl+wheel also zooms time"), nullptr);
    connect(action("zoomIn"), &QAction::triggered, this, [this] { roll_->zoomTime(1.25); });
    makeAction("zoomOut", tr("Zoom Out (Time)"), {K(tr("Ctrl+-"))}, tr("Ctrl+wheel also zooms time"), nullptr);
    connect(action("zoomOut"), &QAction::triggered, this, [this] { roll_->zoomTime(0.8); });
    makeAction("zoomPitchIn", tr("Taller Keys"), {K(tr("Ctrl+Shift+="))}, tr("Ctrl+Shift+wheel also zooms pitch"), nullptr);
    connect(action("zoomPitchIn"), &QAction::triggered, this, [this] { roll_->zoomPitch(2); });
    makeAction("zoomPitchOut", tr("Shorter Keys"), {K(tr("Ctrl+Shift+-"))}, tr("Ctrl+Shift+wheel also zooms pitch"), nullptr);
    connect(action("zoomPitchOut"), &QAction::triggered, this, [this] { roll_->zoomPitch(-2); });
    makeAction("zoomFit", tr("Zoom to Fit"), {K(tr("Ctrl+0"))}, tr("Show the whole piece"), nullptr);
    connect(action("zoomFit"), &QAction::triggered, this, [this] { roll_->zoomToFit(); });
    QAction* follow = makeAction("follow", tr("Follow Playhead"), {K(tr("F"))}, tr("Scroll with the playhead while playing"), nullptr);
    follow->setCheckable(true);
    follow->setChecked(true);
    connect(follow, &QAction::toggled, this, [this](bool on) { roll_->setFollowPlayhead(on); });
    QAction* hears = makeAction("showListening", tr("Show What the Model Hears"), {K(tr("H"))},
                                tr("Shade the span of the sketch each layer of the model hears from where Continue starts"), nullptr);
    hears->setCheckable(true);
    hears->setChecked(true);
    connect(hears, &QAction::toggled, this, [this](bool on) { roll_->canvas()->setShowListening(on); });
}

void MainWindow::createTransportActions() {
    using K = QKeySequence;
    QAction* play = makeAction("play", tr("Play"), {K(Qt::Key_Space)}, tr("Play or stop"), &MainWindow::togglePlay);
    play->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
    play->setCheckable(true);
    QAction* stop = makeAction("stop", tr("Stop"), {K(Qt::Key_Escape)}, tr("Stop and silence every note (panic); cancels a running Continue"), &MainWindow::stopAndPanic);
    stop->setIcon(style()->standardIcon(QStyle::SP_MediaStop));
    QAction* rec = makeAction("record", tr("Record"), {K(tr("R")), K(tr("Ctrl+R"))}, tr("Record from the MIDI input (count-in and click as set)"), &MainWindow::record);
    rec->setIcon(dotIcon(QColor(0xff, 0x5f, 0x6b)));
    rec->setCheckable(true);
    QAction* jam = makeAction("jam", tr("Jam"), {K(tr("J"))},
                              tr("Jam: play a phrase and pause, Continuo answers; play again to take over"), &MainWindow::toggleJam);
    jam->setIcon(dotIcon(QColor(0xff, 0xc8, 0x57)));
    jam->setCheckable(true);
    makeAction("home", tr("Return to Start"), {K(Qt::Key_Home)}, tr("Move the playhead to the beginning"), nullptr);
    connect(action("home"), &QAction::triggered, this, [this] { playback_->locate(0); });
    QAction* loop = makeAction("loop", tr("Loop"), {K(tr("L"))}, tr("Loop the region set on the ruler"), nullptr);
    loop->setCheckable(true);
    loop->setIcon(dotIcon(QColor(0x7d, 0xf0, 0x9a)));
    connect(loop, &QAction::toggled, this, [this](bool on) { doc_->view()->setLoopEnabled(on); });
    QAction* metro = makeAction("metronome", tr("Click"), {K(tr("M"))}, tr("Metronome while playing and recording"), nullptr);
    metro->setCheckable(true);
    metro->setIcon(dotIcon(QColor(0xc8, 0xcf, 0xdc)));
    connect(metro, &QAction::toggled, this, [this](bool on) { playback_->setMetronome(on); });
}

// Generate > Fill Gap is createFillGap()'s (MainWindowFillGap.cpp).
void MainWindow::createGenerateActions() {
    using K = QKeySequence;
    makeAction("continue", tr("Continue"), {K(tr("Ctrl+Return")), K(tr("Ctrl+Enter"))}, tr("Write continuations of the primer as new takes"), &MainWindow::startContinue);
    makeAction("cancel", tr("Cancel"), {K(tr("Ctrl+."))}, tr("Stop the running Continue at once"), nullptr);
    connect(action("cancel"), &QAction::triggered, this, [this] { controller_->cancel(); });
    makeAction("chooseModel", tr("Choose Model…"), {}, tr("Load another model file (.safetensors)"), &MainWindow::chooseModelDialog);
    makeAction("randomModel", tr("Use Untrained Test Model"), {}, tr("A small random model: makes noise, but shows the whole flow"), nullptr);
    connect(action("randomModel"), &QAction::triggered, this, [this] {
        if (auto* t = qobject_cast<ThreadContinuationService*>(service_)) t->loadRandomModel(2, 64, 1);
    });
}

void MainWindow::createTakeActions() {
    using K = QKeySequence;
    makeAction("auditionTake", tr("Audition"), {K(tr("A"))}, tr("Play the primer and the selected take"), &MainWindow::auditionTake);
    makeAction("nextTake", tr("Next Take (A/B)"), {K(tr("B"))}, tr("Switch the auditioned take without stopping"), &MainWindow::nextTake);
    makeAction("previousTake", tr("Previous Take"), {K(tr("Shift+B"))}, tr("Switch back to the previous take"), &MainWindow::previousTake);
    makeAction("keepTake", tr("Keep"), {K(tr("K"))}, tr("Merge the take into the piece after its primer"), &MainWindow::keepTake);
    makeAction("discardTake", tr("Discard"), {K(tr("Shift+Del"))}, tr("Remove the take (undoable)"), &MainWindow::discardTake);
    makeAction("renameTake", tr("Rename…"), {K(tr("F2"))}, tr("Give the take a name"), &MainWindow::renameTake);
    // C: Ctrl+Shift+Enter (either Enter key) is Fill Gap's.
    makeAction("continueFromTake", tr("Continue From"), {K(tr("C"))}, tr("Use this take as the primer of the next Continue"), &MainWindow::continueFromTake);
    QAction* compare = makeAction("compareWithParent", tr("Compare with Parent"), {K(tr("P"))},
                                  tr("Highlight the notes the take added after the take it continued from"), nullptr);
    compare->setCheckable(true);
    connect(compare, &QAction::toggled, this, [this](bool on) { roll_->canvas()->setCompareWithParent(on); });
}

void MainWindow::createMenus() {
    auto add = [this](QMenu* m, std::initializer_list<const char*> names) {
        for (const char* n : names) {
            if (QString(n).isEmpty()) m->addSeparator();
            else m->addAction(action(n));
        }
    };
    add(menuBar()->addMenu(tr("&File")), {"new", "open", "import", "", "save", "saveAs", "", "exportMidi", "exportWav", "", "quit"});
    add(menuBar()->addMenu(tr("&Edit")), {"undo", "redo", "", "cut", "copy", "copyAsMidi", "paste", "duplicate", "delete", "selectAll", "",
                                          "transposeUp", "transposeDown", "octaveUp", "octaveDown", "moveLeft", "moveRight", "quantize", "",
                                          "toolDraw", "toolSelect"});
    QMenu* view = menuBar()->addMenu(tr("&View"));
    add(view, {"zoomIn", "zoomOut", "zoomPitchIn", "zoomPitchOut", "zoomFit", "", "follow", "showListening"});
    view->addSeparator();
    for (QDockWidget* d : findChildren<QDockWidget*>()) view->addAction(d->toggleViewAction());
    QMenu* transport = menuBar()->addMenu(tr("&Transport"));
    add(transport, {"play", "stop", "record", "jam", "home", "", "loop", "metronome", ""});
    jamMenu_ = transport->addMenu(tr("Jam &Settings"));
    jamMenu_->setObjectName("jamMenu");
    connect(jamMenu_, &QMenu::aboutToShow, this, &MainWindow::rebuildJamMenu);
    rebuildJamMenu();
    midiMenu_ = transport->addMenu(tr("MIDI &Input"));
    connect(midiMenu_, &QMenu::aboutToShow, this, &MainWindow::rebuildMidiMenu);
    transport->addAction(action("audioSettings"));
    add(menuBar()->addMenu(tr("&Generate")), {"continue", "fillGap", "cancel"});
    add(menuBar()->addMenu(tr("&Models")), {"teachStyle", "models", "", "chooseModel", "randomModel"});
    QMenu* takes = menuBar()->addMenu(tr("Ta&kes"));
    add(takes, {"auditionTake", "nextTake", "previousTake", "", "keepTake"});
    // Keep Into: the take's notes join a track the musician picks instead of a new one.
    keepIntoMenu_ = takes->addMenu(tr("Keep &Into"));
    keepIntoMenu_->setObjectName("keepIntoMenu");
    connect(keepIntoMenu_, &QMenu::aboutToShow, this, &MainWindow::rebuildKeepIntoMenu);
    add(takes, {"discardTake", "renameTake", "continueFromTake", "", "compareWithParent"});
}

void MainWindow::rebuildMidiMenu() {
    if (!midiMenu_) return;
    midiMenu_->clear();
    const QStringList inputs = playback_->midiInputs();
    if (inputs.isEmpty()) {
        midiMenu_->addAction(tr("No MIDI inputs found"))->setEnabled(false);
        return;
    }
    auto* group = new QActionGroup(midiMenu_);
    for (const QString& name : inputs) {
        QAction* a = midiMenu_->addAction(name);
        a->setCheckable(true);
        a->setChecked(name == playback_->midiInputName());
        group->addAction(a);
        connect(a, &QAction::triggered, this, [this, name] {
            if (playback_->openMidiInput(name) && options_.useSettings) QSettings().setValue("audio/midiInput", name);
            playback_->setRememberedMidiInput(name);
        });
    }
}

void MainWindow::paste() { edit::paste(*doc_, roll_->view()->grid().snap(roll_->view()->playhead())); }
void MainWindow::duplicate() { edit::duplicateSelection(*doc_, roll_->view()->grid()); }
void MainWindow::moveLeft() { edit::moveSelection(*doc_, -roll_->view()->grid().step()); }
void MainWindow::moveRight() { edit::moveSelection(*doc_, roll_->view()->grid().step()); }

void MainWindow::quantize() {
    const double strength = transport_->quantizeStrengthBox()->value() / 100.0;
    if (!edit::quantize(*doc_, roll_->view()->grid(), strength))
        showMessage(tr("Nothing to quantize (already on the grid)."));
}

void MainWindow::togglePlay() {
    playback_->togglePlay();
    updateActions();
}

void MainWindow::stopAndPanic() {
    controller_->cancel();
    playback_->panic();
    updateActions();
}

void MainWindow::record() {
    playback_->record();
    hint_->setVisible(false);
    updateActions();
}

void MainWindow::startContinue() {
    hint_->setVisible(false);
    ContinueSettings s = continuePanel_->settings();
    s.playhead = roll_->view()->playhead();
    controller_->start(s);
}

void MainWindow::auditionTake() {
    const Take* t = doc_->take(doc_->view()->currentTake());
    if (!t) return;
    if (playback_->isPlaying()) playback_->stop();
    // An infill take is heard from the bar before its gap; a continuation with its primer.
    const TakeProvenance& p = t->provenance;
    playback_->locate(p.infill ? std::max(p.primerStart, doc_->barAt(p.gapStart).start - doc_->ticksPerBar())
                               : p.primerStart);
    playback_->play();
    updateActions();
}

namespace {
/// Where `id` is in the takes tree's order (-1: not there).
int treeIndex(const std::vector<std::pair<TakeId, int>>& tree, TakeId id) {
    for (std::size_t i = 0; i < tree.size(); ++i)
        if (tree[i].first == id) return int(i);
    return -1;
}
} // namespace

// B and Shift+B walk the takes as the Takes panel and the take lanes list them.
void MainWindow::nextTake() {
    const auto tree = doc_->takeTree();
    if (tree.empty()) return;
    const int i = treeIndex(tree, doc_->view()->currentTake());
    doc_->view()->setCurrentTake(tree[std::size_t((i + 1) % int(tree.size()))].first);
}

void MainWindow::previousTake() {
    const auto tree = doc_->takeTree();
    if (tree.empty()) return;
    const int i = treeIndex(tree, doc_->view()->currentTake());
    const int n = int(tree.size());
    doc_->view()->setCurrentTake(tree[std::size_t(((i < 0 ? 0 : i) - 1 + n) % n)].first);
}

void MainWindow::rebuildKeepIntoMenu() {
    keepIntoMenu_->clear();
    const Take* take = doc_->take(doc_->view()->currentTake());
    if (!take || take->provenance.infill) {
        keepIntoMenu_->addAction(take ? tr("A fill is kept where its gap is") : tr("No take to keep"))->setEnabled(false);
        return;
    }
    keepIntoMenu_->addAction(tr("A New Track"), this, [this] { keepTakeInto(0); });
    keepIntoMenu_->addSeparator();
    for (const TrackInfo& t : doc_->tracks()) {
        const QString name = t.name.empty() ? tr("Track %1").arg(t.id) : QString::fromStdString(t.name);
        keepIntoMenu_->addAction(name, this, [this, id = t.id] { keepTakeInto(id); });
    }
}

void MainWindow::keepTake() { keepTakeInto(0); }

void MainWindow::keepTakeInto(TrackId track) {
    const int i = doc_->takeIndex(doc_->view()->currentTake());
    QUndoCommand* c = makeKeepTakeCommand(doc_, doc_->view()->currentTake(), track);
    if (!c) return;
    doc_->undoStack()->push(c);
    const auto& takes = doc_->takes();
    if (!takes.empty()) doc_->view()->setCurrentTake(takes[std::size_t(std::min(i, int(takes.size()) - 1))].id);
}

void MainWindow::discardTake() {
    const TakeId id = doc_->view()->currentTake();
    const int i = doc_->takeIndex(id);
    if (i < 0) return;
    doc_->undoStack()->push(new RemoveTakeCommand(doc_, id));
    // Select the neighbour so that discarding several in a row is quick.
    const auto& takes = doc_->takes();
    if (!takes.empty()) doc_->view()->setCurrentTake(takes[std::size_t(std::min(i, int(takes.size()) - 1))].id);
}

void MainWindow::renameTake() { takesPanel_->editCurrentName(); }

void MainWindow::continueFromTake() {
    const TakeId id = doc_->view()->currentTake();
    if (!doc_->take(id)) return;
    doc_->undoStack()->push(new SetPrimerTakeCommand(doc_, doc_->primerTake() == id ? 0 : id));
}

} // namespace continuo::ui

namespace continuo::ui {

void MainWindow::toggleJam() {
    hint_->setVisible(false);
    if (jam_->isJamming()) jam_->stop();
    else jam_->start();
    action("jam")->setChecked(jam_->isJamming());
    updateActions();
}

void MainWindow::rebuildJamMenu() {
    // The settings live in QSettings (when the window uses them) and in the controller.
    JamSettings js = jam_->settings();
    if (options_.useSettings) {
        QSettings q;
        js.gapBeats = q.value("jam/gapBeats", js.gapBeats).toDouble();
        js.gapMs = q.value("jam/gapMs", js.gapMs).toDouble();
        js.pedalMayHold = q.value("jam/pedalMayHold", js.pedalMayHold).toBool();
        js.length = JamSettings::Length(std::clamp(q.value("jam/length", int(js.length)).toInt(), 0, 2));
        js.bars = std::clamp(q.value("jam/bars", js.bars).toInt(), 1, 16);
        jam_->setSettings(js);
    }
    auto apply = [this](const JamSettings& next) {
        jam_->setSettings(next);
        if (!options_.useSettings) return;
        QSettings q;
        q.setValue("jam/gapBeats", next.gapBeats);
        q.setValue("jam/gapMs", next.gapMs);
        q.setValue("jam/pedalMayHold", next.pedalMayHold);
        q.setValue("jam/length", int(next.length));
        q.setValue("jam/bars", next.bars);
    };
    jamMenu_->clear();
    jamMenu_->addSection(tr("Answer after a pause of"));
    auto* gaps = new QActionGroup(jamMenu_);
    const int beatsPerBar = int(std::max<Tick>(1, doc_->ticksPerBar() / std::max<Tick>(1, doc_->ticksPerBeat())));
    struct Gap {
        QString text;
        double beats, ms;
    };
    const std::vector<Gap> choices{{tr("Half a beat"), 0.5, 0}, {tr("1 beat"), 1, 0}, {tr("2 beats"), 2, 0},
                                   {tr("1 bar"), double(beatsPerBar), 0}, {tr("300 ms"), 1, 300}, {tr("600 ms"), 1, 600}};
    for (const Gap& g : choices) {
        QAction* a = jamMenu_->addAction(g.text);
        a->setCheckable(true);
        a->setChecked(g.ms > 0 ? js.gapMs == g.ms : js.gapMs <= 0 && js.gapBeats == g.beats);
        gaps->addAction(a);
        connect(a, &QAction::triggered, this, [this, g, apply] {
            JamSettings next = jam_->settings();
            next.gapBeats = g.beats;
            next.gapMs = g.ms;
            apply(next);
        });
    }
    QAction* pedal = jamMenu_->addAction(tr("A Held Pedal Still Counts as a Pause"));
    pedal->setCheckable(true);
    pedal->setChecked(js.pedalMayHold);
    connect(pedal, &QAction::toggled, this, [this, apply](bool on) {
        JamSettings next = jam_->settings();
        next.pedalMayHold = on;
        apply(next);
    });
    jamMenu_->addSection(tr("Answer for"));
    auto* lengths = new QActionGroup(jamMenu_);
    struct Length {
        QString text;
        JamSettings::Length length;
        int bars;
    };
    const std::vector<Length> lengthChoices{{tr("As Long as the Call"), JamSettings::Length::LikeCall, 0},
                                            {tr("1 Bar"), JamSettings::Length::Bars, 1},
                                            {tr("2 Bars"), JamSettings::Length::Bars, 2},
                                            {tr("4 Bars"), JamSettings::Length::Bars, 4},
                                            {tr("Until I Play Again"), JamSettings::Length::UntilPlayed, 0}};
    for (const Length& l : lengthChoices) {
        QAction* a = jamMenu_->addAction(l.text);
        a->setCheckable(true);
        a->setChecked(js.length == l.length && (l.length != JamSettings::Length::Bars || js.bars == l.bars));
        lengths->addAction(a);
        connect(a, &QAction::triggered, this, [this, l, apply] {
            JamSettings next = jam_->settings();
            next.length = l.length;
            if (l.bars > 0) next.bars = l.bars;
            apply(next);
        });
    }
}

} // namespace continuo::ui
