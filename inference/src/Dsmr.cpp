// DSMR forward pass. See Dsmr.h for the legend of shape letters.
#include "Dsmr.h"
#include "SmallBatch.h"

#include "DecodeKernels.h"
#include "HalfKernels.h"
#include "SparseAttention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

namespace continuo::inference {

torch::Tensor skew(const torch::Tensor& qe) {
    // qe (B, H, T, K); pad one zero column on the left -> (B, H, T, K+1)
    const auto B = qe.size(0), H = qe.size(1), T = qe.size(2), K = qe.size(3);
    auto padded = torch::constant_pad_nd(qe, {1, 0});
    // Reading the rows as (K+1, T) and dropping the first row shifts row i left by T-1-i.
    auto shifted = padded.view({B, H, K + 1, T}).narrow(2, 1, K); // (B, H, K, T)
    return shifted.reshape({B, H, T, K});
}

const torch::Tensor& HalfCopy::of(const torch::Tensor& w) {
    if (!half.defined() || version != std::int64_t(w._version()) || source != w.unsafeGetTensorImpl()) {
        half = w.detach().to(torch::kHalf).contiguous();
        version = std::int64_t(w._version());
        source = w.unsafeGetTensorImpl();
    }
    return half;
}

namespace {
const std::uint16_t* halves(const torch::Tensor& t) { return reinterpret_cast<const std::uint16_t*>(t.data_ptr<at::Half>()); }
} // namespace

torch::Tensor linear(torch::nn::Linear& layer, const torch::Tensor& x, HalfCopy* half) {
    const auto in = x.size(-1);
    const auto rows = in > 0 ? x.numel() / in : 0;
    if (rows < 1 || rows > kernels::kMaxSmallBatch || x.requires_grad() || torch::GradMode::is_enabled() || !x.is_cpu() ||
        x.scalar_type() != torch::kFloat32)
        return layer->forward(x);
    std::vector<std::int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = layer->weight.size(0);
    if (rows == 1 && half && layer->weight.is_cpu()) {
        const auto& w = half->of(layer->weight); // (out, in) halves
        const auto xc = x.reshape({in}).contiguous();
        auto y = torch::empty({w.size(0)}, x.options());
        kernels::linearHalf(xc.data_ptr<float>(), in, halves(w), w.size(0),
                            layer->bias.defined() ? layer->bias.contiguous().data_ptr<float>() : nullptr, y.data_ptr<float>());
        return y.view(shape);
    }
    if (rows == 1) {
        // One token being decoded: OpenBLAS's matrix-vector product (what earlier versions
        // used, so a seed still gives the same music).
        auto y = layer->bias.defined() ? torch::addmv(layer->bias, layer->weight, x.reshape({in}))
                                       : torch::mv(layer->weight, x.reshape({in}));
        return y.view(shape);
    }
    // A few rows (variations side by side): one pass over the weights for all of them.
    const auto xc = x.reshape({rows, in}).contiguous();
    const auto w = layer->weight.contiguous();
    auto y = torch::empty({rows, w.size(0)}, x.options());
    kernels::linearRows(xc.data_ptr<float>(), rows, in, w.data_ptr<float>(), w.size(0),
                        layer->bias.defined() ? layer->bias.contiguous().data_ptr<float>() : nullptr, y.data_ptr<float>());
    return y.view(shape);
}

namespace {
/// Single-query dense attention (decoding), one fused pass per head (kernels::attendOneHead,
/// or kernels::attendOneHeadHalf where the cache holds halves, T = std::uint16_t): at one
/// query, the dozen tensor operations it replaces cost far more in dispatch and GEMM packing
/// than the arithmetic. q (B, H, 1, D) float; k, v (B, H, K, D) and reversed (H, K, D) with
/// contiguous rows, of T; reversedBias (H, K) float rows, or undefined. Returns (B, 1, H*D),
/// heads side by side, as the output projection wants.
template <typename T, typename Kernel>
torch::Tensor attendOne(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& reversed, const torch::Tensor& reversedBias, Kernel kernel) {
    const auto B = q.size(0), H = q.size(1), K = k.size(2), D = q.size(3);
    const auto qc = q.contiguous();
    auto y = torch::empty({B, 1, H * D}, q.options());
    std::vector<float> scratch(static_cast<std::size_t>(K));
    const float scale = 1.0f / std::sqrt(float(D));
    auto values = [](const torch::Tensor& t) {
        if constexpr (std::is_same_v<T, float>) return t.data_ptr<float>();
        else return halves(t);
    };
    const T* kp = values(k);
    const T* vp = values(v);
    const T* ep = values(reversed);
    for (std::int64_t b = 0; b < B; ++b)
        for (std::int64_t h = 0; h < H; ++h)
            kernel(qc.data_ptr<float>() + (b * H + h) * D, kp + b * k.stride(0) + h * k.stride(1), k.stride(2),
                   ep + h * reversed.stride(0), reversed.stride(1), vp + b * v.stride(0) + h * v.stride(1), v.stride(2),
                   reversedBias.defined() ? reversedBias.data_ptr<float>() + h * reversedBias.stride(0) : nullptr, K, D,
                   scale, scratch.data(), y.data_ptr<float>() + (b * H + h) * D);
    return y;
}

bool rowsContiguous(const torch::Tensor& t, torch::ScalarType type = torch::kFloat) {
    return t.is_cpu() && t.scalar_type() == type && t.stride(-1) == 1 && t.stride(-2) == t.size(-1);
}
} // namespace

torch::Tensor relativeAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                const torch::Tensor& table, const torch::Tensor& bias, const torch::Tensor& memoryValid,
                                AttentionLayout layout, int stride, int summary, std::int64_t groupBytes) {
    if (const auto B = q.size(0); B > 1 && q.is_cpu()) {
        // Streams attend independently, so on the CPU a few at a time give the same numbers
        // with each (T, K) score tensor still in cache. All at once, a long memory at batch 8
        // makes them tens of MB each, and glibc maps fresh pages for every one of them.
        const auto perStream = q.size(1) * q.size(2) * k.size(2) * std::int64_t(q.element_size());
        const auto group = std::max<std::int64_t>(1, groupBytes / std::max<std::int64_t>(1, perStream));
        if (B > group) {
            std::vector<torch::Tensor> parts;
            for (std::int64_t b = 0; b < B; b += group) {
                const auto n = std::min(group, B - b);
                parts.push_back(relativeAttention(q.narrow(0, b, n), k.narrow(0, b, n), v.narrow(0, b, n), table, bias,
                                                  memoryValid.defined() ? memoryValid.narrow(0, b, n) : memoryValid,
                                                  layout, stride, summary, groupBytes));
            }
            return torch::cat(parts, 0); // (B, H, T, D)
        }
    }
    if (layout != AttentionLayout::Dense)
        return sparseRelativeAttention(q, k, v, table, bias, memoryValid, layout, stride, summary);
    const auto H = q.size(1), T = q.size(2), K = k.size(2), M = K - T;
    const double scale = 1.0 / std::sqrt(double(q.size(3)));
    auto content = torch::matmul(q, k.transpose(-2, -1));             // (B, H, T, K)
    auto reversed = table.narrow(1, 0, K).flip({1});                  // (H, K, D), row c: distance K-1-c
    auto qe = torch::matmul(q, reversed.transpose(-2, -1).unsqueeze(0)); // (B, H, T, K)
    // With one query the skew is the identity (column j already holds distance M - j).
    auto logits = (content + (T == 1 ? qe : skew(qe))) * scale;
    if (bias.defined()) {
        // The bias depends on distance only, so the same skew places it: column c of every row
        // starts as bias[K-1-c], and the shift turns that into bias[M + i - j].
        auto rb = bias.narrow(1, 0, K).flip({1}).view({1, H, 1, K}); // (1, H, 1, K)
        logits = logits + (T == 1 ? rb : skew(rb.expand({1, H, T, K})));
    }
    torch::Tensor masked; // true = hidden
    if (T > 1) {
        auto opts = torch::TensorOptions().dtype(torch::kLong).device(q.device());
        auto i = torch::arange(T, opts).unsqueeze(1);
        auto j = torch::arange(K, opts).unsqueeze(0);
        masked = (j > i + M).view({1, 1, T, K}); // causal: key j is visible to query i iff j <= M + i
    }
    if (memoryValid.defined() && M > 0) {
        auto hidden = torch::constant_pad_nd(memoryValid.logical_not().to(torch::kUInt8), {0, T})
                          .to(torch::kBool)
                          .view({memoryValid.size(0), 1, 1, K});
        masked = masked.defined() ? masked.logical_or(hidden) : hidden;
    }
    if (masked.defined()) logits = logits.masked_fill(masked, -std::numeric_limits<float>::infinity());
    return torch::matmul(torch::softmax(logits, -1), v); // (B, H, T, D)
}

