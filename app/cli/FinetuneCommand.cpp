// continuo-cli finetune: teaches a model a musician's own style from a folder of their MIDI
// files, on one core, in a job that can stop and resume exactly. A share of the pieces is held
// out: the run keeps the weights that predict them best and stops when they stop improving.
#ifdef CONTINUO_HAVE_INFERENCE
#include "Command.h"

#include "continuo/inference/Trainer.h"

#include <QCommandLineParser>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QTextStream>

#include <atomic>
#include <cmath>
#include <csignal>

using namespace continuo;
using namespace continuo::inference;

namespace {
std::atomic<bool> stopRequested{false};
extern "C" void onFinetuneSignal(int) { stopRequested.store(true); }

constexpr int kStopped = 3; ///< exit status of a job stopped by a signal, with its checkpoint
constexpr int kMinimumPieces = 3;

void addFlags(QCommandLineParser& p) {
    p.setApplicationDescription(
        "Teach a model your style: fine-tune it on a folder of your MIDI files (their piano parts). A share of\n"
        "the pieces is held out; the weights that predict them best are kept, and the run stops early when\n"
        "they stop improving. The job stops cleanly on SIGTERM/Ctrl+C (exit status 3) and --resume\n"
        "continues it exactly. The model in use is never changed; OUT is written only when the job ends.");
    p.addHelpOption();
    p.addPositionalArgument("folder", "Folder of MIDI files (searched below, too).");
    p.addOptions({
        {{"o", "out"}, "The new model file (.safetensors); its card is written beside it (.md).", "file"},
        {"base", "Model to start from (default: the bundled model).", "file"},
        {"minutes", "Time budget in minutes (turned into a step count after the first steps).", "m", "20"},
        {"steps", "An exact number of optimiser steps instead of the time budget.", "n"},
        {"threads", "CPU threads.", "n", "1"},
        {"job", "Job folder: checkpoint, log.csv, job.json (default: OUT without .safetensors, plus .job).", "dir"},
        {"resume", "Continue the job in the job folder exactly where it stopped."},
        {"name", "Name of the new model (default: OUT's file name).", "text"},
        {"held-out", "Share of the pieces held out for early stopping (at least one piece).", "share", "0.2"},
        {"lr", "Peak learning rate.", "x", "5e-5"},
        {"warmup", "Warm-up steps.", "n", "20"},
        {"anchor", "Pull towards the starting weights, per unit of learning rate (0 = none; docs/finetune.md).", "x", "10000"},
        {"eval-every", "Steps between validations on the held-out pieces.", "n", "50"},
        {"patience", "Validations without improvement before stopping early (0 = never).", "n", "5"},
        {"batch", "Pieces streamed side by side.", "n", "8"},
        {"dropout", "Dropout while teaching (default: the base model's).", "p"},
        {"seed", "Random seed.", "n", "1"},
        {"scan", "Only list what the folder holds for teaching; no training."},
        {"json", "Print the result (or the scan) as one JSON object on stdout."},
        {"events", "Print JSON lines on stdout as the job runs: scan, start, progress, heldout, then done, "
                   "stopped or error."},
    });
}

/// One JSON line on stdout (the --events stream), flushed at once.
void emitEvent(const QJsonObject& event) {
    QTextStream out(stdout);
    out << QJsonDocument(event).toJson(QJsonDocument::Compact) << "\n";
    out.flush();
}

QJsonObject scanJson(const QString& folder, const FolderScan& scan) {
    QJsonArray pieces, skipped;
    for (const FolderPiece& piece : scan.pieces)
        pieces.append(QJsonObject{{"path", QString::fromStdString(piece.path)},
                                  {"seconds", std::round(piece.seconds * 10) / 10},
                                  {"notes", piece.notes}});
    for (const FolderScan::Skipped& s : scan.skipped)
        skipped.append(QJsonObject{{"path", QString::fromStdString(s.path)}, {"reason", QString::fromStdString(s.reason)}});
    return QJsonObject{{"folder", folder},
                       {"pieces", pieces},
                       {"skipped", skipped},
                       {"total_seconds", std::round(scan.totalSeconds * 10) / 10},
                       {"total_notes", qint64(scan.totalNotes)}};
}

void printScan(const QString& folder, const FolderScan& scan, QTextStream& out) {
    out << scan.pieces.size() << " pieces, " << QString::number(scan.totalSeconds / 60, 'f', 1)
        << " minutes of piano, " << scan.totalNotes << " notes in " << folder << "\n";
    for (const FolderScan::Skipped& s : scan.skipped)
        out << "  skipped " << QString::fromStdString(s.path) << ": " << QString::fromStdString(s.reason) << "\n";
}

/// Every fifth piece or so, spread over the sorted list, is held out (at least one, and at
/// least two are left to learn from). The same files always give the same split.
void splitHeldOut(const std::vector<Piece>& all, double share, std::vector<Piece>* train,
                  std::vector<Piece>* heldOut) {
    const std::size_t n = all.size();
    std::size_t h = std::size_t(std::lround(double(n) * std::clamp(share, 0.0, 0.5)));
    h = std::clamp<std::size_t>(h, 1, n - 2);
    for (std::size_t i = 0; i < n; ++i) ((i * h) % n < h ? heldOut : train)->push_back(all[i]);
}

/// What a finished (or failed) job tells whoever started it.
struct Outcome {
    QJsonObject json;
    int status = 0;
};

Outcome failure(const QString& message, int status = 1) {
    return {QJsonObject{{"event", "error"}, {"message", message}}, status};
}

/// The card beside the model: what it is, what it learnt from and how well, and how it was made.
QString card(const QJsonObject& done, const QJsonObject& job) {
    QString text;
    QTextStream c(&text);
    const double before = done["heldout_nll_before"].toDouble(), after = done["heldout_nll_after"].toDouble();
    c << "# " << done["name"].toString() << "\n\n"
      << "A Continuo model taught a musician's own style with `continuo-cli finetune`.\n\n"
      << "| | |\n|---|---|\n"
      << "| Base model | " << job["base_name"].toString() << " (sha256 " << job["base_sha256"].toString().left(16) << "…) |\n"
      << "| Taught on | " << done["training_data"].toString() << " |\n"
      << "| Held out (early stopping) | " << job["heldout"].toArray().size()
      << (job["heldout"].toArray().size() == 1 ? " piece: " : " pieces: ");
    QStringList held;
    for (const auto& v : job["heldout"].toArray()) held << QFileInfo(v.toString()).fileName();
    c << held.join(", ") << " |\n"
      << "| Held-out NLL, nats/token | before " << QString::number(before, 'f', 4) << " (ppl "
      << QString::number(std::exp(before), 'f', 2) << "), after " << QString::number(after, 'f', 4) << " (ppl "
      << QString::number(std::exp(after), 'f', 2) << ") |\n"
      << "| Steps | " << done["best_step"].toInt() << " kept of " << done["steps"].toInt() << " run"
      << (done["stopped_early"].toBool() ? " (stopped early: the held-out pieces stopped improving)" : "") << " |\n"
      << "| Recipe | peak learning rate " << job["lr"].toDouble() << ", warm-up " << job["warmup"].toInt()
      << " steps, anchor " << job["anchor"].toDouble() << ", batch " << job["batch"].toInt() << " |\n"
      << "| Size | " << done["bytes"].toInteger() << " bytes, sha256 " << done["sha256"].toString() << " |\n"
      << "| Licence | the base model's (" << job["base_licence"].toString()
      << "), and whatever the musician's files allow |\n\n"
      << "Made " << QDateTime::currentDateTime().toString(Qt::ISODate) << " with:\n\n```sh\n"
      << job["command"].toString() << "\n```\n";
    return text;
}

class FinetuneJob {
public:
    explicit FinetuneJob(const QCommandLineParser& p, const QStringList& args) : p_(p), args_(args) {}

