#pragma once
// Synthesizer settings shared by live playback and the offline renderer, so that a WAV
// export sounds like what was heard.
#include <string>

namespace continuo::audio {

struct SynthSettings {
    double sampleRate = 48000.0; ///< Hz; the live engine overrides this with the device rate
    double gain = 0.7;           ///< FluidSynth master gain (its 0.2 default is quiet for solo piano)
    int polyphony = 256;         ///< voices; dense piano with pedal needs well over 64
    /// Off by default: Debian's FluidSynth runs its reverb/chorus inside an OpenMP parallel
    /// region, and libgomp allocates and frees a team for every block on the audio thread
    /// (found by test_audio_realtime). Turn it on only for offline renders.
    bool reverb = false;
    bool chorus = false;         ///< chorus smears piano; off by default
    std::string soundFont;       ///< path to a .sf2 file
};

} // namespace continuo::audio
