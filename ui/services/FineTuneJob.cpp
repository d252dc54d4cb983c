#include "services/FineTuneJob.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QProcess>
#include <QSaveFile>
#include <QStandardPaths>

#include <sys/resource.h>

namespace continuo::ui {

namespace {
constexpr int kStoppedExitCode = 3; // the CLI wrote a checkpoint and stopped (SIGTERM/SIGINT)
constexpr qsizetype kStderrKept = 4000;

QString stateKey(FineTuneState s) {
    switch (s) {
    case FineTuneState::Paused: return QStringLiteral("paused");
    case FineTuneState::Failed: return QStringLiteral("failed");
    default: return QStringLiteral("running"); // (ready too: it starts at once) resumed at the next start
    }
}

/// The last lines of what the CLI wrote to stderr, as a message.
QString lastLines(const QString& text, int lines) {
    QStringList all = text.split('\n', Qt::SkipEmptyParts);
    if (all.size() > lines) all = all.mid(all.size() - lines);
    return all.join('\n').trimmed();
}
} // namespace

QJsonObject FineTuneSpec::toJson() const {
    return {{"name", name},       {"folder", folder},   {"source", source}, {"output", output}, {"base", base},
            {"minutes", minutes}, {"steps", steps},     {"threads", threads}};
}

FineTuneSpec FineTuneSpec::fromJson(const QJsonObject& o) {
    FineTuneSpec s;
    s.name = o["name"].toString(s.name);
    s.folder = o["folder"].toString();
    s.source = o["source"].toString();
    s.output = o["output"].toString();
    s.base = o["base"].toString();
    s.minutes = o["minutes"].toDouble(s.minutes);
    s.steps = o["steps"].toInt();
    s.threads = std::max(1, o["threads"].toInt(1));
    return s;
}

FineTuneJob::FineTuneJob(const QString& dir, const FineTuneSpec& spec, QObject* parent)
    : QObject(parent), dir_(dir), spec_(spec) {}

FineTuneJob::~FineTuneJob() {
    // The owner calls shutdown() when the app closes; a job dropped while it runs must not
    // leave a child behind either.
    if (isActive()) shutdown(30000);
}

FineTuneJob* FineTuneJob::create(const QString& dir, const FineTuneSpec& spec, QObject* parent) {
    QDir().mkpath(dir);
    auto* job = new FineTuneJob(dir, spec, parent);
    job->saveState();
    return job;
}

FineTuneJob* FineTuneJob::restore(const QString& dir, QObject* parent) {
    QFile f(dir + QStringLiteral("/state.json"));
    if (!f.open(QIODevice::ReadOnly)) return nullptr;
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    if (o.isEmpty() || o["spec"].toObject().isEmpty()) return nullptr;
    auto* job = new FineTuneJob(dir, FineTuneSpec::fromJson(o["spec"].toObject()), parent);
    job->error_ = o["message"].toString();
    const QString state = o["state"].toString();
    job->state_ = state == QLatin1String("paused") ? FineTuneState::Paused
                  : state == QLatin1String("failed") ? FineTuneState::Failed
                                                    : FineTuneState::Ready;
    job->wasRunning_ = state == QLatin1String("running");
    // The curve so far, from the events it kept.
    QFile events(dir + QStringLiteral("/events.jsonl"));
    if (events.open(QIODevice::ReadOnly))
        while (!events.atEnd()) job->handleLine(events.readLine(), true);
    return job;
}

QStringList FineTuneJob::jobFolders(const QString& jobsDir) {
    QStringList out;
    const QFileInfoList dirs = QDir(jobsDir).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name | QDir::Reversed);
    for (const QFileInfo& d : dirs)
        if (QFileInfo::exists(d.absoluteFilePath() + QStringLiteral("/state.json"))) out << d.absoluteFilePath();
    return out;
}

QString FineTuneJob::cliPath() {
    const QString env = qEnvironmentVariable("CONTINUO_CLI");
    if (!env.isEmpty()) return env;
    const QString here = QCoreApplication::applicationDirPath();
    for (const QString& candidate : {here + QStringLiteral("/continuo-cli"), here + QStringLiteral("/../continuo-cli")})
        if (QFileInfo(candidate).isExecutable()) return QFileInfo(candidate).canonicalFilePath();
    const QString onPath = QStandardPaths::findExecutable(QStringLiteral("continuo-cli"));
    return onPath.isEmpty() ? QStringLiteral("continuo-cli") : onPath;
}

QString FineTuneJob::trainDir() const { return dir_ + QStringLiteral("/train"); }

bool FineTuneJob::hasCheckpoint() const {
    // Where `continuo-cli finetune` keeps it in its job folder (it refuses --resume without it).
    return QFileInfo::exists(trainDir() + QStringLiteral("/checkpoint/state.json"));
}

bool FineTuneJob::isActive() const {
    return state_ == FineTuneState::Running || state_ == FineTuneState::Pausing || state_ == FineTuneState::Cancelling;
}

