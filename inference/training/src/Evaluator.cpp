// Evaluation: whole pieces, streamed segment by segment with memory, exactly as in training
// (optionally with every layer's memory, or recall's reach, capped, to measure what far context
// is worth to each).
#include "ModelImpl.h"

#include "continuo/inference/Trainer.h"

#include <chrono>
#include <cmath>

namespace continuo::inference {

namespace {
/// Keeps at most the last `n` keys of each memory (n = 0: none).
void capMemories(std::vector<LayerMemory>& memories, int n) {
    for (LayerMemory& m : memories) {
        if (!m.k.defined() || m.k.size(2) <= n) continue;
        if (n == 0) {
            m = {};
            continue;
        }
        const auto M = m.k.size(2);
        m.k = m.k.narrow(2, M - n, n);
        m.v = m.v.narrow(2, M - n, n);
        if (m.valid.defined()) m.valid = m.valid.narrow(1, M - n, n);
    }
}

/// Recall for one stream over a whole piece, as RecallCache does it token by token in
/// decoding, here for a segment at a time: entries are the unit hidden states rounded to half
/// (as RecallCache holds them) and the targets they predicted.
struct StreamRecall {
    torch::Tensor keys;    // (N, C) float, half-rounded unit vectors
    torch::Tensor targets; // (N) long