RelativeAttentionImpl::RelativeAttentionImpl(const ModelConfig& c, int layer)
    : heads(c.heads), headDim(c.headDim()), horizon(c.horizon(layer)), segment(c.segment),
      stride(c.sparseStride), summary(c.sparseSummary), layout(c.layout(layer)) {
    qkv = register_module("qkv", torch::nn::Linear(c.dModel, 3 * c.dModel));
    out = register_module("out", torch::nn::Linear(c.dModel, c.dModel));
    table = register_parameter("relative", torch::randn({heads, c.relativeRange(layer), headDim}) * 0.02);
    if (c.hasDistanceBias()) {
        // The prior: a recency slope per head, from sharply local to nearly flat, so attention
        // prefers recent events from the first step and far heads exist from the start.
        auto prior = torch::empty({heads, c.biasBuckets});
        for (int h = 0; h < heads; ++h)
            for (int b = 0; b < c.biasBuckets; ++b) prior[h][b] = c.biasPrior(h, b);
        distanceBias = register_parameter("distance_bias", prior);
        std::vector<std::int64_t> buckets(std::size_t(c.relativeRange(layer)));
        for (std::size_t d = 0; d < buckets.size(); ++d) buckets[d] = c.distanceBucket(int(d));
        bucketOf = torch::tensor(buckets, torch::kLong);
    }
    drop = register_module("drop", torch::nn::Dropout(c.dropout));
    torch::NoGradGuard g;
    out->weight.normal_(0.0, 0.02 / std::sqrt(2.0 * c.layers)); // Sparse Transformer init
    out->bias.zero_();
}

