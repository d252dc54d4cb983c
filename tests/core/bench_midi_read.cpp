// How fast the Standard MIDI File reader and writer go on the MAESTRO set: files per second
// and megabytes per second. A program, not a test:
//   build/tests/core/bench_midi_read [--benchmark_filter=...] [--benchmark_min_time=...]
#include "continuo/core/MidiFile.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace {

struct Corpus {
    std::vector<std::string> paths;
    std::vector<std::vector<std::uint8_t>> bytes;
    std::size_t totalBytes = 0;
};

const Corpus& maestro() {
    static const Corpus corpus = [] {
        Corpus c;
        const std::filesystem::path dir =
            std::filesystem::path(CONTINUO_SHARED_DATA) / "maestro-v2";
        std::error_code ec;
        for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
            const auto ext = it->path().extension();
            if (it->is_regular_file() && (ext == ".mid" || ext == ".midi"))
                c.paths.push_back(it->path().string());
        }
        std::sort(c.paths.begin(), c.paths.end());
        for (const std::string& p : c.paths) {
            auto b = continuo::readFileBytes(p);
            if (!b) continue;
            c.totalBytes += b->size();
            c.bytes.push_back(std::move(b).value());
        }
        return c;
    }();
    return corpus;
}

void setRates(benchmark::State& state, std::size_t files, std::size_t bytes) {
    state.SetItemsProcessed(std::int64_t(state.iterations() * files));
    state.SetBytesProcessed(std::int64_t(state.iterations() * bytes));
    state.counters["files/s"] =
        benchmark::Counter(double(state.iterations() * files), benchmark::Counter::kIsRate);
    state.counters["MB/s"] =
        benchmark::Counter(double(state.iterations() * bytes) / 1e6, benchmark::Counter::kIsRate);
}

/// Parsing only: every file already in memory.
void readMaestroFromMemory(benchmark::State& state) {
    const Corpus& c = maestro();
    if (c.bytes.empty())
        return state.SkipWithError("MAESTRO not found under CONTINUO_SHARED_DATA/maestro-v2");
    std::size_t notes = 0;
    for (auto _ : state)
        for (const auto& b : c.bytes) {
            auto file = continuo::readMidi(b);
            if (!file) return state.SkipWithError(file.error().c_str());
            notes += file->sequence.noteCount();
        }
    benchmark::DoNotOptimize(notes);
    setRates(state, c.bytes.size(), c.totalBytes);
}

/// What a user waits for: open, read and parse each file (from the page cache).
void readMaestroFromDisk(benchmark::State& state) {
    const Corpus& c = maestro();
    if (c.paths.empty())
        return state.SkipWithError("MAESTRO not found under CONTINUO_SHARED_DATA/maestro-v2");
    for (auto _ : state)
        for (const std::string& p : c.paths) {
            auto file = continuo::readMidiFile(p);
            if (!file) return state.SkipWithError(file.error().c_str());
            benchmark::DoNotOptimize(file->sequence.endTick);
        }
    setRates(state, c.paths.size(), c.totalBytes);
}

/// Writing (format 1, 480 PPQ as on export); MB/s counts the bytes read, for comparison.
void writeMaestro(benchmark::State& state) {
    const Corpus& c = maestro();
    if (c.bytes.empty())
        return state.SkipWithError("MAESTRO not found under CONTINUO_SHARED_DATA/maestro-v2");
    std::vector<continuo::Sequence> pieces;
    for (const auto& b : c.bytes)
        pieces.push_back(continuo::readMidi(b)->sequence);
    for (auto _ : state)
        for (const auto& s : pieces)
            benchmark::DoNotOptimize(continuo::writeMidi(s).size());
    setRates(state, pieces.size(), c.totalBytes);
}

} // namespace

BENCHMARK(readMaestroFromMemory)->Unit(benchmark::kMillisecond)->MinTime(3.0);
BENCHMARK(readMaestroFromDisk)->Unit(benchmark::kMillisecond)->MinTime(3.0);
BENCHMARK(writeMaestro)->Unit(benchmark::kMillisecond)->MinTime(3.0);

BENCHMARK_MAIN();
