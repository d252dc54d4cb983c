#include "SilentClock.h"

#include "continuo/audio/Transport.h"

#include <chrono>

namespace continuo::audio {

SilentClock::SilentClock(Transport& transport, int periodFrames)
    : transport_(transport), period_(periodFrames), scratch_(std::size_t(2 * periodFrames)) {
    thread_ = std::thread([this] { run(); });
}

SilentClock::~SilentClock() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void SilentClock::run() {
    using clock = std::chrono::steady_clock;
    const auto period = std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(period_ / transport_.sampleRate()));
    auto next = clock::now();
    std::unique_lock lock(mutex_);
    while (!stop_) {
        const auto now = clock::now();
        transport_.process(scratch_.data(), period_,
                           std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count(),
                           false);
        next += period;
        if (next < now) next = now; // fell behind (suspended machine): do not race to catch up
        wake_.wait_until(lock, next, [this] { return stop_; });
    }
}

} // namespace continuo::audio