torch::Tensor RelativeAttentionImpl::biasByDistance() const {
    if (!distanceBias.defined()) return {};
    return distanceBias.index_select(1, bucketOf.to(distanceBias.device())); // (H, R)
}

void RelativeAttentionImpl::refreshDecodingTables() {
    if (!flipped.defined() || flippedVersion != std::int64_t(table._version())) {
        flipped = table.detach().flip({1}).contiguous();
        flippedVersion = std::int64_t(table._version());
        flippedHalf = {};
    }
    if (distanceBias.defined() &&
        (!flippedBias.defined() || flippedBiasVersion != std::int64_t(distanceBias._version()))) {
        flippedBias = biasByDistance().detach().flip({1}).contiguous(); // (H, R), column c: distance R-1-c
        flippedBiasVersion = std::int64_t(distanceBias._version());
    }
}

torch::Tensor RelativeAttentionImpl::forward(const torch::Tensor& x, const LayerMemory& memory,
                                             torch::Tensor* k, torch::Tensor* v) {
    const auto B = x.size(0), T = x.size(1), C = x.size(2);
    auto parts = qkv(x).view({B, T, 3, heads, headDim}).permute({2, 0, 3, 1, 4}); // (3, B, H, T, D)
    auto q = parts[0], kx = parts[1], vx = parts[2];
    *k = kx;
    *v = vx;
    auto keys = memory.k.defined() ? torch::cat({memory.k, kx}, 2) : kx;   // (B, H, K, D)
    auto values = memory.v.defined() ? torch::cat({memory.v, vx}, 2) : vx; // (B, H, K, D)
    auto y = relativeAttention(q, keys, values, table, biasByDistance(), memory.valid, layout, stride, summary);
    return drop(out(y.transpose(1, 2).reshape({B, T, C}))); // (B, T, C)
}

