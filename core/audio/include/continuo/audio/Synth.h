#pragma once
// A FluidSynth instance with its soundfont. Created and destroyed on a non-real-time thread;
// while it plays live it is owned by exactly one thread (the audio thread), which is why it
// is created with FluidSynth's thread-safe API off: no call takes a mutex.
#include "continuo/audio/MidiMessage.h"
#include "continuo/audio/SynthSettings.h"
#include "continuo/core/Expected.h"

#include <memory>

namespace continuo::audio {

class Synth {
public:
    /// Loads the soundfont named in `settings` (allocates; not for the audio thread).
    static Expected<std::unique_ptr<Synth>> create(const SynthSettings& settings);
    ~Synth();
    Synth(const Synth&) = delete;
    Synth& operator=(const Synth&) = delete;

    const SynthSettings& settings() const { return settings_; }

    // Real-time safe: no allocation, no locks.
    void send(const MidiMessage& message) noexcept;
    /// Releases every sounding note on every channel and lifts the sustain pedal.
    void allNotesOff() noexcept;
    /// Cuts every voice at once (panic) and resets controllers.
    void allSoundOff() noexcept;
    /// Renders `frames` stereo frames, *adding* into the interleaved buffer.
    void renderAdd(float* interleaved, int frames) noexcept;

private:
    Synth() = default;
    struct Impl;
    std::unique_ptr<Impl> impl_;
    SynthSettings settings_;
    static constexpr int kScratchFrames = 1024;
};

} // namespace continuo::audio
