#pragma once
// The top voice of piano music, note by note: notes in onset order are grouped, a group holding
// every note that starts within 30 ms (kChordWindow) of the group's first note (a chord, or a
// spread chord), and each group keeps its highest pitch. A chord is its top note, and a note the
// left hand strikes alone is a top-voice note too: the hands are not separated. The motif guide
// (MotifGuide.h) follows it while a take is written, and `continuo-cli follow` measures on it
// (app/cli/MotifMeasures.h), so that both read one line. Torch-free, header-only.
#include <algorithm>
#include <vector>

namespace continuo::inference {

class TopVoice {
public:
    static constexpr double kChordWindow = 0.030; ///< seconds: onsets this close to a group's first are one chord

    /// A note starting at `at` seconds, in onset order. True when it starts a new group; the
    /// group before it, if any, is then settled (the last of settled()).
    bool add(int pitch, double at) {
        if (groupOpenAt(at)) {
            groupTop_ = std::max(groupTop_, pitch);
            return false;
        }
        if (groupTop_ >= 0) settled_.push_back(groupTop_);
        groupStart_ = at;
        groupTop_ = pitch;
        return true;
    }
    /// Whether a note starting at `at` would join the last group rather than start one.
    bool groupOpenAt(double at) const { return groupTop_ >= 0 && at - groupStart_ <= kChordWindow; }
    /// The tops of the groups before the last one.
    const std::vector<int>& settled() const { return settled_; }
    /// The last group's highest pitch so far (-1: no note yet).
    int lastTop() const { return groupTop_; }
    /// Every group's top, the last one's included.
    std::vector<int> line() const {
        std::vector<int> out = settled_;
        if (groupTop_ >= 0) out.push_back(groupTop_);
        return out;
    }

private:
    std::vector<int> settled_;
    double groupStart_ = 0;
    int groupTop_ = -1;
};

} // namespace continuo::inference
