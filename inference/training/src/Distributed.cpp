// Data-parallel training over LibTorch's c10d: TCPStore rendezvous, Gloo (CPU) or NCCL (CUDA).
#include "Distributed.h"

#include "ModelImpl.h"

#ifdef CONTINUO_HAVE_C10D
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef CONTINUO_HAVE_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#endif

#include <chrono>
#include <cstdlib>

namespace continuo::inference {

namespace {
#ifdef CONTINUO_HAVE_C10D
void finish(const c10::intrusive_ptr<c10d::Work>& work) {
    try {
        work->wait();
    } catch (const std::exception& e) {
        throw PeerLost(torchMessage(e));
    }
}
#endif
} // namespace

#ifdef CONTINUO_HAVE_C10D
struct ProcessGroup::Impl {
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<c10d::ProcessGroup> group;
    /// Where the backend wants its tensors: NCCL reduces only CUDA tensors.
    torch::Device device{torch::kCPU};
};
#else
struct ProcessGroup::Impl {};
#endif

ProcessGroup::~ProcessGroup() = default;

Expected<std::unique_ptr<ProcessGroup>> ProcessGroup::join(const DistributedOptions& o, const torch::Device& device) {
    std::unique_ptr<ProcessGroup> g(new ProcessGroup);
    if (o.worldSize < 1 || o.rank < 0 || o.rank >= o.worldSize)
        return Error{"rank " + std::to_string(o.rank) + " does not fit a world size of " + std::to_string(o.worldSize)};
    g->rank_ = o.rank;
    g->size_ = o.worldSize;
    if (o.worldSize == 1) return g;
#ifndef CONTINUO_HAVE_C10D
    (void)device;
    return Error{"this build has no distributed training: LibTorch's c10d or Gloo's headers (libgloo-dev) were "
                 "missing when it was configured"};
#else
    if (o.masterPort < 1 || o.masterPort > 65535) return Error{"the master port must lie in 1..65535"};
    const auto timeout = std::chrono::milliseconds(std::int64_t(std::max(1.0, o.timeoutSeconds) * 1000));
    const std::string where = o.masterAddress + ":" + std::to_string(o.masterPort);
    const std::string within = " within " + std::to_string(int(std::max(1.0, o.timeoutSeconds))) + " s";
    g->impl_ = std::make_unique<Impl>();
    try {
        c10d::TCPStoreOptions so;
        so.port = std::uint16_t(o.masterPort);
        so.isServer = o.rank == 0;
        so.numWorkers = std::size_t(o.worldSize);
        so.waitWorkers = true;
        so.timeout = timeout;
        g->impl_->store = c10::make_intrusive<c10d::TCPStore>(o.masterAddress, so);
    } catch (const std::exception& e) {
        if (o.rank == 0)
            return Error{"not all " + std::to_string(o.worldSize) + " ranks joined the job at " + where + within +
                         " (a peer never arrived, or the port is taken): " + torchMessage(e)};
        return Error{"rank " + std::to_string(o.rank) + " could not reach rank 0 at " + where + within + ": " + torchMessage(e)};
    }
    try {
#ifdef CONTINUO_HAVE_NCCL
        if (device.is_cuda()) {
            auto options = c10d::ProcessGroupNCCL::Options::create();
            options->timeout = timeout;
            g->impl_->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(g->impl_->store, o.rank, o.worldSize, options);
            g->backend_ = "nccl";
            g->impl_->device = device;
        }
#else
        (void)device;
#endif
        if (!g->impl_->group) {
            auto options = c10d::ProcessGroupGloo::Options::create(timeout);
            // The interface that reaches the master is the one the peers can reach us on; a
            // loopback master keeps the whole job on loopback.
            // GLOO_SOCKET_IFNAME names the interface, as for PyTorch's own jobs.
            const bool loopback = o.masterAddress == "127.0.0.1" || o.masterAddress == "localhost";
            const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
            options->devices.push_back(interface && *interface ? c10d::ProcessGroupGloo::createDeviceForInterface(interface)
                                       : loopback          ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                                           : c10d::ProcessGroupGloo::createDefaultDevice());
            options->threads = 2;
            g->impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(g->impl_->store, o.rank, o.worldSize, options);
            g->backend_ = "gloo";
        }
        g->barrier();
    } catch (const std::exception& e) {
        return Error{"the job's " + std::to_string(o.worldSize) + " ranks did not all join at " + where + within +
                     " (a peer never arrived, or cannot be reached from here): " + torchMessage(e)};
    }
    return g;
#endif
}

void ProcessGroup::allReduceGradients(const std::vector<torch::Tensor>& parameters, std::size_t bucketBytes) {
    if (size_ == 1) return;
#ifdef CONTINUO_HAVE_C10D
    torch::NoGradGuard noGrad;
    struct Bucket {
        std::vector<torch::Tensor> grads;
        std::vector<at::Tensor> flat;
        c10::intrusive_ptr<c10d::Work> work;
    };
    std::vector<Bucket> buckets;
    std::vector<torch::Tensor> pending;
    std::size_t pendingBytes = 0;
    auto launch = [&] {
        if (pending.empty()) return;
        Bucket b;
        b.grads = std::move(pending);
        std::vector<torch::Tensor> views;
        for (auto& t : b.grads) views.push_back(t.reshape({-1}));
        b.flat.push_back(torch::cat(views));
        b.work = impl_->group->allreduce(b.flat);
        buckets.push_back(std::move(b));
        pending.clear();
        pendingBytes = 0;
    };
    for (const torch::Tensor& p : parameters) {
        auto& grad = const_cast<torch::Tensor&>(p).mutable_grad();
        if (!grad.defined()) grad = torch::zeros_like(p);
        pending.push_back(grad);
        pendingBytes += std::size_t(grad.numel()) * grad.element_size();
        if (pendingBytes >= bucketBytes) launch();
    }
    launch();
    for (Bucket& b : buckets) {
        finish(b.work);
        std::int64_t offset = 0;
        for (auto& t : b.grads) {
            t.copy_(b.flat[0].narrow(0, offset, t.numel()).view_as(t));
            offset += t.numel();
        }
    }
#else
    (void)parameters;
    (void)bucketBytes;
#endif
}

void ProcessGroup::allReduce(torch::Tensor& values, bool maximum) {
    if (size_ == 1) return;
#ifdef CONTINUO_HAVE_C10D
    std::vector<at::Tensor> t{values.to(impl_->device)};
    c10d::AllreduceOptions options;
    options.reduceOp = maximum ? c10d::ReduceOp::MAX : c10d::ReduceOp::SUM;
    finish(impl_->group->allreduce(t, options));
    values.copy_(t[0]);
#else
    (void)values;
    (void)maximum;
#endif
}

void ProcessGroup::broadcast(const std::vector<torch::Tensor>& tensors) {
    if (size_ == 1) return;
#ifdef CONTINUO_HAVE_C10D
    torch::NoGradGuard noGrad;
    for (const auto& t : tensors) {
        std::vector<at::Tensor> one{t.detach()};
        finish(impl_->group->broadcast(one));
    }
#else
    (void)tensors;
#endif
}

void ProcessGroup::barrier() {
    if (size_ == 1) return;
#ifdef CONTINUO_HAVE_C10D
    // A barrier as a one-element reduction: it honours the group's timeout on every backend.
    std::vector<at::Tensor> one{torch::zeros({1}, torch::TensorOptions().dtype(torch::kFloat32).device(impl_->device))};
    finish(impl_->group->allreduce(one));
#endif
}

} // namespace continuo::inference
