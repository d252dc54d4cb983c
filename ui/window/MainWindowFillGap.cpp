// MainWindow: Generate > Fill Gap. The action (Ctrl+Shift+Enter), its dock (a tab beside the
// Continue panel), and the wiring between the FillGapController, the panels and the status bar.
#include "window/MainWindow.h"

#include "document/Document.h"
#include "panels/ContinuePanel.h"
#include "panels/FillGapPanel.h"
#include "panels/SteeringBox.h"
#include "services/ContinueController.h"
#include "services/FillGapController.h"

#include <QAction>
#include <QDockWidget>
#include <QLabel>
#include <QSpinBox>
#include <QStatusBar>

namespace continuo::ui {

void MainWindow::createFillGap() {
    using K = QKeySequence;
    makeAction("fillGap", tr("Fill Gap"), {K(tr("Ctrl+Shift+Return")), K(tr("Ctrl+Shift+Enter"))},
               tr("Rewrite the selected time range (or the loop region): the model writes candidates from the "
                  "music before it, ranked by how well the music after it follows"),
               &MainWindow::startFillGap);
    // One Cancel (and Esc) stops whichever request runs.
    connect(action("cancel"), &QAction::triggered, this, [this] { fillGap_->cancel(); });
    connect(action("stop"), &QAction::triggered, this, [this] { fillGap_->cancel(); });

    fillGap_ = new FillGapController(doc_, generation_, this);
    fillGapPanel_ = new FillGapPanel(action("fillGap"), action("cancel"), this);
    auto* dock = new QDockWidget(tr("Fill Gap"), this);
    dock->setObjectName("fillGapDock");
    dock->setWidget(fillGapPanel_);
    addDockWidget(Qt::RightDockWidgetArea, dock);
    // A tab beside Continue: the takes list keeps its room, and whichever of the two runs comes
    // to the front.
    if (auto* cont = findChild<QDockWidget*>("continueDock")) {
        tabifyDockWidget(cont, dock);
        cont->raise();
        connect(controller_, &ContinueController::started, cont, &QWidget::raise);
    }
    connect(fillGap_, &FillGapController::started, dock, &QWidget::raise);

    auto showGap = [this] { fillGapPanel_->setGapText(fillGap_->describe(fillGap_->currentGap())); };
    for (auto signal : {&Document::notesChanged, &Document::tempoChanged}) connect(doc_, signal, this, showGap);
    for (auto signal : {&ViewState::selectionChanged, &ViewState::loopChanged}) connect(doc_->view(), signal, this, showGap);
    showGap();

    // Both panels offer the sketch's key in one click; it follows every edit.
    auto showKey = [this] {
        std::vector<std::pair<int, double>> weighted;
        weighted.reserve(doc_->notes().size());
        for (const Note& n : doc_->notes())
            if (doc_->isTrackInPrimer(n.track)) weighted.emplace_back(n.pitch, 1.0); // each note counts once (detectKey)
        const auto key = detectKey(weighted);
        const std::optional<Scale> scale = key ? std::optional<Scale>(key->key) : std::nullopt;
        continuePanel_->steeringBox()->setDetectedKey(scale);
        fillGapPanel_->steeringBox()->setDetectedKey(scale);
    };
    for (auto signal : {&Document::notesChanged, &Document::tracksChanged}) connect(doc_, signal, this, showKey);
    showKey();

    connect(fillGap_, &FillGapController::runningChanged, this, [this](bool running) {
        fillGapPanel_->setRunning(running);
        updateActions();
        // The model's primed state now belongs to the gap: prepare Continue's primer again.
        if (!running) controller_->schedulePrime();
    });
    connect(fillGap_, &FillGapController::started, this, [this](quint64 seed, int n) {
        continuePanel_->showSeed(seed);
        const GenerationRequest& r = fillGap_->lastRequest();
        fillGapPanel_->setMessage(tr("Writing %1 · temperature %2 · top-p %3 · seed %4")
                                      .arg(n == 1 ? tr("1 fill") : tr("%1 fills").arg(n))
                                      .arg(r.sampling.temperature, 0, 'f', 2)
                                      .arg(r.sampling.topP, 0, 'f', 2)
                                      .arg(seed));
        statusBar()->showMessage(tr("Filling the gap: %n candidate(s) with seed %1…", nullptr, n).arg(seed), 6000);
    });
    connect(fillGap_, &FillGapController::progressed, fillGapPanel_, &FillGapPanel::setProgress);
    auto report = [this](const QString& m) {
        fillGapPanel_->setMessage(m);
        statusBar()->showMessage(m, 6000);
    };
    connect(fillGap_, &FillGapController::finished, this, [report](bool, const QString& m) { report(m); });
    connect(fillGap_, &FillGapController::failed, this, report);
}

void MainWindow::startFillGap() {
    hint_->setVisible(false);
    // The Continue panel's sampling settings, with the Fill Gap panel's number of candidates.
    FillGapSettings s;
    s.sampling = continuePanel_->sampling();
    s.sampling.variations = fillGapPanel_->candidates();
    s.sampling.steering = fillGapPanel_->steering();
    fillGap_->start(s);
}

} // namespace continuo::ui
