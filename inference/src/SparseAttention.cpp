// Sparse Transformer (Child et al. 2019) factorised attention with relative logits.
#include "SparseAttention.h"

#include "Dsmr.h"

#include <cmath>

namespace continuo::inference {

torch::Tensor sparsePatternMask(std::int64_t T, std::int64_t K, AttentionLayout layout, int group, int stride,
                                int summary) {
    auto opts = torch::TensorOptions().dtype(torch::kLong);
    auto p = torch::arange(K - T, K, opts).unsqueeze(1); // query positions (T, 1)
    auto j = torch::arange(K, opts).unsqueeze(0);        // key positions (1, K)
    auto causal = j <= p;
    if (layout == AttentionLayout::Strided) {
        auto d = p - j;
        return causal.logical_and(group == 0 ? d < stride : torch::remainder(d, stride) == 0);
    }
    if (layout == AttentionLayout::Fixed) {
        if (group == 0) return causal.logical_and(torch::div(j, stride, "floor") == torch::div(p, stride, "floor"));
        return causal.logical_and(torch::remainder(j, stride) >= stride - summary);
    }
    return causal;
}

torch::Tensor sparseRelativeAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                      const torch::Tensor& table, const torch::Tensor& memoryValid,
                                      AttentionLayout layout, int stride, int summary) {
    // Reference formulation: relative logits over all keys, each head group's pattern as a mask.
    const auto H = q.size(1), T = q.size(2), K = k.size(2), M = K - T;
    const double scale = 1.0 / std::sqrt(double(q.size(3)));
    auto content = torch::matmul(q, k.transpose(-2, -1));
    auto reversed = table.narrow(1, 0, K).flip({1});
    auto qe = torch::matmul(q, reversed.transpose(-2, -1).unsqueeze(0));
    auto logits = (content + skew(qe)) * scale; // (B, H, T, K)
    auto a1 = sparsePatternMask(T, K, layout, 0, stride, summary).to(q.device());
    auto a2 = sparsePatternMask(T, K, layout, 1, stride, summary).to(q.device());
    auto groups = torch::cat({a1.unsqueeze(0).expand({H / 2, T, K}), a2.unsqueeze(0).expand({H - H / 2, T, K})});
    auto hidden = groups.logical_not().unsqueeze(0); // (1, H, T, K)
    if (memoryValid.defined() && M > 0) {
        auto mem = torch::constant_pad_nd(memoryValid.logical_not().to(torch::kUInt8), {0, T})
                       .to(torch::kBool)
                       .view({memoryValid.size(0), 1, 1, K});
        hidden = hidden.logical_or(mem);
    }
    logits = logits.masked_fill(hidden, -std::numeric_limits<float>::infinity());
    return torch::matmul(torch::softmax(logits, -1), v);
}

} // namespace continuo::inference
