#include "continuo/audio/Clock.h"

#include <chrono>

namespace continuo::audio {

namespace {

class SteadyClock final : public Clock {
public:
    std::int64_t nowNs() const noexcept override {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
    bool followsDriverTime() const noexcept override { return true; }
};

// Constant-initialised: no guard on first use, which may be on the audio thread.
constinit const SteadyClock steady;

} // namespace

const Clock& steadyClock() noexcept { return steady; }

std::int64_t MidiArrival::stamp(double driverDeltaSeconds, std::int64_t nowNs) noexcept {
    if (anchored_) elapsed_ += driverDeltaSeconds;
    const std::int64_t at = anchorNs_ + std::int64_t(elapsed_ * 1e9);
    if (anchored_ && at <= nowNs && nowNs - at <= 20'000'000) return at;
    anchored_ = true;
    anchorNs_ = nowNs;
    elapsed_ = 0.0;
    return nowNs;
}

} // namespace continuo::audio
