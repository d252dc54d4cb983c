#pragma once
// Does a continuation develop its primer's material? Two measures on the top voice, used by
// `continuo-cli follow` (docs/evaluation.md). Pure functions, no model.
//
// The top voice is inference::TopVoice's, the one the motif guide follows while a take is
// written: notes in onset order grouped into onset groups, a group holding every note that
// starts within 30 ms of the group's first note; each group keeps its highest pitch. A chord is
// one top-voice note, its highest; an accompaniment note struck alone is one too (the measure
// does not separate the hands).
//
// - Motif reuse: the share of the continuation's top-voice figures, each 4 successive top-voice
//   notes taken as their 3 intervals in semitones (so that a transposed figure is the same
//   figure), that occur among the primer's figures. Every occurrence counts.
// - Verbatim copy: the share of the continuation's 6-note top-voice pitch sequences (exact
//   pitches, untransposed) that occur in the primer's top voice.
//
// - Rhythm: the histogram of inter-onset intervals between successive onset groups, in
//   half-octave bins from 20 ms to 2.56 s (shorter and longer ones in the end bins); two
//   histograms overlap by the sum of their bins' minima (1: the same rhythm's proportions).
//
// Figures never span the primer and the continuation. A top voice with fewer than 4 (6) notes
// has no figures (sequences), and a share with nothing to count is 0.
#include "continuo/inference/Tokenizer.h"
#include "continuo/inference/TopVoice.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

namespace continuo::cli {

/// Calls `onGroup(onset)` at each onset group's first note, the notes taken in onset order, and
/// returns their top voice.
template <typename OnGroup>
inference::TopVoice readTopVoice(std::vector<tokens::TimedNote> notes, OnGroup onGroup) {
    std::stable_sort(notes.begin(), notes.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
    inference::TopVoice voice;
    for (const auto& n : notes)
        if (voice.add(n.pitch, n.start)) onGroup(n.start);
    return voice;
}

/// Top-voice pitches in onset order (see above).
inline std::vector<int> topVoice(std::vector<tokens::TimedNote> notes) {
    return readTopVoice(std::move(notes), [](double) {}).line();
}

/// Onsets of the onset groups (see above), in order.
inline std::vector<double> groupOnsets(std::vector<tokens::TimedNote> notes) {
    std::vector<double> onsets;
    readTopVoice(std::move(notes), [&onsets](double at) { onsets.push_back(at); });
    return onsets;
}

inline constexpr int kIoiBins = 16;

/// The inter-onset-interval histogram, normalised (all zeros with fewer than two groups).
inline std::vector<double> ioiHistogram(const std::vector<tokens::TimedNote>& notes) {
    std::vector<double> h(kIoiBins, 0.0);
    const auto onsets = groupOnsets(notes);
    if (onsets.size() < 2) return h;
    for (std::size_t i = 1; i < onsets.size(); ++i) {
        const double ioi = std::max(1e-6, onsets[i] - onsets[i - 1]);
        const int bin = int(std::floor(2.0 * std::log2(ioi / 0.020))) + 1; // bin 1 starts at 20 ms
        h[std::size_t(std::clamp(bin, 0, kIoiBins - 1))] += 1.0;
    }
    for (double& x : h) x /= double(onsets.size() - 1);
    return h;
}

/// Sum of the bins' minima: 1 for the same proportions, 0 for nothing in common.
inline double histogramOverlap(const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) s += std::min(a[i], b[i]);
    return s;
}

/// Every run of `length` successive values of `line`, as intervals between them (transposition
/// free) or as the values themselves.
inline std::vector<std::vector<int>> runsOf(const std::vector<int>& line, std::size_t length, bool intervals) {
    std::vector<std::vector<int>> out;
    for (std::size_t i = 0; i + length <= line.size(); ++i) {
        std::vector<int> run;
        for (std::size_t j = 0; j < length; ++j) {
            if (!intervals) run.push_back(line[i + j]);
            else if (j > 0) run.push_back(line[i + j] - line[i + j - 1]);
        }
        out.push_back(std::move(run));
    }
    return out;
}

struct SharedRuns {
    int runs = 0;   ///< the continuation's runs (figures or sequences)
    int shared = 0; ///< of them, those that occur in the primer
    double share() const { return runs > 0 ? double(shared) / double(runs) : 0.0; }
};

/// How many of the continuation's runs of `length` notes occur among the primer's.
inline SharedRuns sharedRuns(const std::vector<int>& primerTop, const std::vector<int>& continuationTop,
                             std::size_t length, bool intervals) {
    const auto primerRuns = runsOf(primerTop, length, intervals);
    const std::set<std::vector<int>> known(primerRuns.begin(), primerRuns.end());
    SharedRuns r;
    for (const auto& run : runsOf(continuationTop, length, intervals)) {
        ++r.runs;
        r.shared += known.count(run) > 0;
    }
    return r;
}

/// Motif reuse: 3-interval figures (4 notes), transposed ones counting as the same.
inline SharedRuns motifReuse(const std::vector<int>& primerTop, const std::vector<int>& continuationTop) {
    return sharedRuns(primerTop, continuationTop, 4, true);
}

/// Verbatim copy: 6-note pitch sequences, exact pitches.
inline SharedRuns verbatimCopy(const std::vector<int>& primerTop, const std::vector<int>& continuationTop) {
    return sharedRuns(primerTop, continuationTop, 6, false);
}

} // namespace continuo::cli
