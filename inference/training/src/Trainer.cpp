// The trainer: AdamW, warm-up then cosine decay, gradient clipping, checkpoints that resume
// exactly (weights, optimiser, memories, data position, random state).
#include "Autocast.h"
#include "TrainingRun.h"

#include "continuo/inference/Trainer.h"

#include "continuo/core/MidiFile.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace continuo::inference {

namespace {
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// The checkpoint's files and folders, never throwing (failures show when they are read).
bool exists(const std::string& path) { std::error_code ec; return fs::exists(path, ec); }
void removeAll(const std::string& path) { std::error_code ec; fs::remove_all(path, ec); }
void makePath(const std::string& path) { std::error_code ec; fs::create_directories(path, ec); }
/// Renames a file or folder unless something already has the new name.
void renameTo(const std::string& from, const std::string& to) { std::error_code ec; if (!exists(to)) fs::rename(from, to, ec); }

/// Linear warm-up, then cosine decay. With a time budget the decay follows whichever of steps
/// or wall time is further along, so a budgeted run still ends at the low learning rate.
double learningRateAt(const TrainOptions& o, int steps, int step, double elapsedSeconds) {
    if (step < o.warmupSteps) return o.learningRate * double(step + 1) / double(o.warmupSteps);
    double progress = std::clamp(double(step - o.warmupSteps) / std::max(1, steps - o.warmupSteps), 0.0, 1.0);
    if (o.maxMinutes > 0) progress = std::max(progress, std::clamp(elapsedSeconds / (o.maxMinutes * 60), 0.0, 1.0));
    double floor = o.learningRate * o.minLearningRateRatio;
    return floor + (o.learningRate - floor) * 0.5 * (1.0 + std::cos(M_PI * progress));
}

/// Drops the memories of streams that start a new piece.
void resetMemories(std::vector<LayerMemory>& memories, const std::vector<bool>& reset) {
    std::vector<std::int64_t> rows;
    for (std::size_t b = 0; b < reset.size(); ++b)
        if (reset[b]) rows.push_back(std::int64_t(b));
    if (rows.empty()) return;
    for (LayerMemory& m : memories) {
        if (!m.valid.defined()) continue;
        auto idx = torch::tensor(rows, torch::kLong).to(m.valid.device());
        m.valid.index_fill_(0, idx, false);
    }
}

/// Whether this CPU multiplies bf16 in hardware and the kernel lets programs use it
/// (cpuinfoHasBf16Hardware). Read from /proc/cpuinfo rather than with __builtin_cpu_supports,
/// as HalfKernels.cpp does for AVX2, because clang 14 does not know the AMX feature names.
bool cpuHasBf16Hardware() {
    // Read with getline: /proc files report a size of 0, so QFile::atEnd() is true before the
    // first line, and a loop on it read nothing (auto then always chose fp32).
    std::ifstream f("/proc/cpuinfo");
    for (std::string line; std::getline(f, line);)
        if (line.rfind("flags", 0) == 0) return cpuinfoHasBf16Hardware(line);
    return false;
}

torch::Tensor batchTensor(const std::vector<std::int64_t>& v, int B, int S, torch::Device d) {
    return torch::tensor(v, torch::kLong).view({B, S}).to(d); // (B, S)
}

/// A copy of `from` with another memory schedule and/or distance bias. Every weight is copied. A
/// relative table that grows keeps its rows and starts the new distances at zero: copying the
/// farthest row into all of them made every memory key look alike, so nothing told near memory
/// from far; the distance bias (when the model has one) carries the distance there instead. A
/// table that shrinks is cut. A distance bias the source lacks starts at its recency prior.
Expected<std::shared_ptr<Model>> withConfig(const Model& from, const ModelConfig& c, std::uint64_t seed,
                                            const RuntimeOptions& runtime) {
    if (auto why = c.validate(); !why.empty()) return Error{why};
    auto created = Model::create(c, seed, runtime);
    if (!created) return created;
    torch::NoGradGuard g;
    auto source = from.impl().net->named_parameters();
    for (auto& p : created.value()->impl().net->named_parameters()) {
        const torch::Tensor* old = source.find(p.key());
        const bool isBias = p.key().find("distance_bias") != std::string::npos;
        if (!old && isBias) continue; // keeps the prior it was created with
        if (!old) return Error{"the model has no weight " + p.key()};
        torch::Tensor dst = p.value();
        if (old->sizes() == dst.sizes()) {
            dst.copy_(*old);
        } else if (p.key().find("relative") != std::string::npos && old->dim() == 3 && dst.dim() == 3) {
            const auto keep = std::min(old->size(1), dst.size(1));
            dst.zero_();
            dst.narrow(1, 0, keep).copy_(old->narrow(1, 0, keep));
        } else if (isBias) {
            continue; // other buckets: the prior
        } else {
            return Error{"weight " + p.key() + " has another shape"};
        }
    }
    return created;
}

/// Rows [lo, hi) of a (B, S) batch laid out row-major.
std::vector<std::int64_t> rows(const std::vector<std::int64_t>& v, int lo, int hi, int S) {
    return {v.begin() + std::ptrdiff_t(lo) * S, v.begin() + std::ptrdiff_t(hi) * S};
}

} // namespace

