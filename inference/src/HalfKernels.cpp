#include "HalfKernels.h"

#include "Clones.h"
#include "DecodeKernels.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CONTINUO_HALF_X86 1
#endif

namespace continuo::inference::kernels {

float halfToFloat(std::uint16_t h) {
    const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
    const std::uint32_t exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
    std::uint32_t bits;
    if (exponent == 0) {
        // Zero or subnormal: mantissa x 2^-24, exact in float.
        const float magnitude = float(mantissa) * 5.9604644775390625e-8f;
        std::memcpy(&bits, &magnitude, sizeof bits);
        bits |= sign;
    } else if (exponent == 31) {
        bits = sign | 0x7f800000u | (mantissa << 13); // infinity or NaN
    } else {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    }
    float out;
    std::memcpy(&out, &bits, sizeof out);
    return out;
}

std::uint16_t floatToHalf(float f) {
    std::uint32_t x;
    std::memcpy(&x, &f, sizeof x);
    const auto sign = std::uint16_t((x >> 16) & 0x8000u);
    const std::uint32_t magnitude = x & 0x7fffffffu;
    if (magnitude >= 0x7f800000u) return std::uint16_t(sign | 0x7c00u | (magnitude > 0x7f800000u ? 0x200u : 0u));
    if (magnitude >= 0x477ff000u) return std::uint16_t(sign | 0x7c00u); // 65520 and up round to infinity
    if (magnitude < 0x38800000u) {
        // Below the smallest normal half (2^-14): a count of 2^-24, rounded to even (the
        // default rounding mode); 1024 of them is the smallest normal, which that encodes.
        float v;
        std::memcpy(&v, &magnitude, sizeof v);
        return std::uint16_t(sign | std::uint16_t(std::nearbyint(v * 16777216.0f)));
    }
    const std::uint32_t exponent = (magnitude >> 23) - 112, mantissa = magnitude & 0x7fffffu;
    std::uint32_t h = (exponent << 10) | (mantissa >> 13);
    const std::uint32_t rest = mantissa & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h; // a carry moves into the exponent
    return std::uint16_t(sign | h);
}

namespace {

void linearHalfPlain(const float* x, std::int64_t in, const std::uint16_t* w, std::int64_t out, const float* bias,
                     float* y) {
    for (std::int64_t o = 0; o < out; ++o) {
        const std::uint16_t* wo = w + o * in;
        float sum = 0;
        for (std::int64_t i = 0; i < in; ++i) sum += halfToFloat(wo[i]) * x[i];
        y[o] = sum + (bias ? bias[o] : 0.0f);
    }
}

void linearHalfRowsPlain(const float* x, std::int64_t rows, std::int64_t in, const std::uint16_t* w, std::int64_t out,
                         const float* bias, float* y) {
    for (std::int64_t r = 0; r < rows; ++r) linearHalfPlain(x + r * in, in, w, out, bias, y + r * out);
}

void attendPlain(const float* q, const std::uint16_t* k, std::int64_t kStride, const std::uint16_t* e,
                 std::int64_t eStride, const std::uint16_t* v, std::int64_t vStride, const float* bias, std::int64_t K,
                 std::int64_t D, float scale, float* scratch, float* y) {
    float top = -std::numeric_limits<float>::infinity();
    for (std::int64_t j = 0; j < K; ++j) {
        float s = 0;
        for (std::int64_t d = 0; d < D; ++d)
            s += q[d] * (halfToFloat(k[j * kStride + d]) + halfToFloat(e[j * eStride + d]));
        s = s * scale + (bias ? bias[j] : 0.0f);
        scratch[j] = s;
        top = std::max(top, s);
    }
    const float inv = exponentiate(scratch, K, top);
    for (std::int64_t d = 0; d < D; ++d) y[d] = 0;
    for (std::int64_t j = 0; j < K; ++j) {
        const float wj = scratch[j] * inv;
        for (std::int64_t d = 0; d < D; ++d) y[d] += wj * halfToFloat(v[j * vStride + d]);
    }
}

#if defined(CONTINUO_HALF_X86)
#define CONTINUO_F16C __attribute__((target("avx2,fma,f16c")))
#define CONTINUO_F16C_INLINE __attribute__((target("avx2,fma,f16c"), always_inline)) inline

CONTINUO_F16C_INLINE __m256 load8(const std::uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

CONTINUO_F16C_INLINE float total(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// Four output rows per pass over x: four independent chains of fused multiply-adds.
CONTINUO_F16C void linearHalfFast(const float* x, std::int64_t in, const std::uint16_t* w, std::int64_t out,
                                  const float* bias, float* y) {
    const std::int64_t in8 = in & ~std::int64_t(7);
    std::int64_t o = 0;
    for (; o + 4 <= out; o += 4) {
        const std::uint16_t* w0 = w + o * in;
        const std::uint16_t* w1 = w0 + in;
        const std::uint16_t* w2 = w1 + in;
        const std::uint16_t* w3 = w2 + in;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
        for (std::int64_t i = 0; i < in8; i += 8) {
            const __m256 xv = _mm256_loadu_ps(x + i);
            a0 = _mm256_fmadd_ps(load8(w0 + i), xv, a0);
            a1 = _mm256_fmadd_ps(load8(w1 + i), xv, a1);
            a2 = _mm256_fmadd_ps(load8(w2 + i), xv, a2);
            a3 = _mm256_fmadd_ps(load8(w3 + i), xv, a3);
        }
        float s0 = total(a0), s1 = total(a1), s2 = total(a2), s3 = total(a3);
        for (std::int64_t i = in8; i < in; ++i) {
            s0 += halfToFloat(w0[i]) * x[i];
            s1 += halfToFloat(w1[i]) * x[i];
            s2 += halfToFloat(w2[i]) * x[i];
            s3 += halfToFloat(w3[i]) * x[i];
        }
        y[o] = s0 + (bias ? bias[o] : 0.0f);
        y[o + 1] = s1 + (bias ? bias[o + 1] : 0.0f);
        y[o + 2] = s2 + (bias ? bias[o + 2] : 0.0f);
        y[o + 3] = s3 + (bias ? bias[o + 3] : 0.0f);
    }
    if (o < out) linearHalfPlain(x, in, w + o * in, out - o, bias ? bias + o : nullptr, y + o);
}

/// exp(x) for eight floats x <= 0 (logits less their largest): 2^n e^r with |r| <= ln 2 / 2 and
/// Cephes' degree-6 polynomial for e^r, within 2 ulp of std::exp; below -87 (2^-126, the
/// smallest normal float) it gives a tiny value instead of a subnormal or zero.
CONTINUO_F16C_INLINE __m256 exp8(__m256 x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    const __m256 e = _mm256_add_ps(_mm256_fmadd_ps(_mm256_mul_ps(p, r), r, r), _mm256_set1_ps(1.0f));
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(e, _mm256_castsi256_ps(bits));
}

/// kernels::exponentiate, eight logits at a time.
CONTINUO_F16C float exponentiateFast(float* scratch, std::int64_t K, float top) {
    const __m256 t = _mm256_set1_ps(top);
    __m256 sum = _mm256_setzero_ps();
    std::int64_t j = 0;
    for (; j + 8 <= K; j += 8) {
        const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(scratch + j), t));
        _mm256_storeu_ps(scratch + j, e);
        sum = _mm256_add_ps(sum, e);
    }
    float rest = 0;
    for (; j < K; ++j) rest += (scratch[j] = std::exp(scratch[j] - top));
    return 1.0f / (total(sum) + rest);
}

/// D = 8 x NV: the query and the output stay in NV registers each.
template <int NV>
CONTINUO_F16C void attendFast(const float* q, const std::uint16_t* k, std::int64_t kStride, const std::uint16_t* e,
                              std::int64_t eStride, const std::uint16_t* v, std::int64_t vStride, const float* bias,
                              std::int64_t K, float scale, float* scratch, float* y) {
    __m256 qv[NV];
    CONTINUO_UNROLL
    for (int n = 0; n < NV; ++n) qv[n] = _mm256_loadu_ps(q + 8 * n);
    float top = -std::numeric_limits<float>::infinity();
    for (std::int64_t j = 0; j < K; ++j) {
        const std::uint16_t* kj = k + j * kStride;
        const std::uint16_t* ej = e + j * eStride;
        __m256 acc = _mm256_mul_ps(qv[0], _mm256_add_ps(load8(kj), load8(ej)));
        CONTINUO_UNROLL
        for (int n = 1; n < NV; ++n)
            acc = _mm256_fmadd_ps(qv[n], _mm256_add_ps(load8(kj + 8 * n), load8(ej + 8 * n)), acc);
        const float s = total(acc) * scale + (bias ? bias[j] : 0.0f);
        scratch[j] = s;
        top = std::max(top, s);
    }
    const float inv = exponentiateFast(scratch, K, top);
    __m256 acc[NV];
    CONTINUO_UNROLL
    for (int n = 0; n < NV; ++n) acc[n] = _mm256_setzero_ps();
    for (std::int64_t j = 0; j < K; ++j) {
        const __m256 wj = _mm256_set1_ps(scratch[j] * inv);
        const std::uint16_t* vj = v + j * vStride;
        CONTINUO_UNROLL
        for (int n = 0; n < NV; ++n) acc[n] = _mm256_fmadd_ps(wj, load8(vj + 8 * n), acc[n]);
    }
    CONTINUO_UNROLL
    for (int n = 0; n < NV; ++n) _mm256_storeu_ps(y + 8 * n, acc[n]);
}

/// R rows (2..4) against O weight rows per pass: each weight is converted once for all rows,
/// and the R x O sums are independent chains, enough to hide the latency of each addition.
template <int R, int O>
CONTINUO_F16C void linearHalfRowsFast(const float* x, std::int64_t in, const std::uint16_t* w, std::int64_t out,
                                      const float* bias, float* y) {
    const std::int64_t in8 = in & ~std::int64_t(7);
    std::int64_t o = 0;
    for (; o + O <= out; o += O) {
        __m256 acc[R][O];
        CONTINUO_UNROLL
        for (int r = 0; r < R; ++r)
            CONTINUO_UNROLL
            for (int c = 0; c < O; ++c) acc[r][c] = _mm256_setzero_ps();
        for (std::int64_t i = 0; i < in8; i += 8) {
            __m256 wv[O];
            CONTINUO_UNROLL
            for (int c = 0; c < O; ++c) wv[c] = load8(w + (o + c) * in + i);
            CONTINUO_UNROLL
            for (int r = 0; r < R; ++r) {
                const __m256 xv = _mm256_loadu_ps(x + r * in + i);
                CONTINUO_UNROLL
                for (int c = 0; c < O; ++c) acc[r][c] = _mm256_fmadd_ps(wv[c], xv, acc[r][c]);
            }
        }
        CONTINUO_UNROLL
        for (int r = 0; r < R; ++r)
            CONTINUO_UNROLL
            for (int c = 0; c < O; ++c) {
                const std::uint16_t* wo = w + (o + c) * in;
                float s = total(acc[r][c]);
                for (std::int64_t i = in8; i < in; ++i) s += halfToFloat(wo[i]) * x[r * in + i];
                y[r * out + o + c] = s + (bias ? bias[o + c] : 0.0f);
            }
    }
    if (o < out)
        for (int r = 0; r < R; ++r) linearHalfPlain(x + r * in, in, w + o * in, out - o, bias ? bias + o : nullptr, y + r * out + o);
}

CONTINUO_F16C void floatsToHalvesFast(const float* in, std::int64_t n, std::uint16_t* out) {
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    for (; i < n; ++i) out[i] = floatToHalf(in[i]);
}

bool detectF16c() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}
#endif

} // namespace

