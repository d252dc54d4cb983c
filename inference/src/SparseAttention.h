#pragma once
// Sparse Transformer's factorised attention patterns (strided, fixed) with relative logits.
#include "continuo/inference/ModelConfig.h"

#include <torch/torch.h>

namespace continuo::inference {

/// Same contract as relativeAttention(): q (B, H, T, D), k/v (B, H, K, D), K = M + T, queries are
/// the last T keys; `bias` (H, >= K) by distance or undefined. The first half of the heads takes pattern A1, the second half A2.
torch::Tensor sparseRelativeAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                      const torch::Tensor& table, const torch::Tensor& bias, const torch::Tensor& memoryValid,
                                      AttentionLayout layout, int stride, int summary);

/// The boolean mask (T, K) of the pattern for one head group (0 = A1, 1 = A2): true = visible.
/// Used by tests as the dense reference.
torch::Tensor sparsePatternMask(std::int64_t T, std::int64_t K, AttentionLayout layout, int group, int stride,
                                int summary);

} // namespace continuo::inference
