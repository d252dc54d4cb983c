#pragma once
// Hands immutable objects (playback snapshots, synths) from a non-real-time thread to the
// audio thread without locks, and hands the replaced ones back for deletion, so that the
// audio thread never frees memory.
//
//   publisher thread: publish() and collect();  audio thread: acquire().
// A publish that the audio thread has not yet picked up is replaced and deleted by the
// publisher itself (the atomic exchange decides who owns it).
#include "continuo/audio/SpscQueue.h"

#include <atomic>
#include <memory>

namespace continuo::audio {

template <class T> class Handoff {
public:
    Handoff() : retired_(32) {}
    /// Call only when no thread can be in acquire() any more.
    ~Handoff() {
        delete current_;
        delete pending_.exchange(nullptr);
        collect();
    }
    Handoff(const Handoff&) = delete;
    Handoff& operator=(const Handoff&) = delete;

    void publish(std::unique_ptr<T> next) {
        collect();
        delete pending_.exchange(next.release(), std::memory_order_acq_rel);
    }

    /// Frees what the audio thread has retired.
    void collect() {
        T* old = nullptr;
        while (retired_.pop(old)) delete old;
    }

    /// Audio thread: the current object, switching to a newly published one first. Sets
    /// `changed` when it switched. Never allocates or frees.
    T* acquire(bool& changed) noexcept {
        changed = false;
        if (pending_.load(std::memory_order_relaxed) == nullptr) return current_;
        if (current_ && retired_.full()) return current_; // publisher has not collected yet
        T* next = pending_.exchange(nullptr, std::memory_order_acq_rel);
        if (!next) return current_;
        if (current_) retired_.push(current_);
        current_ = next;
        changed = true;
        return current_;
    }

    /// The object last acquired; only for the thread that calls acquire(), or when idle.
    T* current() const noexcept { return current_; }

private:
    std::atomic<T*> pending_{nullptr};
    T* current_ = nullptr; // owned; touched only by the acquiring thread
    SpscQueue<T*> retired_;
};

} // namespace continuo::audio
