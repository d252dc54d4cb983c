// MainWindow: the Models menu (Teach Your Style, the models library, Choose Model), the
// Teaching dock that follows a fine-tuning job in the background, and the model each project
// names.
#include "window/MainWindow.h"

#include "document/Document.h"
#include "panels/ContinuePanel.h"
#include "panels/TeachingPanel.h"
#include "services/ContinuationService.h"
#include "services/FineTuneJob.h"
#include "services/ModelLibrary.h"
#include "services/TeachingData.h"
#include "services/ThreadContinuationService.h"
#include "window/ModelsDialog.h"
#include "window/TeachStyleDialog.h"

#include <QAction>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QMessageBox>
#include <QRegularExpression>

namespace continuo::ui {

namespace {
project::ModelChoice choiceOf(const ModelDescription& m) {
    return {m.name, m.sha256, QFileInfo(m.path).fileName()};
}
} // namespace

void MainWindow::createModelActions() {
    makeAction("teachStyle", tr("&Teach Your Style…"), {},
               tr("Fine-tune a model on your own MIDI files, in the background while you compose"), &MainWindow::teachStyle);
    makeAction("models", tr("&Models…"), {},
               tr("Your models and the bundled one: use one for this project, import, export, remove"), &MainWindow::showModels);
}

void MainWindow::createTeaching() {
    library_ = new ModelLibrary(options_.dataDir, ThreadContinuationService::defaultModelPath(), this);
    teachPanel_ = new TeachingPanel(this);
    teachDock_ = new QDockWidget(tr("Teaching…"), this);
    teachDock_->setObjectName("teachingDock");
    teachDock_->setWidget(teachPanel_);
    // Under the track list, which is short in most pieces; hidden until a job runs.
    addDockWidget(Qt::LeftDockWidgetArea, teachDock_);
    if (auto* tracks = findChild<QDockWidget*>(QStringLiteral("tracksDock"))) splitDockWidget(tracks, teachDock_, Qt::Vertical);
    teachDock_->hide();
    connect(teachPanel_, &TeachingPanel::useModelRequested, this, &MainWindow::useModel);
    connect(teachPanel_, &TeachingPanel::dismissed, this, [this] {
        if (job_ && !job_->isActive() && job_->state() != FineTuneState::Paused) job_->deleteLater();
        teachPanel_->setJob(nullptr);
        teachDock_->hide();
    });
    connect(service_, &ContinuationService::modelLoaded, this, &MainWindow::onModelLoaded);
    connect(service_, &ContinuationService::modelFailed, this, [this](const QString& path) {
        if (path == modelForProject_) modelForProject_.clear();
    });
}

void MainWindow::restoreTeaching() {
    // One job at a time: the newest the last run left; older ones wait in their folders.
    for (const QString& dir : FineTuneJob::jobFolders(library_->jobsDir())) {
        FineTuneJob* job = FineTuneJob::restore(dir, this);
        if (!job) continue;
        if (job->wasRunning() && !job->hasCheckpoint() && QFileInfo::exists(job->spec().output)) {
            // It had finished (the CLI drops its checkpoint then) before its folder went.
            job->cancel();
            delete job;
            continue;
        }
        adoptJob(job);
        if (job->wasRunning()) {
            showMessage(job->hasCheckpoint()
                            ? tr("Teaching “%1” goes on where it stopped when Continuo closed.").arg(job->spec().name)
                            : tr("Teaching “%1” starts again: Continuo closed before its first checkpoint.")
                                  .arg(job->spec().name));
            job->start();
        }
        return;
    }
}

FineTuneJob* MainWindow::fineTuneJob() const { return job_.data(); }
TeachStyleDialog* MainWindow::teachStyleDialog() const { return teachDialog_.data(); }
ModelsDialog* MainWindow::modelsDialog() const { return modelsDialog_.data(); }

void MainWindow::adoptJob(FineTuneJob* job) {
    if (job_ && job_ != job) job_->deleteLater();
    job_ = job;
    teachPanel_->setJob(job);
    if (!teachDock_->isVisible()) {
        teachDock_->show();
        // The curve wants room; the track list keeps a third.
        if (auto* tracks = findChild<QDockWidget*>(QStringLiteral("tracksDock")); tracks && !tracks->isFloating())
            resizeDocks({tracks, teachDock_}, {height() / 3, height() * 2 / 3}, Qt::Vertical);
    }
    teachDock_->raise();
    connect(job, &FineTuneJob::finished, this, [this](const FineTuneResult& r) {
        library_->refresh();
        if (modelsDialog_) modelsDialog_->select(r.model);
        showMessage(tr("Teaching finished: “%1” is in your models. The Teaching panel offers to use it for this project.")
                        .arg(r.name), 20000);
    });
    connect(job, &FineTuneJob::failed, this, [this](const QString& message) {
        showMessage(tr("Teaching stopped: %1").arg(message), 20000);
        teachDock_->show();
        teachDock_->raise();
    });
}

void MainWindow::teachStyle() {
    if (job_ && (job_->isActive() || job_->state() == FineTuneState::Paused)) {
        teachDock_->show();
        teachDock_->raise();
        showMessage(tr("“%1” is being taught (see the Teaching panel): let it finish, or cancel it, before teaching another.")
                        .arg(job_->spec().name));
        return;
    }
    if (teachDialog_) {
        teachDialog_->raise();
        teachDialog_->activateWindow();
        return;
    }
    const project::Project piece = doc_->toProject();
    const OpenPiece open{doc_->title(), int(piece.noteCount()), piece.toSequence().durationSeconds()};
    teachDialog_ = new TeachStyleDialog(library_, open, this);
    teachDialog_->setAttribute(Qt::WA_DeleteOnClose);
    connect(teachDialog_, &QDialog::accepted, this, [this] { startTeaching(teachDialog_->request()); });
    teachDialog_->open();
}

bool MainWindow::startTeaching(const TeachRequest& request) {
    if (job_ && (job_->isActive() || job_->state() == FineTuneState::Paused)) return false;
    QString stem = request.spec.name.toLower();
    stem.replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("-"));
    const QString dir = library_->jobsDir() + '/' + QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss-zzz") + '-' + stem.left(40);
    FineTuneSpec spec = request.spec;
    spec.output = library_->newModelPath(spec.name);
    if (request.includePiece) {
        // The CLI reads one folder: the piece goes into one of the job's own, beside copies of
        // the musician's files.
        auto written = TeachingData::prepare(dir + QStringLiteral("/data"), request.spec.folder, doc_->toProject(),
                                             request.pieceParts);
        if (!written) {
            QDir(dir).removeRecursively();
            QMessageBox::warning(this, tr("Teach Your Style"),
                                 tr("Cannot teach from the open piece: %1").arg(QString::fromStdString(written.error())));
            return false;
        }
        spec.folder = dir + QStringLiteral("/data");
    }
    FineTuneJob* job = FineTuneJob::create(dir, spec, this);
    adoptJob(job);
    job->start();
    showMessage(tr("Teaching “%1” in the background; go on composing.").arg(spec.name));
    return true;
}

