#include "continuo/inference/MotifGuide.h"

#include <algorithm>
#include <cmath>

namespace continuo::inference {

MotifGuide::MotifGuide(double strength, const std::vector<tokens::TimedNote>& primer, std::optional<Scale> key)
    : strength_(strength), key_(key) {
    if (!active()) return;
    std::vector<tokens::TimedNote> notes = primer;
    std::stable_sort(notes.begin(), notes.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
    for (const tokens::TimedNote& n : notes) onNote(n.pitch, n.start);
}

std::uint32_t MotifGuide::keyOf(int first, int second) {
    return std::uint32_t(first + 128) << 16 | std::uint32_t(second + 128);
}

void MotifGuide::onNote(int pitch, double at) {
    // A new group settles the one before it: learn the figure that top ends.
    if (!voice_.add(pitch, at)) return;
    const std::vector<int>& tops = voice_.settled();
    const std::size_t n = tops.size();
    if (n < 4) return;
    const int a = tops[n - 3] - tops[n - 4], b = tops[n - 2] - tops[n - 3], c = tops[n - 1] - tops[n - 2];
    ++table_[keyOf(a, b)][c];
}

void MotifGuide::observe(int token, double now) {
    if (!active() || tokens::typeOf(token) != tokens::Type::NoteOn) return;
    onNote(tokens::valueOf(token), now);
}

std::vector<std::pair<int, double>> MotifGuide::candidates(double now) const {
    std::vector<std::pair<int, double>> out;
    // A note-on now joins the open group (whose top is not settled yet), or starts a new one
    // after it: the figure to continue ends at the last settled top, or at the open group's.
    const bool open = voice_.groupOpenAt(now);
    const std::vector<int>& tops = voice_.settled();
    std::vector<int> line(tops.end() - std::ptrdiff_t(std::min<std::size_t>(tops.size(), 3)), tops.end());
    if (!open && voice_.lastTop() >= 0) line.push_back(voice_.lastTop());
    if (line.size() < 3) return out;
    const std::size_t n = line.size();
    const auto found = table_.find(keyOf(line[n - 2] - line[n - 3], line[n - 1] - line[n - 2]));
    if (found == table_.end()) return out;
    int total = 0;
    for (const auto& [interval, count] : found->second) total += count;
    const int from = line[n - 1];
    for (const auto& [interval, count] : found->second) {
        int pitch = from + interval;
        if (key_ && interval != 0 && !key_->contains(pitch)) {
            const int toward = interval > 0 ? -1 : 1; // the interval narrowed first, then widened
            if (key_->contains(pitch + toward) && pitch + toward != from) pitch += toward;
            else if (key_->contains(pitch - toward)) pitch -= toward;
        }
        // In an open group, a note at or below its top so far cannot become the group's top.
        if (pitch < 0 || pitch > 127 || (open && pitch <= voice_.lastTop())) continue;
        const double share = double(count) / double(total);
        auto same = std::find_if(out.begin(), out.end(), [pitch](const auto& c) { return c.first == pitch; });
        if (same != out.end()) same->second += share;
        else out.emplace_back(pitch, share);
    }
    return out;
}

void MotifGuide::apply(float* logits, int vocab, double now) const {
    if (!active()) return;
    const auto raise = candidates(now);
    if (raise.empty() || tokens::noteOn(127) >= vocab) return;
    // Which note, never when: the note-ons' total probability stays the network's, so the
    // guide moves probability among notes and leaves the time-shifts and the pace alone.
    float* on = logits + tokens::noteOn(0);
    auto logSumExp = [on] {
        const float top = *std::max_element(on, on + 128);
        double sum = 0;
        for (int p = 0; p < 128; ++p) sum += std::exp(double(on[p] - top));
        return double(top) + std::log(sum);
    };
    const double before = logSumExp();
    if (!std::isfinite(before)) return; // every note-on masked: nothing to move
    for (const auto& [pitch, share] : raise) {
        if (!std::isfinite(on[pitch])) continue; // masked by steering stays masked
        on[pitch] += float(strength_ * share);
        ++raised_;
    }
    const float shift = float(logSumExp() - before);
    for (int p = 0; p < 128; ++p) on[p] -= shift;
}

} // namespace continuo::inference
