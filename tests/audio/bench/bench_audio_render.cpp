// Offline render speed (x real time) of a MAESTRO piece to a 16-bit WAV.
#include "BenchCommon.h"
#include "continuo/audio/OfflineRenderer.h"
#include "continuo/audio/SoundFontLocator.h"

#include <filesystem>

using namespace continuo;
using namespace continuo::audio;

int main(int argc, char** argv) {
    const std::string file = bench::maestroPiece(argc, argv);
    if (file.empty()) {
        std::printf("bench_audio_render: no MAESTRO data under %s\n", CONTINUO_SHARED_DATA);
        return 0;
    }
    auto midi = readMidiFile(file);
    auto sf = SoundFontLocator::locate({});
    if (!midi || !sf) {
        std::printf("%s\n", !midi ? midi.error().c_str() : sf.error().c_str());
        return 1;
    }
    RenderOptions options;
    options.synth.soundFont = sf.value();
    options.synth.sampleRate = 48000;
    const std::string out = (std::filesystem::temp_directory_path() / "bench_audio_render.wav").string();
    auto stats = OfflineRenderer::renderToWav(midi->sequence, out, options);
    if (!stats) {
        std::printf("%s\n", stats.error().c_str());
        return 1;
    }
    std::printf("bench_audio_render: %s\n  %.1f s of audio (%zu notes) in %.2f s: %.1fx real time, peak %.3f\n",
                file.c_str(), stats->seconds, midi->sequence.noteCount(), stats->wallSeconds, stats->speed(),
                stats->peak);
    std::filesystem::remove(out);
    return 0;
}
