#pragma once
// Shared helpers for the bench_audio_* programs.
#include "continuo/core/MidiFile.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace continuo::bench {

/// A MAESTRO piece (first file in name order under maestro-v2/2004), or "" if absent.
inline std::string maestroPiece(int argc, char** argv) {
    if (argc > 1) return argv[1];
    namespace fs = std::filesystem;
    const fs::path root = fs::path(CONTINUO_SHARED_DATA) / "maestro-v2" / "2004";
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root, ec))
        if (e.path().extension() == ".midi" || e.path().extension() == ".mid") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    return files.empty() ? std::string() : files.front();
}

inline double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const std::size_t i = std::min(v.size() - 1, std::size_t(p * double(v.size() - 1) + 0.5));
    return v[i];
}

} // namespace continuo::bench
