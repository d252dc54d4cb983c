// Audio callback CPU time per 256-frame buffer while dense piano music plays, as a fraction
// of the buffer period. Runs the same Transport::process the RtAudio callback runs, back to
// back (no device), so the numbers are pure CPU cost. Goal: p99 <= 25 % of the period.
#include "BenchCommon.h"
#include "continuo/audio/PlaybackSnapshot.h"
#include "continuo/audio/SoundFontLocator.h"
#include "continuo/audio/Transport.h"

#include <chrono>

using namespace continuo;
using namespace continuo::audio;

int main(int argc, char** argv) {
    const std::string file = bench::maestroPiece(argc, argv);
    if (file.empty()) {
        std::printf("bench_audio_callback: no MAESTRO data under %s (pass a MIDI file)\n", CONTINUO_SHARED_DATA);
        return 0;
    }
    auto midi = readMidiFile(file);
    if (!midi) {
        std::printf("%s\n", midi.error().c_str());
        return 1;
    }
    auto sf = SoundFontLocator::locate({});
    if (!sf) {
        std::printf("%s\n", sf.error().c_str());
        return 1;
    }
    constexpr double kRate = 48000.0;
    constexpr int kFrames = 256;
    SynthSettings settings;
    settings.sampleRate = kRate;
    settings.soundFont = sf.value();
    auto synth = Synth::create(settings);
    if (!synth) {
        std::printf("%s\n", synth.error().c_str());
        return 1;
    }
    Transport transport(kRate);
    transport.setSynth(std::move(synth.value()));
    transport.setSnapshot(PlaybackSnapshot::build(midi->sequence));
    transport.post({TransportCommand::Type::Metronome, 0, 0, true, {}});
    transport.post({TransportCommand::Type::Play, 0, 0, false, {}});

    const double seconds = std::min(180.0, midi->sequence.durationSeconds());
    const int buffers = int(seconds * kRate / kFrames);
    std::vector<float> out(2 * kFrames);
    std::vector<double> fractions;
    fractions.reserve(std::size_t(buffers));
    const double period = kFrames / kRate;
    for (int i = 0; i < buffers; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        transport.process(out.data(), kFrames, 0);
        const auto t1 = std::chrono::steady_clock::now();
        fractions.push_back(std::chrono::duration<double>(t1 - t0).count() / period);
    }
    std::printf("bench_audio_callback: %s\n  %d buffers of %d frames at %.0f Hz (%.1f s of music, %zu notes, soundfont %s)\n",
                file.c_str(), buffers, kFrames, kRate, seconds, midi->sequence.noteCount(), sf.value().c_str());
    std::printf("  CPU per buffer as %% of the %.2f ms period: median %.2f %%, p99 %.2f %%, worst %.2f %%  (goal p99 <= 25 %%)\n",
                period * 1e3, 100 * bench::percentile(fractions, 0.5), 100 * bench::percentile(fractions, 0.99),
                100 * bench::percentile(fractions, 1.0));
    return 0;
}
