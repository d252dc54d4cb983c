#pragma once
// One training run's state and its steps (Trainer.cpp). Internal to the trainer.
#include "Distributed.h"
#include "Json.h"
#include "ModelImpl.h"

#include "continuo/inference/Trainer.h"

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace continuo::inference {

/// The files of a checkpoint folder.
struct Checkpoint {
    std::string dir;
    std::string model() const { return dir + "/model.safetensors"; }
    std::string optimizer() const { return dir + "/optimizer.pt"; }
    /// Each rank's streams carry their own memories and random state.
    std::string memories(int rank = 0) const {
        return rank == 0 ? dir + "/memories.pt" : dir + "/memories.rank" + std::to_string(rank) + ".pt";
    }
    std::string state() const { return dir + "/state.json"; }
};

/// One training run: the job it is part of, the model and its optimiser, the streams' memories
/// and where the data, the schedule and the log stand. train() takes it through the steps below
/// in their order; from createOptimizer() on, a lost peer or a LibTorch error throws.
struct TrainingRun {
    using Clock = std::chrono::steady_clock;

    TrainingRun(const TrainOptions& o, const std::vector<Piece>& trainPieces,
                const std::vector<Piece>& validationPieces,
                const std::function<void(const TrainProgress&)>& onProgress,
                const std::function<void(const std::string&)>& log, const std::atomic<bool>* stop);

    /// Joins the job (a group of one without data parallelism) and takes this rank's streams.
    Expected<bool> joinJob();
    /// The checkpoint's model (--resume), the --init file's, or a new one.
    Expected<bool> loadModel();
    /// Activation recomputation, and bf16 autocast or fp32 for the forward pass.
    void chooseArithmetic();
    /// AdamW with weight decay on the matrices only.
    void createOptimizer();
    /// Every rank must stand at the same step: a rank on another machine resumes from its own
    /// copy of the checkpoint.
    Expected<bool> agreeOnStartingStep();
    /// Every rank starts from rank 0's weights, whatever it created or loaded.
    void shareWeights();
    /// The optimiser, and the streams' memories and random state, from the checkpoint when
    /// resuming.
    void restoreCheckpoint();
    /// log.csv: a new one, or the resumed run's, continued.
    Expected<bool> openLog();
    /// The training loop, from the current step to the last (or until told to stop).
    Expected<bool> trainSteps();
    /// The last validation and checkpoint, and (rank 0) the model file.
    Expected<TrainSummary> finish();

    // Parts of the steps.
    Expected<bool> resumeModel();
    Expected<bool> startFromWeights();
    void restoreMemories();
    /// Writes a checkpoint that is whole or absent.
    Expected<bool> saveCheckpoint(double elapsedSeconds);
    /// This rank's memories and random state, into the checkpoint being written.
    void saveMemories();
    /// Rank 0's part of the checkpoint being written: weights, optimiser and state.json.
    Expected<bool> saveModelAndState(double elapsedSeconds);
    /// Validation of the first pieces: each rank scores every N-th of them and the sums meet.
    double validate();
    /// Whether the run ends before the next step: asked to stop, or out of time.
    bool stopsBeforeStep();
    /// One optimiser step on this rank's rows of `batch`; returns the loss, and in `lr` the
    /// learning rate it stepped with.
    torch::Tensor optimiserStep(const StreamBatch& batch, double* lr);
    /// The forward pass over `input` (b, S) and the loss against `target` (b, S).
    torch::Tensor forwardLoss(const torch::Tensor& input, const torch::Tensor& target,
                              std::int64_t batchTargets);
    /// The loss summed over the ranks, who also take rank 0's clock and stop if any was asked to.
    double agreeAfterStep(double loss);
    /// Progress to the caller and a row of log.csv, over the interval since the last report.
    void reportProgress(double lr);
    Expected<TrainSummary> saveModel();
    /// The weights the anchor pulls towards: o.initFrom's, as the run started from them.
    Expected<bool> loadAnchor();
    /// Pulls every weight towards its start (o.anchor), after an optimiser step at `lr`.
    void applyAnchor(double lr);
    /// A validation's outcome for early stopping: the best weights kept, patience counted.
    Expected<bool> noteValidation(double nll);
    /// After the calibration steps, turns o.budgetMinutes into `steps`.
    void fixStepsFromBudget();
    /// The best weights so far, as a model file (keepBest).
    std::string bestPath() const { return out + "/best.safetensors"; }

    Model::Impl& impl() { return model->impl(); }
    Dsmr& net() { return model->impl().net; }
    const ModelConfig& cfg() { return net()->config; }
    double localElapsed() const {
        return elapsedBefore + std::chrono::duration<double>(Clock::now() - start).count();
    }
    double elapsed() const { return ranks == 1 ? localElapsed() : agreedElapsed; }

    const TrainOptions& o;
    const std::vector<Piece>& validationPieces;
    const std::function<void(const TrainProgress&)>& onProgress;
    const std::function<void(const std::string&)>& log;
    const std::atomic<bool>* stop;
    const std::string out;
    const Checkpoint ckpt, tmp, old;

    std::unique_ptr<ProcessGroup> group;
    bool main = true;
    int ranks = 1, rank = 0;
    int lo = 0, hi = 0; ///< this rank's streams: rows [lo, hi) of the batch

    std::shared_ptr<Model> model;
    bool bf16 = false;
    std::unique_ptr<torch::optim::AdamW> optimizer;
    std::vector<torch::Tensor> parameters;
    std::vector<LayerMemory> memories;
    PieceStreamer streamer;
    json::Value state = json::Value::object(); ///< the checkpoint's state.json when resuming, else empty
    std::ofstream csv;

    int step = 0;
    int steps = 0;                ///< the schedule's length: o.steps, or fixed by the budget
    bool stepsFixed = false;      ///< the budget has become a step count
    std::int64_t tokensSeen = 0;
    double initialVal = -1, bestVal = -1;
    int bestStep = -1, sinceBest = 0;
    double validationSeconds = 0; ///< the last validation's wall time (for the budget)
    std::vector<torch::Tensor> anchorWeights; ///< the starting weights, in parameters() order
    double elapsedBefore = 0, lastVal = -1;
    Clock::time_point start;
    // The ranks agree after every step on rank 0's clock and on whether any of them was asked
    // to stop, so that they take the same learning rate and stop at the same step.
    double agreedElapsed = 0;
    bool stopAgreed = false;
    double lossSum = 0; ///< over the report interval
    std::int64_t lossTokens = 0, intervalTokens = 0;
    Clock::time_point intervalStart;
    TrainSummary summary;
};

} // namespace continuo::inference