bool cpuinfoHasBf16Hardware(std::string_view flags) {
    const auto has = [flags](std::string_view flag) {
        for (std::size_t at = flags.find(flag); at != std::string_view::npos; at = flags.find(flag, at + 1)) {
            const bool startsWord = at == 0 || flags[at - 1] == ' ' || flags[at - 1] == '\t' || flags[at - 1] == ':';
            const std::size_t end = at + flag.size();
            const bool endsWord = end == flags.size() || flags[end] == ' ' || flags[end] == '\t' || flags[end] == '\n';
            if (startsWord && endsWord) return true;
        }
        return false;
    };
    return (has("amx_bf16") && has("amx_tile")) || has("avx512_bf16");
}

TrainingRun::TrainingRun(const TrainOptions& o, const std::vector<Piece>& trainPieces,
                         const std::vector<Piece>& validationPieces,
                         const std::function<void(const TrainProgress&)>& onProgress,
                         const std::function<void(const std::string&)>& log,
                         const std::atomic<bool>* stop)
    : o(o), validationPieces(validationPieces), onProgress(onProgress), log(log), stop(stop),
      out(o.outDir), ckpt{out + "/checkpoint"},
      tmp{out + "/checkpoint.tmp"}, old{out + "/checkpoint.old"},
      streamer(&trainPieces, o.batch, o.config.segment, o.seed, o.augment), steps(o.steps) {}

Expected<bool> TrainingRun::joinJob() {
    try {
        auto joined = ProcessGroup::join(o.distributed, torch::Device(o.runtime.device));
        if (!joined) return Error{joined.error()};
        group = std::move(joined.value());
    } catch (const std::exception& e) {
        return Error{"cannot start training on " + o.runtime.device + ": " + torchMessage(e)};
    }
    main = group->isMain();
    ranks = group->size();
    rank = group->rank();
    if (o.batch < ranks)
        return Error{"--batch " + std::to_string(o.batch) + " is smaller than the " +
                     std::to_string(ranks) + " processes: each one needs a stream of its own"};
    // This rank's share of the streams. Every rank draws the same piece order and the same
    // augmentation (the streamer is seeded alike), so the shares add up to one process's batch.
    lo = rank * o.batch / ranks;
    hi = (rank + 1) * o.batch / ranks;
    // A save stopped between its two renames left the last whole checkpoint as .old.
    if (main && !exists(ckpt.state()) && exists(old.state())) renameTo(old.dir, ckpt.dir);
    try {
        group->barrier();
    } catch (const PeerLost& e) {
        return Error{"the job lost a peer before training began: " + std::string(e.what())};
    }
    return true;
}

