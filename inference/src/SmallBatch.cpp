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

/// R rows at once against O weight rows per pass, outputs `from` to `out`, compile-time counts
/// so that the R x O accumulators stay in registers as independent chains. Inlined into linearRows so that each
/// of its clones compiles it for its own instruction set.
template <int R, int O = 1>
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
inline void rowsOf(const float* __restrict x, std::int64_t in, const float* __restrict w, std::int64_t from,
                   std::int64_t out, const float* __restrict bias, float* __restrict y) {
    std::int64_t o = from;
    for (; o + O <= out; o += O) {
        float sum[R][O];
        std::int64_t i = 0;
#if defined(__GNUC__)
        Lanes acc[R][O];
        CONTINUO_UNROLL
        for (int r = 0; r < R; ++r)
            CONTINUO_UNROLL
            for (int c = 0; c < O; ++c) acc[r][c] = Lanes{};
        for (; i + 8 <= in; i += 8) {
            Lanes wv[O];
            CONTINUO_UNROLL
            for (int c = 0; c < O; ++c) wv[c] = load(w + (o + c) * in + i);
            CONTINUO_UNROLL
            for (int r = 0; r < R; ++r) {
                const Lanes xv = load(x + r * in + i);
                CONTINUO_UNROLL
                for (int c = 0; c < O; ++c) acc[r][c] += wv[c] * xv;
            }
        }
        CONTINUO_UNROLL
        for (int r = 0; r < R; ++r)
            CONTINUO_UNROLL
            for (int c = 0; c < O; ++c) sum[r][c] = total(acc[r][c]);
#else
        for (int r = 0; r < R; ++r)
            for (int c = 0; c < O; ++c) sum[r][c] = 0;
#endif
        CONTINUO_UNROLL
        for (int r = 0; r < R; ++r)
            CONTINUO_UNROLL
            for (int c = 0; c < O; ++c) {
                const float* wo = w + (o + c) * in;
                for (std::int64_t j = i; j < in; ++j) sum[r][c] += wo[j] * x[r * in + j];
                y[r * out + o + c] = sum[r][c] + (bias ? bias[o + c] : 0.0f);
            }
    }
    if constexpr (O > 1)
        if (o < out) rowsOf<R, 1>(x, in, w, o, out, bias, y);
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
        if (n >= 4) rowsOf<4, 2>(xr, in, w, 0, out, bias, yr), r += 4;
        else if (n == 3) rowsOf<3, 2>(xr, in, w, 0, out, bias, yr), r += 3;
        else if (n == 2) rowsOf<2, 4>(xr, in, w, 0, out, bias, yr), r += 2;
        else rowsOf<1, 4>(xr, in, w, 0, out, bias, yr), r += 1;
    }
}

} // namespace continuo::inference::kernels