torch::Tensor RelativeAttentionImpl::step(const torch::Tensor& x, LayerCache& cache) {
    const auto B = x.size(0), T = x.size(1), C = x.size(2);
    const bool half = cache.k.scalar_type() == torch::kHalf; // converted as it is stored and read
    auto parts = linear(qkv, x, half ? &qkvHalf : nullptr).view({B, T, 3, heads, headDim}).permute({2, 0, 3, 1, 4}); // (3, B, H, T, D)
    const int at = cache.length();
    cache.k.narrow(2, at, T).copy_(parts[1]);
    cache.v.narrow(2, at, T).copy_(parts[2]);
    const auto K = at + T;
    auto keys = cache.k.narrow(2, 0, K);   // (B, H, K, D)
    auto values = cache.v.narrow(2, 0, K); // (B, H, K, D)
    cache.segment += int(T);
    const auto cacheType = half ? torch::kHalf : torch::kFloat;
    if (T == 1 && layout == AttentionLayout::Dense && !torch::GradMode::is_enabled() && rowsContiguous(keys, cacheType) &&
        rowsContiguous(values, cacheType) && rowsContiguous(table)) {
        refreshDecodingTables();
        const auto R = flipped.size(1);
        const auto bias = distanceBias.defined() ? flippedBias.narrow(1, R - K, K) : torch::Tensor();
        if (half)
            return linear(out,
                          attendOne<std::uint16_t>(parts[0], keys, values, flippedHalf.of(flipped).narrow(1, R - K, K),
                                                   bias, kernels::attendOneHeadHalf),
                          &outHalf);
        return linear(out, attendOne<float>(parts[0], keys, values, flipped.narrow(1, R - K, K), bias,
                                            kernels::attendOneHead));
    }
    if (half) { // several tokens (a primer), or a sparse layout: in float
        keys = keys.to(torch::kFloat);
        values = values.to(torch::kFloat);
    }
    auto y = relativeAttention(parts[0], keys, values, table, biasByDistance(), {}, layout, stride, summary);
    return linear(out, y.transpose(1, 2).reshape({B, T, C}), half ? &outHalf : nullptr); // (B, T, C)
}

BlockImpl::BlockImpl(const ModelConfig& c, int layer) {
    norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.dModel})));
    attention = register_module("attention", RelativeAttention(c, layer));
    norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.dModel})));
    ff1 = register_module("ff1", torch::nn::Linear(c.dModel, c.ffDim));
    ff2 = register_module("ff2", torch::nn::Linear(c.ffDim, c.dModel));
    drop = register_module("drop", torch::nn::Dropout(c.dropout));
    torch::NoGradGuard g;
    ff2->weight.normal_(0.0, 0.02 / std::sqrt(2.0 * c.layers));
    ff2->bias.zero_();
}

torch::Tensor BlockImpl::forward(const torch::Tensor& x, const LayerMemory& memory, torch::Tensor* k,
                                 torch::Tensor* v) {
    auto h = x + attention->forward(norm1(x), memory, k, v);
    return h + drop(ff2(torch::gelu(ff1(norm2(h)))));
}

torch::Tensor BlockImpl::step(const torch::Tensor& x, LayerCache& cache) {
    const bool half = cache.k.scalar_type() == torch::kHalf;
    auto h = x + attention->step(norm1(x), cache);
    return h + linear(ff2, torch::gelu(linear(ff1, norm2(h), half ? &ff1Half : nullptr)), half ? &ff2Half : nullptr);
}

namespace {
/// One block whose activations are recomputed in the backward pass. The CPU random state is
/// saved at the forward pass and restored for the recomputation, so dropout draws the same
/// masks and the gradients are those of the plain block.
struct RecomputedBlock : torch::autograd::Function<RecomputedBlock> {
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor x, BlockImpl* block,
                                 const LayerMemory* memory, torch::Tensor* k, torch::Tensor* v) {
        ctx->saved_data["block"] = reinterpret_cast<std::int64_t>(block);
        if (memory->k.defined()) ctx->saved_data["memory_k"] = memory->k;
        if (memory->v.defined()) ctx->saved_data["memory_v"] = memory->v;
        if (memory->valid.defined()) ctx->saved_data["memory_valid"] = memory->valid;
        {
            auto generator = at::detail::getDefaultCPUGenerator();
            std::lock_guard<std::mutex> lock(generator.mutex());
            ctx->saved_data["rng"] = generator.get_state();
        }
        ctx->save_for_backward({x});
        return block->forward(x, *memory, k, v); // autograd is off in here: nothing is kept
    }

