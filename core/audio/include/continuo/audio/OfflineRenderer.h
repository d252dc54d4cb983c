#pragma once
// Renders a piece to a WAV file with the same synth settings and the same Transport as live
// playback, as fast as the CPU allows and with no audio device.
#include "continuo/audio/SynthSettings.h"
#include "continuo/core/Expected.h"
#include "continuo/core/Sequence.h"

#include <functional>
#include <string>
#include <vector>

namespace continuo::audio {

enum class SampleFormat { Pcm16, Float32 };

struct RenderOptions {
    SynthSettings synth;               ///< sampleRate and soundFont matter most
    SampleFormat format = SampleFormat::Pcm16;
    double tailSeconds = 2.0;          ///< rendered after the last event (release, reverb)
    bool metronome = false;            ///< mix the click in (tests, practice tracks)
    bool requireSoundFont = true;      ///< false: render clicks only when there is no soundfont
    int blockFrames = 4096;
    /// Called now and then with the fraction done; return false to cancel.
    std::function<bool(double)> progress;
};

struct RenderStats {
    long long frames = 0;
    double seconds = 0.0;     ///< audio length
    double wallSeconds = 0.0; ///< time it took
    float peak = 0.0f;        ///< largest absolute sample (before 16-bit conversion)
    double speed() const { return wallSeconds > 0 ? seconds / wallSeconds : 0.0; } ///< x real time
};

class OfflineRenderer {
public:
    /// Renders into memory (interleaved stereo float). For tests and analysis.
    static Expected<std::vector<float>> renderToBuffer(const Sequence& sequence, const RenderOptions& options,
                                                       RenderStats* stats = nullptr);
    /// Renders to a WAV file (written to a temporary name, then renamed).
    static Expected<RenderStats> renderToWav(const Sequence& sequence, const std::string& path,
                                             const RenderOptions& options);
};

} // namespace continuo::audio