Expected<bool> TrainingRun::loadModel() {
    if (o.resume && exists(ckpt.state())) return resumeModel();
    if (!o.initFrom.empty()) return startFromWeights();
    auto created = Model::create(o.config, o.seed, o.runtime);
    if (!created) return Error{created.error()};
    model = created.value();
    return true;
}

Expected<bool> TrainingRun::resumeModel() {
    auto bytes = readFileBytes(ckpt.state());
    if (!bytes) return Error{"cannot read " + ckpt.state()};
    auto parsed = json::parse({reinterpret_cast<const char*>(bytes->data()), bytes->size()});
    state = parsed.ok && parsed.value.isObject() ? std::move(parsed.value) : json::Value::object();
    auto loaded = Model::load(ckpt.model(), o.runtime);
    if (!loaded) return Error{"cannot resume: " + loaded.error()};
    model = loaded.value();
    step = state["step"].toInt();
    tokensSeen = state["tokens_seen"].toInt64();
    elapsedBefore = state["elapsed_seconds"].toDouble();
    lastVal = state["validation_nll"].toDouble(-1);
    if (state.contains("steps_fixed")) {
        steps = state["steps_fixed"].toInt();
        stepsFixed = true;
    }
    initialVal = state["initial_validation_nll"].toDouble(-1);
    bestVal = state["best_validation_nll"].toDouble(-1);
    bestStep = state["best_step"].toInt(-1);
    sinceBest = state["since_best"].toInt(0);
    if (!streamer.restoreState(state["streamer"].toString()))
        return Error{"cannot resume: the data position does not match these training files"};
    if (log) log("resumed at step " + std::to_string(step) + " from " + ckpt.dir);
    return true;
}

Expected<bool> TrainingRun::startFromWeights() {
    auto loaded = Model::load(o.initFrom, o.runtime);
    if (!loaded) return Error{"cannot start from " + o.initFrom + ": " + loaded.error()};
    model = loaded.value();
    const ModelConfig& had = model->config();
    if (had.horizons != o.config.horizons || had.toJson() != o.config.toJson()) {
        // Same network, another memory schedule or distance bias (say, a model first trained
        // without memory learning to use one): only the relative tables and the bias change.
        auto grown = withConfig(*model, o.config, o.seed, o.runtime);
        if (!grown) return Error{"cannot start from " + o.initFrom + ": " + grown.error()};
        model = grown.value();
    }
    torch::manual_seed(o.seed);
    if (log)
        log("starting from the weights in " + o.initFrom + " (memory horizons " +
            model->config().scheduleName() + ", distance bias " +
            model->config().distanceBiasName() + ")");
    return true;
}

void TrainingRun::chooseArithmetic() {
    net()->recompute = o.recompute;
    bf16 = o.precision == TrainPrecision::Bf16 ||
           (o.precision == TrainPrecision::Auto &&
            (impl().device.is_cuda() || cpuHasBf16Hardware()));
    if (main && log)
        log("training on " + o.runtime.device + (bf16 ? " with bf16 autocast" : " in fp32"));
    if (ranks > 1 && main && log)
        log("data parallel: " + std::to_string(ranks) + " processes over " + group->backend() +
            ", " + std::to_string(hi - lo) + " of the " + std::to_string(o.batch) +
            " streams in each");
}

void TrainingRun::createOptimizer() {
    std::vector<torch::Tensor> decay, noDecay;
    for (const auto& p : net()->named_parameters()) {
        // Biases, norms, embeddings, relative tables and distance biases are not decayed
        // (decay would pull the recency prior towards flat attention).
        bool matrix = p.value().dim() == 2 && p.key().find("embed") == std::string::npos &&
                      p.key().find("distance_bias") == std::string::npos;
        (matrix ? decay : noDecay).push_back(p.value());
    }
    const auto adamW = [&](double weightDecay) {
        using Options = torch::optim::AdamWOptions;
        return std::make_unique<Options>(
            Options(o.learningRate).weight_decay(weightDecay).betas({0.9, 0.98}));
    };
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decay, adamW(o.anchor > 0 ? 0.0 : o.weightDecay));
    groups.emplace_back(noDecay, adamW(0.0));
    optimizer = std::make_unique<torch::optim::AdamW>(groups);
}