namespace {
std::atomic<bool> acceleratedAllowed{true};
} // namespace

void allowAcceleratedHalfKernels(bool allowed) { acceleratedAllowed.store(allowed); }

bool halfKernelsAccelerated() {
#if defined(CONTINUO_HALF_X86)
    static const bool fast = detectF16c();
    return fast && acceleratedAllowed.load(std::memory_order_relaxed);
#else
    return false;
#endif
}

void linearHalf(const float* x, std::int64_t in, const std::uint16_t* w, std::int64_t out, const float* bias,
                float* y) {
#if defined(CONTINUO_HALF_X86)
    if (halfKernelsAccelerated()) return linearHalfFast(x, in, w, out, bias, y);
#endif
    linearHalfPlain(x, in, w, out, bias, y);
}

void linearHalfRows(const float* x, std::int64_t rows, std::int64_t in, const std::uint16_t* w, std::int64_t out,
                    const float* bias, float* y) {
#if defined(CONTINUO_HALF_X86)
    if (halfKernelsAccelerated()) {
        // Up to four rows share one pass over the weights; more rows take further passes.
        for (std::int64_t r = 0; r < rows;) {
            const std::int64_t n = rows - r;
            const float* xr = x + r * in;
            float* yr = y + r * out;
            if (n >= 4) linearHalfRowsFast<4, 2>(xr, in, w, out, bias, yr), r += 4;
            else if (n == 3) linearHalfRowsFast<3, 2>(xr, in, w, out, bias, yr), r += 3;
            else if (n == 2) linearHalfRowsFast<2, 4>(xr, in, w, out, bias, yr), r += 2;
            else linearHalfFast(xr, in, w, out, bias, yr), r += 1;
        }
        return;
    }
#endif
    linearHalfRowsPlain(x, rows, in, w, out, bias, y);
}