    /// probs (n, V) of the segment's n scored positions, hidden (n, C), their targets (n):
    /// mixes recall into probs and then adds the n entries. `took` (n) receives the weight
    /// recall took at each position (0 where it read nothing).
    torch::Tensor mix(const torch::Tensor& probs, const torch::Tensor& hidden, const torch::Tensor& target,
                      const RecallOptions& o, std::int64_t keepAtMost, torch::Tensor* took) {
        namespace F = torch::nn::functional;
        const auto n = hidden.size(0);
        auto unit = F::normalize(hidden, F::NormalizeFuncOptions().dim(-1)); // the query stays in float
        auto held = unit.to(torch::kHalf).to(torch::kFloat);
        const auto N = keys.defined() ? keys.size(0) : 0;
        auto allKeys = N ? torch::cat({keys, held}, 0) : held;         // (N + n, C)
        auto allTargets = N ? torch::cat({targets, target}, 0) : target; // (N + n)
        // Position N + t reads entries N + t - capacity <= j < N + t - minDistance: RecallCache
        // holds the newest `capacity` and leaves out the newest `minDistance`.
        auto column = torch::arange(N + n, torch::kLong).unsqueeze(0);
        auto query = torch::arange(n, torch::kLong).unsqueeze(1) + N;
        auto scores = (o.sharpness * torch::matmul(unit, allKeys.t()))
                          .masked_fill(column >= query - o.minDistance, -INFINITY)
                          .masked_fill(column < query - o.capacity, -INFINITY);
        auto network = torch::full({n, 1}, o.sharpness * o.threshold);
        auto a = torch::softmax(torch::cat({scores, network}, 1), -1); // (n, N + n + 1)
        auto recalled = torch::zeros_like(probs).scatter_add_(1, allTargets.unsqueeze(0).expand({n, N + n}),
                                                             a.narrow(1, 0, N + n));
        auto share = o.weight * (1 - a.narrow(1, N + n, 1)); // (n, 1)
        *took = share.squeeze(1);
        auto mixed = (1 - share) * probs + o.weight * recalled;
        keys = allKeys;
        targets = allTargets;
        keepNewest(keepAtMost);
        return mixed;
    }
    void keepNewest(std::int64_t n) {
        if (!keys.defined() || keys.size(0) <= n) return;
        keys = keys.narrow(0, keys.size(0) - n, n).clone();
        targets = targets.narrow(0, targets.size(0) - n, n).clone();
    }
};
} // namespace

Expected<EvalResult> evaluate(Model& model, const std::vector<Piece>& pieces, int batch, const std::atomic<bool>* stop,
                              int maxContext, const RecallOptions& recall, int recallReach) {
    if (pieces.empty()) return Error{"nothing to evaluate"};
    Model::Impl& impl = model.impl();
    Dsmr& net = impl.net;
    const int S = net->config.segment;
    const int B = std::clamp(batch > 0 ? batch : impl.device.is_cpu() ? 1 : 8, 1, int(pieces.size()));
    const auto start = std::chrono::steady_clock::now();
    EvalResult result;
    std::vector<double> sums(pieces.size(), 0.0);
    std::vector<std::int64_t> counts(pieces.size(), 0);
    result.byPosition = {{0, 255}, {256, 1023}, {1024, -1}};
    std::vector<double> rangeSums(result.byPosition.size(), 0.0);
    std::vector<std::int64_t> position(std::size_t(B), 0); // of each stream's next target in its piece
    try {
        torch::NoGradGuard noGrad;
        net->eval();
        PieceStreamer streamer(&pieces, B, S, 0, false);
        streamer.setSinglePass(true);
        std::vector<LayerMemory> memories(std::size_t(net->config.layers));
        std::vector<StreamRecall> recalls(static_cast<std::size_t>(B));
        const std::int64_t recallKeep = recallReach >= 0 ? std::min<std::int64_t>(recallReach, recall.capacity) : recall.capacity;
        for (;;) {
            if (stop && stop->load()) return Error{"evaluation stopped"};
            StreamBatch b = streamer.next();
            if (b.realTokens == 0) break;
            for (std::size_t r = 0; r < b.reset.size(); ++r)
                if (b.reset[r]) {
                    position[r] = 0;
                    recalls[r] = {};
                    for (auto& m : memories)
                        if (m.valid.defined()) m.valid[std::int64_t(r)].fill_(false);
                }
            auto input = torch::tensor(b.inputs, torch::kLong).view({B, S}).to(impl.device);   // (B, S)
            auto target = torch::tensor(b.targets, torch::kLong).view({B, S}).to(impl.device); // (B, S)
            torch::Tensor hidden;
            auto logits = net->forward(input, memories, recall.enabled() ? &hidden : nullptr); // (B, S, V)
            auto nll = torch::nn::functional::cross_entropy(
                           logits.view({B * S, -1}), target.view({B * S}),
                           torch::nn::functional::CrossEntropyFuncOptions().ignore_index(tokens::kPad).reduction(torch::kNone))
                           .view({B, S})
                           .to(torch::kCPU, torch::kDouble)
                           .contiguous(); // (B, S)
            if (recall.enabled()) {
                auto probs = torch::softmax(logits.to(torch::kCPU, torch::kFloat), -1);
                auto hiddenCpu = hidden.to(torch::kCPU, torch::kFloat);
                auto targetCpu = target.to(torch::kCPU);
                double* out = nll.data_ptr<double>();
                for (int r = 0; r < B; ++r) {
                    std::vector<std::int64_t> scored; // a segment's real targets come first, padding after
                    for (int t = 0; t < S; ++t)
                        if (b.targets[std::size_t(r * S + t)] != tokens::kPad) scored.push_back(t);
                    if (scored.empty()) continue;
                    auto at = torch::tensor(scored, torch::kLong);
                    auto y = targetCpu[r].index_select(0, at);
                    torch::Tensor took;
                    auto mixed = recalls[std::size_t(r)].mix(probs[r].index_select(0, at), hiddenCpu[r].index_select(0, at), y,
                                                             recall, recallKeep, &took);
                    auto each = (-mixed.gather(1, y.unsqueeze(1)).squeeze(1).log()).to(torch::kDouble).contiguous();
                    took = took.contiguous();
                    // Where recall read nothing, the network's own score stands, to the bit.
                    for (std::size_t i = 0; i < scored.size(); ++i)
                        if (took.data_ptr<float>()[i] > 0) out[r * S + scored[i]] = each.data_ptr<double>()[i];
                }
            }
            if (maxContext >= 0) capMemories(memories, maxContext);
            const double* each = nll.data_ptr<double>();
            const auto& current = streamer.currentPieces();
            for (int r = 0; r < B; ++r) {
                int piece = current[std::size_t(r)];
                if (piece < 0) continue;
                std::int64_t n = 0;
                double sum = 0;
                for (int t = 0; t < S; ++t) {
                    if (b.targets[std::size_t(r * S + t)] == tokens::kPad) continue;
                    const double x = each[r * S + t];
                    const std::int64_t at = position[std::size_t(r)]++;
                    for (std::size_t k = 0; k < result.byPosition.size(); ++k) {
                        PositionScore& range = result.byPosition[k];
                        if (at >= range.from && (range.to < 0 || at <= range.to)) {
                            rangeSums[k] += x;
                            ++range.tokens;
                        }
                    }
                    sum += x;
                    ++n;
                }
                sums[std::size_t(piece)] += sum;
                counts[std::size_t(piece)] += n;
            }
        }
    } catch (const std::exception& e) {
        return Error{"evaluation failed: " + torchMessage(e)};
    }
    double total = 0;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        result.pieces.push_back({pieces[i].path, counts[i], counts[i] ? sums[i] / double(counts[i]) : 0.0});
        total += sums[i];
        result.tokens += counts[i];
    }
    for (std::size_t k = 0; k < result.byPosition.size(); ++k)
        if (result.byPosition[k].tokens) result.byPosition[k].nll = rangeSums[k] / double(result.byPosition[k].tokens);
    result.nll = result.tokens ? total / double(result.tokens) : 0;
    result.perplexity = std::exp(result.nll);
    result.tokensPerSecond = double(result.tokens) /
                             std::max(1e-9, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return result;
}

} // namespace continuo::inference
