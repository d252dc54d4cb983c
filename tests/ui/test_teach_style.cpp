// Models ▸ Teach Your Style and Models ▸ Models… through the main window, with the real
// `continuo-cli finetune` on four MAESTRO validation performances cut to 20 seconds: the scan
// in the dialog, a job of a few steps (the hidden step count) that ends in the library, its
// model used for the project and named by a Continue's take, the project's model across save
// and open (and a project naming a model that is missing), pause and resume, the app closed
// while teaching and the job resumed at the next start, cancel, teaching from the open piece,
// and imports refused with a message.
#include "MainWindowFixture.h"
#include "../core/MaestroFiles.h"

#include "continuo/core/MidiFile.h"
#include "document/Document.h"
#include "panels/ContinuePanel.h"
#include "panels/LossCurveWidget.h"
#include "panels/TeachingPanel.h"
#include "services/ContinueController.h"
#include "services/FineTuneJob.h"
#include "services/ModelLibrary.h"
#include "services/TeachingData.h"
#include "services/ThreadContinuationService.h"
#include "window/ModelsDialog.h"
#include "window/TeachStyleDialog.h"

#ifdef CONTINUO_HAVE_INFERENCE
#include "continuo/inference/Engine.h"
#endif

#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStatusBar>
#include <QTextStream>
#include <QTreeWidget>
#include <QDoubleSpinBox>
#include <QtTest>

using namespace continuo;
using namespace continuo::ui;

namespace {
constexpr int kJobTimeoutMs = 600'000; // a few steps at the lowest priority on a busy machine

/// The first `count` validation performances of the shared MAESTRO data, each cut to its first
/// `seconds`, written into `folder`; false when the data is absent.
bool writeMaestroPieces(const QString& folder, int count, double seconds) {
    const QString root = QStringLiteral(CONTINUO_SHARED_DATA "/maestro-v2/");
    QFile csv(root + "maestro-v2.0.0-train-validation.csv");
    if (!csv.open(QIODevice::ReadOnly)) return false;
    QDir().mkpath(folder);
    QTextStream in(&csv);
    int written = 0;
    while (!in.atEnd() && written < count) {
        const QStringList f = in.readLine().split(',');
        if (f.size() < 6 || f[f.size() - 4] != "validation") continue;
        auto midi = readMidiFile((root + f[f.size() - 2]).toStdString());
        if (!midi) continue;
        const Sequence& s = midi->sequence;
        const Sequence cut = TeachingData::slice(s, 0, s.tempo.tickAt(seconds));
        const QString path = QStringLiteral("%1/piece-%2.mid").arg(folder).arg(written + 1);
        if (!writeMidiFile(path.toStdString(), cut)) return false;
        ++written;
    }
    return written == count;
}

QJsonObject readJson(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll()).object() : QJsonObject();
}

bool writeBytes(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

/// A safetensors file that says it is a Continuo model of another vocabulary (no tensors).
QByteArray otherVocabularyModel() {
    const QJsonObject meta{{"format", "continuo-dsmr"}, {"vocabulary_version", "99"}, {"name", "elsewhere"}};
    QByteArray header = QJsonDocument(QJsonObject{{"__metadata__", meta}}).toJson(QJsonDocument::Compact);
    while (header.size() % 8) header += ' ';
    QByteArray bytes(8, '\0');
    quint64 n = quint64(header.size());
    for (int i = 0; i < 8; ++i) bytes[i] = char((n >> (8 * i)) & 0xff);
    return bytes + header;
}
} // namespace

class TestTeachStyle : public QObject {
    Q_OBJECT
    testutil::MainWindowFixture fx_;
    QString folder_; ///< four pieces, a broken file and an empty one

    /// The dialog, opened from the menu's action, with the test folder scanned.
    TeachStyleDialog* openDialog(MainWindow& w, const QString& folder) {
        w.action("teachStyle")->trigger();
        TeachStyleDialog* d = w.teachStyleDialog();
        if (!d) return nullptr;
        if (!folder.isEmpty()) {
            QSignalSpy scanned(d, &TeachStyleDialog::scanned);
            d->setFolder(folder);
            if (!scanned.wait(120000)) return nullptr;
        }
        return d;
    }