    Outcome run(bool events, QTextStream& err) {
        const QString folder = p_.positionalArguments().value(0);
        FolderScan scan;
        auto pieces = loadPianoFolder(folder.toStdString(), &scan);
        if (!pieces) return failure(QString::fromStdString(pieces.error()));
        if (events) emitEvent(withEvent("scan", scanJson(folder, scan)));
        if (!events && !p_.isSet("json")) printScan(folder, scan, err);
        if (p_.isSet("scan")) return {scanJson(folder, scan), 0};
        if (int(pieces->size()) < kMinimumPieces)
            return failure(QString("%1 holds %2 usable piece%3 (%4 skipped); teaching needs at least %5: one is held "
                                   "out to tell when to stop")
                               .arg(folder)
                               .arg(pieces->size())
                               .arg(pieces->size() == 1 ? "" : "s")
                               .arg(scan.skipped.size())
                               .arg(kMinimumPieces),
                           2);
        if (auto why = prepareJob(); !why.isEmpty()) return failure(why, 2);
        std::vector<Piece> train, heldOut;
        splitHeldOut(pieces.value(), p_.value("held-out").toDouble(), &train, &heldOut);
        if (auto why = checkSameFiles(train, heldOut); !why.isEmpty()) return failure(why, 2);
        if (auto why = writeJobFile(scan, train, heldOut); !why.isEmpty()) return failure(why);

        TrainOptions o = options(scan);
        QJsonObject start{{"event", "start"},
                          {"steps", p_.isSet("steps") ? o.steps : 0},
                          {"train_pieces", int(train.size())},
                          {"heldout_pieces", int(heldOut.size())}};
        bool started = false;
        const auto progress = [&](const TrainProgress& pr) {
            if (!started) {
                started = true;
                start["heldout_nll_before"] = pr.initialValidationNll;
                if (events) emitEvent(start);
            }
            if (events)
                emitEvent(QJsonObject{{"event", "progress"},
                                      {"step", pr.step},
                                      {"steps", pr.steps},
                                      {"loss", pr.loss},
                                      {"heldout_nll", pr.validationNll},
                                      {"best_heldout_nll", pr.bestValidationNll},
                                      {"elapsed_seconds", std::round(pr.elapsedSeconds)},
                                      {"eta_seconds", std::round(pr.etaSeconds)},
                                      {"tokens_per_second", std::round(pr.tokensPerSecond)}});
            else if (!p_.isSet("json"))
                err << QString("step %1/%2  loss %3  held-out %4 (best %5)  eta %6 s\n")
                           .arg(pr.step)
                           .arg(pr.steps)
                           .arg(pr.loss, 0, 'f', 3)
                           .arg(pr.validationNll, 0, 'f', 4)
                           .arg(pr.bestValidationNll, 0, 'f', 4)
                           .arg(int(pr.etaSeconds))
                    << Qt::flush;
        };
        double lastHeldOut = -1;
        const auto log = [&](const std::string& line) {
            if (!events && !p_.isSet("json")) err << QString::fromStdString(line) << "\n" << Qt::flush;
        };
        std::signal(SIGINT, onFinetuneSignal);
        std::signal(SIGTERM, onFinetuneSignal);
        const auto heldOutProgress = [&](const TrainProgress& pr) {
            if (events && pr.validationNll >= 0 && pr.validationNll != lastHeldOut) {
                lastHeldOut = pr.validationNll;
                emitEvent(QJsonObject{{"event", "heldout"}, {"step", pr.step}, {"nll", pr.validationNll}, {"best", pr.bestValidationNll}});
            }
            progress(pr);
        };
        auto result = inference::train(o, train, heldOut, heldOutProgress, log, &stopRequested);
        if (!result) return failure(QString::fromStdString(result.error()));
        if (result->stoppedEarly && !result->patienceRanOut)
            return {QJsonObject{{"event", "stopped"}, {"step", result->steps}, {"job", job_}}, kStopped};
        return finish(result.value(), scan, train.size(), heldOut.size());
    }

private:
    /// The pieces' paths, as job.json records them.
    static QJsonArray paths(const std::vector<Piece>& pieces) {
        QJsonArray out;
        for (const Piece& piece : pieces) out.append(QString::fromStdString(piece.path));
        return out;
    }

