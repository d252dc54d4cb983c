#include "continuo/audio/OfflineRenderer.h"

#include "continuo/audio/PlaybackSnapshot.h"
#include "continuo/audio/Synth.h"
#include "continuo/audio/Transport.h"

#include <sndfile.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace continuo::audio {

namespace {

// Drives a Transport block by block from tick 0 to the end plus the tail; `sink` receives
// each block. Returns an error when the soundfont is required but unusable, or on cancel.
Expected<RenderStats> renderBlocks(const Sequence& sequence, const RenderOptions& options,
                                   const std::function<bool(const float*, int)>& sink) {
    const auto started = std::chrono::steady_clock::now();
    const double rate = options.synth.sampleRate > 0 ? options.synth.sampleRate : 48000.0;
    Transport transport(rate);
    if (!options.synth.soundFont.empty() || options.requireSoundFont) {
        SynthSettings settings = options.synth;
        settings.sampleRate = rate;
        auto synth = Synth::create(settings);
        if (!synth) {
            if (options.requireSoundFont) return Error{synth.error()};
        } else {
            transport.setSynth(std::move(synth.value()));
        }
    }
    auto snapshot = PlaybackSnapshot::build(sequence);
    const double endSeconds = std::max(0.0, snapshot->endSeconds()) + std::max(0.0, options.tailSeconds);
    transport.setSnapshot(std::move(snapshot));
    auto post = [&](TransportCommand::Type type, bool flag = false) {
        TransportCommand c;
        c.type = type;
        c.flag = flag;
        transport.post(c);
    };
    post(TransportCommand::Type::AutoStop, false); // the tail is rendered explicitly
    post(TransportCommand::Type::Metronome, options.metronome);
    post(TransportCommand::Type::Play);

    const long long total = std::llround(endSeconds * rate);
    const int block = std::max(64, options.blockFrames);
    std::vector<float> buffer(std::size_t(2 * block));
    RenderStats stats;
    for (long long done = 0; done < total;) {
        const int n = int(std::min<long long>(block, total - done));
        transport.process(buffer.data(), n, 0);
        for (int i = 0; i < 2 * n; ++i) stats.peak = std::max(stats.peak, std::fabs(buffer[std::size_t(i)]));
        if (!sink(buffer.data(), n)) return Error{"Could not write the audio file (disk full?)."};
        done += n;
        if (options.progress && !options.progress(double(done) / double(total)))
            return Error{"Rendering cancelled."};
    }
    stats.frames = total;
    stats.seconds = double(total) / rate;
    stats.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return stats;
}

} // namespace

Expected<std::vector<float>> OfflineRenderer::renderToBuffer(const Sequence& sequence, const RenderOptions& options,
                                                             RenderStats* stats) {
    std::vector<float> out;
    auto result = renderBlocks(sequence, options, [&](const float* data, int frames) {
        out.insert(out.end(), data, data + 2 * frames);
        return true;
    });
    if (!result) return Error{result.error()};
    if (stats) *stats = result.value();
    return out;
}

Expected<RenderStats> OfflineRenderer::renderToWav(const Sequence& sequence, const std::string& path,
                                                   const RenderOptions& options) {
    SF_INFO info{};
    info.samplerate = int(std::lround(options.synth.sampleRate > 0 ? options.synth.sampleRate : 48000.0));
    info.channels = 2;
    info.format = SF_FORMAT_WAV | (options.format == SampleFormat::Float32 ? SF_FORMAT_FLOAT : SF_FORMAT_PCM_16);
    const std::string temporary = path + ".part";
    SNDFILE* file = sf_open(temporary.c_str(), SFM_WRITE, &info);
    if (!file) return Error{"Cannot write " + path + ": " + sf_strerror(nullptr)};
    // Clip instead of wrapping around when a loud chord exceeds full scale in 16-bit.
    sf_command(file, SFC_SET_CLIPPING, nullptr, SF_TRUE);
    auto result = renderBlocks(sequence, options, [&](const float* data, int frames) {
        return sf_writef_float(file, data, frames) == frames;
    });
    sf_close(file);
    std::error_code ec;
    if (!result) {
        std::filesystem::remove(temporary, ec);
        return result;
    }
    std::filesystem::rename(temporary, path, ec);
    if (ec) {
        std::filesystem::remove(temporary, ec);
        return Error{"Cannot write " + path + ": " + ec.message()};
    }
    return result;
}

} // namespace continuo::audio
