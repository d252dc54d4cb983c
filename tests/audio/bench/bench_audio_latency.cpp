// MIDI-in to sound latency through the engine: a note-on arrives in the thru queue at a
// random moment within a buffer period; count the time until the first non-zero sample the
// engine renders. Device output latency (JACK: periods x frames / rate) comes on top.
#include "BenchCommon.h"
#include "continuo/audio/SoundFontLocator.h"
#include "continuo/audio/Transport.h"

#include <cmath>
#include <random>

using namespace continuo;
using namespace continuo::audio;

int main() {
    auto sf = SoundFontLocator::locate({});
    if (!sf) {
        std::printf("%s\n", sf.error().c_str());
        return 1;
    }
    constexpr double kRate = 48000.0;
    for (int frames : {64, 128, 256}) {
        SynthSettings settings;
        settings.sampleRate = kRate;
        settings.soundFont = sf.value();
        settings.reverb = false;
        auto synth = Synth::create(settings);
        if (!synth) return 1;
        Transport transport(kRate);
        transport.setSynth(std::move(synth.value()));
        std::vector<float> out(std::size_t(2 * frames));
        std::mt19937 rng(7);
        std::uniform_real_distribution<double> phase(0.0, 1.0);
        std::vector<double> latencies;
        for (int trial = 0; trial < 200; ++trial) {
            for (int i = 0; i < 40; ++i) transport.process(out.data(), frames, 0); // let the last note die
            const double waitForBuffer = phase(rng) * frames / kRate; // arrival inside a period
            transport.thruQueue().push(MidiMessage::noteOn(0, 60 + trial % 24, 100));
            double renderDelay = -1.0;
            for (int b = 0; b < 20 && renderDelay < 0; ++b) {
                transport.process(out.data(), frames, 0);
                for (int i = 0; i < frames; ++i)
                    if (std::fabs(out[std::size_t(2 * i)]) > 1e-6f) {
                        renderDelay = double(b * frames + i) / kRate;
                        break;
                    }
            }
            transport.thruQueue().push(MidiMessage::noteOff(0, 60 + trial % 24));
            latencies.push_back(waitForBuffer + renderDelay);
        }
        std::printf("bench_audio_latency: %3d-frame buffers: input->first sample median %.2f ms, worst %.2f ms "
                    "(+ output latency, e.g. 2 x %.2f ms with JACK)\n",
                    frames, 1e3 * bench::percentile(latencies, 0.5), 1e3 * bench::percentile(latencies, 1.0),
                    1e3 * frames / kRate);
    }
    return 0;
}