    static QJsonObject withEvent(const char* name, QJsonObject o) {
        o["event"] = name;
        return o;
    }

    /// The job folder, the output's and the base model's paths; what is wrong with them.
    QString prepareJob() {
        out_ = p_.value("out");
        if (out_.isEmpty()) return "-o OUT.safetensors is required";
        if (!out_.endsWith(".safetensors")) return "the new model's file name ends in .safetensors: " + out_;
        job_ = p_.isSet("job") ? p_.value("job") : out_.chopped(int(QString(".safetensors").size())) + ".job";
        const bool resuming = p_.isSet("resume");
        const QString checkpoint = job_ + "/checkpoint/state.json";
        if (resuming && !QFileInfo::exists(checkpoint))
            return "there is no job to resume in " + job_ + " (no checkpoint)";
        if (!resuming && QFileInfo::exists(checkpoint))
            return job_ + " holds an unfinished job: --resume continues it, or remove the folder to start again";
        if (!QDir().mkpath(job_)) return "cannot create the job folder " + job_;
        // OUT's folder must take a file before an hour of training is spent.
        const QString outDir = QFileInfo(out_).absolutePath();
        if (!QDir().mkpath(outDir)) return "cannot create " + outDir;
        QFile probe(outDir + "/.continuo-write-test");
        if (!probe.open(QIODevice::WriteOnly)) return "cannot write in " + outDir + ": " + probe.errorString();
        probe.remove();
        base_ = job_ + "/base.safetensors";
        if (resuming) {
            QFile jobFile(job_ + "/job.json");
            if (jobFile.open(QIODevice::ReadOnly)) jobJson_ = QJsonDocument::fromJson(jobFile.readAll()).object();
            if (!QFileInfo::exists(base_)) return "the job's copy of its base model is missing: " + base_;
            return {};
        }
        // The base is copied into the job, so that the job resumes from it whatever happens to
        // the file it came from.
        const QString from = p_.isSet("base") ? p_.value("base") : QString::fromStdString(defaultModelPath());
        auto model = Model::load(from.toStdString());
        if (!model) return "cannot start from the model " + from + ": " + QString::fromStdString(model.error());
        if (QFileInfo(from).canonicalFilePath() == QFileInfo(out_).canonicalFilePath())
            return "OUT is the model to start from; choose another file name";
        QFile::remove(base_);
        if (!QFile::copy(from, base_)) return "cannot copy the base model into " + job_ + " (is the disk full?)";
        const ModelInfo& info = model.value()->info();
        jobJson_ = QJsonObject{{"base_path", from},
                               {"base_name", QString::fromStdString(info.name)},
                               {"base_sha256", QString::fromStdString(info.sha256)},
                               {"base_licence", QString::fromStdString(info.metadataValue("licence", "see its card"))}};
        return {};
    }

