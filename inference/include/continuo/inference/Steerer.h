#pragma once
// Steering while sampling (continuo/core/Steering.h): the masks and the density bias that one
// variation's next token gets, and the report of what a take reached. Torch-free: it works on
// a row of logits and the variation's streaming decoder.
#include "continuo/core/Steering.h"
#include "continuo/inference/Tokenizer.h"

#include <deque>
#include <optional>
#include <vector>

namespace continuo::inference {

/// What steering needs to know of the primer: its key (for --key auto and the report), its
/// density and loudness (for "like the primer", softer and louder), over its last 30 seconds.
struct PrimerFacts {
    std::optional<Scale> key;      ///< detectKey's Bellman-Budge estimate, each note counted once
    /// Krumhansl-Kessler on durations: the key the motif guide transposes figures in when no key
    /// is locked, as it was tuned (and as `follow` measures), so that unsteered takes stay as
    /// they were.
    std::optional<Scale> guideKey;
    double density = 0;       ///< notes per second
    double meanVelocity = 64;
    static PrimerFacts of(const std::vector<tokens::TimedNote>& primer, double primerEndSeconds);
};

/// The steering of one variation.
class Steerer {
public:
    Steerer(const Steering& steering, const PrimerFacts& primer, double startSeconds);

    /// Whether any control is on.
    bool active() const { return active_; }
    /// Masks the tokens the controls forbid and biases notes for the density target, in place,
    /// for the next token of a variation whose decoder is `state`. Returns the probability
    /// (softmax of the logits at `temperature`, before any change) that the masks removed.
    double apply(float* logits, int vocab, const tokens::StreamingDecoder& state, double temperature);
    /// The token chosen, and the decoder's clock after it (the density counts note-ons).
    void observe(int token, double now);
    /// Mean removed probability over the tokens apply() saw.
    double meanRemovedMass() const { return steps_ ? removed_ / double(steps_) : 0.0; }
    /// The key the report measures against: the locked scale, else the primer's key.
    const std::optional<Scale>& reportKey() const { return key_; }
    /// The key the motif guide keeps transposed figures in: the locked scale, else the primer's
    /// (PrimerFacts::guideKey).
    const std::optional<Scale>& guideKey() const { return locked_ ? key_ : guideKey_; }
    double densityTarget() const { return target_; }
    int velocityLow() const { return velocityLow_; }
    int velocityHigh() const { return velocityHigh_; }

private:
    double densityBias(double now) const;
    bool velocityBinAllowed(int bin) const;

    bool active_ = false;
    std::optional<Scale> key_;
    std::optional<Scale> guideKey_;
    bool locked_ = false;
    int rangeLow_ = 0, rangeHigh_ = 127, polyphony_ = 0;
    int velocityLow_ = 1, velocityHigh_ = 127;
    double target_ = 0;        ///< notes per second (0: off)
    double start_ = 0;
    std::deque<double> onsets_; ///< within the density window
    long notes_ = 0;           ///< note-ons so far
    double removed_ = 0;
    long steps_ = 0;
    std::vector<double> scratch_;
    std::vector<double> moved_; ///< per pitch: probability moved to it by the key lock
};

/// A take's notes measured against what was asked: share in `key` (when given), range,
/// density over `seconds`, the most notes sounding at once, mean velocity.
SteeringReport measureTake(const std::vector<tokens::TimedNote>& notes, double seconds,
                           const std::optional<Scale>& key, double removedMass);

} // namespace continuo::inference
