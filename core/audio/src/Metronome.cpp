#include "continuo/audio/Metronome.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace continuo::audio {

namespace {

std::vector<float> makeClick(double sampleRate, double hz, double amplitude) {
    const int frames = std::max(1, int(std::lround(0.035 * sampleRate))); // 35 ms
    std::vector<float> out(std::size_t(frames), 0.0f);
    const double decay = 1.0 / (0.008 * sampleRate); // ~8 ms time constant
    for (int i = 0; i < frames; ++i) {
        const double attack = std::min(1.0, i / (0.0005 * sampleRate)); // 0.5 ms ramp: no pop
        out[std::size_t(i)] = float(amplitude * attack * std::exp(-i * decay) *
                                    std::sin(2.0 * std::numbers::pi * hz * i / sampleRate));
    }
    return out;
}

} // namespace

void Metronome::prepare(double sampleRate) {
    accent_ = makeClick(sampleRate, 1760.0, 1.0);
    normal_ = makeClick(sampleRate, 1320.0, 0.6);
    active_ = nullptr;
    position_ = 0;
}

void Metronome::start(bool downbeat) noexcept {
    active_ = downbeat ? &accent_ : &normal_;
    position_ = 0;
}

void Metronome::renderAdd(float* interleaved, int frames) noexcept {
    if (!active_) return;
    const int available = int(active_->size()) - position_;
    const int n = std::min(frames, available);
    const float* src = active_->data() + position_;
    for (int i = 0; i < n; ++i) {
        const float v = src[i] * level_;
        interleaved[2 * i] += v;
        interleaved[2 * i + 1] += v;
    }
    position_ += n;
    if (position_ >= int(active_->size())) active_ = nullptr;
}

} // namespace continuo::audio
