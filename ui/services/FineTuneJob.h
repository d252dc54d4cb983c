#pragma once
// One Teach Your Style job: `continuo-cli finetune FOLDER -o MODEL --events --job DIR` run as a
// child process at the lowest CPU priority, so that the musician goes on composing while it
// learns. Its JSON-lines events become progress, a loss curve and, at the end, the new model in
// the library; the CLI writes the model only when it finishes, so a broken or stopped job never
// touches a model in use.
//
// The job's folder (one per job under the library's jobs/) holds:
//   state.json    what it teaches from and where it stands (running, paused, failed), so that
//                 the app resumes an unfinished job when it starts again;
//   events.jsonl  the CLI's start, progress and held-out events as they came (the curve);
//   train/        the CLI's own --job folder (checkpoint, log.csv, job.json);
//   data/         the MIDI files of a job that teaches from the open piece (TeachingData).
// Pause is SIGTERM (the CLI writes a checkpoint and exits with status 3); resume runs the same
// command with --resume; cancel stops it and deletes the folder. Lives on the UI thread.
#include <QJsonObject>
#include <QMetaType>
#include <QObject>
#include <QPointF>
#include <QPointer>
#include <QString>
#include <QVector>

class QProcess;

namespace continuo::ui {

/// What a job teaches from and how.
struct FineTuneSpec {
    QString name = QStringLiteral("My style"); ///< the new model's name
    QString folder;      ///< the MIDI files it learns from (searched recursively)
    QString source;      ///< what that is, in words, for the panel
    QString output;      ///< the model file it writes (in the library's models folder)
    QString base;        ///< the model it starts from (empty: the bundled model)
    double minutes = 20; ///< time budget
    int steps = 0;       ///< > 0: exactly this many steps instead of the budget (tests)
    int threads = 1;

    QJsonObject toJson() const;
    static FineTuneSpec fromJson(const QJsonObject& json);
};

enum class FineTuneState {
    Ready,      ///< made, not started
    Running,
    Pausing,    ///< asked to stop at a checkpoint
    Paused,
    Cancelling, ///< asked to stop; its folder goes when it has
    Finished,
    Failed,
    Cancelled,
};

/// The newest numbers the CLI sent (< 0: none yet).
struct FineTuneProgress {
    int step = 0;
    int steps = 0;            ///< 0 until the time budget is turned into steps
    double loss = -1;         ///< training loss, nats/token
    double heldout = -1;      ///< held-out NLL at the last evaluation
    double bestHeldout = -1;
    double heldoutBefore = -1; ///< of the base model
    double elapsedSeconds = 0;
    double etaSeconds = -1;
    double tokensPerSecond = 0;
    int trainPieces = 0;
    int heldoutPieces = 0;
};

/// A finished job's model.
struct FineTuneResult {
    QString model; ///< path
    QString sha256;
    QString name;
    double heldoutBefore = -1;
    double heldoutAfter = -1;
    int steps = 0;
    bool stoppedEarly = false; ///< held-out NLL stopped improving before the budget ran out
};

class FineTuneJob : public QObject {
    Q_OBJECT
public:
    /// A new job in `dir` (made, with its state file); start() runs it.
    static FineTuneJob* create(const QString& dir, const FineTuneSpec& spec, QObject* parent = nullptr);
    /// The job an earlier run of the app left in `dir`; null when it holds none. A job that was
    /// running when the app closed says so (wasRunning()) and is resumed with start().
    static FineTuneJob* restore(const QString& dir, QObject* parent = nullptr);
    /// The job folders under `jobsDir`, newest first.
    static QStringList jobFolders(const QString& jobsDir);
    /// The CLI: $CONTINUO_CLI, else continuo-cli beside the app, one folder up (the build
    /// tree), else on the PATH.
    static QString cliPath();
    ~FineTuneJob() override;

    QString dir() const { return dir_; }
    QString trainDir() const;
    const FineTuneSpec& spec() const { return spec_; }
    FineTuneState state() const { return state_; }
    /// The child process runs (Running, Pausing or Cancelling).
    bool isActive() const;
    /// Restored from a job that was running when the app closed.
    bool wasRunning() const { return wasRunning_; }
    /// The CLI's checkpoint exists: start() resumes instead of starting over.
    bool hasCheckpoint() const;
    const FineTuneProgress& progress() const { return progress_; }
    const QVector<QPointF>& lossCurve() const { return loss_; }       ///< (step, loss)
    const QVector<QPointF>& heldoutCurve() const { return heldout_; } ///< (step, NLL), from step 0
    const FineTuneResult& result() const { return result_; }
    QString errorMessage() const { return error_; }
    /// The CLI's arguments for a fresh run or a resumed one.
    QStringList arguments(bool resume) const;

    /// Runs the job: from the start, or from its checkpoint (a paused job, one the app closed,
    /// one that failed after a checkpoint).
    void start();
    /// Asks the CLI to write a checkpoint and stop (Pausing, then Paused).
    void pause();
    /// Stops the job and deletes its folder (Cancelled).
    void cancel();
    /// The app closes: stops the child and waits up to `msecs` for its checkpoint. The job stays
    /// as it was (running or paused), to be resumed at the next start.
    void shutdown(int msecs = 60000);

signals:
    void stateChanged(continuo::ui::FineTuneState state);
    /// New numbers or curve points.
    void progressed();
    /// The CLI reported the step it reached (every few steps; progressed() follows).
    void stepReported(int step);
    void finished(const continuo::ui::FineTuneResult& result);
    void failed(const QString& message);

private:
    FineTuneJob(const QString& dir, const FineTuneSpec& spec, QObject* parent);
    void setState(FineTuneState state);
    void saveState() const;
    void handleLine(const QByteArray& line, bool replay);
    void readOutput();
    void onProcessFinished(int exitCode, bool crashed);
    void fail(const QString& message);
    void removeFolder();

    QString dir_;
    FineTuneSpec spec_;
    FineTuneState state_ = FineTuneState::Ready;
    QPointer<QProcess> process_;
    bool wasRunning_ = false;
    bool shuttingDown_ = false;
    bool sawDone_ = false;
    FineTuneProgress progress_;
    QVector<QPointF> loss_;
    QVector<QPointF> heldout_;
    FineTuneResult result_;
    QString error_;
    QString stderrTail_;
};

} // namespace continuo::ui

Q_DECLARE_METATYPE(continuo::ui::FineTuneResult)
Q_DECLARE_METATYPE(continuo::ui::FineTuneState)
