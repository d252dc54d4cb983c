#pragma once
// Small signal measurements for the audio tests (independent of the engine's code).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <vector>

namespace continuo::test {

/// Left channel of an interleaved stereo buffer, frames [from, from + count).
inline std::vector<double> leftChannel(const std::vector<float>& stereo, std::size_t from, std::size_t count) {
    std::vector<double> out;
    for (std::size_t i = from; i < from + count && 2 * i < stereo.size(); ++i) out.push_back(stereo[2 * i]);
    return out;
}

/// Magnitude of the (Hann-windowed) signal at `hz` (Goertzel).
inline double magnitudeAt(const std::vector<double>& x, double hz, double sampleRate) {
    const double w = 2.0 * std::numbers::pi * hz / sampleRate;
    const double c = 2.0 * std::cos(w);
    double s1 = 0.0, s2 = 0.0;
    const std::size_t n = x.size();
    for (std::size_t i = 0; i < n; ++i) {
        const double hann = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * double(i) / double(n - 1));
        const double s = x[i] * hann + c * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    return std::sqrt(std::max(0.0, s1 * s1 + s2 * s2 - c * s1 * s2));
}

/// Frequency (Hz) of the strongest component between lo and hi, scanned in `step` Hz.
inline double peakFrequency(const std::vector<double>& x, double sampleRate, double lo, double hi, double step) {
    double best = lo, bestMag = -1.0;
    for (double f = lo; f <= hi; f += step) {
        const double m = magnitudeAt(x, f, sampleRate);
        if (m > bestMag) {
            bestMag = m;
            best = f;
        }
    }
    return best;
}

/// Frames where the left channel rises above `threshold` after at least `quietFrames`
/// below it (onsets of separated clicks).
inline std::vector<std::size_t> onsets(const std::vector<float>& stereo, float threshold, std::size_t quietFrames) {
    std::vector<std::size_t> out;
    std::size_t quiet = quietFrames;
    for (std::size_t i = 0; 2 * i < stereo.size(); ++i) {
        if (std::fabs(stereo[2 * i]) > threshold) {
            if (quiet >= quietFrames) out.push_back(i);
            quiet = 0;
        } else {
            ++quiet;
        }
    }
    return out;
}

inline double rms(const std::vector<float>& stereo) {
    double sum = 0.0;
    for (float v : stereo) sum += double(v) * v;
    return stereo.empty() ? 0.0 : std::sqrt(sum / double(stereo.size()));
}

} // namespace continuo::test
