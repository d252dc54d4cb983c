#pragma once
// bf16 autocast for the training forward pass, on the CPU or on CUDA. Internal to the trainer.
// LibTorch 2.4 replaced the per-device calls (set_enabled, set_autocast_gpu_dtype,
// set_cpu_enabled, set_autocast_cpu_dtype) with calls that name the device, and warns at every
// call of the old ones; older LibTorch (Debian's 1.13) has only the old ones.
#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace continuo::inference {

/// Matrix products in bf16; reductions, softmax and the loss in fp32. The weights, the
/// optimiser, the kept memories and the checkpoints stay fp32.
class Autocast {
public:
    Autocast(bool on, bool cuda) : on_(on), cuda_(cuda) {
        if (on_) enable(true);
    }
    ~Autocast() {
        if (!on_) return;
        enable(false);
        at::autocast::clear_cache();
    }
    Autocast(const Autocast&) = delete;
    Autocast& operator=(const Autocast&) = delete;

private:
    void enable(bool enabled) const {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        const at::DeviceType device = cuda_ ? at::kCUDA : at::kCPU;
        if (enabled) at::autocast::set_autocast_dtype(device, at::kBFloat16);
        at::autocast::set_autocast_enabled(device, enabled);
#else
        if (cuda_) {
            if (enabled) at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
            at::autocast::set_enabled(enabled);
        } else {
            if (enabled) at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
            at::autocast::set_cpu_enabled(enabled);
        }
#endif
    }

    bool on_, cuda_;
};

} // namespace continuo::inference
