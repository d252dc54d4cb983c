// continuo-cli train: trains a DSMR model on a folder of MIDI files or the MAESTRO CSV.
#ifdef CONTINUO_HAVE_INFERENCE
#include "Command.h"
#include "TrainLauncher.h"
#include "TrainingPlot.h"

#include "continuo/inference/Trainer.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QTextStream>
#include <QThread>

#include <atomic>
#include <cmath>
#include <csignal>

using namespace continuo;
using namespace continuo::inference;

namespace {
std::atomic<bool> stopRequested{false};
extern "C" void onSignal(int) { stopRequested.store(true); }

QString duration(double s) {
    if (s < 0) s = 0;
    int m = int(s / 60);
    return m >= 60 ? QString("%1h%2m").arg(m / 60).arg(m % 60, 2, 10, QChar('0')) : QString("%1m%2s").arg(m).arg(int(s) % 60, 2, 10, QChar('0'));
}

void addFlags(QCommandLineParser& p) {
    p.setApplicationDescription("Train a DSMR model. Whole pieces are streamed in segments with per-layer memory.");
    p.addHelpOption();
    p.addOptions({
        {"data", "Folder of MIDI files, or a MAESTRO-style CSV.", "path"},
        {"split", "CSV split to train on.", "name", "train"},
        {"val-split", "CSV split for validation.", "name", "validation"},
        {"val", "Folder (or CSV) of validation files, if not the CSV's split.", "path"},
        {"out", "Output folder (checkpoint/, model.safetensors, log.csv, curve.png).", "dir"},
        {"cache", "Token cache file (default OUT/tokens.cache).", "file"},
        {"layers", "Transformer blocks.", "n", "4"},
        {"d-model", "Model width.", "n", "256"},
        {"heads", "Attention heads.", "n", "4"},
        {"ff", "Feed-forward width.", "n", "1024"},
        {"segment", "Tokens per segment.", "n", "256"},
        {"schedule", "Memory horizons: full:H, two-scale:K:LONG:SHORT, uniform:BUDGET, none, or H1,H2,...", "spec", "two-scale:1:1024:256"},
        {"layouts", "Attention layout per layer: dense, strided, fixed (one for all, or a list).", "spec", "dense"},
        {"stride", "Sparse stride l.", "n", "16"},
        {"summary", "Sparse summary keys c (fixed layout).", "n", "4"},
        {"distance-bias", "Learned per-head distance bias beside the relative embeddings, starting as a recency "
                          "prior: buckets[:N[:EXACT[:MAX]]] (N buckets, EXACT of them one distance each, log-spaced "
                          "to MAX; default 32:16:2048) or none. With --init: the file's unless given.", "spec", "buckets"},
        {"bias-slopes", "Initial recency slopes of the distance bias, nats per event: MOST_LOCAL:FLATTEST, "
                        "geometric over the heads.", "max:min", "0.5:0.0009765625"},
        {"dropout", "Dropout.", "p", "0.1"},
        {"batch", "Pieces streamed side by side.", "n", "8"},
        {"steps", "Optimiser steps.", "n", "10000"},
        {"lr", "Peak learning rate.", "x", "1e-3"},
        {"warmup", "Warm-up steps.", "n", "300"},
        {"checkpoint-every", "Steps between checkpoints.", "n", "200"},
        {"eval-every", "Steps between validations.", "n", "500"},
        {"eval-pieces", "Validation pieces per validation.", "n", "8"},
        {"max-minutes", "Stop and save after this many minutes.", "m", "0"},
        {"limit-pieces", "Use only the first N training pieces (0 = all).", "n", "0"},
        {"no-augment", "Turn off transposition and time stretch."},
        {"resume", "Continue from OUT/checkpoint exactly."},
        {"recompute", "Recompute each block's activations in the backward pass: activation memory flat in depth, about a third more compute."},
        {"precision", "Forward-pass arithmetic: auto (bf16 autocast on CUDA and on CPUs with bf16 hardware, "
                      "AMX or AVX-512 BF16; fp32 on other CPUs), fp32, or bf16.", "name", "auto"},
        {"init", "Start from this model's weights (its architecture; a fresh optimiser and schedule). With --schedule, "
                 "the weights learn another memory schedule.", "file"},
        {"seed", "Random seed.", "n", "1"},
        {"threads", "CPU threads (0 = all cores).", "n", "0"},
        {"device", "cpu or cuda[:N].", "name", "cpu"},
        {"nproc", "Data parallel on this machine: run N processes, each with its share of the --batch streams "
                  "(--threads each; 0 shares the cores out).", "n", "1"},
        {"rank", "This process's rank in a multi-machine job (default: $RANK, else 0).", "n"},
        {"world-size", "Processes in the whole job (default: $WORLD_SIZE, else 1).", "n"},
        {"master", "Rank 0's address and port, reachable from every rank (default: $MASTER_ADDR:$MASTER_PORT, "
                   "else 127.0.0.1:29500).", "host:port"},
        {"dist-timeout", "Seconds a rank waits for a peer (to join, or to answer a reduction) before the job ends.", "s", "300"},
        {"name", "Model name stored in the file.", "text", "continuo"},
        {"licence", "Licence of the trained weights.", "text", "CC BY-NC-SA 4.0 (inherited from MAESTRO)"},
        {"training-data", "Description of the training data.", "text", ""},
    });
}

/// Sets `message` as the error and fails (for the readers below).
bool failWith(QString* error, const QString& message) {
    *error = message;
    return false;
}

/// --distance-bias and --bias-slopes applied to `c`; what is wrong with them, if anything.
QString applyDistanceBias(const QCommandLineParser& p, ModelConfig& c) {
    if (auto r = parseDistanceBias(p.value("distance-bias").toStdString(), c); !r)
        return QString::fromStdString(r.error());
    const QStringList slopes = p.value("bias-slopes").split(':');
    bool okMax = false, okMin = false;
    if (slopes.size() == 2) {
        c.biasSlopeMax = slopes[0].toDouble(&okMax);
        c.biasSlopeMin = slopes[1].toDouble(&okMin);
    }
    if (!okMax || !okMin)
        return "cannot read --bias-slopes '" + p.value("bias-slopes") + "' (MAX:MIN)";
    return {};
}

/// The network's shape (a model given to --init brings its own; see adoptInitModel).
bool readModelFlags(const QCommandLineParser& p, ModelConfig* c, QString* error) {
    c->layers = p.value("layers").toInt();
    c->dModel = p.value("d-model").toInt();
    c->heads = p.value("heads").toInt();
    c->ffDim = p.value("ff").toInt();
    c->segment = p.value("segment").toInt();
    c->dropout = p.value("dropout").toDouble();
    c->sparseStride = p.value("stride").toInt();
    c->sparseSummary = p.value("summary").toInt();
    auto schedule = parseSchedule(p.value("schedule").toStdString(), c->layers);
    if (!schedule) return failWith(error, QString::fromStdString(schedule.error()));
    c->horizons = schedule.value();
    auto layouts = parseLayouts(p.value("layouts").toStdString(), c->layers);
    if (!layouts) return failWith(error, QString::fromStdString(layouts.error()));
    if (std::any_of(layouts->begin(), layouts->end(),
                    [](auto l) { return l != AttentionLayout::Dense; }))
        c->layouts = layouts.value();
    if (auto why = applyDistanceBias(p, *c); !why.isEmpty()) return failWith(error, why);
    if (auto why = c->validate(); !why.empty()) return failWith(error, QString::fromStdString(why));
    return true;
}

/// The run itself: its folder, length, schedule, precision, starting point and device.
bool readRunFlags(const QCommandLineParser& p, TrainOptions* o, QString* error) {
    o->outDir = p.value("out").toStdString();
    o->batch = p.value("batch").toInt();
    o->steps = p.value("steps").toInt();
    o->learningRate = p.value("lr").toDouble();
    o->warmupSteps = p.value("warmup").toInt();
    o->checkpointEvery = std::max(1, p.value("checkpoint-every").toInt());
    o->evalEvery = std::max(1, p.value("eval-every").toInt());
    o->evalPieces = p.value("eval-pieces").toInt();
    o->maxMinutes = p.value("max-minutes").toDouble();
    o->augment = !p.isSet("no-augment");
    o->resume = p.isSet("resume");
    o->recompute = p.isSet("recompute");
    if (const QString precision = p.value("precision"); precision == "auto")
        o->precision = TrainPrecision::Auto;
    else if (precision == "fp32")
        o->precision = TrainPrecision::Fp32;
    else if (precision == "bf16")
        o->precision = TrainPrecision::Bf16;
    else
        return failWith(error, "--precision is auto, fp32 or bf16, not '" + precision + "'");
    o->initFrom = p.value("init").toStdString();
    o->seed = p.value("seed").toULongLong();
    o->runtime.threads = p.value("threads").toInt();
    o->runtime.device = p.value("device").toStdString();
    return true;
}

/// Data parallel: torchrun's environment, or the flags, or --nproc on this machine.
bool readDistributedFlags(const QCommandLineParser& p, TrainOptions* o, int* nproc,
                          QString* error) {
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    DistributedOptions& d = o->distributed;
    bool okRank = true, okWorld = true, okPort = true, okTimeout = true;
    d.rank =
        p.isSet("rank") ? p.value("rank").toInt(&okRank) : env.value("RANK", "0").toInt(&okRank);
    d.worldSize = p.isSet("world-size") ? p.value("world-size").toInt(&okWorld)
                                        : env.value("WORLD_SIZE", "1").toInt(&okWorld);
    QString master = p.isSet("master") ? p.value("master")
                                       : env.value("MASTER_ADDR", "127.0.0.1") + ":" +
                                             env.value("MASTER_PORT", "29500");
    const int colon = master.lastIndexOf(':');
    d.masterAddress = (colon > 0 ? master.left(colon) : master).toStdString();
    d.masterPort = colon > 0 ? master.mid(colon + 1).toInt(&okPort) : 29500;
    d.timeoutSeconds = p.value("dist-timeout").toDouble(&okTimeout);
    *nproc = p.value("nproc").toInt();
    if (!okRank || !okWorld || d.worldSize < 1 || d.rank < 0 || d.rank >= d.worldSize)
        return failWith(
            error, QString("rank %1 of a world of %2 makes no sense").arg(d.rank).arg(d.worldSize));
    if (!okPort || d.masterPort < 1 || d.masterPort > 65535)
        return failWith(error, "cannot read the master's port in '" + master + "' (host:port)");
    if (!okTimeout || d.timeoutSeconds < 1)
        return failWith(error, "--dist-timeout is at least 1 second");
    if (*nproc < 1) return failWith(error, "--nproc is at least 1");
    if (*nproc > 1 && d.worldSize > 1)
        return failWith(error, "--nproc starts a job of its own; run one process per rank with "
                               "RANK/WORLD_SIZE instead");
    if (const int processes = std::max(*nproc, d.worldSize); processes > o->batch)
        return failWith(error, QString("--batch %1 gives fewer streams than the %2 processes")
                                   .arg(o->batch)
                                   .arg(processes));
    return true;
}

/// What the model file says about its training.
void recordProvenance(const QCommandLineParser& p, const QStringList& args, TrainOptions* o) {
    if (o->distributed.worldSize > 1)
        o->metadata["training_processes"] = std::to_string(o->distributed.worldSize);
    o->metadata["name"] = p.value("name").toStdString();
    o->metadata["licence"] = p.value("licence").toStdString();
    o->metadata["training_data"] =
        p.isSet("training-data")
            ? p.value("training-data").toStdString()
            : ("split '" + p.value("split") + "' of " + QDir(p.value("data")).dirName())
                  .toStdString();
    o->metadata["training_command"] = args.join(' ').prepend("continuo-cli ").toStdString();
}

/// The files to train on (at most --limit-pieces), and those to validate on: --val's, else
/// the CSV's validation split (none when it has no such split).
bool listFiles(const QCommandLineParser& p, std::vector<std::string>* train,
               std::vector<std::string>* validation, QString* error) {
    const bool csv = p.value("data").endsWith(".csv", Qt::CaseInsensitive);
    auto trainFiles =
        listMidiFiles(p.value("data").toStdString(), csv ? p.value("split").toStdString() : "");
    if (!trainFiles) return failWith(error, QString::fromStdString(trainFiles.error()));
    if (p.isSet("val")) {
        auto v = listMidiFiles(p.value("val").toStdString(),
                               p.value("val").endsWith(".csv") ? p.value("val-split").toStdString()
                                                               : "");
        if (!v) return failWith(error, QString::fromStdString(v.error()));
        *validation = v->files;
    } else if (csv) {
        auto v = listMidiFiles(p.value("data").toStdString(), p.value("val-split").toStdString());
        if (v) *validation = v->files;
    }
    *train = std::move(trainFiles->files);
    if (int limit = p.value("limit-pieces").toInt();
        limit > 0 && std::size_t(limit) < train->size())
        train->resize(std::size_t(limit));
    return true;
}

/// Tokenises `files` (or reads them from `cache`), saying how far it got and what it found.
std::vector<Piece> loadFiles(const std::vector<std::string>& files, const std::string& cache,
                             const char* what, QTextStream& loading) {
    LoadReport report;
    auto pieces = loadPieces(files, cache, &report, 2, [&](int done, int total) {
        if (done % 50 == 0 || done == total)
            loading << "\rtokenising " << what << ": " << done << "/" << total << Qt::flush;
    });
    loading << "\n";
    for (const auto& f : report.failures)
        loading << "skipped " << QString::fromStdString(f) << "\n";
    std::int64_t n = 0;
    for (const auto& piece : pieces)
        n += std::int64_t(piece.tokens.size());
    loading << what << ": " << pieces.size() << " pieces, " << n << " tokens (" << report.cached
            << " from cache)\n";
    return pieces;
}

/// Validation subsets are taken from the front: spread them over composers and years.
std::vector<Piece> spreadForValidation(const std::vector<Piece>& pieces, int evalPieces) {
    std::vector<Piece> spread;
    const std::size_t n = pieces.size(),
                      k = std::min<std::size_t>(n, std::size_t(std::max(1, evalPieces)));
    for (std::size_t i = 0; i < k; ++i)
        spread.push_back(pieces[i * n / k]);
    for (std::size_t i = 0; i < n; ++i)
        if (i * k % n >= k) spread.push_back(pieces[i]);
    return spread;
}

struct TrainingData {
    std::vector<Piece> train, validation;
    std::string cache; ///< the token cache they were read through
};

bool loadData(const QCommandLineParser& p, const TrainOptions& o, QTextStream& loading,
              TrainingData* data, QString* error) {
    std::vector<std::string> trainList, valList;
    if (!listFiles(p, &trainList, &valList, error)) return false;
    data->cache = p.isSet("cache") ? p.value("cache").toStdString() : o.outDir + "/tokens.cache";
    QDir().mkpath(p.value("out"));
    data->train = loadFiles(trainList, data->cache, "train", loading);
    data->validation = valList.empty() ? std::vector<Piece>{}
                                       : loadFiles(valList, data->cache, "validation", loading);
    if (!data->validation.empty())
        data->validation = spreadForValidation(data->validation, o.evalPieces);
    return true;
}

/// --init: the network is the file's, with another memory schedule or distance bias where
/// those flags are given.
bool adoptInitModel(const QCommandLineParser& p, TrainOptions* o, QString* error) {
    auto init = Model::load(o->initFrom);
    if (!init) return failWith(error, QString::fromStdString(init.error()));
    const ModelInfo& info = init.value()->info();
    o->config = info.config;
    // An explicit --schedule trains these weights with another memory schedule.
    if (p.isSet("schedule")) {
        auto s = parseSchedule(p.value("schedule").toStdString(), o->config.layers);
        if (!s) return failWith(error, QString::fromStdString(s.error()));
        o->config.horizons = s.value();
    }
    // An explicit --distance-bias adds (or drops) the bias; a new one starts at its prior.
    if (p.isSet("distance-bias") || p.isSet("bias-slopes"))
        if (auto why = applyDistanceBias(p, o->config); !why.isEmpty()) return failWith(error, why);
    if (auto why = o->config.validate(); !why.empty())
        return failWith(error, QString::fromStdString(why));
    o->metadata["initialised_from"] =
        info.name + ", " + info.metadataValue("training_tokens", "?") +
        " tokens of training (sha256 " + info.sha256.substr(0, 16) + ")";
    return true;
}

/// Resuming: the network is the checkpoint's, whatever the options say.
bool adoptCheckpointNetwork(const QCommandLineParser& p, TrainOptions* o, QString* error) {
    if (const QString ckpt = p.value("out") + "/checkpoint/model.safetensors";
        o->resume && QFileInfo::exists(ckpt)) {
        auto saved = Model::load(ckpt.toStdString());
        if (!saved)
            return failWith(error, "cannot resume: " + QString::fromStdString(saved.error()));
        o->config = saved.value()->config();
        for (const char* key : {"initialised_from"})
            if (auto v = saved.value()->info().metadataValue(key); !v.empty()) o->metadata[key] = v;
    }
    return true;
}

/// --nproc: runs the ranks as processes of their own.
int launchRanks(const QCommandLineParser& p, const QStringList& args, int nproc, int threadsFlag,
                TrainingData* data, QTextStream& err) {
    // The pieces are tokenised (and the cache written) once, here; the ranks read the cache.
    data->train.clear();
    data->validation.clear();
    const int threads =
        threadsFlag > 0 ? threadsFlag : std::max(1, QThread::idealThreadCount() / nproc);
    QStringList rankArgs = args;
    if (!p.isSet("cache")) rankArgs << "--cache" << QString::fromStdString(data->cache);
    err << Qt::flush;
    return cli::launchTrainingRanks(rankArgs, nproc, threads, p.value("out"), stopRequested);
}

void describeModel(QTextStream& info, const ModelConfig& c) {
    info << "model: " << c.layers << " layers, d=" << c.dModel << ", " << c.heads
         << " heads, segment " << c.segment << ", horizons "
         << QString::fromStdString(c.scheduleName()) << " (budget " << c.memoryBudget()
         << "), distance bias " << QString::fromStdString(c.distanceBiasName()) << "\n"
         << Qt::flush;
}

QString progressLine(const TrainProgress& pr) {
    QString validation("-");
    if (pr.validationNll >= 0)
        validation = QString("%1 (ppl %2)")
                         .arg(pr.validationNll, 0, 'f', 3)
                         .arg(std::exp(pr.validationNll), 0, 'f', 2);
    return QString("step %1/%2  loss %3  val %4  %5 tok/s  lr %6  epoch %7  %8 elapsed  eta %9\n")
        .arg(pr.step)
        .arg(pr.steps)
        .arg(pr.loss, 0, 'f', 3)
        .arg(validation)
        .arg(pr.tokensPerSecond, 0, 'f', 0)
        .arg(pr.learningRate, 0, 'g', 3)
        .arg(pr.epoch)
        .arg(duration(pr.elapsedSeconds))
        .arg(duration(pr.etaSeconds));
}

/// The learning curve beside the log, and how the run ended.
void reportFinished(const QString& out, const TrainSummary& result, QTextStream& err) {
    QString plot = out + "/curve.png";
    if (auto why = cli::writeTrainingPlot(out + "/log.csv", plot); !why.isEmpty())
        err << "plot: " << why << "\n";
    err << (result.stoppedEarly ? "stopped" : "finished") << " at step " << result.steps << ", "
        << result.tokensSeen << " tokens, " << duration(result.wallSeconds)
        << "; model: " << QString::fromStdString(result.modelPath) << "\n";
}

int runTrain(const QStringList& args) {
    QCommandLineParser p;
    addFlags(p);
    if (!p.parse(args)) return cli::fail("train", p.errorText(), 2);
    if (p.isSet("help")) { QTextStream(stdout) << p.helpText(); return 0; }
    if (!p.isSet("data") || !p.isSet("out"))
        return cli::fail("train", "--data and --out are required", 2);

    TrainOptions o;
    int nproc = 1;
    QString why;
    if (!readModelFlags(p, &o.config, &why)) return cli::fail("train", why, 2);
    if (!readRunFlags(p, &o, &why)) return cli::fail("train", why, 2);
    if (!readDistributedFlags(p, &o, &nproc, &why)) return cli::fail("train", why, 2);
    recordProvenance(p, args, &o);
    // Only rank 0 of a job (or the launcher) reports progress; the others report errors.
    const bool quiet = o.distributed.rank != 0;

    QTextStream err(stderr);
    QString devNullText;
    QTextStream devNull(&devNullText);
    // A rank started by --nproc finds the pieces tokenised by its launcher, which said so.
    const bool launched =
        QProcessEnvironment::systemEnvironment().contains(cli::kLaunchedRankVariable);
    QTextStream& loading = quiet || launched ? devNull : err;
    QTextStream& info = quiet ? devNull : err;
    TrainingData data;
    if (!loadData(p, o, loading, &data, &why)) return cli::fail("train", why, 2);
    if (!o.initFrom.empty() && !adoptInitModel(p, &o, &why)) return cli::fail("train", why, 2);
    if (!adoptCheckpointNetwork(p, &o, &why)) return cli::fail("train", why, 2);

    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    if (nproc > 1) return launchRanks(p, args, nproc, o.runtime.threads, &data, err);
    describeModel(info, o.config);
    const auto progress = [&](const TrainProgress& pr) { err << progressLine(pr) << Qt::flush; };
    const auto log = [&](const std::string& line) {
        err << QString::fromStdString(line) << "\n" << Qt::flush;
    };
    auto result = train(o, data.train, data.validation, progress, log, &stopRequested);
    if (!result) return cli::fail("train", QString::fromStdString(result.error()));
    if (quiet) return 0;
    reportFinished(p.value("out"), result.value(), err);
    return 0;
}
} // namespace

CONTINUO_CLI_COMMAND("train", "train a model on MIDI files (folder or MAESTRO CSV)", runTrain);
#endif
