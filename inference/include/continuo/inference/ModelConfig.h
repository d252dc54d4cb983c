#pragma once
// The DSMR model's hyper-parameters, torch-free so that the CLI and the UI can show them.
#include "continuo/core/Expected.h"

#include <string>
#include <vector>

namespace continuo::inference {

/// How a layer's queries choose their keys inside the current window.
enum class AttentionLayout {
    Dense,   ///< every earlier key in [memory ; segment]
    Strided, ///< Sparse Transformer strided: half the heads the previous `stride` keys, half every stride-th
    Fixed,   ///< Sparse Transformer fixed: half the heads their own block, half the last `summary` keys of each block
};

struct ModelConfig {
    int vocabSize = 391;             ///< tokens (see Tokenizer.h)
    int layers = 6;                  ///< transformer blocks
    int dModel = 256;                ///< residual width C
    int heads = 4;                   ///< attention heads H (head size D = C / H)
    int ffDim = 1024;                ///< feed-forward hidden width
    int segment = 256;               ///< tokens per training segment S
    std::vector<int> horizons;       ///< per-layer memory horizon m_l (keys kept from earlier segments)
    std::vector<AttentionLayout> layouts; ///< per-layer attention layout (empty = all dense)
    int sparseStride = 16;           ///< l in Sparse Transformer (block size / stride)
    int sparseSummary = 4;           ///< c: summary keys per block (fixed layout)
    double dropout = 0.1;            ///< training only
    int vocabularyVersion = 1;
    /// Distance bias: a learned per-head logit offset for each distance bucket, added beside the
    /// relative embeddings (see docs/recency-prior.md). 0 buckets = none (models saved before it).
    int biasBuckets = 0;             ///< buckets in all; 0 = no distance bias
    int biasExact = 16;              ///< distances below this get one bucket each
    int biasMaxDistance = 2048;      ///< log-spaced buckets up to here; farther distances share the last
    double biasSlopeMax = 0.5;       ///< initial recency slope (nats per event) of the most local head
    double biasSlopeMin = 1.0 / 1024; ///< ... of the most far-reaching head; slopes between are geometric

    int headDim() const { return dModel / heads; }
    int horizon(int layer) const { return horizons.empty() ? 0 : horizons.at(std::size_t(layer)); }
    AttentionLayout layout(int layer) const {
        return layouts.empty() ? AttentionLayout::Dense : layouts.at(std::size_t(layer));
    }
    /// Relative-position table rows of a layer: every distance a query can see (m_l + S).
    int relativeRange(int layer) const { return horizon(layer) + segment; }
    int memoryBudget() const; ///< sum of horizons
    bool hasDistanceBias() const { return biasBuckets > 0; }
    /// The distance bucket of a key `distance` events before its query (0 <= result < biasBuckets).
    int distanceBucket(int distance) const;
    /// Initial recency slope of a head: geometric from biasSlopeMax (head 0) to biasSlopeMin (last head).
    double biasSlope(int head) const;
    /// The prior a fresh bias starts from: -slope(head) x the smallest distance of the bucket.
    double biasPrior(int head, int bucket) const;
    /// One line for `info`, e.g. "32 buckets (16 exact, log-spaced to 2048), slopes 0.5 .. 0.00098".
    std::string distanceBiasName() const;
    /// Human-readable name of the schedule (full / two-scale / uniform / none / custom).
    std::string scheduleName() const;

    std::string toJson() const;
    static Expected<ModelConfig> fromJson(const std::string& json);
    /// Empty when valid, else what is wrong.
    std::string validate() const;
};

/// Memory-horizon schedules of DSMR.
///  full:      every layer `longHorizon`
///  two-scale: the lowest `longLayers` layers `longHorizon`, the rest `shortHorizon`
///  uniform:   every layer the same share of `budget`
///  none:      0 (segment only)
std::vector<int> fullSchedule(int layers, int longHorizon);
std::vector<int> twoScaleSchedule(int layers, int longLayers, int longHorizon, int shortHorizon);
std::vector<int> uniformSchedule(int layers, int budget);
/// Parses "full:1024", "two-scale:2:1024:256", "uniform:3072", "none", or "1024,1024,256,...".
Expected<std::vector<int>> parseSchedule(const std::string& spec, int layers);
/// Parses "none" or "buckets[:N[:EXACT[:MAX]]]" into `config`'s bias fields.
Expected<bool> parseDistanceBias(const std::string& spec, ModelConfig& config);
Expected<std::vector<AttentionLayout>> parseLayouts(const std::string& spec, int layers);
const char* layoutName(AttentionLayout layout);

} // namespace continuo::inference
