#pragma once
// A synthesized click (no soundfont needed): a short decaying sine, higher and louder on
// the downbeat. prepare() allocates the two waveforms; start() and renderAdd() are
// real-time safe and are called by the Transport at the exact sample of each beat.
#include <vector>

namespace continuo::audio {

class Metronome {
public:
    void prepare(double sampleRate);
    /// Starts a click at the current render position (cuts a click still ringing).
    void start(bool downbeat) noexcept;
    /// Adds the ringing click (if any) into `frames` interleaved stereo frames.
    void renderAdd(float* interleaved, int frames) noexcept;
    void setLevel(float level) noexcept { level_ = level; }
    /// Length of one click in frames (for tests that look for onsets).
    int clickFrames() const { return int(normal_.size()); }

private:
    std::vector<float> accent_, normal_;
    const std::vector<float>* active_ = nullptr;
    int position_ = 0;
    float level_ = 0.5f;
};

} // namespace continuo::audio