    static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::tensor_list grads) {
        auto* block = reinterpret_cast<BlockImpl*>(ctx->saved_data["block"].toInt());
        auto saved = [&](const char* key) {
            auto it = ctx->saved_data.find(key);
            return it == ctx->saved_data.end() ? torch::Tensor() : it->second.toTensor();
        };
        const LayerMemory memory{saved("memory_k"), saved("memory_v"), saved("memory_valid")};
        auto generator = at::detail::getDefaultCPUGenerator();
        torch::Tensor now;
        {
            std::lock_guard<std::mutex> lock(generator.mutex());
            now = generator.get_state();
            generator.set_state(ctx->saved_data["rng"].toTensor());
        }
        auto x = ctx->get_saved_variables()[0].detach().requires_grad_(true);
        torch::Tensor y, k, v;
        {
            torch::AutoGradMode on(true);
            y = block->forward(x, memory, &k, &v);
        }
        {
            std::lock_guard<std::mutex> lock(generator.mutex());
            generator.set_state(now);
        }
        torch::autograd::backward({y}, {grads[0]}); // the block's weights get their gradients here
        return {x.grad(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
    }
};
} // namespace

DsmrImpl::DsmrImpl(const ModelConfig& c) : config(c) {
    embed = register_module("embed", torch::nn::Embedding(c.vocabSize, c.dModel));
    blocks = register_module("blocks", torch::nn::ModuleList());
    for (int l = 0; l < c.layers; ++l) blocks->push_back(Block(c, l));
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.dModel})));
    torch::NoGradGuard g;
    embed->weight.normal_(0.0, 0.02);
}

torch::Tensor DsmrImpl::forward(const torch::Tensor& tokens, std::vector<LayerMemory>& memories, torch::Tensor* hidden) {
    const auto B = tokens.size(0), T = tokens.size(1);
    memories.resize(std::size_t(config.layers));
    auto x = embed(tokens); // (B, T, C)
    for (int l = 0; l < config.layers; ++l) {
        LayerMemory& mem = memories[std::size_t(l)];
        torch::Tensor k, v;
        BlockImpl* block = blocks[std::size_t(l)]->as<Block>();
        if (recompute && is_training() && torch::GradMode::is_enabled())
            x = RecomputedBlock::apply(x, block, &mem, &k, &v);
        else
            x = block->forward(x, mem, &k, &v);
        const int h = config.horizon(l);
        if (h == 0) {
            mem = {};
            continue;
        }
        auto allK = mem.k.defined() ? torch::cat({mem.k, k}, 2) : k; // (B, H, M+T, D)
        auto allV = mem.v.defined() ? torch::cat({mem.v, v}, 2) : v;
        auto boolOpts = torch::TensorOptions().dtype(torch::kBool).device(tokens.device());
        auto oldValid = mem.valid.defined() ? mem.valid
                                            : torch::ones({B, mem.k.defined() ? mem.k.size(2) : 0}, boolOpts);
        auto allValid = torch::cat({oldValid, torch::ones({B, T}, boolOpts)}, 1); // (B, M+T)
        const auto total = allK.size(2);
        const auto keep = std::min<std::int64_t>(h, total);
        mem.k = allK.narrow(2, total - keep, keep).detach();
        mem.v = allV.narrow(2, total - keep, keep).detach();
        mem.valid = allValid.narrow(1, total - keep, keep);
    }
    x = norm(x);
    if (hidden) *hidden = x;
    return torch::matmul(x, embed->weight.t()); // (B, T, V), output tied to the embedding
}