    /// A job of `steps` steps started through the dialog's Start button.
    FineTuneJob* startJob(MainWindow& w, int steps, const QString& name) {
        TeachStyleDialog* d = openDialog(w, folder_);
        if (!d || !d->startButton()->isEnabled()) return nullptr;
        d->setSteps(steps);
        d->nameEdit()->setText(name);
        d->startButton()->click();
        return w.fineTuneJob();
    }

    static bool waitForState(FineTuneJob* job, FineTuneState state, int ms = kJobTimeoutMs) {
        QSignalSpy changed(job, &FineTuneJob::stateChanged);
        QElapsedTimer t;
        t.start();
        while (job->state() != state && t.elapsed() < ms) changed.wait(int(std::max<qint64>(1, ms - t.elapsed())));
        return job->state() == state;
    }

    /// Waits for the job to report a step of training (the CLI checkpoints from there on).
    static bool waitForStep(FineTuneJob* job, int step = 1) {
        QSignalSpy progressed(job, &FineTuneJob::progressed);
        QElapsedTimer t;
        t.start();
        while (job->progress().step < step && job->isActive() && t.elapsed() < kJobTimeoutMs) progressed.wait(10000);
        return job->progress().step >= step;
    }

private slots:
    void initTestCase() {
        QVERIFY(fx_.isValid());
        qputenv("CONTINUO_CLI", CONTINUO_CLI_PATH);
        QProcess help;
        help.start(QStringLiteral(CONTINUO_CLI_PATH), {"finetune", "--help"});
        QVERIFY(help.waitForFinished(60000));
        if (help.exitCode() != 0)
            QSKIP("this continuo-cli has no finetune command (app/cli/FinetuneCommand.cpp): build it from a tree that has");
        QStringList files;
        CONTINUO_MAESTRO_OR_SKIP(files);
        folder_ = fx_.filePath("my-pieces");
        QVERIFY(writeMaestroPieces(folder_, 4, 20));
        QVERIFY(writeBytes(folder_ + "/broken.mid", "MThd this is not a MIDI file"));
        QVERIFY(writeBytes(folder_ + "/notes.txt", "not MIDI at all"));
    }

    /// The dialog lists what the folder holds, and what it skips and why, without blocking.
    void dialogScansTheFolder() {
        auto w = fx_.makeWindow();
        TeachStyleDialog* d = openDialog(*w, folder_);
        QVERIFY(d);
        QCOMPARE(int(d->scanResult().pieces.size()), 4);
        QVERIFY2(d->summaryLabel()->text().contains("Found 4 usable piece"), qPrintable(d->summaryLabel()->text()));
        QVERIFY(d->scanResult().totalSeconds > 60);
        QCOMPARE(d->skippedList()->topLevelItemCount(), 1);
        QCOMPARE(d->skippedList()->topLevelItem(0)->text(0), QString("broken.mid"));
        QVERIFY(!d->skippedList()->topLevelItem(0)->text(1).isEmpty());
        QVERIFY(d->startButton()->isEnabled());
        QCOMPARE(d->nameEdit()->text(), QString("My style"));
        QCOMPARE(d->minutesBox()->value(), 20);
        // A folder with too few pieces: Start waits for more (or the open piece).
        const QString two = fx_.filePath("two-pieces");
        QVERIFY(writeMaestroPieces(two, 2, 10));
        QSignalSpy scanned(d, &TeachStyleDialog::scanned);
        d->setFolder(two);
        QVERIFY(scanned.wait(120000));
        QVERIFY(!d->startButton()->isEnabled());
        QVERIFY(d->summaryLabel()->text().contains("3 pieces at least"));
        d->reject();
    }

