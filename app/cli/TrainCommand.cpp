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

int runTrain(const QStringList& args) {
    QCommandLineParser p;
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
    if (!p.parse(args)) return cli::fail("train", p.errorText(), 2);
    if (p.isSet("help")) { QTextStream(stdout) << p.helpText(); return 0; }
    if (!p.isSet("data") || !p.isSet("out")) return cli::fail("train", "--data and --out are required", 2);

    TrainOptions o;
    o.config.layers = p.value("layers").toInt();
    o.config.dModel = p.value("d-model").toInt();
    o.config.heads = p.value("heads").toInt();
    o.config.ffDim = p.value("ff").toInt();
    o.config.segment = p.value("segment").toInt();
    o.config.dropout = p.value("dropout").toDouble();
    o.config.sparseStride = p.value("stride").toInt();
    o.config.sparseSummary = p.value("summary").toInt();
    auto schedule = parseSchedule(p.value("schedule").toStdString(), o.config.layers);
    if (!schedule) return cli::fail("train", QString::fromStdString(schedule.error()), 2);
    o.config.horizons = schedule.value();
    auto layouts = parseLayouts(p.value("layouts").toStdString(), o.config.layers);
    if (!layouts) return cli::fail("train", QString::fromStdString(layouts.error()), 2);
    if (std::any_of(layouts->begin(), layouts->end(), [](auto l) { return l != AttentionLayout::Dense; }))
        o.config.layouts = layouts.value();
    auto applyBias = [&](ModelConfig& c) -> QString {
        if (auto r = parseDistanceBias(p.value("distance-bias").toStdString(), c); !r) return QString::fromStdString(r.error());
        const QStringList slopes = p.value("bias-slopes").split(':');
        bool okMax = false, okMin = false;
        if (slopes.size() == 2) {
            c.biasSlopeMax = slopes[0].toDouble(&okMax);
            c.biasSlopeMin = slopes[1].toDouble(&okMin);
        }
        if (!okMax || !okMin) return "cannot read --bias-slopes '" + p.value("bias-slopes") + "' (MAX:MIN)";
        return {};
    };
    if (auto why = applyBias(o.config); !why.isEmpty()) return cli::fail("train", why, 2);
    if (auto why = o.config.validate(); !why.empty()) return cli::fail("train", QString::fromStdString(why), 2);
    o.outDir = p.value("out").toStdString();
    o.batch = p.value("batch").toInt();
    o.steps = p.value("steps").toInt();
    o.learningRate = p.value("lr").toDouble();
    o.warmupSteps = p.value("warmup").toInt();
    o.checkpointEvery = std::max(1, p.value("checkpoint-every").toInt());
    o.evalEvery = std::max(1, p.value("eval-every").toInt());
    o.evalPieces = p.value("eval-pieces").toInt();
    o.maxMinutes = p.value("max-minutes").toDouble();
    o.augment = !p.isSet("no-augment");
    o.resume = p.isSet("resume");
    o.recompute = p.isSet("recompute");
    if (const QString precision = p.value("precision"); precision == "auto") o.precision = TrainPrecision::Auto;
    else if (precision == "fp32") o.precision = TrainPrecision::Fp32;
    else if (precision == "bf16") o.precision = TrainPrecision::Bf16;
    else return cli::fail("train", "--precision is auto, fp32 or bf16, not '" + precision + "'", 2);
    o.initFrom = p.value("init").toStdString();
    o.seed = p.value("seed").toULongLong();
    o.runtime.threads = p.value("threads").toInt();
    o.runtime.device = p.value("device").toStdString();

    // Data parallel: torchrun's environment, or the flags, or --nproc on this machine.
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    bool okRank = true, okWorld = true, okPort = true, okTimeout = true;
    o.distributed.rank = p.isSet("rank") ? p.value("rank").toInt(&okRank) : env.value("RANK", "0").toInt(&okRank);
    o.distributed.worldSize = p.isSet("world-size") ? p.value("world-size").toInt(&okWorld) : env.value("WORLD_SIZE", "1").toInt(&okWorld);
    QString master = p.isSet("master") ? p.value("master")
                                       : env.value("MASTER_ADDR", "127.0.0.1") + ":" + env.value("MASTER_PORT", "29500");
    const int colon = master.lastIndexOf(':');
    o.distributed.masterAddress = (colon > 0 ? master.left(colon) : master).toStdString();
    o.distributed.masterPort = colon > 0 ? master.mid(colon + 1).toInt(&okPort) : 29500;
    o.distributed.timeoutSeconds = p.value("dist-timeout").toDouble(&okTimeout);
    const int nproc = p.value("nproc").toInt();
    if (!okRank || !okWorld || o.distributed.worldSize < 1 || o.distributed.rank < 0 || o.distributed.rank >= o.distributed.worldSize)
        return cli::fail("train", QString("rank %1 of a world of %2 makes no sense").arg(o.distributed.rank).arg(o.distributed.worldSize), 2);
    if (!okPort || o.distributed.masterPort < 1 || o.distributed.masterPort > 65535)
        return cli::fail("train", "cannot read the master's port in '" + master + "' (host:port)", 2);
    if (!okTimeout || o.distributed.timeoutSeconds < 1) return cli::fail("train", "--dist-timeout is at least 1 second", 2);
    if (nproc < 1) return cli::fail("train", "--nproc is at least 1", 2);
    if (nproc > 1 && o.distributed.worldSize > 1)
        return cli::fail("train", "--nproc starts a job of its own; run one process per rank with RANK/WORLD_SIZE instead", 2);
    if (std::max(nproc, o.distributed.worldSize) > o.batch)
        return cli::fail("train", QString("--batch %1 gives fewer streams than the %2 processes").arg(o.batch).arg(std::max(nproc, o.distributed.worldSize)), 2);
    // Only rank 0 of a job (or the launcher) reports progress; the others report errors.
    const bool quiet = o.distributed.rank != 0;
    if (o.distributed.worldSize > 1) o.metadata["training_processes"] = std::to_string(o.distributed.worldSize);
    o.metadata["name"] = p.value("name").toStdString();
    o.metadata["licence"] = p.value("licence").toStdString();
    o.metadata["training_data"] = p.isSet("training-data") ? p.value("training-data").toStdString()
                                                          : ("split '" + p.value("split") + "' of " + QDir(p.value("data")).dirName()).toStdString();
    o.metadata["training_command"] = args.join(' ').prepend("continuo-cli ").toStdString();

    QTextStream err(stderr);
    QString devNullText;
    QTextStream devNull(&devNullText);
    // A rank started by --nproc finds the pieces tokenised by its launcher, which said so.
    QTextStream& loading = quiet || env.contains(cli::kLaunchedRankVariable) ? devNull : err;
    QTextStream& info = quiet ? devNull : err;
    const bool csv = p.value("data").endsWith(".csv", Qt::CaseInsensitive);
    auto trainFiles = listMidiFiles(p.value("data").toStdString(), csv ? p.value("split").toStdString() : "");
    if (!trainFiles) return cli::fail("train", QString::fromStdString(trainFiles.error()), 2);
    std::vector<std::string> valList;
    if (p.isSet("val")) {
        auto v = listMidiFiles(p.value("val").toStdString(), p.value("val").endsWith(".csv") ? p.value("val-split").toStdString() : "");
        if (!v) return cli::fail("train", QString::fromStdString(v.error()), 2);
        valList = v->files;
    } else if (csv) {
        auto v = listMidiFiles(p.value("data").toStdString(), p.value("val-split").toStdString());
        if (v) valList = v->files;
    }
    if (int limit = p.value("limit-pieces").toInt(); limit > 0 && std::size_t(limit) < trainFiles->files.size())
        trainFiles->files.resize(std::size_t(limit));
    const std::string cache = p.isSet("cache") ? p.value("cache").toStdString() : o.outDir + "/tokens.cache";
    QDir().mkpath(p.value("out"));
    auto loadAll = [&](const std::vector<std::string>& files, const char* what) {
        LoadReport report;
        auto pieces = loadPieces(files, cache, &report, 2, [&](int done, int total) {
            if (done % 50 == 0 || done == total) loading << "\rtokenising " << what << ": " << done << "/" << total << Qt::flush;
        });
        loading << "\n";
        for (const auto& f : report.failures) loading << "skipped " << QString::fromStdString(f) << "\n";
        std::int64_t n = 0;
        for (const auto& piece : pieces) n += std::int64_t(piece.tokens.size());
        loading << what << ": " << pieces.size() << " pieces, " << n << " tokens (" << report.cached << " from cache)\n";
        return pieces;
    };
    auto trainPieces = loadAll(trainFiles->files, "train");
    auto valPieces = valList.empty() ? std::vector<Piece>{} : loadAll(valList, "validation");
    // Validation subsets are taken from the front: spread them over composers and years.
    if (!valPieces.empty()) {
        std::vector<Piece> spread;
        const std::size_t n = valPieces.size(), k = std::min<std::size_t>(n, std::size_t(std::max(1, o.evalPieces)));
        for (std::size_t i = 0; i < k; ++i) spread.push_back(valPieces[i * n / k]);
        for (std::size_t i = 0; i < n; ++i)
            if (i * k % n >= k) spread.push_back(valPieces[i]);
        valPieces = std::move(spread);
    }

    if (!o.initFrom.empty()) {
        auto init = Model::load(o.initFrom);
        if (!init) return cli::fail("train", QString::fromStdString(init.error()), 2);
        const ModelInfo& info = init.value()->info();
        o.config = info.config;
        // An explicit --schedule trains these weights with another memory schedule.
        if (p.isSet("schedule")) {
            auto s = parseSchedule(p.value("schedule").toStdString(), o.config.layers);
            if (!s) return cli::fail("train", QString::fromStdString(s.error()), 2);
            o.config.horizons = s.value();
        }
        // An explicit --distance-bias adds (or drops) the bias; a new one starts at its prior.
        if (p.isSet("distance-bias") || p.isSet("bias-slopes"))
            if (auto why = applyBias(o.config); !why.isEmpty()) return cli::fail("train", why, 2);
        if (auto why = o.config.validate(); !why.empty()) return cli::fail("train", QString::fromStdString(why), 2);
        o.metadata["initialised_from"] = info.name + ", " + info.metadataValue("training_tokens", "?") +
                                         " tokens of training (sha256 " + info.sha256.substr(0, 16) + ")";
    }
    // Resuming: the network is the checkpoint's, whatever the options say.
    if (const QString ckpt = p.value("out") + "/checkpoint/model.safetensors"; o.resume && QFileInfo::exists(ckpt)) {
        auto saved = Model::load(ckpt.toStdString());
        if (!saved) return cli::fail("train", "cannot resume: " + QString::fromStdString(saved.error()), 2);
        o.config = saved.value()->config();
        for (const char* key : {"initialised_from"})
            if (auto v = saved.value()->info().metadataValue(key); !v.empty()) o.metadata[key] = v;
    }
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    if (nproc > 1) {
        // The pieces are tokenised (and the cache written) once, here; the ranks read the cache.
        trainPieces.clear();
        valPieces.clear();
        const int threads = o.runtime.threads > 0 ? o.runtime.threads : std::max(1, QThread::idealThreadCount() / nproc);
        QStringList rankArgs = args;
        if (!p.isSet("cache")) rankArgs << "--cache" << QString::fromStdString(cache);
        err << Qt::flush;
        return cli::launchTrainingRanks(rankArgs, nproc, threads, p.value("out"), stopRequested);
    }
    info << "model: " << o.config.layers << " layers, d=" << o.config.dModel << ", " << o.config.heads << " heads, segment "
        << o.config.segment << ", horizons " << QString::fromStdString(o.config.scheduleName()) << " (budget "
        << o.config.memoryBudget() << "), distance bias " << QString::fromStdString(o.config.distanceBiasName()) << "\n"
         << Qt::flush;
    auto result = train(o, trainPieces, valPieces,
        [&](const TrainProgress& pr) {
            err << QString("step %1/%2  loss %3  val %4  %5 tok/s  lr %6  epoch %7  %8 elapsed  eta %9\n")
                       .arg(pr.step).arg(pr.steps).arg(pr.loss, 0, 'f', 3)
                       .arg(pr.validationNll >= 0 ? QString("%1 (ppl %2)").arg(pr.validationNll, 0, 'f', 3).arg(std::exp(pr.validationNll), 0, 'f', 2) : QString("-"))
                       .arg(pr.tokensPerSecond, 0, 'f', 0).arg(pr.learningRate, 0, 'g', 3).arg(pr.epoch)
                       .arg(duration(pr.elapsedSeconds)).arg(duration(pr.etaSeconds))
                << Qt::flush;
        },
        [&](const std::string& line) { err << QString::fromStdString(line) << "\n" << Qt::flush; }, &stopRequested);
    if (!result) return cli::fail("train", QString::fromStdString(result.error()));
    if (quiet) return 0;
    QString plot = p.value("out") + "/curve.png";
    if (auto why = cli::writeTrainingPlot(p.value("out") + "/log.csv", plot); !why.isEmpty()) err << "plot: " << why << "\n";
    err << (result->stoppedEarly ? "stopped" : "finished") << " at step " << result->steps << ", " << result->tokensSeen
        << " tokens, " << duration(result->wallSeconds) << "; model: " << QString::fromStdString(result->modelPath) << "\n";
    return 0;
}
} // namespace

CONTINUO_CLI_COMMAND("train", "train a model on MIDI files (folder or MAESTRO CSV)", runTrain);
#endif
