#pragma once
// The entries recall reads (continuo/inference/Recall.h) for one stream: keys are the final
// layer's outputs, normalised and held as halves; values are the events that followed them.
// Torch-free, so that decoding adds no tensor operation per token.
#include "continuo/inference/Recall.h"

#include <cstdint>
#include <vector>

namespace continuo::inference {

class RecallCache {
public:
    RecallCache() = default;
    RecallCache(const RecallOptions& options, int dim);

    /// Adds an entry: `hidden` (dim floats, the final layer norm's output where `next` was
    /// predicted) and the event `next`. The oldest entry goes once `capacity` are held.
    void add(const float* hidden, int next);
    /// Mixes recall into `probs` (the network's distribution over `vocab` events, in place)
    /// for the state `hidden`: with a_i = softmax_i over [sharpness * cos(hidden, key_i),
    /// sharpness * threshold] (the last term the network's share), probs becomes
    /// (1 - weight (1 - a_net)) probs + weight sum_i a_i [next_i]. Entries from the newest
    /// `minDistance` are not read. Returns the weight recall took (0 when nothing was read).
    double mix(const float* hidden, float* probs, int vocab);
    /// mix() on logits: the network's logits become log-probabilities with recall mixed in,
    /// where recall read anything; otherwise they stay as they are. Returns mix()'s weight.
    double mixLogits(const float* hidden, float* logits, int vocab);
    /// A new weight for what follows (0 turns mixing off). A cache made disabled holds no
    /// storage and stays off.
    void setWeight(double weight) {
        if (!keys_.empty()) options_.weight = weight;
    }

    std::int64_t size() const { return count_; }
    const RecallOptions& options() const { return options_; }

private:
    RecallOptions options_ = RecallOptions::off();
    int dim_ = 0;
    std::vector<std::uint16_t> keys_; ///< up to 2 * capacity rows, entries [first_, first_ + count_)
    std::vector<int> next_;
    std::int64_t first_ = 0, count_ = 0;
    std::vector<float> unit_, scores_, probs_;
};

} // namespace continuo::inference
