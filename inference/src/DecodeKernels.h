#pragma once
// Plain-float kernels for decoding one token at a time, where LibTorch's per-operation
// dispatch and GEMM packing cost more than the arithmetic. Torch-free.
#include <cmath>
#include <cstdint>
#if defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>
#endif

namespace continuo::inference::kernels {

#if defined(__x86_64__) || defined(_M_X64)
/// MXCSR's flush-to-zero (FTZ) and denormals-are-zero (DAZ) bits.
inline constexpr unsigned kFlushSubnormalBits = 0x8000 | 0x0040;
#endif

/// While alive, the calling thread treats subnormal floats as zero and flushes subnormal
/// results to zero (x86's DAZ and FTZ); the previous mode comes back at the end of the scope.
/// The softmax weight of a key the query ignores falls below 2^-126 and is subnormal, and on
/// the Intel Xeons measured every multiply-add that reads or makes one takes a microcode
/// assist of about a hundred cycles: decoding ran 2.2 times slower for it (docs/performance.md,
/// "Subnormal attention weights"). Each term flushed is below 2^-126. Off x86 it does nothing.
class FlushSubnormals {
public:
#if defined(__x86_64__) || defined(_M_X64)
    FlushSubnormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | kFlushSubnormalBits); }
    ~FlushSubnormals() { _mm_setcsr(saved_); }
#else
    FlushSubnormals() = default;
#endif
    FlushSubnormals(const FlushSubnormals&) = delete;
    FlushSubnormals& operator=(const FlushSubnormals&) = delete;

private:
#if defined(__x86_64__) || defined(_M_X64)
    unsigned saved_;
#endif
};

/// What FlushSubnormals does, for the rest of the calling thread's life: the threads that run
/// a model keep it on (applyThreads).
inline void flushSubnormalsInThisThread() {
#if defined(__x86_64__) || defined(_M_X64)
    _mm_setcsr(_mm_getcsr() | kFlushSubnormalBits);
#endif
}

/// The softmax's middle step, shared by the attention kernels: scratch[j] = exp(scratch[j] -
/// top) for j < K (top = the largest logit); returns 1 / the sum of them.
inline float exponentiate(float* scratch, std::int64_t K, float top) {
    float sum = 0;
    for (std::int64_t j = 0; j < K; ++j) sum += (scratch[j] = std::exp(scratch[j] - top));
    return 1.0f / sum;
}

/// One head of single-query relative attention. Key j sits at distance K-1-j from the query,
/// so its logit is q . (k_j + e_j) * scale + bias_j with e_j the relative-table row and bias_j
/// the distance bias for that distance (`bias` K floats, or null for none).
/// Rows of k, v and e are D contiguous floats, `kStride`, `vStride`, `eStride` apart.
/// `scratch` holds K floats. Writes softmax(logits) . v to y (D floats).
void attendOneHead(const float* q, const float* k, std::int64_t kStride, const float* e, std::int64_t eStride,
                   const float* v, std::int64_t vStride, const float* bias, std::int64_t K, std::int64_t D,
                   float scale, float* scratch, float* y);

/// LayerNorm of one row of n floats, as torch::nn::LayerNorm computes it (biased variance,
/// `eps` inside the square root): y = (x - mean) / sqrt(var + eps) * gain + shift. y may be x.
void layerNormRow(const float* x, std::int64_t n, const float* gain, const float* shift, float eps, float* y);

/// x = x * Phi(x) in place for n floats: GELU with the exact normal CDF, torch::gelu's default.
void geluInPlace(float* x, std::int64_t n);

} // namespace continuo::inference::kernels
