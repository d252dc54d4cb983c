#include "continuo/inference/Steerer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace continuo::inference {

namespace {
constexpr double kPrimerWindow = 30.0;  ///< seconds of the primer its facts are taken from
constexpr double kDensityWindow = 3.0;  ///< seconds over which the running density is measured
constexpr double kProportional = 4.0;   ///< bias per nat of log density error
constexpr double kBehind = 2.0;         ///< bias per second of notes the take is ahead or behind
constexpr double kMaxBias = 8.0;        ///< bounded: it leans on the model, never forces silence or a burst
} // namespace

PrimerFacts PrimerFacts::of(const std::vector<tokens::TimedNote>& primer, double primerEndSeconds) {
    PrimerFacts facts;
    const double from = primerEndSeconds - kPrimerWindow;
    std::vector<std::pair<int, double>> counted, lasting;
    double velocity = 0, first = primerEndSeconds;
    for (const tokens::TimedNote& n : primer) {
        if (n.start < from) continue;
        counted.emplace_back(n.pitch, 1.0); // each note counts once (detectKey)
        lasting.emplace_back(n.pitch, n.end - n.start);
        velocity += n.velocity;
        first = std::min(first, n.start);
    }
    if (counted.empty()) return facts;
    if (auto k = detectKey(counted)) facts.key = k->key;
    if (auto k = detectKey(lasting, KeyProfiles::KrumhanslKessler)) facts.guideKey = k->key;
    facts.meanVelocity = velocity / double(counted.size());
    // Over the span the notes cover (at least a second), not a window longer than the primer.
    facts.density = double(counted.size()) / std::max(1.0, primerEndSeconds - std::max(from, first));
    return facts;
}

Steerer::Steerer(const Steering& s, const PrimerFacts& primer, double startSeconds)
    : start_(startSeconds) {
    active_ = s.any();
    if (s.keyMode == Steering::KeyMode::Fixed) key_ = s.key, locked_ = true;
    // A detected minor key lets its leading tone through (Scale::ofKey), as the piece does.
    else if (primer.key) key_ = primer.key->ofKey(), locked_ = s.keyMode == Steering::KeyMode::Detected;
    if (primer.guideKey) guideKey_ = primer.guideKey->ofKey();
    // (No lock: the report still says how much of the take is in the primer's key.)
    rangeLow_ = s.rangeLow;
    rangeHigh_ = s.rangeHigh;
    polyphony_ = s.polyphony;
    target_ = s.densityLikePrimer ? primer.density * s.densityFactor : s.density;
    const int m = int(std::lround(primer.meanVelocity));
    switch (s.dynamics) {
    case Steering::Dynamics::Range: velocityLow_ = s.velocityLow, velocityHigh_ = s.velocityHigh; break;
    case Steering::Dynamics::Softer: velocityLow_ = std::max(1, m - 40), velocityHigh_ = std::max(1, m - 10); break;
    case Steering::Dynamics::Louder: velocityLow_ = std::min(127, m + 10), velocityHigh_ = std::min(127, m + 40); break;
    }
}

bool Steerer::velocityBinAllowed(int bin) const {
    // A bin holds velocities 4b..4b+3: allowed when it meets the range.
    return bin * 4 + 3 >= velocityLow_ && bin * 4 <= velocityHigh_;
}

double Steerer::densityBias(double now) const {
    if (target_ <= 0) return 0;
    // Before a window has passed, the time not yet written counts as on target.
    const double elapsed = now - start_;
    const double seen = std::min(elapsed, kDensityWindow);
    const double count = double(onsets_.size()) + target_ * (kDensityWindow - seen);
    const double rate = std::max(count / kDensityWindow, 0.05);
    // Two terms: the last few seconds' pace, so that no stretch runs away, and the whole take's
    // count against the target's, so that the take ends where it was asked to, whatever bias
    // the model keeps against the target.
    const double expected = target_ * elapsed;
    const double behind = (expected - double(notes_)) / target_; // seconds of notes
    const double bias = kProportional * std::log(target_ / rate) + kBehind * behind;
    return std::clamp(bias, -kMaxBias, kMaxBias);
}

