#include "continuo/inference/Sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace continuo::inference {

std::uint64_t Random::next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

Sampler::Sampler(const SamplingSettings& options) : options_(options) {}

std::vector<double> Sampler::distribution(std::span<const float> logits, std::span<const int> banned) {
    const std::size_t n = logits.size();
    const double t = std::max(options_.temperature, 1e-4);
    std::vector<double> z(n);
    for (std::size_t i = 0; i < n; ++i) z[i] = std::isfinite(logits[i]) ? double(logits[i]) / t : -INFINITY;
    for (int b : banned)
        if (b >= 0 && std::size_t(b) < n) z[std::size_t(b)] = -INFINITY;
    order_.resize(n);
    std::iota(order_.begin(), order_.end(), 0);
    // Highest first; ties by token id so the order never depends on the sort algorithm.
    std::sort(order_.begin(), order_.end(), [&](int a, int b) {
        return z[std::size_t(a)] != z[std::size_t(b)] ? z[std::size_t(a)] > z[std::size_t(b)] : a < b;
    });
    std::size_t keep = n;
    if (options_.topK > 0) keep = std::min(keep, std::size_t(options_.topK));
    const double top = z[std::size_t(order_[0])];
    std::vector<double> p(n, 0.0);
    double sum = 0;
    for (std::size_t r = 0; r < keep; ++r) {
        double e = std::isfinite(z[std::size_t(order_[r])]) ? std::exp(z[std::size_t(order_[r])] - top) : 0.0;
        p[std::size_t(order_[r])] = e;
        sum += e;
    }
    if (!(sum > 0)) { // everything banned or non-finite: fall back to the first allowed token
        p.assign(n, 0.0);
        p[std::size_t(order_[0])] = 1.0;
        return p;
    }
    if (options_.topP > 0 && options_.topP < 1) {
        double mass = 0;
        std::size_t r = 0;
        for (; r < keep; ++r) {
            mass += p[std::size_t(order_[r])] / sum;
            if (mass >= options_.topP) { ++r; break; }
        }
        for (std::size_t q = r; q < keep; ++q) p[std::size_t(order_[q])] = 0.0;
        sum = 0;
        for (std::size_t q = 0; q < std::min(r, keep); ++q) sum += p[std::size_t(order_[q])];
    }
    for (double& x : p) x /= sum;
    return p;
}

int Sampler::sample(std::span<const float> logits, Random& random, std::span<const int> banned) {
    auto p = distribution(logits, banned);
    double u = random.uniform();
    double acc = 0;
    int last = order_[0];
    for (int idx : order_) {
        double x = p[std::size_t(idx)];
        if (x <= 0) continue;
        acc += x;
        last = idx;
        if (u < acc) return idx;
    }
    return last;
}

} // namespace continuo::inference
