#pragma once
// Data-parallel training over processes: a thin layer over LibTorch's c10d (a TCPStore for the
// rendezvous, ProcessGroupGloo for CPU tensors, ProcessGroupNCCL for CUDA ones when the LibTorch
// in use has it). Internal to the trainer; torch types stay out of public headers.
#include "continuo/core/Expected.h"
#include "continuo/inference/Trainer.h"

#include <torch/torch.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace continuo::inference {

/// A collective failed: a peer left the job or did not answer within the timeout.
struct PeerLost : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// One rank's view of the job. A group of one does no communication at all.
class ProcessGroup {
public:
    ~ProcessGroup();
    ProcessGroup(const ProcessGroup&) = delete;
    ProcessGroup& operator=(const ProcessGroup&) = delete;

    /// Joins the job described by `o` (world size 1: a group of one, nothing to join). Fails
    /// with a message naming what is missing when a peer does not arrive within the timeout.
    static Expected<std::unique_ptr<ProcessGroup>> join(const DistributedOptions& o, const torch::Device& device);

    int rank() const { return rank_; }
    int size() const { return size_; }
    bool isMain() const { return rank_ == 0; }
    /// "gloo", "nccl" or "none".
    std::string backend() const { return backend_; }

    /// The collectives below throw PeerLost when a peer is gone.

    /// Sums the gradients of `parameters` over the ranks in place (an undefined gradient counts
    /// as zeros). They are flattened into buckets of about `bucketBytes`, whose reductions run
    /// while the next bucket is packed.
    void allReduceGradients(const std::vector<torch::Tensor>& parameters, std::size_t bucketBytes = 8u << 20);
    /// Sums (or takes the maximum of) a small CPU double tensor over the ranks, in place.
    void allReduce(torch::Tensor& values, bool maximum = false);
    /// Copies every tensor from rank 0 to the others, in place.
    void broadcast(const std::vector<torch::Tensor>& tensors);
    void barrier();

private:
    ProcessGroup() = default;
    struct Impl;
    std::unique_ptr<Impl> impl_;
    int rank_ = 0, size_ = 1;
    std::string backend_ = "none";
};

} // namespace continuo::inference
