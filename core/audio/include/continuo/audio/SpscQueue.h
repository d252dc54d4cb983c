#pragma once
// A bounded, lock-free, single-producer/single-consumer queue. The storage is allocated
// once in the constructor; push() and pop() never allocate, lock or block, so either end
// may sit on the audio thread. Exactly one thread may push and exactly one may pop.
#include <atomic>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>

namespace continuo::audio {

template <class T> class SpscQueue {
    static_assert(std::is_trivially_copyable_v<T>, "queued items are copied on the audio thread");

public:
    /// Holds up to `capacity` items (rounded up to a power of two).
    explicit SpscQueue(std::size_t capacity) {
        std::size_t size = 2;
        while (size < capacity + 1) size <<= 1;
        mask_ = size - 1;
        slots_ = std::make_unique<T[]>(size);
    }
    SpscQueue(const SpscQueue&) = delete;
    SpscQueue& operator=(const SpscQueue&) = delete;

    /// Producer side. Returns false (and drops nothing already queued) when full.
    bool push(const T& item) noexcept {
        const std::size_t tail = tail_.load(std::memory_order_relaxed);
        const std::size_t next = (tail + 1) & mask_;
        if (next == headCache_) {
            headCache_ = head_.load(std::memory_order_acquire);
            if (next == headCache_) return false;
        }
        slots_[tail] = item;
        tail_.store(next, std::memory_order_release);
        return true;
    }

    /// Consumer side. Returns false when empty.
    bool pop(T& item) noexcept {
        const std::size_t head = head_.load(std::memory_order_relaxed);
        if (head == tailCache_) {
            tailCache_ = tail_.load(std::memory_order_acquire);
            if (head == tailCache_) return false;
        }
        item = slots_[head];
        head_.store((head + 1) & mask_, std::memory_order_release);
        return true;
    }

    /// Producer side: true when a push() now would fail. Only the producer may ask; the
    /// answer can only become more optimistic while the consumer runs.
    bool full() const noexcept {
        const std::size_t next = (tail_.load(std::memory_order_relaxed) + 1) & mask_;
        return next == head_.load(std::memory_order_acquire);
    }

    /// Approximate when called while the other side is active.
    bool empty() const noexcept {
        return head_.load(std::memory_order_acquire) == tail_.load(std::memory_order_acquire);
    }
    std::size_t capacity() const noexcept { return mask_; }

private:
    static constexpr std::size_t kLine = 64; // one cache line per side: no false sharing
    std::unique_ptr<T[]> slots_;
    std::size_t mask_ = 0;
    alignas(kLine) std::atomic<std::size_t> head_{0}; // written by the consumer
    std::size_t tailCache_ = 0;                       // consumer's view of tail_
    alignas(kLine) std::atomic<std::size_t> tail_{0}; // written by the producer
    std::size_t headCache_ = 0;                       // producer's view of head_
};

} // namespace continuo::audio