QStringList FineTuneJob::arguments(bool resume) const {
    QStringList a{QStringLiteral("finetune"), spec_.folder, QStringLiteral("-o"), spec_.output,
                  QStringLiteral("--job"), trainDir(), QStringLiteral("--name"), spec_.name,
                  QStringLiteral("--threads"), QString::number(spec_.threads), QStringLiteral("--events")};
    if (!spec_.base.isEmpty()) a << QStringLiteral("--base") << spec_.base;
    if (spec_.steps > 0) a << QStringLiteral("--steps") << QString::number(spec_.steps);
    else a << QStringLiteral("--minutes") << QString::number(spec_.minutes);
    if (resume) a << QStringLiteral("--resume");
    return a;
}

void FineTuneJob::setState(FineTuneState state) {
    if (state_ == state) return;
    state_ = state;
    if (state != FineTuneState::Finished && state != FineTuneState::Cancelled) saveState();
    emit stateChanged(state);
}

void FineTuneJob::saveState() const {
    if (!QFileInfo::exists(dir_)) return;
    QSaveFile f(dir_ + QStringLiteral("/state.json"));
    if (!f.open(QIODevice::WriteOnly)) return;
    const QJsonObject o{{"spec", spec_.toJson()},
                        {"state", stateKey(state_)},
                        {"checkpoint", hasCheckpoint()},
                        {"message", error_},
                        {"saved", QDateTime::currentDateTime().toString(Qt::ISODate)}};
    f.write(QJsonDocument(o).toJson());
    f.commit();
}

void FineTuneJob::start() {
    if (isActive() || state_ == FineTuneState::Finished || state_ == FineTuneState::Cancelled) return;
    const bool resume = hasCheckpoint();
    if (!resume) {
        // From the start: the curve starts again too.
        QFile::remove(dir_ + QStringLiteral("/events.jsonl"));
        loss_.clear();
        heldout_.clear();
        progress_ = {};
    }
    error_.clear();
    stderrTail_.clear();
    sawDone_ = false;
    wasRunning_ = false;
    auto* p = new QProcess(this);
    process_ = p;
    // The lowest priority: the machine is the musician's, and the app's audio and model come first.
    p->setChildProcessModifier([] { ::setpriority(PRIO_PROCESS, 0, 19); });
    connect(p, &QProcess::readyReadStandardOutput, this, &FineTuneJob::readOutput);
    connect(p, &QProcess::readyReadStandardError, this, [this, p] {
        stderrTail_ += QString::fromUtf8(p->readAllStandardError());
        if (stderrTail_.size() > kStderrKept) stderrTail_ = stderrTail_.right(kStderrKept);
    });
    connect(p, &QProcess::finished, this, [this, p](int code, QProcess::ExitStatus status) {
        if (process_ != p) return;
        onProcessFinished(code, status == QProcess::CrashExit);
    });
    connect(p, &QProcess::errorOccurred, this, [this, p](QProcess::ProcessError e) {
        if (e != QProcess::FailedToStart || process_ != p) return;
        process_ = nullptr;
        p->deleteLater();
        fail(tr("Cannot run %1: %2").arg(cliPath(), p->errorString()));
    });
    setState(FineTuneState::Running);
    p->start(cliPath(), arguments(resume));
}

void FineTuneJob::pause() {
    if (state_ != FineTuneState::Running || !process_) return;
    setState(FineTuneState::Pausing);
    process_->terminate(); // SIGTERM: the CLI checkpoints and exits with status 3
}

void FineTuneJob::cancel() {
    if (isActive() && process_) {
        setState(FineTuneState::Cancelling);
        process_->terminate();
        return;
    }
    if (state_ == FineTuneState::Finished || state_ == FineTuneState::Cancelled) return;
    removeFolder();
    setState(FineTuneState::Cancelled);
}

void FineTuneJob::shutdown(int msecs) {
    if (!process_ || !isActive()) return;
    shuttingDown_ = true;
    QProcess* p = process_;
    if (state_ == FineTuneState::Running) p->terminate();
    if (!p->waitForFinished(msecs)) {
        // No checkpoint in time: the next start goes on from the last one it wrote, if any.
        p->kill();
        p->waitForFinished(5000);
    }
    if (process_ == p) onProcessFinished(p->exitCode(), p->exitStatus() == QProcess::CrashExit);
    shuttingDown_ = false;
}

void FineTuneJob::readOutput() {
    if (!process_) return;
    while (process_->canReadLine()) handleLine(process_->readLine(), false);
}