Expected<bool> TrainingRun::agreeOnStartingStep() {
    if (ranks == 1) return true;
    auto at = torch::tensor({double(step), -double(step)}, torch::kFloat64);
    group->allReduce(at, true);
    if (at[0].item<double>() != -at[1].item<double>())
        return Error{"the ranks would resume from different steps (rank " + std::to_string(rank) +
                     " is at step " + std::to_string(step) + ", another at step " +
                     std::to_string(int(at[0].item<double>())) + "): copy rank 0's " +
                     ckpt.dir + " to every rank's --out, or start afresh"};
    return true;
}

void TrainingRun::shareWeights() {
    std::vector<torch::Tensor> params;
    for (auto& p : net()->parameters()) params.push_back(p);
    group->broadcast(params);
}

void TrainingRun::restoreCheckpoint() {
    memories.resize(std::size_t(cfg().layers));
    // Memories and random state belong to a rank's streams: a checkpoint written by another
    // number of processes resumes its weights, optimiser and data position, with fresh memories.
    const int savedRanks = state.contains("world_size") ? state["world_size"].toInt() : 1;
    if (o.resume && exists(ckpt.optimizer()) && savedRanks != ranks && main && log)
        log("the checkpoint was written by " + std::to_string(savedRanks) +
            " processes and this job has " + std::to_string(ranks) +
            ": the streams' memories start empty");
    if (o.resume && exists(ckpt.optimizer())) torch::load(*optimizer, ckpt.optimizer());
    if (ranks > 1 && !(o.resume && savedRanks == ranks))
        torch::manual_seed(o.seed + 7919u * std::uint64_t(rank));
    if (o.resume && exists(ckpt.memories(rank)) && savedRanks == ranks)
        restoreMemories();
}

void TrainingRun::restoreMemories() {
    std::vector<torch::Tensor> mem;
    torch::load(mem, ckpt.memories(rank));
    if (mem.size() == std::size_t(3 * cfg().layers + 1)) {
        auto generator = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(generator.mutex());
        generator.set_state(mem.back());
    }
    for (int l = 0; l < cfg().layers && std::size_t(3 * l + 2) < mem.size(); ++l) {
        auto& m = memories[std::size_t(l)];
        if (mem[std::size_t(3 * l)].numel() == 0) continue;
        m.k = mem[std::size_t(3 * l)].to(impl().device);
        m.v = mem[std::size_t(3 * l + 1)].to(impl().device);
        m.valid = mem[std::size_t(3 * l + 2)].to(impl().device);
    }
}

// Rank 0 prepares the folder; each rank writes its memories; rank 0 writes the rest and swaps
// the folder in. Barriers order the three, so a checkpoint is whole or absent.
Expected<bool> TrainingRun::saveCheckpoint(double elapsedSeconds) {
    if (main) {
        removeAll(tmp.dir);
        makePath(tmp.dir);
    }
    group->barrier();
    saveMemories();
    group->barrier();
    if (!main) {
        group->barrier();
        return true;
    }
    if (auto r = saveModelAndState(elapsedSeconds); !r) return r;
    removeAll(old.dir);
    if (exists(ckpt.dir)) renameTo(ckpt.dir, old.dir);
    renameTo(tmp.dir, ckpt.dir);
    removeAll(old.dir);
    group->barrier();
    return true;
}

void TrainingRun::saveMemories() {
    std::vector<torch::Tensor> mem;
    for (auto& m : memories) {
        mem.push_back(m.k.defined() ? m.k.cpu() : torch::empty({0}));
        mem.push_back(m.v.defined() ? m.v.cpu() : torch::empty({0}));
        mem.push_back(m.valid.defined() ? m.valid.cpu() : torch::empty({0}));
    }
    {
        auto generator = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(generator.mutex());
        mem.push_back(generator.get_state());
    }
    torch::save(mem, tmp.memories(rank));
}