namespace {
/// y (rows x out) = x (rows x in) W^T + b through the small-batch kernels: the half copy where
/// `half` is given, else the float weights.
void project(torch::nn::Linear& layer, HalfCopy* half, const float* x, std::int64_t rows, float* y) {
    const auto& w = layer->weight;
    const float* bias = layer->bias.defined() ? layer->bias.data_ptr<float>() : nullptr;
    if (half)
        kernels::linearHalfRows(x, rows, w.size(1), halves(half->of(w)), w.size(0), bias, y);
    else
        kernels::linearRows(x, rows, w.size(1), w.data_ptr<float>(), w.size(0), bias, y);
}

bool plainFloat(const torch::Tensor& t) {
    return t.defined() && t.is_cpu() && t.scalar_type() == torch::kFloat && t.is_contiguous();
}
bool plainLinear(const torch::nn::Linear& layer) {
    return plainFloat(layer->weight) && (!layer->bias.defined() || plainFloat(layer->bias));
}
bool plainNorm(const torch::nn::LayerNorm& norm) {
    return plainFloat(norm->weight) && plainFloat(norm->bias);
}
} // namespace

torch::Tensor DsmrImpl::stepFused(const torch::Tensor& tokens, std::vector<LayerCache>& caches, torch::Tensor* hidden) {
    if (!fusedDecoding || tokens.dim() != 2 || tokens.size(1) != 1 || !tokens.is_cpu() || is_training() || torch::GradMode::is_enabled() ||
        caches.size() != std::size_t(config.layers) || !plainFloat(embed->weight) || !plainNorm(norm))
        return {};
    const std::int64_t B = tokens.size(0);
    if (B < 1 || B > kernels::kMaxSmallBatch) return {};
    bool anyHalf = false;
    for (int l = 0; l < config.layers; ++l) {
        const LayerCache& c = caches[std::size_t(l)];
        auto* block = blocks[std::size_t(l)]->as<Block>();
        const auto& a = *block->attention;
        const bool half = c.k.defined() && c.k.scalar_type() == torch::kHalf;
        if (a.layout != AttentionLayout::Dense || !c.k.defined() || !c.v.defined() || !c.k.is_cpu() ||
            !c.k.is_contiguous() || !c.v.is_contiguous() || c.v.scalar_type() != c.k.scalar_type() ||
            (!half && c.k.scalar_type() != torch::kFloat) || c.k.size(0) != B || c.length() >= c.k.size(2) ||
            !plainLinear(a.qkv) || !plainLinear(a.out) || !plainLinear(block->ff1) || !plainLinear(block->ff2) ||
            !plainNorm(block->norm1) || !plainNorm(block->norm2) || !plainFloat(a.table))
            return {};
        anyHalf = anyHalf || half;
    }
    if (!anyHalf) return {}; // float decoding keeps its tensor path, and so its exact results

    const std::int64_t C = config.dModel, H = config.heads, D = config.headDim(), F = config.ffDim;
    const std::int64_t V = embed->weight.size(0);
    const auto ids = tokens.to(torch::kLong).contiguous();
    std::vector<float> x(std::size_t(B * C)), h(x.size()), att(x.size()), o(x.size());
    std::vector<float> qkv(std::size_t(B * 3 * C)), ff(std::size_t(B * F)), scratch;
    const float* table = embed->weight.data_ptr<float>();
    for (std::int64_t b = 0; b < B; ++b) {
        const std::int64_t id = ids.data_ptr<std::int64_t>()[b];
        if (id < 0 || id >= V) return {}; // the tensor path raises the error
        std::copy(table + id * C, table + (id + 1) * C, x.begin() + b * C);
    }
    auto normRows = [&](torch::nn::LayerNorm& n, const float* in, float* out) {
        const float eps = float(n->options.eps());
        for (std::int64_t b = 0; b < B; ++b)
            kernels::layerNormRow(in + b * C, C, n->weight.data_ptr<float>(), n->bias.data_ptr<float>(), eps, out + b * C);
    };
    const float scale = 1.0f / std::sqrt(float(D));
    for (int l = 0; l < config.layers; ++l) {
        auto* block = blocks[std::size_t(l)]->as<Block>();
        RelativeAttentionImpl& a = *block->attention;
        LayerCache& c = caches[std::size_t(l)];
        const bool half = c.k.scalar_type() == torch::kHalf;
        normRows(block->norm1, x.data(), h.data());
        project(a.qkv, half ? &a.qkvHalf : nullptr, h.data(), B, qkv.data());
        // This token's key and value join the cache, (B, H, rows, D).
        const std::int64_t rows = c.k.size(2), at = c.length(), K = at + 1;
        // Raw views of this layer's cache, looked up once per layer rather than per stream and head.
        std::uint16_t* const keysHalf = half ? reinterpret_cast<std::uint16_t*>(c.k.data_ptr<at::Half>()) : nullptr;
        std::uint16_t* const valuesHalf = half ? reinterpret_cast<std::uint16_t*>(c.v.data_ptr<at::Half>()) : nullptr;
        float* const keysFloat = half ? nullptr : c.k.data_ptr<float>();
        float* const valuesFloat = half ? nullptr : c.v.data_ptr<float>();
        for (std::int64_t b = 0; b < B; ++b)
            for (std::int64_t hd = 0; hd < H; ++hd) {
                const float* key = qkv.data() + b * 3 * C + C + hd * D;
                const float* value = key + C;
                const std::int64_t offset = ((b * H + hd) * rows + at) * D;
                if (half) {
                    kernels::floatsToHalves(key, D, keysHalf + offset);
                    kernels::floatsToHalves(value, D, valuesHalf + offset);
                } else {
                    std::copy(key, key + D, keysFloat + offset);
                    std::copy(value, value + D, valuesFloat + offset);
                }
            }
        c.segment += 1;
        a.refreshDecodingTables();
        const std::int64_t R = a.flipped.size(1); // row r: distance R-1-r; the key at distance d = K-1-j reads row R-K+j
        const float* bias = a.distanceBias.defined() ? a.flippedBias.data_ptr<float>() + (R - K) : nullptr;
        const std::uint16_t* const tableHalf = half ? halves(a.flippedHalf.of(a.flipped)) : nullptr;
        const float* const tableFloat = half ? nullptr : a.flipped.data_ptr<float>();
        scratch.resize(std::size_t(K));
        for (std::int64_t b = 0; b < B; ++b)
            for (std::int64_t hd = 0; hd < H; ++hd) {
                const float* q = qkv.data() + b * 3 * C + hd * D;
                const std::int64_t head = (b * H + hd) * rows * D;
                const std::int64_t row = (hd * R + R - K) * D;
                float* y = att.data() + b * C + hd * D;
                const float* headBias = bias ? bias + hd * R : nullptr;
                if (half)
                    kernels::attendOneHeadHalf(q, keysHalf + head, D, tableHalf + row, D, valuesHalf + head, D, headBias,
                                               K, D, scale, scratch.data(), y);
                else
                    kernels::attendOneHead(q, keysFloat + head, D, tableFloat + row, D, valuesFloat + head, D, headBias,
                                           K, D, scale, scratch.data(), y);
            }
        project(a.out, half ? &a.outHalf : nullptr, att.data(), B, o.data());
        for (std::size_t i = 0; i < x.size(); ++i) x[i] += o[i];
        normRows(block->norm2, x.data(), h.data());
        project(block->ff1, half ? &block->ff1Half : nullptr, h.data(), B, ff.data());
        kernels::geluInPlace(ff.data(), B * F);
        project(block->ff2, half ? &block->ff2Half : nullptr, ff.data(), B, o.data());
        for (std::size_t i = 0; i < x.size(); ++i) x[i] += o[i];
    }
    normRows(norm, x.data(), h.data());
    if (hidden) *hidden = torch::from_blob(h.data(), {B, 1, C}, torch::kFloat).clone(); // (B, 1, C)
    auto logits = torch::empty({B, V}, embed->weight.options());
    // Tied output embedding, read as half as in step().
    kernels::linearHalfRows(h.data(), B, C, halves(embedHalf.of(embed->weight)), V, nullptr, logits.data_ptr<float>());
    return logits; // (B, V)
}

