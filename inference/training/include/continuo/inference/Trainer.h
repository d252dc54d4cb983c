#pragma once
// DSMR training and evaluation: whole pieces streamed left to right in segments, each layer
// carrying its detached memory; B pieces side by side. Torch-free interface.
#include "continuo/core/Expected.h"
#include "continuo/inference/Dataset.h"
#include "continuo/inference/Engine.h"
#include "continuo/inference/Recall.h"

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace continuo::inference {

/// Where this process stands in a data-parallel job (torchrun's RANK, WORLD_SIZE, MASTER_ADDR,
/// MASTER_PORT). World size 1 is plain single-process training.
struct DistributedOptions {
    int rank = 0;
    int worldSize = 1;
    std::string masterAddress = "127.0.0.1";
    int masterPort = 29500;
    /// How long a collective or the rendezvous may wait for a peer before the job ends.
    double timeoutSeconds = 300;
};

/// Arithmetic of the training forward pass. Bf16 autocasts the matrix products and keeps the
/// weights, the optimiser, the loss and the memories in fp32. Auto: bf16 on CUDA and on CPUs
/// that multiply bf16 in hardware (cpuinfoHasBf16Hardware), fp32 on other CPUs (where bf16 is
/// emulated and slower).
enum class TrainPrecision { Auto, Fp32, Bf16 };

/// Whether /proc/cpuinfo's flags (one "flags : ..." line, or the whole file) name bf16
/// arithmetic in hardware: Intel AMX tiles (amx_bf16 with amx_tile, Sapphire Rapids and later)
/// or AVX-512 BF16 dot products (avx512_bf16: Cooper Lake, AMD Zen 4 and Zen 5). On both,
/// LibTorch's oneDNN runs autocast's products as bf16 kernels, about twice as fast as fp32 on
/// one thread (docs/training-speed.md). Flags match whole words only.
bool cpuinfoHasBf16Hardware(std::string_view flags);

struct TrainOptions {
    ModelConfig config;
    std::string outDir;          ///< checkpoint/, model.safetensors, log.csv
    int batch = 8;               ///< pieces streamed side by side
    int steps = 10000;           ///< optimiser steps (the schedule's length)
    double learningRate = 1e-3;
    double minLearningRateRatio = 0.1; ///< cosine decays to lr x this
    int warmupSteps = 300;
    double weightDecay = 0.01;
    double clipNorm = 1.0;
    int checkpointEvery = 200;   ///< steps
    int evalEvery = 500;         ///< steps; validation on `evalPieces` pieces
    int evalPieces = 8;
    int reportEvery = 20;        ///< steps between progress reports and log.csv rows
    double maxMinutes = 0;       ///< stop (and save) after this wall time; 0 = no limit
    bool augment = true;
    bool resume = false;
    /// Recompute each block's activations in the backward pass instead of keeping them:
    /// memory flat in depth for about a third more compute.
    bool recompute = false;
    TrainPrecision precision = TrainPrecision::Auto;
    /// Start from these weights (fine-tuning, or a second stage of training) with a fresh
    /// optimiser and schedule. The architecture comes from the file; `config`'s is ignored.
    std::string initFrom;
    /// Fine-tuning's anchor to the weights it started from (initFrom): after each step every
    /// weight w moves towards its start w0 by lr x anchor x (w - w0), decoupled from the
    /// gradient as AdamW's decay is (L2-SP; the decay towards zero is then off). 0 = none.
    double anchor = 0;
    /// Early stopping on the validation pieces: after this many validations in a row without a
    /// better NLL the run ends (0 = never early). The best weights are kept in
    /// outDir/best.safetensors when `keepBest` is set.
    int patience = 0;
    bool keepBest = false;
    /// Validates the starting weights before the first step (the number fine-tuning must beat;
    /// with keepBest they are the first "best").
    bool validateAtStart = false;
    /// A time budget that becomes a step count: after `calibrationSteps` steps the run fixes
    /// `steps` to what fits into these minutes at the pace measured so far (validations
    /// included), and keeps that count in its checkpoint, so that a resumed run is the same run.
    /// 0 = `steps` as given.
    double budgetMinutes = 0;
    int calibrationSteps = 10;
    std::uint64_t seed = 1;
    RuntimeOptions runtime;
    std::map<std::string, std::string> metadata; ///< licence, training_data, name, ...
    /// Data parallel: each rank trains on its share of the `batch` streams (rows
    /// [rank * batch / N, (rank + 1) * batch / N)); gradients are summed over the ranks before
    /// clipping and the step, so N ranks give the model one process gives with the same batch.
    /// Rank 0 writes the checkpoints, the log and the model.
    DistributedOptions distributed;
};

struct TrainProgress {
    int step = 0, steps = 0;
    std::int64_t tokensSeen = 0;
    double loss = 0;            ///< mean over the last report interval (nats/token)
    double tokensPerSecond = 0;
    double learningRate = 0;
    double validationNll = -1;  ///< latest, -1 = none yet
    double bestValidationNll = -1;    ///< the best so far (early stopping), -1 = none yet
    double initialValidationNll = -1; ///< of the starting weights (validateAtStart), -1 = none
    double elapsedSeconds = 0, etaSeconds = 0;
    int epoch = 0;
};

struct TrainSummary {
    int steps = 0;
    std::int64_t tokensSeen = 0;
    double wallSeconds = 0;
    double validationNll = -1;
    bool stoppedEarly = false;       ///< asked to stop, or out of time: resumable
    bool patienceRanOut = false;     ///< early stopping ended it (the run is complete)
    double initialValidationNll = -1; ///< the starting weights' (validateAtStart)
    double bestValidationNll = -1;
    int bestStep = -1;                ///< where the best weights were (0: the starting ones)
    std::string modelPath;
    std::string bestModelPath;        ///< keepBest: outDir/best.safetensors
};

/// Trains (or resumes) and writes outDir/model.safetensors. `stop` ends training cleanly with a
/// checkpoint (Ctrl+C / SIGTERM). `log` receives human-readable lines.
Expected<TrainSummary> train(const TrainOptions& options, const std::vector<Piece>& trainPieces,
                             const std::vector<Piece>& validationPieces,
                             const std::function<void(const TrainProgress&)>& onProgress,
                             const std::function<void(const std::string&)>& log, const std::atomic<bool>* stop);

struct PieceScore {
    std::string path;
    std::int64_t tokens = 0;
    double nll = 0; ///< mean nats per token
};

/// Tokens whose position in their piece (0 = the first predicted token, after BOS) lies in
/// [from, to]; to = -1: no upper end.
struct PositionScore {
    std::int64_t from = 0, to = -1;
    std::int64_t tokens = 0;
    double nll = 0; ///< mean nats per token
};

struct EvalResult {
    std::int64_t tokens = 0;
    double nll = 0;        ///< mean nats per token over all pieces
    double perplexity = 0; ///< exp(nll)
    std::vector<PieceScore> pieces;
    std::vector<PositionScore> byPosition; ///< positions 0-255, 256-1023, 1024+
    double tokensPerSecond = 0;
};

/// Negative log-likelihood of whole pieces (BOS + piece + EOS), streamed exactly as in
/// training, no truncation; deterministic. `maxContext` >= 0 caps every layer's memory at that
/// many keys from earlier segments (0 = each segment sees only itself); -1 = the model's horizons.
/// With `recall` enabled, each piece's own history is recalled beside the network exactly as
/// continuations do (Recall.h). `recallReach` >= 0 caps recall's entries from earlier segments
/// at that many, the newest, as `maxContext` caps the layers' memory (the segment's own entries
/// stay, minus the newest `minDistance`); -1 = recall's capacity. The two caps are independent:
/// `maxContext` does not cap recall, nor `recallReach` the layers.
/// `batch` pieces are streamed side by side; 0 chooses: one on the CPU (no padding where pieces
/// end, and the working set stays in cache, so it is the fastest there), 8 on CUDA.
Expected<EvalResult> evaluate(Model& model, const std::vector<Piece>& pieces, int batch = 0,
                              const std::atomic<bool>* stop = nullptr, int maxContext = -1,
                              const RecallOptions& recall = RecallOptions::off(), int recallReach = -1);

} // namespace continuo::inference
