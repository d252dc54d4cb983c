#pragma once
// Jam mode: the musician plays a phrase at the keyboard and pauses; Continuo answers, heard
// while it is written, and the musician takes over again by simply playing.
//
// - Listening: the transport records from the MIDI input. While the player plays, what has
//   settled (every event before the longest-held key) is read by the model in the background,
//   so that at the pause little is left to read.
// - The pause: every key up (the sustain pedal up, or held when the settings allow it) for the
//   answer gap. The call becomes notes of the sketch (one undo step) and the answer starts: a
//   Continue of everything played so far (calls and answers), with the Continue panel's
//   settings, streamed to the synth through the transport's live part as it is decoded.
// - The answer ends by itself, or at the first key the player strikes: the audio thread stops
//   it in the same buffer (notes off, pedal up). What was heard becomes a take ("Answer N",
//   marked stopped when cut), continuing from the previous answer: calls and answers read as a
//   chain in the takes tree. One undo step removes the last answer.
//
// UI thread only. The pause is heard by polling the input every few milliseconds.
#include "continuo/core/Note.h"
#include "continuo/core/Sampling.h"
#include "document/Take.h"

#include <QObject>
#include <QString>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

class QTimer;

namespace continuo::ui {

class Document;
class GenerationController;
class PlaybackController;
struct PlayerActivity;
class JamLive;

struct JamSettings {
    enum class Length { LikeCall, Bars, UntilPlayed };
    double gapBeats = 1.0;        ///< the pause that asks for an answer, in beats at the tempo there
    double gapMs = 0;             ///< > 0: the pause in milliseconds instead of beats
    bool pedalMayHold = true;     ///< a sustain pedal held through the pause still counts as a pause
    Length length = Length::LikeCall;
    int bars = 2;                 ///< Length::Bars
    double longestSeconds = 30;   ///< no answer runs longer; UntilPlayed runs this long unless played over
    int channel = 1;              ///< MIDI channel (0-15) the answers sound on: not the player's
    bool operator==(const JamSettings&) const = default;
};

/// One answer as measured on the transport's clock (nanoseconds): the benchmark's numbers.
struct JamAnswerTiming {
    std::int64_t gapEndNs = 0;    ///< the player's last message plus the answer gap
    std::int64_t detectedNs = 0;  ///< when the pause was heard
    std::int64_t firstNoteNs = 0; ///< when the answer's first note-on sounded (0: none yet)
    std::int64_t cutNs = 0;       ///< when the player's key stopped it (0: it was not stopped)
    TakeId take = 0;              ///< its take, once kept
    int notesKept = 0;
};

class JamController : public QObject {
    Q_OBJECT
public:
    JamController(Document* doc, PlaybackController* playback, GenerationController* generation,
                  QObject* parent = nullptr);
    ~JamController() override;

    /// Where an answer's sampling settings come from (the Continue panel); its variations
    /// are ignored (an answer is one take), its length replaced by the jam's.
    void setSamplingSource(std::function<SamplingSettings()> source) { samplingSource_ = std::move(source); }
    void setSettings(const JamSettings& settings) { settings_ = settings; }
    const JamSettings& settings() const { return settings_; }

    bool isJamming() const { return jamming_; }
    bool isAnswering() const { return answering_; }
    /// Starts listening (and recording). False, with message() saying why, without a model or
    /// a MIDI input.
    bool start();
    /// Stops: an answer sounding is cut and kept as heard, the last call is recorded.
    void stop();

    /// Every answer of this jam, in order (the benchmark reads them).
    const std::vector<JamAnswerTiming>& answers() const { return timings_; }
    /// The answer gap now, in seconds (from the beats at the tempo where the player paused).
    double gapSeconds(double atSeconds) const;

signals:
    void jammingChanged(bool on);
    void answerStarted();
    /// The answer's take was kept (or nothing was heard of it: `take` 0).
    void answerFinished(continuo::project::TakeId take, bool stopped);
    void message(const QString& text);

private:
    void poll();
    void ingest(const PlayerActivity& activity);
    void startAnswer(const PlayerActivity& activity, double gapEndSeconds);
    void finishAnswer(bool cut);
    /// Draws the answer in the roll as far as it has sounded by `nowNs`.
    void revealHeard(std::int64_t nowNs);
    void onGenerationFinished();
    /// Everything played so far (the sketch, this jam's answers and `recorded`), as a request
    /// whose primer ends at `endSeconds` (transport seconds).
    struct Primer;
    Primer primerUpTo(double endSeconds, const std::vector<Note>& recorded) const;
    double answerSeconds(const std::vector<Note>& call, double gapEndSeconds) const;

    Document* doc_;
    PlaybackController* playback_;
    GenerationController* generation_;
    std::function<SamplingSettings()> samplingSource_;
    JamSettings settings_;
    QTimer* poll_;
    bool jamming_ = false;
    bool answering_ = false;
    double heardUpTo_ = 0;        ///< transport seconds: keys struck before this are answered
    std::size_t ingested_ = 0;    ///< live notes already read by the model
    double lastIngestSeconds_ = -1;
    bool primePending_ = false;   ///< the last prime() has not answered yet
    std::uint32_t answerNumber_ = 0;
    bool awaitingTake_ = false;   ///< the last answer's take is not kept yet
    double originSeconds_ = 0;    ///< the document time of the answer request's time 0
    std::int64_t lastRevealNs_ = 0;
    std::shared_ptr<JamLive> live_;
    std::vector<TakeId> answerTakes_;
    std::vector<JamAnswerTiming> timings_;
    std::vector<Note> lastCall_;
};

} // namespace continuo::ui
