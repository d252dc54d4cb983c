#pragma once
// How a take is sampled: one value type for the command line, the panels, the project file,
// each take's provenance, the generation service and the engine, with one validation.
#include "continuo/core/Steering.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace continuo {

/// Softmax temperature of a continuation.
inline constexpr double kDefaultTemperature = 1.0;

/// Nucleus (top-p) mass. 1 samples the model's whole distribution: at 10 ms per TIME_SHIFT a
/// long pause is many individually unlikely events, and a nucleus cut removes them, so takes
/// come back busier than the piece (the model card's "Sampling" section has the measurements).
inline constexpr double kDefaultTopP = 1.0;

/// What takes written before the default became 1 used; a project file that does not record a
/// take's top-p was written then.
inline constexpr double kTopPOfUnrecordedTakes = 0.95;

/// Recall: the most probability a continuation may borrow from the piece's own history, where
/// the model finds itself where the piece has been before (docs/recall.md). 0 is the network alone.
inline constexpr double kDefaultRecall = 0.3;

/// Takes written before recall existed used none; a project file that does not record a
/// take's recall was written then.
inline constexpr double kRecallOfUnrecordedTakes = 0.0;

/// Motif: how strongly a take develops the primer's figures (docs/motif.md). Where the take's
/// top voice has just played two intervals that the piece played before, the note that
/// continued them there, transposed to here, gets up to this many nats more. 0 is off.
inline constexpr double kDefaultMotif = 4.0;
inline constexpr double kMaxMotif = 8.0;

/// Takes written before the motif guide existed used none.
inline constexpr double kMotifOfUnrecordedTakes = 0.0;

/// Takes (Continue) or candidates (Fill Gap) one request may ask for.
inline constexpr int kMaxVariations = 8;

/// The seed of a request: a fixed number that makes the same take again, or random (a fresh
/// number drawn when the request starts, then recorded with the take like a fixed one).
class Seed {
public:
    /// Random: the default.
    Seed() = default;
    static Seed random() { return {}; }
    static Seed fixed(std::uint64_t value) { return Seed(value); }

    bool isRandom() const { return !value_.has_value(); }
    /// The fixed number (0 when random: ask resolve() for a number).
    std::uint64_t value() const { return value_.value_or(0); }
    /// This seed with a number: itself when fixed, a freshly drawn one when random.
    Seed resolve() const;
    /// "random" or the number, as the command line and the panels write it.
    std::string toString() const;
    /// Reads toString()'s forms: "random" (or empty) and a non-negative integer.
    static std::optional<Seed> parse(const std::string& text);

    bool operator==(const Seed&) const = default;

private:
    explicit Seed(std::uint64_t value) : value_(value) {}
    std::optional<std::uint64_t> value_;
};

/// Everything that decides what a generation request samples.
struct SamplingSettings {
    double lengthSeconds = 15.0;              ///< music to write (Continue); Fill Gap fills its gap
    double temperature = kDefaultTemperature; ///< > 0
    double topP = kDefaultTopP;               ///< nucleus mass in (0, 1]; 1 = the whole distribution
    int topK = 0;                             ///< 0 = off
    int variations = 3;                       ///< takes (Continue) or candidates (Fill Gap), 1..kMaxVariations
    Seed seed;                                ///< candidate/variation v samples with seed + v * (a fixed odd constant)
    double recall = kDefaultRecall;           ///< recall's weight, 0..1 (0: the network alone)
    double motif = kDefaultMotif;             ///< the motif guide's strength in nats, 0..kMaxMotif (0: off)
    Steering steering;                        ///< key, range, density, polyphony, dynamics (all off by default)

    /// One message per field out of range, naming the field, its value and what it accepts;
    /// empty when the settings can run.
    std::vector<std::string> validate() const;
    /// validate()'s messages in one line ("" when valid).
    std::string validationMessage() const;

    bool operator==(const SamplingSettings&) const = default;
};

} // namespace continuo