Expected<bool> TrainingRun::saveModelAndState(double elapsedSeconds) {
    auto meta = o.metadata;
    meta["training_steps"] = std::to_string(step);
    meta["training_tokens"] = std::to_string(tokensSeen);
    if (lastVal >= 0) meta["validation_nll"] = std::to_string(lastVal);
    if (auto r = model->save(tmp.model(), meta); !r) return r;
    torch::save(*optimizer, tmp.optimizer());
    auto s = json::Value::object();
    s.set("step", step);
    s.set("tokens_seen", std::int64_t(tokensSeen));
    s.set("elapsed_seconds", elapsedSeconds);
    s.set("validation_nll", lastVal);
    s.set("streamer", streamer.saveState());
    s.set("config", cfg().toJson());
    s.set("world_size", ranks);
    if (stepsFixed) s.set("steps_fixed", steps);
    s.set("initial_validation_nll", initialVal);
    s.set("best_validation_nll", bestVal);
    s.set("best_step", bestStep);
    s.set("since_best", sinceBest);
    const std::string text = json::write(s, true);
    if (!writeFileAtomically(tmp.state(), {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}))
        return Error{"cannot write the checkpoint state"};
    return true;
}

Expected<bool> TrainingRun::openLog() {
    const std::string path = out + "/log.csv";
    const bool newLog = !o.resume || !exists(path);
    if (!main) return true;
    csv.open(path, std::ios::binary | (newLog ? std::ios::trunc : std::ios::app));
    if (!csv) return Error{"cannot write " + path};
    if (newLog)
        csv << "step,tokens,loss,validation_nll,validation_ppl,tokens_per_second,learning_rate,"
               "elapsed_seconds\n";
    return true;
}

double TrainingRun::validate() {
    const std::size_t n =
        std::min<std::size_t>(std::size_t(std::max(0, o.evalPieces)), validationPieces.size());
    std::vector<Piece> share;
    for (std::size_t i = std::size_t(rank); i < n; i += std::size_t(ranks))
        share.push_back(validationPieces[i]);
    auto sums = torch::zeros({2}, torch::kFloat64);
    if (!share.empty()) {
        auto r = evaluate(*model, share, 0, nullptr); // one piece at a time on the CPU
        net()->train();
        if (r) {
            sums[0] = r->nll * double(r->tokens);
            sums[1] = double(r->tokens);
        }
    }
    group->allReduce(sums);
    return sums[1].item<double>() > 0 ? sums[0].item<double>() / sums[1].item<double>() : -1.0;
}

Expected<bool> TrainingRun::trainSteps() {
    for (auto& p : net()->parameters()) parameters.push_back(p);
    start = Clock::now();
    agreedElapsed = elapsedBefore;
    intervalStart = Clock::now();
    net()->train();
    if (o.validateAtStart && step == 0 && !validationPieces.empty() && initialVal < 0) {
        const auto began = Clock::now();
        if (double v = validate(); v >= 0) {
            initialVal = lastVal = v;
            if (auto r = noteValidation(v); !r) return r;
        }
        validationSeconds = std::chrono::duration<double>(Clock::now() - began).count();
        if (main && log) log("the starting weights: validation NLL " + std::to_string(initialVal));
    }
    while (step < steps) {
        if (stopsBeforeStep()) break;
        StreamBatch batch = streamer.next();
        double lr = 0;
        const torch::Tensor loss = optimiserStep(batch, &lr);
        ++step;
        if (!stepsFixed && o.budgetMinutes > 0 && step >= std::max(1, o.calibrationSteps)) fixStepsFromBudget();
        tokensSeen += batch.realTokens;
        intervalTokens += batch.realTokens;
        if (const double l = agreeAfterStep(loss.item<double>()); std::isfinite(l)) {
            lossSum += l * double(batch.realTokens);
            lossTokens += batch.realTokens;
        }
        const bool report = step % std::max(1, o.reportEvery) == 0 || step == steps;
        const bool doEval =
            !validationPieces.empty() && (step % o.evalEvery == 0 || step == steps);
        if (doEval) {
            const auto began = Clock::now();
            if (double v = validate(); v >= 0) {
                lastVal = v;
                if (auto r = noteValidation(v); !r) return r;
            }
            validationSeconds = std::chrono::duration<double>(Clock::now() - began).count();
        }
        if (main && (report || doEval)) reportProgress(lr);
        if (step % o.checkpointEvery == 0 || summary.patienceRanOut)
            if (auto r = saveCheckpoint(elapsed()); !r) return r;
        if (summary.patienceRanOut) {
            if (main && log)
                log("no better validation in " + std::to_string(o.patience) +
                    " validations: stopping early; the best was at step " + std::to_string(bestStep));
            break;
        }
    }
    return true;
}

