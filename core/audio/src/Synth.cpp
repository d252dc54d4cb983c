#include "continuo/audio/Synth.h"

#include "continuo/audio/SoundFontLocator.h"

#include <fluidsynth.h>

#include <cstdio>
#include <mutex>
#include <vector>

namespace continuo::audio {

namespace {

// FluidSynth logs through a process-wide hook. Warnings and chatter are dropped (some come
// from the audio thread, which must not print); errors still reach stderr for diagnosis,
// while users get the messages this library composes.
void fluidLog(int level, const char* message, void*) {
    if (level <= FLUID_ERR) std::fprintf(stderr, "fluidsynth: %s\n", message);
}

void installLogHooksOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        fluid_set_log_function(FLUID_PANIC, fluidLog, nullptr);
        fluid_set_log_function(FLUID_ERR, fluidLog, nullptr);
        fluid_set_log_function(FLUID_WARN, fluidLog, nullptr);
        fluid_set_log_function(FLUID_INFO, fluidLog, nullptr);
        fluid_set_log_function(FLUID_DBG, fluidLog, nullptr);
    });
}

} // namespace

struct Synth::Impl {
    fluid_settings_t* settings = nullptr;
    fluid_synth_t* synth = nullptr;
    std::vector<float> left, right; // scratch for renderAdd, sized once

    ~Impl() {
        if (synth) delete_fluid_synth(synth);
        if (settings) delete_fluid_settings(settings);
    }
};

Expected<std::unique_ptr<Synth>> Synth::create(const SynthSettings& s) {
    installLogHooksOnce();
    if (s.soundFont.empty()) return Error{"No soundfont chosen: playback is silent."};
    if (auto valid = SoundFontLocator::validate(s.soundFont); !valid) return Error{valid.error()};

    std::unique_ptr<Synth> out(new Synth());
    out->settings_ = s;
    out->impl_ = std::make_unique<Impl>();
    Impl& d = *out->impl_;
    d.settings = new_fluid_settings();
    if (!d.settings) return Error{"FluidSynth could not allocate its settings."};
    // The audio thread owns the synth; everything reaches it through queues, so FluidSynth's
    // own per-call mutex is pure cost (and a lock on the audio thread).
    fluid_settings_setint(d.settings, "synth.threadsafe-api", 0);
    fluid_settings_setint(d.settings, "synth.cpu-cores", 1);
    fluid_settings_setnum(d.settings, "synth.sample-rate", s.sampleRate);
    fluid_settings_setnum(d.settings, "synth.gain", s.gain);
    fluid_settings_setint(d.settings, "synth.polyphony", s.polyphony);
    fluid_settings_setint(d.settings, "synth.reverb.active", s.reverb ? 1 : 0);
    fluid_settings_setint(d.settings, "synth.chorus.active", s.chorus ? 1 : 0);
    // Samples must be resident: loading them on demand would read files on the audio thread.
    fluid_settings_setint(d.settings, "synth.dynamic-sample-loading", 0);
    d.synth = new_fluid_synth(d.settings);
    if (!d.synth) return Error{"FluidSynth could not create a synthesizer."};
    if (fluid_synth_sfload(d.synth, s.soundFont.c_str(), 1) == FLUID_FAILED)
        return Error{"The soundfont " + s.soundFont +
                     " could not be loaded (damaged or not a SoundFont 2 file): playback is silent."};
    d.left.assign(kScratchFrames, 0.0f);
    d.right.assign(kScratchFrames, 0.0f);
    return out;
}

Synth::~Synth() = default;

void Synth::send(const MidiMessage& m) noexcept {
    fluid_synth_t* s = impl_->synth;
    const int ch = m.channel();
    switch (m.type()) {
    case 0x80: fluid_synth_noteoff(s, ch, m.data1); break;
    case 0x90:
        if (m.data2 == 0) fluid_synth_noteoff(s, ch, m.data1);
        else fluid_synth_noteon(s, ch, m.data1, m.data2);
        break;
    case 0xA0: fluid_synth_key_pressure(s, ch, m.data1, m.data2); break;
    case 0xB0: fluid_synth_cc(s, ch, m.data1, m.data2); break;
    case 0xC0: fluid_synth_program_change(s, ch, m.data1); break;
    case 0xD0: fluid_synth_channel_pressure(s, ch, m.data1); break;
    case 0xE0: fluid_synth_pitch_bend(s, ch, m.data1 | (m.data2 << 7)); break;
    default: break;
    }
}

void Synth::allNotesOff() noexcept {
    for (int ch = 0; ch < 16; ++ch) {
        fluid_synth_cc(impl_->synth, ch, 64, 0);
        fluid_synth_all_notes_off(impl_->synth, ch);
    }
}

void Synth::allSoundOff() noexcept {
    for (int ch = 0; ch < 16; ++ch) {
        fluid_synth_cc(impl_->synth, ch, 64, 0);
        fluid_synth_all_sounds_off(impl_->synth, ch);
        fluid_synth_cc(impl_->synth, ch, 121, 0); // reset all controllers
    }
}

void Synth::renderAdd(float* interleaved, int frames) noexcept {
    Impl& d = *impl_;
    while (frames > 0) {
        const int n = frames < kScratchFrames ? frames : kScratchFrames;
        fluid_synth_write_float(d.synth, n, d.left.data(), 0, 1, d.right.data(), 0, 1);
        for (int i = 0; i < n; ++i) {
            interleaved[2 * i] += d.left[i];
            interleaved[2 * i + 1] += d.right[i];
        }
        interleaved += 2 * n;
        frames -= n;
    }
}

} // namespace continuo::audio
