#pragma once
// What the transport sends to the MIDI output, on its way from the audio thread to the
// sender thread: a preallocated single-producer/single-consumer queue of timestamped messages
// and a POSIX semaphore that wakes the sender. push() and wake() never allocate, lock or
// block (sem_post is an atomic increment and, with a waiter, one futex wake), so the audio
// thread may call them; wait() and pop() belong to the one sender thread.
#include "continuo/audio/MidiMessage.h"
#include "continuo/audio/SpscQueue.h"

#include <semaphore.h>

#include <atomic>
#include <cstdint>

namespace continuo::audio {

struct OutgoingMidi {
    std::int64_t clockNs = 0; ///< when it sounded, on the transport's clock
    MidiMessage message;
};

class MidiOutQueue {
public:
    explicit MidiOutQueue(std::size_t capacity) : queue_(capacity) { sem_init(&ready_, 0, 0); }
    ~MidiOutQueue() { sem_destroy(&ready_); }
    MidiOutQueue(const MidiOutQueue&) = delete;
    MidiOutQueue& operator=(const MidiOutQueue&) = delete;

    // ---- producer (the audio thread)
    /// False when full: the message is dropped and counted.
    bool push(const OutgoingMidi& m) noexcept {
        if (queue_.push(m)) {
            pending_ = true;
            return true;
        }
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    /// Wakes the sender if anything was pushed since the last wake (once per buffer).
    void wake() noexcept {
        if (!pending_) return;
        pending_ = false;
        sem_post(&ready_);
    }

    // ---- consumer (the sender thread)
    bool pop(OutgoingMidi& m) noexcept { return queue_.pop(m); }
    /// Waits up to `timeoutMs` for a wake; true when woken.
    bool wait(int timeoutMs) noexcept;
    /// Wakes the sender from any thread (to make it look at a stop flag).
    void interrupt() noexcept { sem_post(&ready_); }

    /// Messages dropped because the queue was full (any thread).
    std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
    std::size_t capacity() const noexcept { return queue_.capacity(); }

private:
    SpscQueue<OutgoingMidi> queue_;
    sem_t ready_;
    bool pending_ = false; ///< producer only
    std::atomic<std::uint64_t> dropped_{0};
};

} // namespace continuo::audio