torch::Tensor DsmrImpl::step(const torch::Tensor& tokens, std::vector<LayerCache>& caches, torch::Tensor* hidden) {
    if (auto fused = stepFused(tokens, caches, hidden); fused.defined()) return fused;
    auto x = embed(tokens); // (B, T, C)
    for (int l = 0; l < config.layers; ++l) x = blocks[std::size_t(l)]->as<Block>()->step(x, caches[std::size_t(l)]);
    torch::Tensor last;
    if (hidden) {
        *hidden = norm(x); // (B, T, C)
        last = hidden->select(1, x.size(1) - 1);
    } else {
        last = norm(x.select(1, x.size(1) - 1)); // (B, C)
    }
    // The output embedding reads half copies whenever the model decodes in half, even where
    // some layers keep float (keyBound).
    const bool anyHalf = std::any_of(caches.begin(), caches.end(),
                                     [](const LayerCache& c) { return c.k.scalar_type() == torch::kHalf; });
    if (last.size(0) == 1 && !last.requires_grad() && last.is_cpu() && anyHalf && last.scalar_type() == torch::kFloat) {
        const auto& w = embedHalf.of(embed->weight); // (V, C) halves
        const auto lc = last.reshape({-1}).contiguous();
        auto logits = torch::empty({1, w.size(0)}, last.options());
        kernels::linearHalf(lc.data_ptr<float>(), lc.size(0), halves(w), w.size(0), nullptr, logits.data_ptr<float>());
        return logits; // (1, V)
    }
    if (last.size(0) == 1 && !last.requires_grad() && last.is_cpu())
        return torch::mv(embed->weight, last.reshape({-1})).unsqueeze(0); // (1, V)
    return torch::matmul(last, embed->weight.t()); // (B, V)
}