    /// A resumed job must see the files it began with: its data position depends on them.
    QString checkSameFiles(const std::vector<Piece>& train, const std::vector<Piece>& heldOut) const {
        if (!p_.isSet("resume") || !jobJson_.contains("train")) return {};
        if (paths(train) != jobJson_["train"].toArray() || paths(heldOut) != jobJson_["heldout"].toArray())
            return "the folder's files changed since the job began; it cannot resume (remove " + job_ +
                   " to start again)";
        return {};
    }

    QString writeJobFile(const FolderScan& scan, const std::vector<Piece>& train, const std::vector<Piece>& heldOut) {
        if (p_.isSet("resume") && jobJson_.contains("train")) return {};
        jobJson_["folder"] = QFileInfo(p_.positionalArguments().value(0)).absoluteFilePath();
        jobJson_["out"] = QFileInfo(out_).absoluteFilePath();
        jobJson_["train"] = paths(train);
        jobJson_["heldout"] = paths(heldOut);
        jobJson_["minutes_of_music"] = std::round(scan.totalSeconds / 6) / 10;
        jobJson_["lr"] = p_.value("lr").toDouble();
        jobJson_["warmup"] = p_.value("warmup").toInt();
        jobJson_["anchor"] = p_.value("anchor").toDouble();
        jobJson_["batch"] = p_.value("batch").toInt();
        jobJson_["dropout"] = p_.isSet("dropout") ? p_.value("dropout").toDouble() : -1;
        jobJson_["command"] = "continuo-cli " + args_.join(' ');
        QSaveFile f(job_ + "/job.json");
        if (!f.open(QIODevice::WriteOnly) || f.write(QJsonDocument(jobJson_).toJson()) < 0 || !f.commit())
            return "cannot write " + job_ + "/job.json: " + f.errorString();
        return {};
    }

