#pragma once
// The small model configurations that the inference tests build their networks from.
#include "continuo/inference/ModelConfig.h"

#include <utility>
#include <vector>

/// One layer per horizon, width 32, feed-forward 64, no dropout.
inline continuo::inference::ModelConfig tinyConfig(std::vector<int> horizons, int segment, int heads = 2) {
    continuo::inference::ModelConfig c;
    c.layers = int(horizons.size());
    c.dModel = 32;
    c.heads = heads;
    c.ffDim = 64;
    c.segment = segment;
    c.horizons = std::move(horizons);
    c.dropout = 0.0;
    return c;
}
