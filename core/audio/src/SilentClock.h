#pragma once
// Drives a Transport at real-time pace when there is no audio device, so that the playhead
// moves and recording keeps its timeline. Not real-time critical: it is a timer thread.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace continuo::audio {

class Transport;

class SilentClock {
public:
    SilentClock(Transport& transport, int periodFrames);
    ~SilentClock(); ///< stops and joins
    SilentClock(const SilentClock&) = delete;
    SilentClock& operator=(const SilentClock&) = delete;

private:
    void run();
    Transport& transport_;
    int period_;
    std::vector<float> scratch_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;
};

} // namespace continuo::audio