Expected<bool> TrainingRun::noteValidation(double nll) {
    if (bestVal < 0 || nll < bestVal) {
        bestVal = nll;
        bestStep = step;
        sinceBest = 0;
        if (o.keepBest && main) {
            auto meta = o.metadata;
            meta["training_steps"] = std::to_string(step);
            meta["training_tokens"] = std::to_string(tokensSeen);
            meta["validation_nll"] = std::to_string(nll);
            if (auto r = model->save(bestPath(), meta); !r) return Error{"cannot keep the best weights: " + r.error()};
            net()->train();
        }
    } else if (o.patience > 0 && ++sinceBest >= o.patience) {
        summary.patienceRanOut = true;
    }
    return true;
}

void TrainingRun::fixStepsFromBudget() {
    // The pace so far (the start's validation aside), plus a validation every evalEvery steps.
    const double spent = elapsed();
    const double perStep = std::max(1e-6, (spent - elapsedBefore - validationSeconds) / std::max(1, step));
    const double perStepWithValidation =
        perStep + (validationPieces.empty() ? 0.0 : validationSeconds / std::max(1, o.evalEvery));
    const double left = o.budgetMinutes * 60 - spent;
    steps = std::max(step, step + int(left / perStepWithValidation));
    stepsFixed = true;
    if (main && log)
        log("the " + std::to_string(int(std::lround(o.budgetMinutes))) + "-minute budget is " +
            std::to_string(steps) + " steps at this pace");
}

Expected<bool> TrainingRun::loadAnchor() {
    if (o.anchor <= 0) return true;
    if (o.initFrom.empty()) return Error{"an anchor needs the weights the run started from (--init)"};
    auto loaded = Model::load(o.initFrom, o.runtime);
    if (!loaded) return Error{"cannot read the anchor's weights: " + loaded.error()};
    auto start = loaded.value();
    if (start->config().toJson() != cfg().toJson()) {
        auto grown = withConfig(*start, cfg(), o.seed, o.runtime);
        if (!grown) return Error{"cannot read the anchor's weights: " + grown.error()};
        start = grown.value();
    }
    auto theirs = start->impl().net->named_parameters();
    torch::NoGradGuard g;
    for (const auto& p : net()->named_parameters()) {
        const torch::Tensor* w = theirs.find(p.key());
        if (!w || w->sizes() != p.value().sizes()) return Error{"the anchor's weights do not match the model (" + p.key() + ")"};
        anchorWeights.push_back(w->detach().clone().to(p.value().device()));
    }
    return true;
}

void TrainingRun::applyAnchor(double lr) {
    if (anchorWeights.empty()) return;
    torch::NoGradGuard g;
    const double pull = std::min(1.0, lr * o.anchor);
    std::size_t i = 0;
    for (auto& p : net()->parameters()) p.add_(anchorWeights[i++] - p, pull); // w += pull (w0 - w)
}

bool TrainingRun::stopsBeforeStep() {
    if ((ranks == 1 && stop && stop->load()) || stopAgreed) {
        summary.stoppedEarly = true;
        return true;
    }
    if (o.maxMinutes > 0 && elapsed() > o.maxMinutes * 60) {
        summary.stoppedEarly = true;
        if (main && log) log("time budget reached");
        return true;
    }
    return false;
}

