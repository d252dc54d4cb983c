#include "SmallBatch.h"

#include "Clones.h"

namespace continuo::inference::kernels {

namespace {
#if defined(__GNUC__)
// Eight floats as one value: a ymm register where the clone has AVX, two xmm otherwise. The
// helpers are always inlined, so no 32-byte vector crosses a call and the ABI note about
// passing one without AVX (-Wpsabi) does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float Lanes __attribute__((vector_size(32)));
__attribute__((always_inline)) inline Lanes load(const float* p) {
    Lanes v;
    __builtin_memcpy(&v, p, sizeof v); // unaligned
    return v;
}
__attribute__((always_inline)) inline float total(Lanes v) { return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7])); }
#endif

/// R rows at once, a compile-time count so that the accumulators stay in registers. Inlined
/// into linearRows so that each of its clones compiles it for its own instruction set.
template <int R>
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
inline void rowsOf(const float* __restrict x, std::int64_t in, const float* __restrict w, std::int64_t out,
                   const float* __restrict bias, float* __restrict y) {
    for (std::int64_t o = 0; o < out; ++o) {
        const float* wo = w + o * in;
        float sum[R];
        std::int64_t i = 0;
#if defined(__GNUC__)
        Lanes acc[R];
        for (int r = 0; r < R; ++r) acc[r] = Lanes{};
        for (; i + 8 <= in; i += 8) {
            const Lanes wv = load(wo + i);
            for (int r = 0; r < R; ++r) acc[r] += wv * load(x + r * in + i);
        }
        for (int r = 0; r < R; ++r) sum[r] = total(acc[r]);
#else
        for (int r = 0; r < R; ++r) sum[r] = 0;
#endif
        for (int r = 0; r < R; ++r) {
            for (std::int64_t j = i; j < in; ++j) sum[r] += wo[j] * x[r * in + j];
            y[r * out + o] = sum[r] + (bias ? bias[o] : 0.0f);
        }
    }
}
/// One row, four weight rows per pass over it: four independent chains, where one row against
/// one weight row at a time would wait on each addition.
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
inline void oneRow(const float* __restrict x, std::int64_t in, const float* __restrict w, std::int64_t out,
                   const float* __restrict bias, float* __restrict y) {
    std::int64_t o = 0;
#if defined(__GNUC__)
    for (; o + 4 <= out; o += 4) {
        const float* w0 = w + o * in;
        Lanes a0{}, a1{}, a2{}, a3{};
        std::int64_t i = 0;
        for (; i + 8 <= in; i += 8) {
            const Lanes xv = load(x + i);
            a0 += load(w0 + i) * xv;
            a1 += load(w0 + in + i) * xv;
            a2 += load(w0 + 2 * in + i) * xv;
            a3 += load(w0 + 3 * in + i) * xv;
        }
        float s[4] = {total(a0), total(a1), total(a2), total(a3)};
        for (int r = 0; r < 4; ++r) {
            for (std::int64_t j = i; j < in; ++j) s[r] += w0[r * in + j] * x[j];
            y[o + r] = s[r] + (bias ? bias[o + r] : 0.0f);
        }
    }
#endif
    if (o < out) rowsOf<1>(x, in, w + o * in, out - o, bias ? bias + o : nullptr, y + o);
}
} // namespace

CONTINUO_CLONES
void linearRows(const float* x, std::int64_t rows, std::int64_t in, const float* w, std::int64_t out,
                const float* bias, float* y) {
    // Up to four rows share one pass over the weights; more rows take further passes.
    for (std::int64_t r = 0; r < rows;) {
        const std::int64_t n = rows - r;
        const float* xr = x + r * in;
        float* yr = y + r * out;
        if (n >= 4) rowsOf<4>(xr, in, w, out, bias, yr), r += 4;
        else if (n == 3) rowsOf<3>(xr, in, w, out, bias, yr), r += 3;
        else if (n == 2) rowsOf<2>(xr, in, w, out, bias, yr), r += 2;
        else oneRow(xr, in, w, out, bias, yr), r += 1;
    }
}

} // namespace continuo::inference::kernels