    /// Teach, use the new model for the project, Continue: the take names the new model. The
    /// project remembers the model across save and open; a project naming a missing model says
    /// so and keeps the model in use.
    void teachUseAndContinue() {
        if (!ThreadContinuationService::available()) QSKIP("built without the inference engine (LibTorch)");
        if (!QFileInfo::exists(ThreadContinuationService::defaultModelPath()))
            QSKIP("the bundled model is missing (resources/models/continuo-default.safetensors)");
        auto* service = new ThreadContinuationService;
        QSignalSpy loaded(service, &ContinuationService::modelLoaded);
        auto w = fx_.makeWindow({.service = service, .exampleMotif = true, .loadDefaultModel = true});
        QVERIFY(loaded.wait(60000));
        const QString bundledSha = service->model().sha256;

        FineTuneJob* job = startJob(*w, 3, "Test style");
        QVERIFY(job);
        QVERIFY(w->teachingPanel()->isVisible());
        QSignalSpy finished(job, &FineTuneJob::finished);
        QVERIFY2(finished.wait(kJobTimeoutMs) || job->state() == FineTuneState::Finished, qPrintable(job->errorMessage()));
        const FineTuneResult result = job->result();
        QCOMPARE(result.steps, 3);
        QVERIFY(result.heldoutBefore > 0 && result.heldoutAfter > 0);
        QVERIFY(QFileInfo(result.model).absolutePath() == QFileInfo(w->modelLibrary()->modelsDir()).absoluteFilePath());
        QVERIFY(QFileInfo::exists(ModelLibrary::cardPathFor(result.model)));
        QVERIFY(!QFileInfo::exists(job->dir())); // the job's checkpoint is gone, the model stays
        QVERIFY(!w->teachingPanel()->curve()->loss().isEmpty());
        QVERIFY(!w->teachingPanel()->curve()->heldout().isEmpty());

        // The library lists it with what it was trained on and its held-out NLL.
        const auto entry = w->modelLibrary()->describe(result.model);
        QVERIFY2(entry.ok(), entry.ok() ? "" : entry.error().c_str());
        QCOMPARE(entry->name, QString("Test style"));
        QCOMPARE(entry->sha256, result.sha256);
        QVERIFY(entry->trainingData.contains("4 pieces"));
        QVERIFY(entry->isFineTuned());
        w->action("models")->trigger();
        QVERIFY(w->modelsDialog());
        QVERIFY(w->modelsDialog()->select(result.model));
        w->modelsDialog()->close();

        // The panel offers it; the model in use was never touched meanwhile.
        QCOMPARE(service->model().sha256, bundledSha);
        QVERIFY(w->teachingPanel()->useButton()->isVisible());
        w->teachingPanel()->useButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(service->model().sha256, result.sha256, 60000);
        QCOMPARE(w->projectModel().sha256, result.sha256);

        ContinuePanel* panel = w->continuePanel();
        PieceSettings ps = panel->pieceSettings();
        ps.sampling.lengthSeconds = 2;
        ps.sampling.variations = 1;
        ps.sampling.seed = Seed::fixed(5);
        panel->setPieceSettings(ps);
        QSignalSpy done(w->continueController(), &ContinueController::finished);
        QTRY_VERIFY_WITH_TIMEOUT(w->action("continue")->isEnabled(), 30000);
        w->action("continue")->trigger();
        QVERIFY(done.wait(120000));
        QVERIFY(!w->document()->takes().empty());
        QCOMPARE(w->document()->takes().back().provenance.modelHash, result.sha256);
        QCOMPARE(w->document()->takes().back().provenance.modelName, QString("Test style"));

        // Saved and opened again in a window that starts with the bundled model.
        const QString project = fx_.filePath("styled.continuo");
        QVERIFY(w->saveTo(project));
        QCOMPARE(readJson(project)["settings"].toObject()["model"].toObject()["sha256"].toString(), result.sha256);
        w.reset();
        auto* service2 = new ThreadContinuationService;
        QSignalSpy loaded2(service2, &ContinuationService::modelLoaded);
        auto w2 = fx_.makeWindow({.service = service2, .loadDefaultModel = true});
        QVERIFY(loaded2.wait(60000));
        QCOMPARE(service2->model().sha256, bundledSha);
        QVERIFY(w2->openFile(project));
        QTRY_COMPARE_WITH_TIMEOUT(service2->model().sha256, result.sha256, 60000);
        QCOMPARE(w2->projectModel().sha256, result.sha256);

        // A project naming a model this library lacks: the status bar says so, the model stays.
        QJsonObject json = readJson(project);
        QJsonObject settings = json["settings"].toObject();
        settings["model"] = QJsonObject{{"name", "Elsewhere"}, {"sha256", QString(64, 'e')}, {"file", "elsewhere.safetensors"}};
        json["settings"] = settings;
        const QString missing = fx_.filePath("missing-model.continuo");
        QVERIFY(writeBytes(missing, QJsonDocument(json).toJson()));
        QVERIFY(w2->openFile(missing));
        QVERIFY2(w2->statusBar()->currentMessage().contains("not in your models"), qPrintable(w2->statusBar()->currentMessage()));
        QVERIFY(w2->statusBar()->currentMessage().contains("Elsewhere"));
        QCOMPARE(service2->model().sha256, result.sha256);
        // Saving keeps naming the missing model rather than the one that stood in.
        QVERIFY(w2->saveTo(missing));
        QCOMPARE(readJson(missing)["settings"].toObject()["model"].toObject()["sha256"].toString(), QString(64, 'e'));

        // The project's settings are part of it: a changed setting or another model is
        // something to save (closing asks), and a setting put back is not.
        QVERIFY(!w2->hasUnsavedChanges());
        QDoubleSpinBox* recall = w2->continuePanel()->recallBox();
        const double before = recall->value();
        recall->setValue(before > 0.5 ? before - 0.1 : before + 0.1);
        QVERIFY(w2->hasUnsavedChanges());
        QVERIFY(!w2->document()->isModified()); // the notes and takes are as saved
        recall->setValue(before);
        QVERIFY(!w2->hasUnsavedChanges());
        w2->useModel(ThreadContinuationService::defaultModelPath());
        QTRY_COMPARE_WITH_TIMEOUT(service2->model().sha256, bundledSha, 60000);
        QTRY_VERIFY_WITH_TIMEOUT(w2->hasUnsavedChanges(), 10000);
        QVERIFY(w2->saveTo(missing));
        QVERIFY(!w2->hasUnsavedChanges());
        QCOMPARE(readJson(missing)["settings"].toObject()["model"].toObject()["sha256"].toString(), bundledSha);
    }