void floatsToHalves(const float* in, std::int64_t n, std::uint16_t* out) {
#if defined(CONTINUO_HALF_X86)
    if (halfKernelsAccelerated()) return floatsToHalvesFast(in, n, out);
#endif
    for (std::int64_t i = 0; i < n; ++i) out[i] = floatToHalf(in[i]);
}

void attendOneHeadHalf(const float* q, const std::uint16_t* k, std::int64_t kStride, const std::uint16_t* e,
                       std::int64_t eStride, const std::uint16_t* v, std::int64_t vStride, const float* bias,
                       std::int64_t K, std::int64_t D, float scale, float* scratch, float* y) {
    const FlushSubnormals flush;
#if defined(CONTINUO_HALF_X86)
    if (halfKernelsAccelerated() && D % 8 == 0) {
        switch (D / 8) {
        case 1: return attendFast<1>(q, k, kStride, e, eStride, v, vStride, bias, K, scale, scratch, y);
        case 2: return attendFast<2>(q, k, kStride, e, eStride, v, vStride, bias, K, scale, scratch, y);
        case 3: return attendFast<3>(q, k, kStride, e, eStride, v, vStride, bias, K, scale, scratch, y);
        case 4: return attendFast<4>(q, k, kStride, e, eStride, v, vStride, bias, K, scale, scratch, y);
        case 5: return attendFast<5>(q, k, kStride, e, eStride, v, vStride, bias, K, scale, scratch, y);
        case 6: return attendFast<6>(q, k, kStride, e, eStride, v, vStride, bias, K, scale, scratch, y);
        case 7: return attendFast<7>(q, k, kStride, e, eStride, v, vStride, bias, K, scale, scratch, y);
        case 8: return attendFast<8>(q, k, kStride, e, eStride, v, vStride, bias, K, scale, scratch, y);
        default: break;
        }
    }
#endif
    attendPlain(q, k, kStride, e, eStride, v, vStride, bias, K, D, scale, scratch, y);
}

} // namespace continuo::inference::kernels
