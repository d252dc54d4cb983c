#pragma once
// What Model hides: the torch module and the device it lives on.
#include "Dsmr.h"
#include "continuo/inference/Engine.h"
#include "continuo/inference/ThreadPolicy.h"

namespace continuo::inference {

struct Model::Impl {
    Dsmr net{nullptr};
    torch::Device device{torch::kCPU};
    ModelInfo info;
    int threads = 0;      ///< RuntimeOptions::threads
    RecallOptions recall; ///< RuntimeOptions::recall
    CpuIdleMeter cpuIdle; ///< since loading, or since the last thread choice
};

/// Tokens the model reads before the next one, past which the primer cannot change what it
/// writes: sum over layers of (horizon + segment) of the decoding plan.
int receptiveField(const ModelConfig& config);

/// Parses "cpu", "cuda", "cuda:1"; refuses CUDA when LibTorch has none, saying so.
Expected<torch::Device> parseDevice(const std::string& name);
/// Applies the thread count to LibTorch (0 = all cores).
void applyThreads(int threads);
/// Turns a LibTorch exception into a message for the user.
std::string torchMessage(const std::exception& e);

} // namespace continuo::inference
