#pragma once
// The sampler chain: temperature -> top-k -> top-p -> draw, with an injected random source
// so that the same seed gives the same continuation, bit for bit.
#include "continuo/inference/Engine.h"

#include <cstdint>
#include <span>
#include <vector>

namespace continuo::inference {

/// SplitMix64: tiny, fully specified, identical on every platform (std distributions are not).
class Random {
public:
    explicit Random(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next();
    double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); } ///< [0, 1)
    std::uint64_t state() const { return state_; }

private:
    std::uint64_t state_;
};

class Sampler {
public:
    explicit Sampler(const SamplingSettings& options);
    /// Picks a token from raw logits. Tokens in `banned` are never chosen.
    int sample(std::span<const float> logits, Random& random, std::span<const int> banned = {});
    /// The probabilities the chain draws from (after temperature, top-k, top-p), for tests.
    std::vector<double> distribution(std::span<const float> logits, std::span<const int> banned = {});

private:
    SamplingSettings options_;
    std::vector<int> order_;
};

} // namespace continuo::inference