void FineTuneJob::handleLine(const QByteArray& line, bool replay) {
    const QJsonObject e = QJsonDocument::fromJson(line.trimmed()).object();
    const QString event = e["event"].toString();
    if (event.isEmpty()) return; // not an event line
    const bool curve = event == QLatin1String("start") || event == QLatin1String("progress") || event == QLatin1String("heldout");
    if (curve && !replay) {
        QFile log(dir_ + QStringLiteral("/events.jsonl"));
        if (log.open(QIODevice::Append)) log.write(line.trimmed() + '\n');
    }
    FineTuneProgress& p = progress_;
    if (event == QLatin1String("start")) {
        if (e["steps"].toInt() > 0) p.steps = e["steps"].toInt();
        p.trainPieces = e["train_pieces"].toInt();
        p.heldoutPieces = e["heldout_pieces"].toInt();
        p.heldoutBefore = e["heldout_nll_before"].toDouble(-1);
        if (heldout_.isEmpty() && p.heldoutBefore >= 0) heldout_.append({0, p.heldoutBefore});
    } else if (event == QLatin1String("progress")) {
        p.step = e["step"].toInt();
        p.steps = e["steps"].toInt(p.steps);
        p.loss = e["loss"].toDouble(-1);
        p.heldout = e["heldout_nll"].toDouble(-1);
        p.bestHeldout = e["best_heldout_nll"].toDouble(-1);
        p.elapsedSeconds = e["elapsed_seconds"].toDouble();
        p.etaSeconds = e["eta_seconds"].toDouble(-1);
        p.tokensPerSecond = e["tokens_per_second"].toDouble();
        // A run resumed from a checkpoint goes over steps it had passed before it stopped.
        while (!loss_.isEmpty() && loss_.last().x() >= p.step) loss_.removeLast();
        if (p.loss >= 0) loss_.append({double(p.step), p.loss});
        if (!replay) emit stepReported(p.step);
    } else if (event == QLatin1String("heldout")) {
        // The CLI reports a held-out NLL with the step's progress whenever it differs from the
        // last it reported: the first is the base model's (before the start event, step 0), and
        // a resumed run first repeats the last one it had (not a new point).
        const double nll = e["nll"].toDouble();
        if (heldout_.isEmpty()) {
            heldout_.append({0, nll});
        } else if (!qFuzzyCompare(heldout_.last().y(), nll)) {
            const int step = e["step"].toInt();
            while (heldout_.size() > 1 && heldout_.last().x() >= step) heldout_.removeLast();
            heldout_.append({double(step), nll});
        }
        p.heldout = nll;
        p.bestHeldout = e["best"].toDouble(p.bestHeldout);
    } else if (event == QLatin1String("done")) {
        sawDone_ = true;
        result_ = FineTuneResult{e["model"].toString(),
                                 e["sha256"].toString(),
                                 e["name"].toString(),
                                 e["heldout_nll_before"].toDouble(-1),
                                 e["heldout_nll_after"].toDouble(-1),
                                 e["steps"].toInt(),
                                 e["stopped_early"].toBool()};
    } else if (event == QLatin1String("error")) {
        error_ = e["message"].toString();
    }
    if (!replay && curve) emit progressed();
}

void FineTuneJob::onProcessFinished(int exitCode, bool crashed) {
    QProcess* p = process_;
    if (p) {
        while (p->canReadLine()) handleLine(p->readLine(), false);
        const QByteArray rest = p->readAllStandardOutput();
        if (!rest.trimmed().isEmpty()) handleLine(rest, false);
        stderrTail_ += QString::fromUtf8(p->readAllStandardError());
        process_ = nullptr;
        p->deleteLater();
    }
    if (!crashed && exitCode == 0 && sawDone_) {
        if (result_.model.isEmpty()) result_.model = spec_.output;
        if (!QFileInfo::exists(result_.model)) {
            fail(tr("Teaching ended, but the model %1 is not there.").arg(result_.model));
            return;
        }
        if (result_.name.isEmpty()) result_.name = spec_.name;
        progress_.step = std::max(progress_.step, result_.steps);
        // The model and its card are in the library now; the job's checkpoint is not needed.
        removeFolder();
        setState(FineTuneState::Finished);
        emit finished(result_);
        return;
    }
    const bool stopped = !crashed && exitCode == kStoppedExitCode;
    if (state_ == FineTuneState::Cancelling) {
        removeFolder();
        setState(FineTuneState::Cancelled);
        return;
    }
    if (state_ == FineTuneState::Pausing) {
        // A SIGTERM that came before the CLI could write a checkpoint ends it without one:
        // Resume then starts over.
        setState(FineTuneState::Paused);
        return;
    }
    if (shuttingDown_ && (stopped || crashed)) {
        wasRunning_ = true;
        saveState(); // "running": resumed at the next start
        return;
    }
    if (stopped) {
        // Stopped from outside (someone sent it SIGTERM): as good as paused.
        setState(FineTuneState::Paused);
        return;
    }
    QString message = error_;
    if (message.isEmpty()) message = lastLines(stderrTail_, 4);
    if (message.isEmpty())
        message = crashed ? tr("continuo-cli stopped unexpectedly.")
                          : tr("continuo-cli finetune ended with status %1 without a model.").arg(exitCode);
    fail(message);
}

void FineTuneJob::fail(const QString& message) {
    error_ = message;
    setState(FineTuneState::Failed);
    saveState();
    emit failed(message);
}

void FineTuneJob::removeFolder() {
    if (!dir_.isEmpty()) QDir(dir_).removeRecursively();
}

} // namespace continuo::ui