torch::Tensor TrainingRun::optimiserStep(const StreamBatch& batch, double* lr) {
    const int S = cfg().segment, localB = hi - lo;
    // The loss is the sum over this rank's targets divided by the whole batch's count, so
    // that the ranks' gradients add up to the mean over the batch.
    std::int64_t batchTargets = 0;
    for (std::int64_t t : batch.targets) batchTargets += t != tokens::kPad;
    std::vector<bool> localReset(batch.reset.begin() + lo, batch.reset.begin() + hi);
    resetMemories(memories, localReset);
    auto input = batchTensor(rows(batch.inputs, lo, hi, S), localB, S, impl().device); // (b, S)
    auto target = batchTensor(rows(batch.targets, lo, hi, S), localB, S, impl().device); // (b, S)
    *lr = learningRateAt(o, steps, step, elapsed());
    for (auto& g : optimizer->param_groups())
        static_cast<torch::optim::AdamWOptions&>(g.options()).lr(*lr);
    torch::Tensor loss = forwardLoss(input, target, batchTargets);
    // Memories kept from a bf16 forward are cast back, so the next segment and the
    // checkpoint see fp32 like the weights.
    for (LayerMemory& m : memories) {
        if (m.k.defined() && m.k.scalar_type() != torch::kFloat32) m.k = m.k.to(torch::kFloat32);
        if (m.v.defined() && m.v.scalar_type() != torch::kFloat32) m.v = m.v.to(torch::kFloat32);
    }
    optimizer->zero_grad();
    loss.backward();
    group->allReduceGradients(parameters);
    torch::nn::utils::clip_grad_norm_(net()->parameters(), o.clipNorm);
    optimizer->step();
    applyAnchor(*lr);
    return loss;
}

torch::Tensor TrainingRun::forwardLoss(const torch::Tensor& input, const torch::Tensor& target,
                                       std::int64_t batchTargets) {
    namespace F = torch::nn::functional;
    const int S = cfg().segment, localB = hi - lo;
    Autocast autocast(bf16, impl().device.is_cuda());
    auto logits = net()->forward(input, memories); // (b, S, V)
    return F::cross_entropy(logits.view({localB * S, cfg().vocabSize}).to(torch::kFloat32),
                            target.view({localB * S}),
                            F::CrossEntropyFuncOptions().ignore_index(tokens::kPad).reduction(
                                torch::kSum)) /
           double(std::max<std::int64_t>(1, batchTargets));
}

double TrainingRun::agreeAfterStep(double loss) {
    if (ranks == 1) return loss;
    const double stopping = stop && stop->load() ? 1.0 : 0.0;
    auto shared = torch::tensor({loss, main ? localElapsed() : 0.0, stopping}, torch::kFloat64);
    group->allReduce(shared);
    agreedElapsed = shared[1].item<double>();
    stopAgreed = shared[2].item<double>() > 0;
    return shared[0].item<double>();
}

void TrainingRun::reportProgress(double lr) {
    const double secs = std::chrono::duration<double>(Clock::now() - intervalStart).count();
    TrainProgress p;
    p.step = step;
    p.steps = steps;
    p.tokensSeen = tokensSeen;
    p.loss = lossTokens ? lossSum / double(lossTokens) : 0;
    p.tokensPerSecond = double(intervalTokens) / std::max(1e-9, secs);
    p.learningRate = lr;
    p.validationNll = lastVal;
    p.bestValidationNll = bestVal;
    p.initialValidationNll = initialVal;
    p.elapsedSeconds = elapsed();
    p.epoch = streamer.epoch();
    double perStep = (elapsed() - elapsedBefore) / std::max(1, step - state["step"].toInt());
    p.etaSeconds = perStep * (steps - step);
    if (o.maxMinutes > 0) p.etaSeconds = std::min(p.etaSeconds, o.maxMinutes * 60 - elapsed());
    if (onProgress) onProgress(p);
    char line[256];
    std::snprintf(line, sizeof line, "%d,%lld,%.5f,%.5f,%.4f,%.1f,%.6g,%.1f\n", step,
                  (long long)tokensSeen, p.loss, lastVal, lastVal >= 0 ? std::exp(lastVal) : -1.0,
                  p.tokensPerSecond, lr, p.elapsedSeconds);
    csv << line;
    csv.flush();
    lossSum = 0;
    lossTokens = intervalTokens = 0;
    intervalStart = Clock::now();
}