    /// Pause writes a checkpoint; Resume (here after Continuo has closed and started again)
    /// goes on from it to the end.
    void pauseThenResumeFinishes() {
        const QString data = fx_.filePath("data-paused");
        auto w = fx_.makeWindow({.dataDir = data});
        FineTuneJob* job = startJob(*w, 30, "Paused style");
        QVERIFY(job);
        QVERIFY2(waitForStep(job), qPrintable(job->errorMessage()));
        QVERIFY(w->teachingPanel()->pauseButton()->isVisible());
        w->teachingPanel()->pauseButton()->click();
        QVERIFY2(waitForState(job, FineTuneState::Paused), qPrintable(job->errorMessage()));
        QVERIFY(job->hasCheckpoint());
        const int pausedAt = job->progress().step;
        QVERIFY(pausedAt >= 1 && pausedAt < 30);
        QCOMPARE(readJson(job->dir() + "/state.json")["state"].toString(), QString("paused"));
        QVERIFY(!QFileInfo::exists(job->spec().output)); // no model until it finishes
        QVERIFY(w->teachingPanel()->resumeButton()->isVisible());
        const QVector<QPointF> curve = job->lossCurve();
        QVERIFY(!curve.isEmpty());

        // A paused job stays paused when Continuo closes and starts again, its curve kept.
        QVERIFY(w->close());
        w.reset();
        w = fx_.makeWindow({.dataDir = data});
        job = w->fineTuneJob();
        QVERIFY(job);
        QCOMPARE(job->state(), FineTuneState::Paused);
        QCOMPARE(job->progress().step, pausedAt);
        QCOMPARE(job->lossCurve(), curve);
        QVERIFY(w->teachingPanel()->isVisible());
        QVERIFY(w->teachingPanel()->resumeButton()->isVisible());
        QVERIFY(!w->teachingPanel()->pauseButton()->isVisible());

        int firstStepAfter = -1;
        connect(job, &FineTuneJob::stepReported, this, [&firstStepAfter](int step) {
            if (firstStepAfter < 0) firstStepAfter = step;
        });
        QSignalSpy finished(job, &FineTuneJob::finished);
        w->teachingPanel()->resumeButton()->click();
        QCOMPARE(job->state(), FineTuneState::Running);
        QVERIFY(job->arguments(true).contains("--resume"));
        QVERIFY2(finished.wait(kJobTimeoutMs) || job->state() == FineTuneState::Finished, qPrintable(job->errorMessage()));
        QCOMPARE(job->result().steps, 30);
        QVERIFY(QFileInfo::exists(job->result().model));
        // It went on from the step it paused at, not from the start.
        QVERIFY2(firstStepAfter > pausedAt, qPrintable(QString("paused at %1, went on at %2").arg(pausedAt).arg(firstStepAfter)));
        QVERIFY(!job->lossCurve().isEmpty());
        QCOMPARE(int(job->lossCurve().last().x()), 30);
    }

