#pragma once
// The motif guide (docs/motif.md): a variation's top voice, and a table of which interval
// followed each pair of successive intervals in the piece so far. Where the take's top voice
// has just played a pair the piece played before, the guide raises the note that continued
// the pair there, transposed to the take's present pitch, as Pachet's Continuator continues a
// phrase by what followed it, but in intervals, so that a figure comes back a step higher as
// readily as in place. In a key, a transposed note that falls outside it moves to the nearest
// note of the key (a sequence in tonal music is diatonic: its thirds change size). It leans on
// the network's logits, never masks anything, and moves probability only among note-ons.
//
// The top voice is TopVoice.h's, which `follow` measures on too. Torch-free: it works on a row
// of logits and the tokens a variation chooses.
#include "continuo/core/Steering.h"
#include "continuo/inference/Tokenizer.h"
#include "continuo/inference/TopVoice.h"

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace continuo::inference {

class MotifGuide {
public:
    /// `strength`: nats the continuation of a known figure gets when the piece always continued
    /// it the same way (each candidate gets strength × its share of the continuations).
    /// `primer`: the notes before the take, whose top voice fills the table first. `key`: the
    /// scale transposed figures keep to (none: chromatic transposition).
    MotifGuide(double strength, const std::vector<tokens::TimedNote>& primer, std::optional<Scale> key = {});

    bool active() const { return strength_ > 0; }
    /// Raises, in place, the note-ons that would continue a known figure, for the next token
    /// of a variation whose clock reads `now`.
    void apply(float* logits, int vocab, double now) const;
    /// The token the variation chose, and its clock after it.
    void observe(int token, double now);

    /// Candidate next top-voice pitches with their shares (for tests and reports), at `now`.
    std::vector<std::pair<int, double>> candidates(double now) const;
    /// Note-ons the guide raised so far.
    long raised() const { return raised_; }

private:
    void onNote(int pitch, double at);
    static std::uint32_t keyOf(int first, int second);

    double strength_ = 0;
    std::optional<Scale> key_;
    TopVoice voice_;
    /// (interval, interval) -> (next interval -> times seen)
    std::unordered_map<std::uint32_t, std::unordered_map<int, int>> table_;
    mutable long raised_ = 0;
};

} // namespace continuo::inference