Expected<TrainSummary> TrainingRun::finish() {
    // A run that stopped between validations (time budget, Ctrl+C) is validated once more,
    // so that the model's metadata describes the weights it holds.
    const bool interrupted = ranks == 1 ? stop && stop->load() : stopAgreed;
    if (!validationPieces.empty() && step > 0 && step % o.evalEvery != 0 && step != steps &&
        !interrupted && !summary.patienceRanOut) {
        if (double v = validate(); v >= 0) {
            lastVal = v;
            if (main && log)
                log("validation at step " + std::to_string(step) + ": NLL " +
                    std::to_string(lastVal));
        }
    }
    if (auto r = saveCheckpoint(elapsed()); !r) return Error{r.error()};
    summary.steps = step;
    summary.tokensSeen = tokensSeen;
    summary.wallSeconds = elapsed();
    summary.validationNll = lastVal;
    summary.initialValidationNll = initialVal;
    summary.bestValidationNll = bestVal;
    summary.bestStep = bestStep;
    if (o.keepBest && bestStep >= 0) summary.bestModelPath = bestPath();
    if (!main) return summary;
    return saveModel();
}

Expected<TrainSummary> TrainingRun::saveModel() {
    auto meta = o.metadata;
    meta["training_steps"] = std::to_string(step);
    meta["training_tokens"] = std::to_string(tokensSeen);
    meta["training_seconds"] = std::to_string(int(elapsed()));
    if (lastVal >= 0) {
        meta["validation_nll"] = std::to_string(lastVal);
        meta["validation_ppl"] = std::to_string(std::exp(lastVal));
    }
    summary.modelPath = out + "/model.safetensors";
    if (auto r = model->save(summary.modelPath, meta); !r) return Error{r.error()};
    return summary;
}

Expected<TrainSummary> train(const TrainOptions& o, const std::vector<Piece>& trainPieces,
                             const std::vector<Piece>& validationPieces,
                             const std::function<void(const TrainProgress&)>& onProgress,
                             const std::function<void(const std::string&)>& log,
                             const std::atomic<bool>* stop) {
    if (trainPieces.empty()) return Error{"no training pieces"};
    std::error_code ec;
    if (fs::create_directories(o.outDir, ec); ec || !fs::is_directory(o.outDir, ec))
        return Error{o.outDir + ": cannot create the folder"};
    TrainingRun run(o, trainPieces, validationPieces, onProgress, log, stop);
    if (auto r = run.joinJob(); !r) return Error{r.error()};
    if (auto r = run.loadModel(); !r) return Error{r.error()};
    run.chooseArithmetic();
    try {
        run.createOptimizer();
        if (auto r = run.agreeOnStartingStep(); !r) return Error{r.error()};
        if (auto r = run.loadAnchor(); !r) return Error{r.error()};
        run.shareWeights();
        run.restoreCheckpoint();
        if (auto r = run.openLog(); !r) return Error{r.error()};
        if (auto r = run.trainSteps(); !r) return Error{r.error()};
        return run.finish();
    } catch (const PeerLost& e) {
        return Error{"rank " + std::to_string(run.rank) +
                     " stopped: a peer left the job (or did not answer within " +
                     std::to_string(int(o.distributed.timeoutSeconds)) + " s): " + e.what() +
                     "; the same command with --resume continues from the last checkpoint"};
    } catch (const std::exception& e) {
        return Error{(run.ranks > 1 ? "rank " + std::to_string(run.rank) + ": " : std::string()) +
                     "training failed: " + torchMessage(e)};
    }
}

} // namespace continuo::inference