void MainWindow::showModels() {
    if (modelsDialog_) {
        modelsDialog_->raise();
        modelsDialog_->activateWindow();
        return;
    }
    modelsDialog_ = new ModelsDialog(library_, service_->isReady() ? service_->model().sha256 : QString(), this);
    modelsDialog_->setAttribute(Qt::WA_DeleteOnClose);
    connect(modelsDialog_, &ModelsDialog::useRequested, this, [this](const ModelEntry& e) { useModel(e.path); });
    modelsDialog_->open();
}

void MainWindow::useModel(const QString& path) {
    if (path.isEmpty()) return;
    if (service_->isReady() && QFileInfo(service_->model().path) == QFileInfo(path)) {
        projectModel_ = choiceOf(service_->model());
        showMessage(tr("This project uses “%1”.").arg(service_->model().name));
        return;
    }
    modelForProject_ = path;
    loadModel(path);
}

void MainWindow::onModelLoaded(const ModelDescription& m) {
    if (modelsDialog_) modelsDialog_->setInUse(m.sha256);
    if (modelForProject_.isEmpty() || QFileInfo(m.path) != QFileInfo(modelForProject_)) return;
    modelForProject_.clear();
    projectModel_ = choiceOf(m);
    showMessage(tr("This project now uses “%1”; saving the project remembers it.").arg(m.name), 10000);
}

PieceSettings MainWindow::pieceSettings() const {
    PieceSettings s = continuePanel_->pieceSettings();
    s.model = projectModel_;
    // A project that names no model yet remembers the one it was made with.
    if (s.model.isEmpty() && service_->isReady() && !service_->model().path.isEmpty()) s.model = choiceOf(service_->model());
    return s;
}

void MainWindow::applyProjectModel(const project::ModelChoice& choice) {
    projectModel_ = choice; // kept even when missing here: saving does not forget it
    modelForProject_.clear();
    if (choice.isEmpty()) return;
    if (service_->isReady() && !choice.sha256.isEmpty() && service_->model().sha256 == choice.sha256) return;
    if (const auto found = library_->find(choice)) {
        modelForProject_ = found->path;
        loadModel(found->path);
        return;
    }
    const QString current = service_->isReady() ? service_->model().name : tr("no model");
    showMessage(tr("This project uses the model “%1” (%2, %3), which is not in your models; Continue keeps using %4. "
                   "Import it with Models ▸ Models…")
                    .arg(choice.name.isEmpty() ? choice.fileName : choice.name, choice.fileName, choice.sha256.left(12), current),
                30000);
}

} // namespace continuo::ui