std::vector<LayerCache> DsmrImpl::newCaches(int batch, torch::Device device) const {
    std::vector<LayerCache> caches(std::size_t(config.layers));
    const bool half = halfDecoding && device.is_cpu() && embed->weight.scalar_type() == torch::kFloat;
    for (int l = 0; l < config.layers; ++l) {
        auto& c = caches[std::size_t(l)];
        const bool layerHalf = half && keyBound(l) <= kHalfKeyLimit;
        auto opts = torch::TensorOptions().dtype(layerHalf ? torch::kHalf : embed->weight.scalar_type()).device(device);
        c.k = torch::zeros({batch, config.heads, config.horizon(l) + config.segment, config.headDim()}, opts);
        c.v = torch::zeros_like(c.k);
    }
    return caches;
}

double DsmrImpl::keyBound(int l) const {
    torch::NoGradGuard g;
    auto* block = (*blocks.ptr())[std::size_t(l)]->as<Block>(); // the list holder is const here, its blocks are not
    const auto C = config.dModel;
    const auto w = block->attention->qkv->weight.narrow(0, C, C).to(torch::kDouble); // (C, C), the key rows
    const auto b = block->attention->qkv->bias.narrow(0, C, C).to(torch::kDouble);
    const auto gain = block->norm1->weight.to(torch::kDouble), shift = block->norm1->bias.to(torch::kDouble);
    const auto bound = (w * gain.unsqueeze(0)).norm(2, {1}) * std::sqrt(double(C)) + (torch::mv(w, shift) + b).abs();
    return bound.max().item<double>();
}

void DsmrImpl::rollFull(std::vector<LayerCache>& caches, const std::vector<int>& horizons, int segment) {
    for (std::size_t l = 0; l < caches.size(); ++l) {
        LayerCache& c = caches[l];
        if (c.segment < segment) continue;
        const int total = c.length();
        const int keep = std::min(l < horizons.size() ? horizons[l] : 0, total);
        if (keep > 0) {
            c.k.narrow(2, 0, keep).copy_(c.k.narrow(2, total - keep, keep).clone());
            c.v.narrow(2, 0, keep).copy_(c.v.narrow(2, total - keep, keep).clone());
        }
        c.memory = keep;
        c.segment = 0;
    }
}

DecodePlan decodePlan(const ModelConfig& c) {
    const bool memoryless = std::all_of(c.horizons.begin(), c.horizons.end(), [](int h) { return h == 0; });
    if (!memoryless || c.segment < 2) return {c.horizons, c.segment};
    // (S/2 remembered + S/2 new) rows: the cache and the relative table keep their size.
    return {std::vector<int>(c.horizons.size(), c.segment / 2), c.segment - c.segment / 2};
}

std::int64_t cacheBytes(const ModelConfig& c, int batch) {
    std::int64_t rows = 0;
    for (int l = 0; l < c.layers; ++l) rows += c.horizon(l) + c.segment;
    return rows * c.dModel * 2 * std::int64_t(sizeof(float)) * batch;
}

} // namespace continuo::inference