    /// Closing the app stops the job at a checkpoint; the next start resumes it.
    void closedAppResumesTheJob() {
        const QString data = fx_.filePath("data-restart");
        auto w = fx_.makeWindow({.dataDir = data});
        FineTuneJob* job = startJob(*w, 20, "Restarted style");
        QVERIFY(job);
        const QString dir = job->dir(), output = job->spec().output;
        QVERIFY2(waitForStep(job), qPrintable(job->errorMessage()));
        QVERIFY(w->close());
        const QJsonObject state = readJson(dir + "/state.json");
        QCOMPARE(state["state"].toString(), QString("running"));
        QVERIFY(state["checkpoint"].toBool());
        QVERIFY(!QFileInfo::exists(output));
        w.reset();

        auto w2 = fx_.makeWindow({.dataDir = data});
        FineTuneJob* again = w2->fineTuneJob();
        QVERIFY(again);
        QCOMPARE(again->dir(), dir);
        QVERIFY(again->isActive());
        QVERIFY(!again->lossCurve().isEmpty()); // the curve so far, from the job's folder
        QSignalSpy finished(again, &FineTuneJob::finished);
        QVERIFY2(finished.wait(kJobTimeoutMs) || again->state() == FineTuneState::Finished, qPrintable(again->errorMessage()));
        QCOMPARE(again->result().steps, 20);
        QVERIFY(QFileInfo::exists(output));
    }

    /// Cancel stops the job and deletes its folder; no model appears.
    void cancelRemovesTheJobFolder() {
        auto w = fx_.makeWindow();
        FineTuneJob* job = startJob(*w, 200, "Cancelled style");
        QVERIFY(job);
        const QString dir = job->dir(), output = job->spec().output;
        QVERIFY(QFileInfo::exists(dir));
        QVERIFY2(waitForStep(job), qPrintable(job->errorMessage()));
        w->teachingPanel()->cancelButton()->click();
        QVERIFY(waitForState(job, FineTuneState::Cancelled));
        QVERIFY(!QFileInfo::exists(dir));
        QVERIFY(!QFileInfo::exists(output));
        w->teachingPanel()->dismissButton()->click();
        QVERIFY(!w->teachingPanel()->isVisible());
    }

    /// The CLI's error reaches the musician in the panel and the status bar; the model in use
    /// stays, no model file appears, and Dismiss clears the job away.
    void failedJobSaysWhy() {
        const QString two = fx_.filePath("only-two");
        QVERIFY(writeMaestroPieces(two, 2, 10));
        auto w = fx_.makeWindow();
        const QString inUse = w->continuationService()->model().sha256;
        TeachRequest r;
        r.spec.name = "Too little";
        r.spec.folder = two;
        r.spec.steps = 3;
        QVERIFY(w->startTeaching(r));
        FineTuneJob* job = w->fineTuneJob();
        QVERIFY(job);
        const QString dir = job->dir();
        QVERIFY(waitForState(job, FineTuneState::Failed));
        QVERIFY2(job->errorMessage().contains("teaching needs at least 3"), qPrintable(job->errorMessage()));
        QVERIFY(w->teachingPanel()->statusLabel()->text().contains("teaching needs at least 3"));
        QVERIFY(w->statusBar()->currentMessage().startsWith("Teaching stopped:"));
        QCOMPARE(readJson(dir + "/state.json")["state"].toString(), QString("failed"));
        QCOMPARE(w->continuationService()->model().sha256, inUse);
        QVERIFY(!QFileInfo::exists(job->spec().output));
        QVERIFY(w->teachingPanel()->resumeButton()->isVisible());
        QCOMPARE(w->teachingPanel()->resumeButton()->text(), QString("Try Again"));
        w->teachingPanel()->dismissButton()->click();
        QVERIFY(!QFileInfo::exists(dir));

        // A CLI that cannot be started says so too.
        qputenv("CONTINUO_CLI", fx_.filePath("no-such-cli").toLocal8Bit());
        r.spec.folder = folder_;
        QVERIFY(w->startTeaching(r));
        QVERIFY(waitForState(w->fineTuneJob(), FineTuneState::Failed, 60000));
        QVERIFY2(w->fineTuneJob()->errorMessage().startsWith("Cannot run"), qPrintable(w->fineTuneJob()->errorMessage()));
        qputenv("CONTINUO_CLI", CONTINUO_CLI_PATH);
        w->fineTuneJob()->cancel();
    }