    TrainOptions options(const FolderScan& scan) const {
        TrainOptions o;
        o.outDir = job_.toStdString();
        o.initFrom = base_.toStdString();
        if (auto base = Model::load(o.initFrom)) o.config = base.value()->config();
        if (p_.isSet("dropout")) o.config.dropout = std::clamp(p_.value("dropout").toDouble(), 0.0, 0.9);
        o.batch = std::max(1, p_.value("batch").toInt());
        o.learningRate = p_.value("lr").toDouble();
        o.warmupSteps = std::max(0, p_.value("warmup").toInt());
        o.minLearningRateRatio = 0.1;
        o.anchor = std::max(0.0, p_.value("anchor").toDouble());
        o.evalEvery = std::max(1, p_.value("eval-every").toInt());
        o.evalPieces = 1 << 20; // every held-out piece
        o.patience = std::max(0, p_.value("patience").toInt());
        o.keepBest = true;
        o.validateAtStart = true;
        o.reportEvery = 10;
        o.checkpointEvery = 100;
        if (p_.isSet("steps")) {
            o.steps = std::max(1, p_.value("steps").toInt());
        } else {
            o.budgetMinutes = std::max(0.1, p_.value("minutes").toDouble());
            o.steps = 1 << 30; // until the budget fixes it
            o.calibrationSteps = std::max(1, std::min(10, o.warmupSteps));
        }
        o.resume = p_.isSet("resume");
        o.seed = p_.value("seed").toULongLong();
        o.runtime.threads = std::max(1, p_.value("threads").toInt());
        o.metadata["name"] = name().toStdString();
        o.metadata["licence"] = jobJson_["base_licence"].toString().toStdString();
        o.metadata["training_data"] = trainingData(scan).toStdString();
        return o;
    }

    QString name() const {
        return p_.isSet("name") ? p_.value("name") : QFileInfo(out_).completeBaseName();
    }

    QString trainingData(const FolderScan& scan) const {
        return QString("%1 pieces, %2 minutes of piano from %3")
            .arg(scan.pieces.size())
            .arg(scan.totalSeconds / 60, 0, 'f', 1)
            .arg(QFileInfo(p_.positionalArguments().value(0)).absoluteFilePath());
    }

    /// The best weights become OUT (with the numbers in its metadata) and its card.
    Outcome finish(const TrainSummary& r, const FolderScan& scan, std::size_t trainCount, std::size_t heldOutCount) {
        auto best = Model::load(r.bestModelPath.empty() ? base_.toStdString() : r.bestModelPath);
        if (!best) return failure("cannot read the best weights: " + QString::fromStdString(best.error()));
        std::map<std::string, std::string> meta;
        for (const auto& [key, value] : best.value()->info().metadata) meta[key] = value;
        meta["name"] = name().toStdString();
        meta["base_model"] = jobJson_["base_name"].toString().toStdString();
        meta["base_sha256"] = jobJson_["base_sha256"].toString().toStdString();
        meta["training_data"] = trainingData(scan).toStdString();
        meta["finetune_pieces"] = std::to_string(trainCount);
        meta["finetune_heldout_pieces"] = std::to_string(heldOutCount);
        meta["finetune_heldout_nll_before"] = std::to_string(r.initialValidationNll);
        meta["finetune_heldout_nll_after"] = std::to_string(r.bestValidationNll);
        meta["finetune_steps"] = std::to_string(std::max(0, r.bestStep));
        meta["training_command"] = jobJson_["command"].toString().toStdString();
        if (auto saved = best.value()->save(out_.toStdString(), meta); !saved)
            return failure("cannot write " + out_ + ": " + QString::fromStdString(saved.error()));
        auto written = Model::load(out_.toStdString());
        if (!written) return failure("the written model does not load: " + QString::fromStdString(written.error()));
        QJsonObject done{{"event", "done"},
                         {"model", QFileInfo(out_).absoluteFilePath()},
                         {"card", cardPath()},
                         {"name", name()},
                         {"sha256", QString::fromStdString(written.value()->info().sha256)},
                         {"bytes", QFileInfo(out_).size()},
                         {"heldout_nll_before", r.initialValidationNll},
                         {"heldout_nll_after", r.bestValidationNll},
                         {"best_step", std::max(0, r.bestStep)},
                         {"steps", r.steps},
                         {"tokens", qint64(r.tokensSeen)},
                         {"seconds", std::round(r.wallSeconds)},
                         {"stopped_early", r.patienceRanOut},
                         {"train_pieces", int(trainCount)},
                         {"heldout_pieces", int(heldOutCount)},
                         {"training_data", trainingData(scan)},
                         {"job", job_}};
        QSaveFile c(cardPath());
        const QByteArray text = card(done, jobJson_).toUtf8();
        if (!c.open(QIODevice::WriteOnly) || c.write(text) != text.size() || !c.commit())
            return failure("cannot write the card " + cardPath() + ": " + c.errorString());
        // The finished job keeps its log and job.json; the weights are in OUT now.
        QDir(job_ + "/checkpoint").removeRecursively();
        for (const char* weights : {"/base.safetensors", "/best.safetensors", "/model.safetensors"})
            QFile::remove(job_ + weights);
        jobJson_["finished"] = QDateTime::currentDateTime().toString(Qt::ISODate);
        QSaveFile f(job_ + "/job.json");
        if (f.open(QIODevice::WriteOnly)) {
            f.write(QJsonDocument(jobJson_).toJson());
            f.commit();
        }
        return {done, 0};
    }

