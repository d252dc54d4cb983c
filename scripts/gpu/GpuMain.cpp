// continuo-gpu: the trainer without Qt, for a machine with a CUDA PyTorch and no Qt.
//   continuo-gpu train --train-cache F [--validation-cache F] --out DIR [--init MODEL] ...
//   continuo-gpu check --model MODEL --cache F [--device cuda] ...   (GpuChecks.cpp)
// `train` does what `continuo-cli train` does with a token cache for data: the same trainer,
// options and files (OUT/model.safetensors, OUT/log.csv, OUT/checkpoint/), and adds
// OUT/model-bf16.safetensors and OUT/summary.txt (steps, tokens, tokens per second).
#include "Flags.h"
#include "GpuChecks.h"

#include "continuo/inference/Trainer.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>

using namespace continuo;
using namespace continuo::inference;

namespace {
std::atomic<bool> stopRequested{false};
extern "C" void onSignal(int) { stopRequested.store(true); }

const std::set<std::string> kTrainFlags = {
    "train-cache", "validation-cache", "out", "init", "device", "minutes", "steps", "batch", "lr", "warmup",
    "checkpoint-every", "eval-every", "eval-pieces", "report-every", "threads", "seed", "precision",
    "schedule", "layers", "d-model", "heads", "ff", "segment", "name", "licence", "training-data"};
const std::set<std::string> kTrainSwitches = {"resume", "no-augment", "recompute"};

void check(bool ok, const std::string& why) {
    if (!ok) throw std::invalid_argument(why);
}

/// A new network's shape (with --init the file brings its own, --schedule aside).
ModelConfig configFromFlags(const gpu::Flags& f) {
    ModelConfig c;
    c.layers = f.integer("layers", 4);
    c.dModel = f.integer("d-model", 256);
    c.heads = f.integer("heads", 4);
    c.ffDim = f.integer("ff", 1024);
    c.segment = f.integer("segment", 256);
    auto schedule = parseSchedule(f.text("schedule", "256,256,1024,1024"), c.layers);
    check(schedule.ok(), schedule.error());
    c.horizons = schedule.value();
    if (auto r = parseDistanceBias("buckets", c); !r) throw std::invalid_argument(r.error());
    check(c.validate().empty(), c.validate());
    return c;
}

/// --init: the file's network (and another memory schedule with --schedule), as continuo-cli.
void adoptInit(const gpu::Flags& f, TrainOptions& o) {
    auto init = Model::load(o.initFrom);
    if (!init) throw std::runtime_error(init.error());
    const ModelInfo& info = init.value()->info();
    o.config = info.config;
    if (f.has("schedule")) {
        auto s = parseSchedule(f.text("schedule"), o.config.layers);
        check(s.ok(), s.error());
        o.config.horizons = s.value();
    }
    o.metadata["initialised_from"] = info.name + ", " + info.metadataValue("training_tokens", "?") +
                                     " tokens of training (sha256 " + info.sha256.substr(0, 16) + ")";
}

/// The defaults continue continuo-wide as training/README.md does (its `continuo-wide-3`).
TrainOptions optionsFromFlags(const gpu::Flags& f, int argc, char** argv) {
    TrainOptions o;
    o.outDir = f.text("out");
    check(!o.outDir.empty() && f.has("train-cache"), "--train-cache and --out are required");
    o.batch = f.integer("batch", 8);
    o.steps = f.integer("steps", 12161);
    o.learningRate = f.number("lr", 2.5e-4);
    o.warmupSteps = f.integer("warmup", 100);
    o.checkpointEvery = std::max(1, f.integer("checkpoint-every", 200));
    o.evalEvery = std::max(1, f.integer("eval-every", 1000));
    o.evalPieces = f.integer("eval-pieces", 8);
    o.reportEvery = std::max(1, f.integer("report-every", 20));
    o.maxMinutes = f.number("minutes", 0);
    o.augment = !f.has("no-augment");
    o.resume = f.has("resume");
    o.recompute = f.has("recompute");
    const std::string precision = f.text("precision", "auto");
    check(precision == "auto" || precision == "fp32" || precision == "bf16", "--precision is auto, fp32 or bf16");
    o.precision = precision == "fp32" ? TrainPrecision::Fp32 : precision == "bf16" ? TrainPrecision::Bf16 : TrainPrecision::Auto;
    o.seed = std::uint64_t(f.integer("seed", 19));
    o.runtime.threads = f.integer("threads", 0);
    o.runtime.device = f.text("device", "cpu");
    o.initFrom = f.text("init");
    if (o.initFrom.empty()) o.config = configFromFlags(f);
    else adoptInit(f, o);
    o.metadata["name"] = f.text("name", "continuo-wide-gpu");
    o.metadata["licence"] = f.text("licence", "CC BY-NC-SA 4.0 (inherited from MAESTRO)");
    o.metadata["training_data"] = f.text("training-data", "MAESTRO v2.0.0, train split (a carried token cache)");
    std::string command = "continuo-gpu";
    for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
    o.metadata["training_command"] = command;
    return o;
}

std::int64_t tokenCount(const std::vector<Piece>& pieces) {
    std::int64_t n = 0;
    for (const Piece& p : pieces) n += std::int64_t(p.tokens.size());
    return n;
}

void printProgress(const TrainProgress& p) {
    char validation[32] = "-";
    if (p.validationNll >= 0) std::snprintf(validation, sizeof validation, "%.3f", p.validationNll);
    std::fprintf(stderr, "step %d/%d  loss %.3f  val %s  %.0f tok/s  lr %.3g  epoch %d  %.0f s elapsed  eta %.0f s\n",
                 p.step, p.steps, p.loss, validation, p.tokensPerSecond, p.learningRate, p.epoch, p.elapsedSeconds,
                 p.etaSeconds);
}

/// OUT/summary.txt: what the run did and how fast, one "key: value" a line.
void writeSummary(const TrainOptions& o, const TrainSummary& s, std::int64_t trainTokens, double lastRate) {
    std::ofstream out(o.outDir + "/summary.txt");
    out << "device: " << o.runtime.device << "\n"
        << "steps: " << s.steps << "\n"
        << "tokens: " << s.tokensSeen << "\n"
        << "wall_seconds: " << s.wallSeconds << "\n"
        << "tokens_per_second: " << (s.wallSeconds > 0 ? double(s.tokensSeen) / s.wallSeconds : 0) << "\n"
        << "tokens_per_second_last_report: " << lastRate << "\n"
        << "validation_nll: " << s.validationNll << "\n"
        << "stopped_early: " << (s.stoppedEarly ? "yes" : "no") << "\n"
        << "train_cache_tokens: " << trainTokens << "\n"
        << "model: " << s.modelPath << "\n";
}

int runTrain(int argc, char** argv) {
    gpu::Flags f(argc, argv, 2, kTrainFlags, kTrainSwitches);
    TrainOptions o = optionsFromFlags(f, argc, argv);
    const std::vector<Piece> train = readTokenCache(f.text("train-cache"));
    if (train.empty()) throw std::runtime_error(f.text("train-cache") + ": no pieces (missing, or not a token cache)");
    const std::vector<Piece> validation =
        f.has("validation-cache") ? readTokenCache(f.text("validation-cache")) : std::vector<Piece>{};
    std::fprintf(stderr, "train: %zu pieces, %lld tokens; validation: %zu pieces\n", train.size(),
                 (long long)tokenCount(train), validation.size());
    std::fprintf(stderr, "model: %d layers, d=%d, %d heads, segment %d, horizons %s, distance bias %s\n",
                 o.config.layers, o.config.dModel, o.config.heads, o.config.segment, o.config.scheduleName().c_str(),
                 o.config.distanceBiasName().c_str());
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    double lastRate = 0;
    const auto progress = [&](const TrainProgress& p) {
        lastRate = p.tokensPerSecond;
        printProgress(p);
    };
    const auto log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    auto result = inference::train(o, train, validation, progress, log, &stopRequested);
    if (!result) throw std::runtime_error(result.error());
    writeSummary(o, result.value(), tokenCount(train), lastRate);
    // The bf16 copy: half the size, what training/ commits, and what --init reads.
    auto trained = Model::load(result->modelPath, {"cpu", 1, false, RecallOptions::off()});
    if (!trained) throw std::runtime_error(trained.error());
    if (auto r = trained.value()->save(o.outDir + "/model-bf16.safetensors", trained.value()->info().metadata, true); !r)
        throw std::runtime_error(r.error());
    std::fprintf(stderr, "%s at step %d, %lld tokens, %.0f s (%.0f tokens/s); model: %s\n",
                 result->stoppedEarly ? "stopped" : "finished", result->steps, (long long)result->tokensSeen,
                 result->wallSeconds, double(result->tokensSeen) / std::max(1e-9, result->wallSeconds),
                 result->modelPath.c_str());
    return 0;
}

void usage() {
    std::fprintf(stderr,
                 "usage: continuo-gpu train --train-cache FILE [--validation-cache FILE] --out DIR [--init MODEL]\n"
                 "                          [--device cpu|cuda] [--minutes M] [--steps N] [--batch 8] [--lr 2.5e-4]\n"
                 "                          [--warmup 100] [--eval-every 1000] [--eval-pieces 8] [--threads 0] [--seed 19]\n"
                 "                          [--precision auto|fp32|bf16] [--schedule SPEC] [--resume] ...\n"
                 "       continuo-gpu check --model MODEL --cache FILE [--device cuda] [--threads N] [--batch 8]\n");
}
} // namespace

int main(int argc, char** argv) {
    const std::string command = argc > 1 ? argv[1] : "";
    try {
        if (command == "train") return runTrain(argc, argv);
        if (command == "check") return gpu::runChecks(argc, argv);
        usage();
        return 2;
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "continuo-gpu %s: %s\n", command.c_str(), e.what());
        usage();
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "continuo-gpu %s: %s\n", command.c_str(), e.what());
        return 1;
    }
}