    /// docs/images/teach-style.png: the dialog over the window while a job teaches, its curve
    /// in the Teaching panel. Only with CONTINUO_TEACH_SCREENSHOT=FILE.png (a longer job, for
    /// held-out points on the curve); otherwise it has nothing to do.
    void screenshot() {
        const QString shot = qEnvironmentVariable("CONTINUO_TEACH_SCREENSHOT");
        if (shot.isEmpty()) return;
        // More music than the tests use: twelve pieces of 90 seconds.
        const QString folder = fx_.filePath("screenshot-pieces");
        QVERIFY(writeMaestroPieces(folder, 12, 90));
        QVERIFY(writeBytes(folder + "/broken.mid", "MThd this is not a MIDI file"));
        auto* service = ThreadContinuationService::available() ? new ThreadContinuationService : nullptr;
        auto w = fx_.makeWindow({.service = service, .exampleMotif = true, .size = QSize(1600, 1000),
                                 .loadDefaultModel = service != nullptr});
        QVERIFY(QTest::qWaitForWindowExposed(w.get()));
        if (service) QTRY_VERIFY_WITH_TIMEOUT(service->isReady(), 60000);
        TeachStyleDialog* start = openDialog(*w, folder);
        QVERIFY(start);
        start->setSteps(400);
        start->startButton()->click();
        FineTuneJob* job = w->fineTuneJob();
        QVERIFY(job);
        QSignalSpy reported(job, &FineTuneJob::stepReported);
        while (job->progress().step < 160 && job->isActive()) QVERIFY(reported.wait(kJobTimeoutMs));
        TeachStyleDialog d(w->modelLibrary(), {w->document()->title(), int(w->document()->notes().size()), 9.5}, w.get());
        d.setIncludePiece(false);
        QSignalSpy scanned(&d, &TeachStyleDialog::scanned);
        d.setFolder(folder);
        QVERIFY(scanned.wait(120000));
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        QPixmap image = w->grab();
        QPainter p(&image);
        const QPixmap dialog = d.grab();
        const QPoint at(330, 150);
        p.fillRect(QRect(at + QPoint(6, 6), dialog.size()), QColor(0, 0, 0, 90)); // a shadow
        p.drawPixmap(at, dialog);
        p.setPen(QColor(0x5a, 0x62, 0x75));
        p.drawRect(QRect(at, dialog.size()).adjusted(0, 0, -1, -1));
        p.end();
        QVERIFY(image.save(shot));
        job->cancel();
        QVERIFY(waitForState(job, FineTuneState::Cancelled));
    }

    /// The open piece alone: cut into three parts in the job's folder, which the CLI accepts.
    void teachesFromTheOpenPiece() {
        auto w = fx_.makeWindow();
        QVERIFY(w->openFile(folder_ + "/piece-1.mid"));
        TeachStyleDialog* d = openDialog(*w, QString());
        QVERIFY(d);
        QVERIFY(!d->startButton()->isEnabled());
        d->setIncludePiece(true);
        QVERIFY(d->startButton()->isEnabled());
        QVERIFY(d->summaryLabel()->text().contains("cut into 3 parts"));
        TeachRequest r = d->request();
        QVERIFY(r.includePiece);
        QCOMPARE(r.pieceParts, 3);
        r.spec.steps = 3;
        d->reject();
        QVERIFY(w->startTeaching(r));
        FineTuneJob* job = w->fineTuneJob();
        QVERIFY(job);
        QCOMPARE(job->spec().folder, job->dir() + "/data");
        QCOMPARE(QDir(job->spec().folder).entryList({"*.mid"}, QDir::Files).size(), 3);
        QSignalSpy finished(job, &FineTuneJob::finished);
        QVERIFY2(finished.wait(kJobTimeoutMs) || job->state() == FineTuneState::Finished, qPrintable(job->errorMessage()));
        QCOMPARE(job->progress().trainPieces + job->progress().heldoutPieces, 3);
        const auto entry = w->modelLibrary()->describe(job->result().model);
        QVERIFY(entry.ok());
        QVERIFY2(entry->trainingData.startsWith("3 pieces"), qPrintable(entry->trainingData));
    }

