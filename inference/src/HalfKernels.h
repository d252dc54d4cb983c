#pragma once
// Decoding one token with the weights, the cached keys and values and the relative table held
// as IEEE half floats (binary16), arithmetic in float. Decoding reads every weight and every
// cached key once per token and does two flops per float read: it waits on memory, and halving
// the bytes is what makes it faster. Torch-free; half values travel as their 16-bit patterns.
#include <cstdint>

namespace continuo::inference::kernels {

/// The float nearest to half value `h` (exact: every half is a float).
float halfToFloat(std::uint16_t h);
/// `f` rounded to the nearest half, ties to even; overflow gives infinity, NaN stays NaN.
std::uint16_t floatToHalf(float f);

/// True where the fast path runs (x86-64 with AVX2, FMA and F16C); elsewhere the kernels
/// convert one value at a time and give the same results more slowly.
bool halfKernelsAccelerated();
/// false makes the kernels take the one-value-at-a-time path even where the fast one runs
/// (tests compare the two); true (the default) lets them choose.
void allowAcceleratedHalfKernels(bool allowed);

/// y[o] = bias[o] + sum_i w[o][i] * x[i] for one row x (in floats); w is out x in halves,
/// contiguous; bias (out floats) may be null.
void linearHalf(const float* x, std::int64_t in, const std::uint16_t* w, std::int64_t out, const float* bias,
                float* y);

/// linearHalf for `rows` rows at once (x rows x in, y rows x out, contiguous): each weight is
/// read and converted once for all rows, as kernels::linearRows does in float.
void linearHalfRows(const float* x, std::int64_t rows, std::int64_t in, const std::uint16_t* w, std::int64_t out,
                    const float* bias, float* y);
/// out[i] = floatToHalf(in[i]) for i < n.
void floatsToHalves(const float* in, std::int64_t n, std::uint16_t* out);
/// kernels::attendOneHead with k, e and v as halves (rows of D halves, `kStride`, `eStride`,
/// `vStride` halves apart); q, bias, scratch and y are floats as there.
void attendOneHeadHalf(const float* q, const std::uint16_t* k, std::int64_t kStride, const std::uint16_t* e,
                       std::int64_t eStride, const std::uint16_t* v, std::int64_t vStride, const float* bias,
                       std::int64_t K, std::int64_t D, float scale, float* scratch, float* y);

} // namespace continuo::inference::kernels
