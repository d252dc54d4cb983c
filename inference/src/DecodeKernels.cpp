#include "DecodeKernels.h"
#include "Clones.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace continuo::inference::kernels {

#if defined(__GNUC__)
namespace {
#pragma GCC diagnostic ignored "-Wpsabi" // the helper is always inlined: no vector crosses a call
typedef float Lanes __attribute__((vector_size(32)));

/// y = sum over j < K of (scratch[j] * inv) v_j for D = 8 x NV, each output a sum in order
/// of j as the plain loop computes it, with the NV accumulators in registers instead of y.
/// Inlined into attendOneHead, so each of its clones compiles it for its instruction set.
template <int NV>
__attribute__((always_inline)) inline void weightedValues(const float* __restrict scratch, float inv,
                                                          const float* __restrict v, std::int64_t vStride,
                                                          std::int64_t K, float* __restrict y) {
    Lanes acc[NV];
    CONTINUO_UNROLL
    for (int n = 0; n < NV; ++n) acc[n] = Lanes{};
    for (std::int64_t j = 0; j < K; ++j) {
        const float w = scratch[j] * inv;
        const float* vj = v + j * vStride;
        CONTINUO_UNROLL
        for (int n = 0; n < NV; ++n) {
            Lanes x;
            __builtin_memcpy(&x, vj + 8 * n, sizeof x); // unaligned
            acc[n] += w * x;
        }
    }
    CONTINUO_UNROLL
    for (int n = 0; n < NV; ++n) __builtin_memcpy(y + 8 * n, &acc[n], sizeof acc[n]);
}
} // namespace
#endif

CONTINUO_CLONES
void attendOneHead(const float* __restrict q, const float* __restrict k, std::int64_t kStride,
                   const float* __restrict e, std::int64_t eStride, const float* __restrict v,
                   std::int64_t vStride, const float* __restrict bias, std::int64_t K, std::int64_t D, float scale,
                   float* __restrict scratch, float* __restrict y) {
    const FlushSubnormals flush;
    float top = -std::numeric_limits<float>::infinity();
    for (std::int64_t j = 0; j < K; ++j) {
        const float* kj = k + j * kStride;
        const float* ej = e + j * eStride;
        // Eight independent partial sums: vectorisable without reassociating one sum.
        float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        std::int64_t d = 0;
        for (; d + 8 <= D; d += 8)
            for (int i = 0; i < 8; ++i) lane[i] += q[d + i] * (kj[d + i] + ej[d + i]);
        float s = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
        for (; d < D; ++d) s += q[d] * (kj[d] + ej[d]);
        s *= scale;
        if (bias) s += bias[j];
        scratch[j] = s;
        top = std::max(top, s);
    }
    const float inv = exponentiate(scratch, K, top);
#if defined(__GNUC__)
    if (D % 8 == 0 && D >= 8 && D <= 64) {
        switch (D / 8) {
        case 1: return weightedValues<1>(scratch, inv, v, vStride, K, y);
        case 2: return weightedValues<2>(scratch, inv, v, vStride, K, y);
        case 3: return weightedValues<3>(scratch, inv, v, vStride, K, y);
        case 4: return weightedValues<4>(scratch, inv, v, vStride, K, y);
        case 5: return weightedValues<5>(scratch, inv, v, vStride, K, y);
        case 6: return weightedValues<6>(scratch, inv, v, vStride, K, y);
        case 7: return weightedValues<7>(scratch, inv, v, vStride, K, y);
        default: return weightedValues<8>(scratch, inv, v, vStride, K, y);
        }
    }
#endif
    for (std::int64_t d = 0; d < D; ++d) y[d] = 0;
    for (std::int64_t j = 0; j < K; ++j) {
        const float w = scratch[j] * inv;
        const float* vj = v + j * vStride;
        for (std::int64_t d = 0; d < D; ++d) y[d] += w * vj[d];
    }
}

void layerNormRow(const float* x, std::int64_t n, const float* gain, const float* shift, float eps, float* y) {
    double sum = 0, squares = 0;
    for (std::int64_t i = 0; i < n; ++i) sum += x[i];
    const double mean = sum / double(n);
    for (std::int64_t i = 0; i < n; ++i) squares += (x[i] - mean) * (x[i] - mean);
    const float m = float(mean), inv = float(1.0 / std::sqrt(squares / double(n) + double(eps)));
    for (std::int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) * inv * (gain ? gain[i] : 1.0f) + (shift ? shift[i] : 0.0f);
}

void geluInPlace(float* x, std::int64_t n) {
    constexpr float kInvSqrt2 = 0.70710678118654752f;
    for (std::int64_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * kInvSqrt2));
}

} // namespace continuo::inference::kernels
