#pragma once
// A linear layer for a handful of rows (variations decoded side by side). Decoding is bound
// by reading the weights, not by arithmetic: one matrix-vector product per row reads them once
// per row, and GEMM packs them first, so three variations cost three times one. This reads
// each weight row once for all rows. Torch-free.
#include <cstdint>

namespace continuo::inference::kernels {

/// Rows that linearRows() takes at most.
constexpr std::int64_t kMaxSmallBatch = 8;

/// y[b][o] = bias[o] + sum_i w[o][i] * x[b][i] for b < rows (<= kMaxSmallBatch), o < out.
/// x is rows x in, w is out x in, y is rows x out, all contiguous; bias (out) may be null.
void linearRows(const float* x, std::int64_t rows, std::int64_t in, const float* w, std::int64_t out,
                const float* bias, float* y);

} // namespace continuo::inference::kernels
