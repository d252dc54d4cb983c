#pragma once
// Performance-event vocabulary (Music Transformer / Performance RNN), torch-free.
//
//   id        event
//   0         PAD   (never predicted; loss ignores it)
//   1         BOS   start of piece
//   2         EOS   end of piece
//   3..130    NOTE_ON  pitch 0..127
//   131..258  NOTE_OFF pitch 0..127
//   259..358  TIME_SHIFT k x 10 ms, k = 1..100
//   359..390  VELOCITY bin 0..31 (MIDI velocity / 4)
#include "continuo/core/Sequence.h"

#include <cstdint>
#include <string>
#include <vector>

namespace continuo::tokens {

constexpr int kVocabularyVersion = 1;
constexpr int kPad = 0, kBos = 1, kEos = 2;
constexpr int kNoteOn = 3, kNoteOff = 131, kTimeShift = 259, kVelocity = 359;
constexpr int kVocabSize = 391;
constexpr int kTimeShiftSteps = 100;   ///< largest single shift, in steps
constexpr double kStepSeconds = 0.01;  ///< one time step
constexpr int kVelocityBins = 32;

enum class Type { Pad, Bos, Eos, NoteOn, NoteOff, TimeShift, Velocity, Invalid };
Type typeOf(int token);
/// Pitch, shift steps (1..100) or velocity bin of a token; -1 for specials.
int valueOf(int token);
std::string describe(int token); ///< "NOTE_ON 60", "TIME_SHIFT 250ms", ...

inline int noteOn(int pitch) { return kNoteOn + pitch; }
inline int noteOff(int pitch) { return kNoteOff + pitch; }
inline int timeShift(int steps) { return kTimeShift + steps - 1; }
inline int velocityToken(int velocity) { return kVelocity + velocity / 4; }
inline int binToVelocity(int bin) { return bin * 4 + 2; }

/// A note in absolute time (seconds), as the model sees it.
struct TimedNote {
    double start = 0.0;
    double end = 0.0;
    int pitch = 60;
    int velocity = 80;
};

/// Notes of every track in seconds, with the sustain pedal (CC64 >= 64, per channel) folded
/// into note lengths; a key struck again while it is still sounding ends the earlier note.
std::vector<TimedNote> performanceNotes(const Sequence& sequence, bool foldSustain = true);

/// Encodes notes as events. Times are quantised to 10 ms; two strikes of one key in the same
/// 10 ms step keep the louder one. Adds neither BOS nor EOS.
std::vector<int> encode(const std::vector<TimedNote>& notes);
inline std::vector<int> encode(const Sequence& s) { return encode(performanceNotes(s)); }

/// The tokens the model reads for a primer that ends at `primerEndSeconds`: BOS, the notes,
/// then time shifts of silence up to that point (none when the notes run past it). With
/// `seconds`, also the time at which each token is read (the clock before the token moves it),
/// so that a reach in tokens can be drawn in time. `notesEnd` receives the clock after the
/// notes, before the silence.
std::vector<int> primerTokens(const std::vector<TimedNote>& primer, double primerEndSeconds,
                              std::vector<double>* seconds = nullptr, double* notesEnd = nullptr);

/// Turns tokens back into notes. Accepts any order: NOTE_OFF with no open note is ignored, a
/// NOTE_ON of a sounding key ends it first, notes open at the end close at the final time
/// (at least one step long). Specials are ignored; decoding stops at EOS.
std::vector<TimedNote> decode(const std::vector<int>& tokens);

/// Incremental decoder: feed tokens one at a time, receive notes as they complete.
class StreamingDecoder {
public:
    explicit StreamingDecoder(double startSeconds = 0.0);
    /// Returns notes completed by this token (usually none or one).
    std::vector<TimedNote> feed(int token);
    /// Closes every open note at the current time; returns them.
    std::vector<TimedNote> finish();
    double now() const { return time_; }
    int velocity() const { return velocity_; }
    void setVelocity(int v) { velocity_ = v; }
    bool ended() const { return ended_; }
    /// Notes sounding now: struck and not yet released (the sustain pedal is folded into note
    /// lengths, so a pedal-held note is open), and released ones that still last because a note
    /// is at least one step long.
    int sounding() const { return sounding_ + int(lingering_.size()); }
    /// Whether `pitch` (0..127) is struck and not yet released.
    bool isOpen(int pitch) const { return pitch >= 0 && pitch < 128 && open_[pitch].on; }

private:
    double time_;
    int velocity_ = 64;
    bool ended_ = false;
    int sounding_ = 0;
    std::vector<double> lingering_; ///< ends, after now, of notes released within their first step
    void close(double start); ///< a note released now: lingers when it ends after now
    struct Open { bool on = false; double start = 0; int velocity = 0; };
    Open open_[128];
};

/// Converts decoded notes to document notes at the document's tempo (ticks via the map).
std::vector<Note> toNotes(const std::vector<TimedNote>& notes, const TempoMap& tempo, int channel = 0);

/// Training augmentation on an encoded piece: transpose by `semitones` (notes leaving
/// 21..108 are dropped) and stretch time by `stretch` (re-quantised to 10 ms steps).
std::vector<int> augment(const std::vector<int>& tokens, int semitones, double stretch);

} // namespace continuo::tokens
