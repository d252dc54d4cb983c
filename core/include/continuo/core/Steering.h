#pragma once
// Steering: controls applied while a take is sampled, with no retraining. Constraints mask
// tokens the model may not choose (notes outside a scale or a range, a note while the
// polyphony cap is reached, a loudness outside the velocity range); the density control biases
// notes against time shifts to keep the running density near a target. Every control is off by
// default, so that takes written without them are unchanged. Each take reports what it reached
// (SteeringReport) and how much of the model's probability the constraints removed.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace continuo {

enum class ScaleKind {
    Major, NaturalMinor, HarmonicMinor, TonalMinor,
    Dorian, Phrygian, Lydian, Mixolydian, Locrian,
    MajorPentatonic, MinorPentatonic, Blues, WholeTone, Chromatic,
};

/// A scale on a tonic: the pitch classes a key lock lets through.
struct Scale {
    int tonic = 0; ///< pitch class 0..11, C = 0
    ScaleKind kind = ScaleKind::Major;

    /// Bit k set: pitch class k is in the scale.
    std::uint16_t pitchClasses() const;
    bool contains(int pitch) const { return (pitchClasses() >> (((pitch % 12) + 12) % 12)) & 1u; }
    /// The notes a piece in this key plays as its own: a minor key's natural minor with its
    /// leading tone (TonalMinor: the raised seventh of harmonic minor, which a minor piece's
    /// cadences need); any other scale as it is. What a lock to a detected key lets through.
    Scale ofKey() const { return kind == ScaleKind::NaturalMinor ? Scale{tonic, ScaleKind::TonalMinor} : *this; }
    /// "D minor", "F# dorian", "A harmonic minor", "C major pentatonic", "chromatic".
    std::string name() const;
    /// Reads name()'s forms and a few more: a tonic (C, C#, Db, ... any case, # or b) and a
    /// scale ("major", "minor" = natural minor, "natural minor", "harmonic minor", "ionian",
    /// "aeolian", "dorian", "phrygian", "lydian", "mixolydian", "locrian", "pentatonic" = major
    /// pentatonic, "major pentatonic", "minor pentatonic", "blues", "whole-tone"); "chromatic"
    /// needs no tonic. A tonic alone is its major scale.
    static std::optional<Scale> parse(const std::string& text);
    /// The scale names parse() accepts, for error messages.
    static std::string acceptedForms();

    bool operator==(const Scale&) const = default;
};

/// Published key profiles (24 major and minor templates of pitch-class weight).
enum class KeyProfiles {
    BellmanBudge,     ///< what steering detects and locks to (docs/steering.md, "Which key is detected")
    KrumhanslKessler, ///< the motif guide's key when none is locked, and `follow`'s measure
};

/// The key of some music: the weighted pitch-class histogram correlated with the 24 major and
/// minor profiles; the best wins.
struct KeyEstimate {
    Scale key;                ///< major or natural minor
    double correlation = 0;   ///< Pearson r of the winner, -1..1
};
/// `notes`: (MIDI pitch, weight). With Bellman-Budge, callers weigh every note 1: counted notes
/// found MAESTRO's keys better than durations, which let a pedalled bass outweigh the melody.
/// Nothing when there are no notes.
std::optional<KeyEstimate> detectKey(const std::vector<std::pair<int, double>>& notes,
                                     KeyProfiles profiles = KeyProfiles::BellmanBudge);

/// The steering controls of one request (part of SamplingSettings).
struct Steering {
    enum class KeyMode { Off, Fixed, Detected };
    enum class Dynamics { Range, Softer, Louder };

    KeyMode keyMode = KeyMode::Off;
    Scale key;                 ///< the lock when keyMode is Fixed
    int rangeLow = 0;          ///< lowest MIDI note allowed (inclusive)
    int rangeHigh = 127;       ///< highest
    double density = 0;        ///< notes per second to aim at; 0 = off
    bool densityLikePrimer = false; ///< aim at the primer's own density (times densityFactor) instead
    double densityFactor = 1.0;     ///< with densityLikePrimer: 0.5 is half the primer's density
    int polyphony = 0;         ///< most notes sounding at once (pedal-held included); 0 = off
    Dynamics dynamics = Dynamics::Range;
    int velocityLow = 1;       ///< with Range: the velocities allowed
    int velocityHigh = 127;

    bool keyLocked() const { return keyMode != KeyMode::Off; }
    bool rangeLimited() const { return rangeLow > 0 || rangeHigh < 127; }
    bool densityTargeted() const { return density > 0 || densityLikePrimer; }
    bool velocityLimited() const { return dynamics != Dynamics::Range || velocityLow > 1 || velocityHigh < 127; }
    /// Whether any control is on.
    bool any() const { return keyLocked() || rangeLimited() || densityTargeted() || polyphony > 0 || velocityLimited(); }

    /// One message per bad field (empty when it can run).
    std::vector<std::string> validate() const;
    /// The controls that are on, in words ("key D minor, range C2-C6, ..."; "" when none).
    std::string describe() const;

    // The command line's forms. Each returns an error message naming the accepted forms, or "".
    /// --key NAME | auto | off
    std::string parseKey(const std::string& text);
    /// --range LOW-HIGH, MIDI numbers or names (C2-C6, 36-84, F#1-G7)
    std::string parseRange(const std::string& text);
    /// --density N (notes per second) | Nx (N times the primer's) | primer (1x) | off
    std::string parseDensity(const std::string& text);
    /// --polyphony N (1..16) | off
    std::string parsePolyphony(const std::string& text);
    /// --velocity LOW-HIGH (1..127) | softer | louder | off
    std::string parseVelocity(const std::string& text);

    bool operator==(const Steering&) const = default;
};

/// "C4" for 60 (middle C is C4); parseNoteName reads "C4", "F#2", "Bb-1" and numbers 0..127.
std::string noteName(int pitch);
std::optional<int> parseNoteName(const std::string& text);

/// What a take reached, measured on its notes, beside what it was asked for.
struct SteeringReport {
    std::string key;          ///< the key its in-key share is measured against ("" = none)
    double inKeyShare = -1;   ///< share of its notes in that key (-1: no key, or no notes)
    int lowestPitch = -1;     ///< -1: no notes
    int highestPitch = -1;
    double density = 0;       ///< notes per second over the take's length
    double densityTarget = 0; ///< what the density control aimed at (0: off)
    int maxPolyphony = 0;     ///< most notes sounding at once
    double meanVelocity = 0;
    /// Mean, over the take's sampled tokens, of the model's probability that the constraints
    /// masked (0 with no constraint on; near 0 when they agree with what the model wanted).
    double removedMass = 0;

    bool operator==(const SteeringReport&) const = default;
};

/// Above this mean removed mass the app warns that the constraints fight the music.
inline constexpr double kSteeringCostWarning = 0.05;

} // namespace continuo