    /// Import refuses a broken file and a model of another vocabulary with a message, takes a
    /// good one; export copies model and card; remove deletes a user model.
    void importExportRemove() {
        auto w = fx_.makeWindow();
        w->action("models")->trigger();
        ModelsDialog* d = w->modelsDialog();
        QVERIFY(d);
        ModelLibrary* lib = w->modelLibrary();
        const std::size_t before = d->entries().size();

        const QString broken = fx_.filePath("broken.safetensors");
        QVERIFY(writeBytes(broken, QByteArray(64, 'x')));
        QSignalSpy failed(lib, &ModelLibrary::importFailed);
        d->importFile(broken);
        QVERIFY(failed.wait(60000));
        QVERIFY2(d->messageLabel()->text().startsWith("Not imported"), qPrintable(d->messageLabel()->text()));
        QVERIFY(!QFileInfo::exists(lib->modelsDir() + "/broken.safetensors"));

        const QString other = fx_.filePath("other-vocabulary.safetensors");
        QVERIFY(writeBytes(other, otherVocabularyModel()));
        d->importFile(other);
        QVERIFY(failed.wait(60000));
        QVERIFY2(d->messageLabel()->text().contains("vocabulary"), qPrintable(d->messageLabel()->text()));
        QVERIFY(!QFileInfo::exists(lib->modelsDir() + "/other-vocabulary.safetensors"));
        QCOMPARE(d->entries().size(), before);

#ifdef CONTINUO_HAVE_INFERENCE
        // A good model (small, random) with a card: imported, exported, removed.
        inference::ModelConfig config;
        config.layers = 1;
        config.dModel = 32;
        config.heads = 2;
        config.ffDim = 64;
        config.segment = 32;
        config.horizons = inference::fullSchedule(1, 32);
        auto model = inference::Model::create(config, 3, inference::RuntimeOptions{.device = "cpu", .threads = 1});
        QVERIFY(model.ok());
        const QString good = fx_.filePath("small-one.safetensors");
        QVERIFY(model.value()->save(good.toStdString(), {{"name", "Small one"}, {"training_data", "nothing at all"}}).ok());
        QVERIFY(writeBytes(ModelLibrary::cardPathFor(good), "# Small one\n"));
        QSignalSpy imported(lib, &ModelLibrary::imported);
        d->importFile(good);
        QVERIFY(imported.wait(60000));
        QCOMPARE(d->entries().size(), before + 1);
        QVERIFY(QFileInfo::exists(lib->modelsDir() + "/small-one.safetensors"));
        QVERIFY(QFileInfo::exists(lib->modelsDir() + "/small-one.md"));
        QCOMPARE(d->selected()->name, QString("Small one"));
        QCOMPARE(d->selected()->trainingData, QString("nothing at all"));
        QVERIFY(d->removeButton()->isEnabled());
        // The same file again is already there.
        d->importFile(good);
        QVERIFY(failed.wait(60000));
        QVERIFY(d->messageLabel()->text().contains("already in your models"));

        const QString exported = fx_.filePath("exported/small.safetensors");
        QDir().mkpath(fx_.filePath("exported"));
        QVERIFY(d->exportSelected(exported));
        QVERIFY(QFileInfo::exists(exported));
        QVERIFY(QFileInfo::exists(fx_.filePath("exported/small.md")));

        QVERIFY(d->removeSelected(false));
        QCOMPARE(d->entries().size(), before);
        QVERIFY(!QFileInfo::exists(lib->modelsDir() + "/small-one.safetensors"));
        QVERIFY(!QFileInfo::exists(lib->modelsDir() + "/small-one.md"));
#endif
        // The bundled model cannot be removed.
        for (std::size_t i = 0; i < d->entries().size(); ++i)
            if (d->entries()[i].bundled) {
                QVERIFY(d->select(d->entries()[i].path));
                QVERIFY(!d->removeButton()->isEnabled());
                QVERIFY(!d->removeSelected(false));
            }
        d->close();
    }
};

QTEST_MAIN(TestTeachStyle)
#include "test_teach_style.moc"
