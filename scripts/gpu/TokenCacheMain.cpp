// continuo-token-cache: the token caches that scripts/train-on-gpu.sh carries to a machine
// without the MIDI files. Reads a MAESTRO-style CSV (tokenising each file, or taking its tokens
// from an existing cache that is never written to), and writes OUT/train.cache (the first
// --pieces pieces of the train split, or all) and OUT/validation.cache (the validation pieces
// the trainer's validation reads: the first --eval-pieces of the split spread over it, as
// continuo-cli train picks them). Pieces are named by their path inside the CSV's folder.
#include "Flags.h"

#include "continuo/inference/Dataset.h"

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

using namespace continuo;
using namespace continuo::inference;
namespace fs = std::filesystem;

namespace {

/// The first `k` validation pieces in the order continuo-cli train validates on them: spread
/// over the split (its composers and years) rather than its first pieces.
std::vector<Piece> spreadForValidation(const std::vector<Piece>& pieces, int k) {
    std::vector<Piece> spread;
    const std::size_t n = pieces.size(), count = std::min<std::size_t>(n, std::size_t(std::max(1, k)));
    for (std::size_t i = 0; i < count; ++i) spread.push_back(pieces[i * n / count]);
    return spread;
}

std::vector<Piece> load(const std::vector<std::string>& files, const std::string& cache, const char* what) {
    LoadReport report;
    auto pieces = loadPieces(files, cache, &report, 2, [&](int done, int total) {
        if (done % 100 == 0 || done == total) std::fprintf(stderr, "\rtokenising %s: %d/%d", what, done, total);
    });
    std::fprintf(stderr, "\n");
    for (const auto& f : report.failures) std::fprintf(stderr, "skipped %s\n", f.c_str());
    std::fprintf(stderr, "%s: %zu pieces (%d from the cache)\n", what, pieces.size(), report.cached);
    return pieces;
}

/// Paths relative to the CSV's folder: the carried cache names no folder of this machine.
void relativeTo(const std::string& csv, std::vector<Piece>& pieces) {
    // The folder as listMidiFiles joins it to the CSV's names ("." for a CSV named alone).
    const std::size_t slash = csv.find_last_of('/');
    std::string folder = slash == std::string::npos ? "." : csv.substr(0, slash);
    while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
    if (folder.empty()) folder = "/";
    const std::string prefix = folder.back() == '/' ? folder : folder + "/";
    for (Piece& p : pieces)
        if (p.path.rfind(prefix, 0) == 0) p.path.erase(0, prefix.size());
}

std::int64_t tokenCount(const std::vector<Piece>& pieces) {
    std::int64_t n = 0;
    for (const Piece& p : pieces) n += std::int64_t(p.tokens.size());
    return n;
}

int run(const gpu::Flags& f) {
    const std::string csv = f.text("data"), out = f.text("out");
    if (csv.empty() || out.empty()) throw std::invalid_argument("--data and --out are required");
    auto trainFiles = listMidiFiles(csv, f.text("split", "train"));
    if (!trainFiles) throw std::runtime_error(trainFiles.error());
    auto validationFiles = listMidiFiles(csv, f.text("val-split", "validation"));
    if (const int limit = f.integer("pieces", 0); limit > 0 && std::size_t(limit) < trainFiles->files.size())
        trainFiles->files.resize(std::size_t(limit));
    fs::create_directories(out);
    // Tokens come through a copy of the given cache: the original is only read.
    const std::string scratch = out + "/.source.cache";
    if (f.has("cache")) fs::copy_file(f.text("cache"), scratch, fs::copy_options::overwrite_existing);
    auto train = load(trainFiles->files, scratch, "train");
    std::vector<Piece> validation;
    if (validationFiles)
        validation = spreadForValidation(load(validationFiles->files, scratch, "validation"), f.integer("eval-pieces", 8));
    fs::remove(scratch);
    relativeTo(csv, train);
    relativeTo(csv, validation);
    if (auto r = writeTokenCache(out + "/train.cache", train); !r) throw std::runtime_error(r.error());
    if (auto r = writeTokenCache(out + "/validation.cache", validation); !r) throw std::runtime_error(r.error());
    std::printf("train.cache: %zu pieces, %lld tokens\nvalidation.cache: %zu pieces, %lld tokens\n", train.size(),
                (long long)tokenCount(train), validation.size(), (long long)tokenCount(validation));
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    try {
        gpu::Flags f(argc, argv, 1, {"data", "cache", "out", "pieces", "eval-pieces", "split", "val-split"});
        return run(f);
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr,
                     "continuo-token-cache: %s\nusage: continuo-token-cache --data MAESTRO.csv --out DIR [--cache TOKENS.cache]"
                     " [--pieces N] [--eval-pieces 8] [--split train] [--val-split validation]\n",
                     e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "continuo-token-cache: %s\n", e.what());
        return 1;
    }
}
