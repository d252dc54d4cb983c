// Evaluation: whole pieces, streamed segment by segment with memory, exactly as in training
// (optionally with every layer's memory capped, to measure what far context is worth).
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
} // namespace

Expected<EvalResult> evaluate(Model& model, const std::vector<Piece>& pieces, int batch, const std::atomic<bool>* stop,
                              int maxContext) {
    if (pieces.empty()) return Error{"nothing to evaluate"};
    Model::Impl& impl = model.impl();
    Dsmr& net = impl.net;
    const int S = net->config.segment;
    const int B = std::clamp(batch, 1, int(pieces.size()));
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
        for (;;) {
            if (stop && stop->load()) return Error{"evaluation stopped"};
            StreamBatch b = streamer.next();
            if (b.realTokens == 0) break;
            for (std::size_t r = 0; r < b.reset.size(); ++r)
                if (b.reset[r]) {
                    position[r] = 0;
                    for (auto& m : memories)
                        if (m.valid.defined()) m.valid[std::int64_t(r)].fill_(false);
                }
            auto input = torch::tensor(b.inputs, torch::kLong).view({B, S}).to(impl.device);   // (B, S)
            auto target = torch::tensor(b.targets, torch::kLong).view({B, S}).to(impl.device); // (B, S)
            auto logits = net->forward(input, memories);                                       // (B, S, V)
            auto nll = torch::nn::functional::cross_entropy(
                           logits.view({B * S, -1}), target.view({B * S}),
                           torch::nn::functional::CrossEntropyFuncOptions().ignore_index(tokens::kPad).reduction(torch::kNone))
                           .view({B, S})
                           .to(torch::kCPU, torch::kDouble)
                           .contiguous(); // (B, S)
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
