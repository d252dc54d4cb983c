// Sparse Transformer (Child et al. 2019) factorised attention with relative logits.
//
// Each query gathers only the keys of its pattern, W of them (W ~ stride, or ~ K / stride), so
// the cost is O(T * W * D) rather than O(T * K * D): with stride ~ sqrt(n) that is O(n sqrt n).
// The first half of the heads uses pattern A1, the second half A2:
//   strided: A1 = the previous `stride` positions, A2 = every stride-th position back
//   fixed:   A1 = the own block of `stride` positions, A2 = the last `summary` positions of
//            every block (plus the query itself, so that no query is left with no key)
#include "SparseAttention.h"

#include <cmath>

namespace continuo::inference {

namespace {

/// Key indices (T, W) for each query of one head group, and which of them exist (T, W).
std::pair<torch::Tensor, torch::Tensor> patternIndex(std::int64_t T, std::int64_t K, AttentionLayout layout, int group,
                                                     int stride, int summary) {
    const std::int64_t M = K - T;
    std::int64_t W;
    if (group == 0) W = stride;
    else if (layout == AttentionLayout::Strided) W = (K - 1) / stride + 1;
    else W = ((K - 1) / stride + 1) * summary + 1;
    std::vector<std::int64_t> idx(std::size_t(T * W), 0);
    std::vector<std::uint8_t> ok(std::size_t(T * W), 0);
    for (std::int64_t i = 0; i < T; ++i) {
        const std::int64_t p = M + i;
        auto put = [&](std::int64_t w, std::int64_t j) {
            if (j < 0 || j > p) return;
            idx[std::size_t(i * W + w)] = j;
            ok[std::size_t(i * W + w)] = 1;
        };
        if (layout == AttentionLayout::Strided) {
            for (std::int64_t w = 0; w < W; ++w) put(w, group == 0 ? p - w : p - w * stride);
        } else if (group == 0) {
            for (std::int64_t w = 0; w < W; ++w) put(w, (p / stride) * stride + w);
        } else {
            std::int64_t w = 0;
            for (std::int64_t b = 0; b * stride <= p; ++b)
                for (int r = 0; r < summary; ++r) put(w++, b * stride + stride - summary + r);
            if (p % stride < stride - summary) put(W - 1, p); // the query itself, unless already a summary key
        }
    }
    auto opts = torch::TensorOptions().dtype(torch::kLong);
    return {torch::tensor(idx, opts).view({T, W}), torch::tensor(ok, torch::kUInt8).to(torch::kBool).view({T, W})};
}

/// Attention of one head group over its gathered keys. q (B, G, T, D), k/v (B, G, K, D), table (G, R, D),
/// bias (G, R) or undefined.
torch::Tensor gatheredAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                const torch::Tensor& table, const torch::Tensor& bias,
                                const torch::Tensor& memoryValid, const torch::Tensor& idx,
                                const torch::Tensor& ok) {
    const auto B = q.size(0), G = q.size(1), T = q.size(2), D = q.size(3), W = idx.size(1), M = k.size(2) - T;
    auto flat = idx.reshape({-1});                                      // (T*W)
    auto kg = k.index_select(2, flat).view({B, G, T, W, D});            // (B, G, T, W, D)
    auto vg = v.index_select(2, flat).view({B, G, T, W, D});            // (B, G, T, W, D)
    auto positions = torch::arange(M, M + T, idx.options()).unsqueeze(1); // (T, 1)
    auto distance = (positions - idx).clamp_min(0).reshape({-1});        // (T*W)
    auto eg = table.index_select(1, distance).view({G, T, W, D});        // (G, T, W, D)
    auto qx = q.unsqueeze(3);                                            // (B, G, T, 1, D)
    auto logits = ((qx * kg).sum(-1) + (qx * eg.unsqueeze(0)).sum(-1)) / std::sqrt(double(D)); // (B, G, T, W)
    if (bias.defined()) logits = logits + bias.index_select(1, distance).view({1, G, T, W});  // (B, G, T, W)
    auto hidden = ok.logical_not().view({1, 1, T, W});
    if (memoryValid.defined() && M > 0) {
        // Keys inside the memory that belong to an earlier piece are hidden too.
        auto validAll = torch::constant_pad_nd(memoryValid.to(torch::kUInt8), {0, T}, 1).to(torch::kBool); // (B, K)
        auto gathered = validAll.index_select(1, flat).view({B, 1, T, W});
        hidden = hidden.logical_or(gathered.logical_not());
    }
    logits = logits.masked_fill(hidden, -std::numeric_limits<float>::infinity());
    auto weights = torch::softmax(logits, -1);            // (B, G, T, W)
    return (weights.unsqueeze(-1) * vg).sum(3);           // (B, G, T, D)
}

} // namespace

torch::Tensor sparsePatternMask(std::int64_t T, std::int64_t K, AttentionLayout layout, int group, int stride,
                                int summary) {
    auto opts = torch::TensorOptions().dtype(torch::kLong);
    auto p = torch::arange(K - T, K, opts).unsqueeze(1); // query positions (T, 1)
    auto j = torch::arange(K, opts).unsqueeze(0);        // key positions (1, K)
    auto causal = j <= p;
    torch::Tensor pattern;
    if (layout == AttentionLayout::Strided) {
        auto d = p - j;
        pattern = group == 0 ? d < stride : torch::remainder(d, stride) == 0;
    } else if (layout == AttentionLayout::Fixed) {
        pattern = group == 0 ? torch::div(j, stride, "floor") == torch::div(p, stride, "floor")
                             : torch::remainder(j, stride) >= stride - summary;
    } else {
        pattern = torch::ones_like(causal);
    }
    return causal.logical_and(pattern.logical_or(j == p));
}

torch::Tensor sparseRelativeAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                      const torch::Tensor& table, const torch::Tensor& bias,
                                      const torch::Tensor& memoryValid, AttentionLayout layout, int stride,
                                      int summary) {
    const auto H = q.size(1), T = q.size(2), K = k.size(2);
    const auto half = H / 2;
    std::vector<torch::Tensor> parts;
    for (int group = 0; group < 2; ++group) {
        const auto h0 = group == 0 ? 0 : half, n = group == 0 ? half : H - half;
        if (n == 0) continue;
        auto [idx, ok] = patternIndex(T, K, layout, group, stride, summary);
        idx = idx.to(q.device());
        ok = ok.to(q.device());
        parts.push_back(gatheredAttention(q.narrow(1, h0, n), k.narrow(1, h0, n), v.narrow(1, h0, n),
                                          table.narrow(0, h0, n), bias.defined() ? bias.narrow(0, h0, n) : bias,
                                          memoryValid, idx, ok));
    }
    return torch::cat(parts, 1); // (B, H, T, D)
}

} // namespace continuo::inference
