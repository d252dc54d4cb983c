#pragma once
// DSMR: a decoder-only transformer with Music Transformer's relative self-attention, segment
// recurrence with a per-layer memory horizon, and optional Sparse Transformer layouts.
// Private to inference/ (torch types never leave this module).
//
// Legend: B batch (streams or variations), T queries in this call, M memory keys, K = M + T
// keys, H heads, D head size, C model width (H*D), R relative rows (m_l + S), V vocabulary.
#include "continuo/inference/ModelConfig.h"

#include <torch/torch.h>

#include <vector>

namespace continuo::inference {

/// Keys and values a layer carries from earlier segments (training and evaluation).
struct LayerMemory {
    torch::Tensor k, v; ///< (B, H, M, D), detached; undefined = empty
    torch::Tensor valid; ///< (B, M) bool; undefined = all valid
};

/// A half-float copy of a weight for decoding (kernels::linearHalf), made on first use and
/// again whenever the weight changes.
struct HalfCopy {
    torch::Tensor half;
    std::int64_t version = -1;
    const void* source = nullptr;
    const torch::Tensor& of(const torch::Tensor& w);
};

/// Decoding cache of one layer, allocated once: [memory (<= m_l) ; current segment (< S)].
/// Mirrors training exactly: when the segment fills, the last m_l keys become the memory.
struct LayerCache {
    torch::Tensor k, v; ///< (B, H, m_l + S, D), float, or half where the model decodes in half
    int memory = 0;     ///< keys from earlier segments
    int segment = 0;    ///< keys of the current segment
    int length() const { return memory + segment; }
};

/// Causal attention of T queries over K = M + T keys (the last T are the queries' own),
/// with relative logits q_i . E[dist] computed by the skew; dense or sparse layout.
/// logit[i, j] = (q_i . k_j + q_i . E[dist]) / sqrt(D) + bias[dist], dist = M + i - j, where
/// `bias` (H, >= K) is the distance bias by distance (undefined = none).
/// On the CPU, streams are taken a group at a time, as many as keep one score tensor
/// (H, T, K) within `groupBytes`; the result does not depend on it.
inline constexpr std::int64_t kAttentionGroupBytes = std::int64_t(4) << 20;
torch::Tensor relativeAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                const torch::Tensor& table, const torch::Tensor& bias, const torch::Tensor& memoryValid,
                                AttentionLayout layout, int stride, int summary,
                                std::int64_t groupBytes = kAttentionGroupBytes);

/// The skew: from QE' (B, H, T, K), whose column c holds q_i . E[K-1-c], to
/// S_rel (B, H, T, K) with S_rel[i, j] = q_i . E[M + i - j] wherever j <= M + i.
torch::Tensor skew(const torch::Tensor& qe);

struct RelativeAttentionImpl : torch::nn::Module {
    RelativeAttentionImpl(const ModelConfig& c, int layer);
    /// Training / evaluation: x (B, T, C) over [memory ; x]; returns y (B, T, C) and this
    /// segment's keys and values (B, H, T, D) in *k, *v.
    torch::Tensor forward(const torch::Tensor& x, const LayerMemory& memory, torch::Tensor* k, torch::Tensor* v);
    /// Decoding: x (B, T, C) appended to the cache (T <= S - cache.segment).
    torch::Tensor step(const torch::Tensor& x, LayerCache& cache);

    /// The distance bias spread over distances (H, R), column = distance; undefined = none.
    torch::Tensor biasByDistance() const;
    /// Brings `flipped` and `flippedBias` up to date with the weights (decoding).
    void refreshDecodingTables();

    torch::nn::Linear qkv{nullptr}, out{nullptr};
    torch::Tensor table; ///< (H, R, D) relative embeddings, row = distance
    /// (H, buckets) learned logit offset per distance bucket ("distance_bias"); undefined = none.
    torch::Tensor distanceBias;
    torch::Tensor bucketOf; ///< (R) long, CPU: the bucket of each distance
    /// Decoding: `table` (and the bias) flipped along distance once (row r = distance R-1-r),
    /// so that each step takes a view instead of copying; rebuilt when the weights change.
    torch::Tensor flipped, flippedBias;
    std::int64_t flippedVersion = -1, flippedBiasVersion = -1;
    HalfCopy flippedHalf, qkvHalf, outHalf; ///< half decoding (the cache holds halves)
    torch::nn::Dropout drop{nullptr};
    int heads, headDim, horizon, segment, stride, summary;
    AttentionLayout layout;
};
TORCH_MODULE(RelativeAttention);

struct BlockImpl : torch::nn::Module {
    BlockImpl(const ModelConfig& c, int layer);
    torch::Tensor forward(const torch::Tensor& x, const LayerMemory& memory, torch::Tensor* k, torch::Tensor* v);
    torch::Tensor step(const torch::Tensor& x, LayerCache& cache);

    torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
    RelativeAttention attention{nullptr};
    torch::nn::Linear ff1{nullptr}, ff2{nullptr};
    torch::nn::Dropout drop{nullptr};
    HalfCopy ff1Half, ff2Half;
};
TORCH_MODULE(Block);

struct DsmrImpl : torch::nn::Module {
    explicit DsmrImpl(const ModelConfig& c);

    /// tokens (B, T) -> logits (B, T, V). Reads and replaces `memories` (one per layer) with
    /// the last m_l keys/values of [memory ; segment], detached. `hidden`, where given,
    /// receives the final layer norm's output (B, T, C).
    torch::Tensor forward(const torch::Tensor& tokens, std::vector<LayerMemory>& memories,
                          torch::Tensor* hidden = nullptr);
    /// Decoding: tokens (B, T) appended to the caches -> logits of the last position (B, V).
    /// `hidden`, where given, receives the final layer norm's output at every position
    /// (B, T, C): what recall keys on.
    torch::Tensor step(const torch::Tensor& tokens, std::vector<LayerCache>& caches, torch::Tensor* hidden = nullptr);
    /// step() for one token per stream (B <= kernels::kMaxSmallBatch) where the model decodes
    /// in half on the CPU with dense layouts and no gradients: the whole network in plain
    /// loops over the weights and caches, with the kernels step() uses, and no tensor
    /// operation per layer. At this size LibTorch's dispatch and allocations cost more than
    /// the arithmetic. Returns the logits (B, V), or an undefined tensor where it does not
    /// apply (step() then takes the tensor path, which it matches to float rounding).
    torch::Tensor stepFused(const torch::Tensor& tokens, std::vector<LayerCache>& caches, torch::Tensor* hidden = nullptr);
    /// Caches of float, or of half on the CPU where `halfDecoding` is set; a half cache makes
    /// step() read half copies of the weights for single rows (kernels::linearHalf) and the
    /// cache itself through kernels::attendOneHeadHalf. A layer whose keys can grow past
    /// kHalfKeyLimit (keyBound) keeps float caches and weights: there half's coarse spacing
    /// would move its attention logits.
    std::vector<LayerCache> newCaches(int batch, torch::Device device) const;
    /// The largest |key| that layer l can produce, from its weights alone: LayerNorm gives
    /// every input the norm sqrt(C) before the gain, so key channel i is at most
    /// ||W_i * gain|| sqrt(C) + |W_i . shift + b_i|.
    double keyBound(int l) const;
    static constexpr double kHalfKeyLimit = 256; // below it, half's spacing is at most 1/8
    /// Rolls each cache whose segment is full (its last m_l keys become its memory).
    static void rollFull(std::vector<LayerCache>& caches, const std::vector<int>& horizons, int segment);

    ModelConfig config;
    torch::nn::Embedding embed{nullptr};
    torch::nn::ModuleList blocks;
    torch::nn::LayerNorm norm{nullptr};
    /// Training: keep no activations inside the blocks; the backward pass runs each block
    /// again (with the same dropout draws). Activation memory then stays flat in depth, for
    /// about a third more compute (Sparse Transformer's recomputation).
    bool recompute = false;
    /// Decoding keeps its caches and weight copies in half (RuntimeOptions::halfDecoding).
    bool halfDecoding = false;
    /// step() may take stepFused(); false keeps every step on the tensor path (tests compare).
    bool fusedDecoding = true;
    HalfCopy embedHalf;
};
TORCH_MODULE(Dsmr);

/// How decoding rolls the caches. A model with memory decodes exactly as it was trained: the
/// cache fills a segment, then keeps each layer's horizon. A model without memory would start
/// every segment from nothing (a jolt every S tokens); it decodes with a sliding window
/// instead: whenever S keys are cached, the last S/2 stay. Every query then sees between S/2
/// and S-1 earlier tokens, the distances training showed it, and the caches keep their size.
struct DecodePlan {
    std::vector<int> horizons;
    int segment = 0;
};
DecodePlan decodePlan(const ModelConfig& c);

/// x (..., in) -> (..., out). Without gradients, one row (decoding one token) goes through a
/// matrix-vector product and two to eight rows (variations side by side) through
/// kernels::linearRows, one pass over the weights for all rows: decoding is bound by reading
/// the weights, and GEMM's packing costs more than the arithmetic.
/// With `half`, one row goes through kernels::linearHalf on a half copy of the weights.
torch::Tensor linear(torch::nn::Linear& layer, const torch::Tensor& x, HalfCopy* half = nullptr);

/// Bytes held by decoding caches for `batch` streams (float32), per the config's schedule.
std::int64_t cacheBytes(const ModelConfig& c, int batch);

} // namespace continuo::inference