    QString cardPath() const { return QFileInfo(out_).absoluteFilePath().chopped(int(QString(".safetensors").size())) + ".md"; }

    const QCommandLineParser& p_;
    const QStringList args_;
    QString out_, job_, base_;
    QJsonObject jobJson_;
};

int runFinetune(const QStringList& args) {
    QCommandLineParser p;
    addFlags(p);
    if (!p.parse(args)) return cli::fail("finetune", p.errorText(), 2);
    if (p.isSet("help")) {
        QTextStream(stdout) << p.helpText();
        return 0;
    }
    if (p.positionalArguments().size() != 1) return cli::fail("finetune", "give one folder of MIDI files", 2);
    bool ok = true;
    for (const char* number : {"minutes", "threads", "held-out", "lr", "warmup", "anchor", "eval-every", "patience", "batch", "seed", "dropout"}) {
        if (!p.isSet(number) && p.value(number).isEmpty()) continue;
        p.value(number).toDouble(&ok);
        if (!ok) return cli::fail("finetune", QString("--%1 takes a number, not '%2'").arg(number, p.value(number)), 2);
    }
    if (p.isSet("steps") && (p.value("steps").toInt(&ok) < 1 || !ok))
        return cli::fail("finetune", "--steps takes a positive number", 2);
    const bool events = p.isSet("events");
    QTextStream err(stderr);
    FinetuneJob job(p, args);
    Outcome outcome = job.run(events, err);
    const QString event = outcome.json.value("event").toString();
    if (events) {
        if (!p.isSet("scan") || event == "error") emitEvent(outcome.json); // a scan was its own event
    } else if (p.isSet("json")) {
        QJsonObject o = outcome.json;
        if (!p.isSet("scan")) o.remove("event");
        if (event == "error") o["error"] = o.take("message");
        QTextStream(stdout) << QJsonDocument(o).toJson(QJsonDocument::Compact) << "\n";
    }
    if (event == "error") return cli::fail("finetune", outcome.json.value("message").toString(), outcome.status);
    if (event == "stopped") {
        err << "stopped at step " << outcome.json.value("step").toInt() << "; the same command with --resume continues\n";
    } else if (!events && !p.isSet("json") && !p.isSet("scan")) {
        const auto& d = outcome.json;
        err << "held-out NLL " << QString::number(d["heldout_nll_before"].toDouble(), 'f', 4) << " -> "
            << QString::number(d["heldout_nll_after"].toDouble(), 'f', 4) << " nats/token; model: "
            << d["model"].toString() << " (card " << d["card"].toString() << ")\n";
    }
    return outcome.status;
}
} // namespace

CONTINUO_CLI_COMMAND("finetune", "teach a model your style from a folder of your MIDI files", runFinetune);
#endif
