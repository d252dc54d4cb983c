// continuo-gpu check: the model on the CPU is the reference for the model on the device.
//  - logits: the network's forward pass over two segments (the second reads the first's
//    memory), in fp32, agrees to kLogitLimit;
//  - decoding: a continuation sampled with a fixed seed on the device writes tokens, the same
//    tokens as on the CPU (sampling runs on the CPU from the logits, so only a logit that moved
//    across a sampling threshold could change one);
//  - training: the trainer's first steps (fp32, no dropout, no augmentation) give the same
//    losses, to kLossLimit.
// With --device cpu the two sides are the same code path, which still exercises the harness.
#include "GpuChecks.h"

#include "Flags.h"
#include "ModelImpl.h"

#include "continuo/inference/Trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

namespace continuo::gpu {

using namespace continuo::inference;

namespace {
/// fp32 logits: both sides sum the same products in another order. Float rounding (2^-24
/// relative) over a 1,024-wide dot product and four layers stays far below this on logits
/// of magnitude ~10-30; a wrong kernel or a lost memory moves them by 1e-2 and more. (LibTorch
/// leaves TensorFloat-32 off for float32 matrix products unless told otherwise.)
constexpr double kLogitLimit = 1e-4;
/// Mean training loss (nats/token, ~2-3) of the first steps, relative. Step 1 is a forward
/// pass (logit differences ~1e-6 average out over 2,048 targets); steps 2 and 3 come after
/// AdamW updates, where each weight moves by about the learning rate whatever its gradient's
/// size, so gradients that differ in their last bits can move a weight whose gradient is
/// near zero (AdamW divides by its own magnitude) differently. Measured on the CPU with 1
/// against 2 threads (another summation order): docs/gpu-training.md.
constexpr double kLossLimit = 1e-4;

struct Setup {
    std::string model, device;
    int threads = 0, referenceThreads = 0, batch = 8, steps = 3;
    std::vector<Piece> pieces;
};

RuntimeOptions runtimeFor(const std::string& device, int threads) { return {device, threads, false, RecallOptions::off()}; }

std::shared_ptr<Model> load(const Setup& s, const std::string& device, int threads) {
    auto m = Model::load(s.model, runtimeFor(device, threads));
    if (!m) throw std::runtime_error(m.error());
    return m.value();
}

/// Logits (1, T, V) on the CPU of the network's forward pass over `tokens`, segment by segment.
torch::Tensor logitsOn(const Setup& s, const std::string& device, int threads, const std::vector<std::int64_t>& input) {
    auto model = load(s, device, threads);
    Model::Impl& impl = model->impl();
    if (impl.device.is_cpu()) applyThreads(threads);
    torch::NoGradGuard noGrad;
    impl.net->eval();
    const std::size_t S = std::size_t(impl.net->config.segment);
    std::vector<LayerMemory> memories(std::size_t(impl.net->config.layers));
    std::vector<torch::Tensor> out;
    for (std::size_t at = 0; at + S <= input.size(); at += S) {
        std::vector<std::int64_t> segment(input.begin() + long(at), input.begin() + long(at + S));
        auto batch = torch::tensor(segment, torch::kLong).view({1, long(S)}).to(impl.device);
        out.push_back(impl.net->forward(batch, memories).to(torch::kCPU, torch::kFloat32));
    }
    return torch::cat(out, 1);
}

bool checkLogits(const Setup& s) {
    std::vector<std::int64_t> input{tokens::kBos};
    const auto& piece = s.pieces.front().tokens;
    input.insert(input.end(), piece.begin(), piece.begin() + long(std::min<std::size_t>(piece.size(), 511)));
    const auto reference = logitsOn(s, "cpu", s.referenceThreads, input);
    const auto other = logitsOn(s, s.device, s.threads, input);
    const double diff = (reference - other).abs().max().item<double>();
    const double largest = reference.abs().max().item<double>();
    const bool pass = std::isfinite(diff) && diff <= kLogitLimit;
    std::printf("%s logits, cpu vs %s: max |difference| %.3g over %lld logits of %zu tokens (|logit| up to %.1f; limit %.0e)\n",
                pass ? "PASS" : "FAIL", s.device.c_str(), diff, (long long)reference.numel(), input.size(), largest,
                kLogitLimit);
    return pass;
}

std::vector<int> decodeOn(const Setup& s, const std::string& device, int threads, double* tokensPerSecond) {
    const auto& piece = s.pieces.front().tokens;
    const auto primer = tokens::decode(std::vector<int>(piece.begin(), piece.begin() + long(std::min<std::size_t>(piece.size(), 400))));
    double end = 0;
    for (const auto& n : primer) end = std::max(end, n.end);
    Generator generator(load(s, device, threads));
    ContinueOptions o;
    o.sampling.variations = 1;
    o.sampling.seed = Seed::fixed(7);
    o.sampling.recall = 0;
    o.sampling.lengthSeconds = 4;
    o.maxTokens = 96;
    o.threads = threads;
    auto c = generator.run(primer, end, o);
    if (!c) throw std::runtime_error("decoding on " + device + ": " + c.error());
    *tokensPerSecond = c->tokensPerSecond;
    return c->tokens.empty() ? std::vector<int>{} : c->tokens.front();
}

bool checkDecoding(const Setup& s) {
    double referenceRate = 0, rate = 0;
    const auto reference = decodeOn(s, "cpu", s.referenceThreads, &referenceRate);
    const auto other = decodeOn(s, s.device, s.threads, &rate);
    std::size_t same = 0;
    while (same < std::min(reference.size(), other.size()) && reference[same] == other[same]) ++same;
    const std::size_t needed = std::min<std::size_t>(16, reference.size());
    const bool pass = !other.empty() && same >= needed;
    std::printf("%s decoding on %s: %zu tokens (%.0f tokens/s; cpu %zu at %.0f tokens/s), the first %zu the cpu's (%zu needed)\n",
                pass ? "PASS" : "FAIL", s.device.c_str(), other.size(), rate, reference.size(), referenceRate, same, needed);
    return pass;
}

std::vector<double> lossesOn(const Setup& s, const std::string& device, int threads, const std::string& folder) {
    TrainOptions o;
    o.config = load(s, "cpu", 1)->config();
    o.config.dropout = 0; // dropout masks come from each device's own random numbers
    o.initFrom = s.model;
    o.outDir = folder;
    o.batch = s.batch;
    o.steps = s.steps;
    o.learningRate = 2.5e-4;
    o.warmupSteps = 1;
    o.reportEvery = 1;
    o.evalEvery = o.checkpointEvery = 1 << 30;
    o.augment = false;
    o.precision = TrainPrecision::Fp32;
    o.seed = 19;
    o.runtime = runtimeFor(device, threads);
    std::vector<double> losses;
    auto r = train(o, s.pieces, {}, [&](const TrainProgress& p) { losses.push_back(p.loss); }, {}, nullptr);
    if (!r) throw std::runtime_error("training on " + device + ": " + r.error());
    return losses;
}

bool checkTraining(const Setup& s) {
    namespace fs = std::filesystem;
    const fs::path scratch = fs::temp_directory_path() / ("continuo-gpu-check-" + std::to_string(::getpid()));
    const auto reference = lossesOn(s, "cpu", s.referenceThreads, (scratch / "cpu").string());
    const auto other = lossesOn(s, s.device, s.threads, (scratch / "device").string());
    fs::remove_all(scratch);
    bool pass = reference.size() == other.size() && !other.empty();
    std::string steps;
    for (std::size_t i = 0; i < std::min(reference.size(), other.size()); ++i) {
        const double relative = std::abs(reference[i] - other[i]) / std::max(1e-12, std::abs(reference[i]));
        pass = pass && std::isfinite(other[i]) && relative <= kLossLimit;
        char part[96];
        std::snprintf(part, sizeof part, "%s%.6f vs %.6f (%.1e)", steps.empty() ? "" : ", ", reference[i], other[i], relative);
        steps += part;
    }
    std::printf("%s training, cpu vs %s, batch %d, fp32, losses of steps 1-%zu: %s (limit %.0e relative)\n",
                pass ? "PASS" : "FAIL", s.device.c_str(), s.batch, reference.size(), steps.c_str(), kLossLimit);
    return pass;
}
} // namespace

int runChecks(int argc, char** argv) {
    Flags f(argc, argv, 2, {"model", "cache", "device", "threads", "reference-threads", "batch", "steps"});
    Setup s;
    s.model = f.text("model");
    s.device = f.text("device", "cuda");
    s.threads = f.integer("threads", 0);
    s.referenceThreads = f.integer("reference-threads", s.threads);
    s.batch = f.integer("batch", 8);
    s.steps = f.integer("steps", 3);
    if (s.model.empty() || !f.has("cache")) throw std::invalid_argument("--model and --cache are required");
    s.pieces = readTokenCache(f.text("cache"));
    if (s.pieces.empty()) throw std::runtime_error(f.text("cache") + ": no pieces (missing, or not a token cache)");
    const bool logits = checkLogits(s);
    const bool decoding = checkDecoding(s);
    const bool training = checkTraining(s);
    std::fflush(stdout);
    return logits && decoding && training ? 0 : 1;
}

} // namespace continuo::gpu
