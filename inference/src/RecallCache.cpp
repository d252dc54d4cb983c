#include "RecallCache.h"

#include "HalfKernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace continuo::inference {

namespace {
/// The unit vector along x (n floats) into y; zero stays zero.
void normaliseRow(const float* x, std::int64_t n, float* y) {
    double sq = 0;
    for (std::int64_t i = 0; i < n; ++i) sq += double(x[i]) * double(x[i]);
    const float inv = sq > 0 ? float(1.0 / std::sqrt(sq)) : 0.0f;
    for (std::int64_t i = 0; i < n; ++i) y[i] = x[i] * inv;
}
} // namespace

RecallCache::RecallCache(const RecallOptions& options, int dim) : options_(options), dim_(dim) {
    if (!options_.enabled() || dim_ <= 0) {
        options_.weight = 0;
        return;
    }
    keys_.resize(std::size_t(2 * options_.capacity) * std::size_t(dim_));
    next_.resize(std::size_t(2 * options_.capacity));
    unit_.resize(std::size_t(dim_));
}

void RecallCache::add(const float* hidden, int next) {
    if (keys_.empty()) return; // made disabled: no storage
    const std::int64_t cap = options_.capacity;
    if (count_ == cap) {
        ++first_;
        --count_;
    }
    if (first_ + count_ == 2 * cap) { // compact: the held entries move to the front
        std::memmove(keys_.data(), keys_.data() + first_ * dim_, std::size_t(count_ * dim_) * sizeof(std::uint16_t));
        std::memmove(next_.data(), next_.data() + first_, std::size_t(count_) * sizeof(int));
        first_ = 0;
    }
    const std::int64_t at = first_ + count_;
    normaliseRow(hidden, dim_, unit_.data());
    kernels::floatsToHalves(unit_.data(), dim_, keys_.data() + at * dim_);
    next_[std::size_t(at)] = next;
    ++count_;
}

double RecallCache::mix(const float* hidden, float* probs, int vocab) {
    const std::int64_t n = count_ - std::max(0, options_.minDistance);
    if (!options_.enabled() || n <= 0) return 0;
    normaliseRow(hidden, dim_, unit_.data());
    scores_.resize(std::size_t(n));
    kernels::linearHalf(unit_.data(), dim_, keys_.data() + first_ * dim_, n, nullptr, scores_.data());
    const float theta = float(options_.sharpness);
    const float floor = theta * float(options_.threshold); // the network's own term
    float best = -1e30f;
    for (std::int64_t i = 0; i < n; ++i) best = std::max(best, scores_[std::size_t(i)]);
    const float top = std::max(floor, theta * best);
    // Terms more than e^-30 below the largest cannot move a float sum: they are skipped.
    const float cut = (top - 30.0f) / theta;
    double total = std::exp(double(floor - top));
    float* const w = scores_.data();
    for (std::int64_t i = 0; i < n; ++i) {
        const float s = w[i];
        w[i] = s > cut ? std::exp(theta * s - top) : 0.0f;
        total += double(w[i]);
    }
    const double recalled = options_.weight * (1.0 - std::exp(double(floor - top)) / total);
    const float keep = float(1.0 - recalled);
    for (int v = 0; v < vocab; ++v) probs[v] *= keep;
    const float scale = float(options_.weight / total);
    const int* const next = next_.data() + first_;
    for (std::int64_t i = 0; i < n; ++i)
        if (w[i] > 0.0f && next[i] >= 0 && next[i] < vocab) probs[next[i]] += scale * w[i];
    return recalled;
}

double RecallCache::mixLogits(const float* hidden, float* logits, int vocab) {
    if (!options_.enabled() || count_ <= options_.minDistance) return 0;
    probs_.assign(logits, logits + vocab);
    const float top = *std::max_element(probs_.begin(), probs_.end());
    double total = 0;
    for (float& p : probs_) total += double(p = std::exp(p - top));
    for (float& p : probs_) p = float(double(p) / total);
    const double recalled = mix(hidden, probs_.data(), vocab);
    if (recalled <= 0) return 0;
    for (int v = 0; v < vocab; ++v) logits[v] = std::log(probs_[std::size_t(v)]);
    return recalled;
}

} // namespace continuo::inference