double Steerer::apply(float* logits, int vocab, const tokens::StreamingDecoder& state, double temperature) {
    if (!active_) return 0;
    using namespace tokens;
    const bool noteAllowed = (polyphony_ == 0 || state.sounding() < polyphony_) &&
                             velocityBinAllowed(state.velocity() / 4);
    // The model's own distribution at this temperature, to measure what the masks remove.
    scratch_.assign(std::size_t(vocab), 0.0);
    const double t = std::max(temperature, 1e-4);
    double top = -std::numeric_limits<double>::infinity();
    for (int i = 0; i < vocab; ++i)
        if (std::isfinite(logits[i])) top = std::max(top, double(logits[i]) / t);
    double total = 0, removed = 0;
    for (int i = 0; i < vocab; ++i) {
        scratch_[std::size_t(i)] = std::isfinite(logits[i]) ? std::exp(double(logits[i]) / t - top) : 0.0;
        total += scratch_[std::size_t(i)];
    }
    auto mask = [&](int token) {
        if (!std::isfinite(logits[token])) return;
        removed += scratch_[std::size_t(token)];
        logits[token] = -std::numeric_limits<float>::infinity();
    };
    // No bias while no note may start (the cap is reached, or a velocity must come first):
    // pushing VELOCITY then would only write velocities that never become notes, and time would
    // stop moving.
    const float bias = noteAllowed ? float(densityBias(state.now())) : 0.0f;
    auto inRange = [&](int pitch) { return pitch >= rangeLow_ && pitch <= rangeHigh_; };
    // A key lock moves an out-of-scale note's probability to its nearest scale notes rather than
    // spreading it over every token: the model's "a note now" keeps its weight, so the take keeps
    // its pace, chords keep their size and a chromatic line becomes a diatonic one, as a player
    // holding to a scale would play it. The note is still forbidden, so its probability counts
    // as removed in the report.
    moved_.assign(128, 0.0);
    for (int pitch = 0; pitch < 128; ++pitch) {
        const int token = noteOn(pitch);
        const bool ok = noteAllowed && inRange(pitch) && (!locked_ || key_->contains(pitch));
        if (ok) continue;
        const double p = std::isfinite(logits[token]) ? scratch_[std::size_t(token)] : 0.0;
        if (p > 0 && noteAllowed && inRange(pitch) && locked_) {
            // The nearest scale notes in range, above and below; free keys before sounding ones.
            int candidates[2], count = 0;
            for (int d = 1; d < 12 && count == 0; ++d)
                for (int q : {pitch - d, pitch + d})
                    if (q >= 0 && q < 128 && inRange(q) && key_->contains(q) && std::isfinite(logits[noteOn(q)]))
                        candidates[count++] = q;
            if (count == 2 && state.isOpen(candidates[0]) != state.isOpen(candidates[1]))
                candidates[0] = state.isOpen(candidates[0]) ? candidates[1] : candidates[0], count = 1;
            double weight = 0;
            for (int c = 0; c < count; ++c) weight += scratch_[std::size_t(noteOn(candidates[c]))];
            for (int c = 0; c < count; ++c) {
                const double share = weight > 0 ? scratch_[std::size_t(noteOn(candidates[c]))] / weight : 1.0 / count;
                moved_[std::size_t(candidates[c])] += p * share;
            }
        }
        mask(token);
    }
    for (int pitch = 0; pitch < 128; ++pitch) {
        const int token = noteOn(pitch);
        if (!std::isfinite(logits[token])) continue;
        if (moved_[std::size_t(pitch)] > 0)
            logits[token] = float(t * (std::log(scratch_[std::size_t(token)] + moved_[std::size_t(pitch)]) + top));
        logits[token] += bias;
    }
    // Fewer notes also means longer silences between them: long time shifts lean the other way,
    // in proportion to their length (a full second gets the whole bias).
    for (int steps = 1; steps <= kTimeShiftSteps; ++steps)
        logits[timeShift(steps)] -= bias * float(steps) / float(kTimeShiftSteps);
    // A note usually comes as VELOCITY then NOTE_ON, and after a VELOCITY token the model is
    // all but sure a note follows: the density is decided where a velocity or a note may start,
    // so both carry the bias.
    for (int bin = 0; bin < kVelocityBins; ++bin) {
        if (!velocityBinAllowed(bin)) mask(kVelocity + bin);
        else logits[kVelocity + bin] += bias;
    }
    const double share = total > 0 ? removed / total : 0.0;
    removed_ += share;
    ++steps_;
    return share;
}

void Steerer::observe(int token, double now) {
    if (target_ <= 0) return;
    if (tokens::typeOf(token) == tokens::Type::NoteOn) onsets_.push_back(now), ++notes_;
    while (!onsets_.empty() && onsets_.front() <= now - kDensityWindow) onsets_.pop_front();
}

SteeringReport measureTake(const std::vector<tokens::TimedNote>& notes, double seconds,
                           const std::optional<Scale>& key, double removedMass) {
    SteeringReport r;
    r.removedMass = removedMass;
    if (key) r.key = key->name();
    if (notes.empty()) return r;
    int inKey = 0;
    double velocity = 0;
    std::vector<std::pair<double, int>> edges; // (time, +1 start / -1 end); ends first at a tie
    for (const tokens::TimedNote& n : notes) {
        if (key && key->contains(n.pitch)) ++inKey;
        velocity += n.velocity;
        r.lowestPitch = r.lowestPitch < 0 ? n.pitch : std::min(r.lowestPitch, n.pitch);
        r.highestPitch = std::max(r.highestPitch, n.pitch);
        edges.emplace_back(n.start, +1);
        edges.emplace_back(std::max(n.end, n.start), -1);
    }
    std::sort(edges.begin(), edges.end());
    int sounding = 0;
    for (const auto& [time, step] : edges) r.maxPolyphony = std::max(r.maxPolyphony, sounding += step);
    if (key) r.inKeyShare = double(inKey) / double(notes.size());
    r.meanVelocity = velocity / double(notes.size());
    r.density = seconds > 0 ? double(notes.size()) / seconds : 0.0;
    return r;
}

} // namespace continuo::inference
