#pragma once
// The inference worker seen from the UI: requests go in, notes stream out as queued signals.
// Abstract so that the worker could live on a thread (ThreadContinuationService), in another
// process or on another machine without the UI changing. All signals arrive on the thread
// that owns the service object (the UI thread); no method blocks.
#include "continuo/core/Sampling.h"

#include <QMetaType>
#include <QObject>
#include <QString>

#include <cstdint>
#include <memory>
#include <vector>

namespace continuo::ui {

/// A note in seconds (from the start of the primer, or of the piece for a fill).
struct GeneratedNote {
    double start = 0;
    double end = 0;
    int pitch = 60;
    int velocity = 80;
};

/// The two kinds of generation. Continue writes takes after a primer, streaming their notes;
/// Fill Gap writes candidates for a gap from the music before it and ranks them by how well
/// the real music after it follows (Generator::infill).
enum class GenerationKind { Continue, FillGap };

/// What Fill Gap adds to a request. Times share the request's origin.
struct GapToFill {
    double end = 0;                       ///< the gap is [GenerationRequest::primerEndSeconds, end)
    std::vector<GeneratedNote> after;     ///< notes with onsets from `end` on, sorted by start
    std::vector<GeneratedNote> original;  ///< what the gap holds now, scored the same way for comparison
    double scoreSeconds = 10;             ///< of the music after the gap that ranks the candidates
};

/// Where a Continue's notes go the moment they are decoded, straight to the sound and not
/// through the UI thread: a jam answer is heard while it is written. Called on the worker
/// thread, events in time order; times in seconds from the primer's start, as the request's.
class LiveOutput {
public:
    virtual ~LiveOutput() = default;
    /// A key struck (velocity > 0) or released (velocity 0).
    virtual void noteEvent(double seconds, int pitch, int velocity) = 0;
    /// Decoding has ended; the answer ends at `seconds` (what still sounds is released there).
    virtual void end(double seconds) = 0;
};

/// One generation request, of either kind: the music before, how to sample, and for a fill its gap.
struct GenerationRequest {
    std::uint64_t id = 0;
    GenerationKind kind = GenerationKind::Continue;
    /// Continue: the primer, in seconds from its start. Fill Gap: the notes with onsets before
    /// the gap, in seconds from the start of the piece. Sorted by start.
    std::vector<GeneratedNote> primer;
    double primerEndSeconds = 0;          ///< writing begins here (a fill: the gap's start)
    /// The seed is always a number here (the controller resolves a random one); a fill's
    /// variations are its candidates, and its length is the gap's.
    SamplingSettings sampling;
    GapToFill gap;                        ///< Fill Gap only
    /// Continue: the first variation also plays here while it is written, and begins with a
    /// note rather than more silence (a jam answer). Null: it only streams to the UI.
    std::shared_ptr<LiveOutput> live;
    /// prime(): the primer's events before this time are final (a performance still being
    /// played), so the model keeps its state after them and later only reads what follows.
    double settledSeconds = -1;
};

struct InfillCandidateResult {
    int index = 0;                     ///< in sampling order
    std::vector<GeneratedNote> notes;  ///< onsets in [gapStart, gapEnd), same origin as the request
    double score = 0;                  ///< mean nats per token of the music after the gap (lower fits better)
    int scoredTokens = 0;
    SteeringReport steering;           ///< what it reached against the steering controls
};

/// How a request ended, sent once per start().
struct GenerationResult {
    bool cancelled = false;
    QString error;                                 ///< empty on success
    double tokensPerSecond = 0;
    double seconds = 0;                            ///< wall time on the worker
    std::vector<InfillCandidateResult> candidates; ///< Fill Gap: the fills, best (lowest score) first
    double originalScore = -1;                     ///< Fill Gap: the notes the gap held (< 0: not scored)
    std::vector<SteeringReport> steering;          ///< Continue: what each variation reached
};

struct ContinuationProgress {
    int tokens = 0;
    double tokensPerSecond = 0;
    double musicSeconds = 0;
    double fraction = 0;
};

/// How a request ran, sent once it has finished.
struct ContinuationTiming {
    double primeMs = 0;      ///< spent on the primer after start() (0 when it was primed ahead)
    double firstTokenMs = 0; ///< from start() on the worker to the first sampled token
    bool primedAhead = false;
    int primerTokensFed = 0;
    QString threads;         ///< the thread choice, in words
};

struct ModelDescription {
    QString path;
    QString name;
    QString sha256;
    QString device;      ///< "cpu", "cuda"
    qint64 parameters = 0;
    QString summary;     ///< one line for the status bar
    QString licence;
    std::vector<int> horizons; ///< per layer, events kept from earlier segments (all 0: none)
    int segment = 0;           ///< events per segment
    int recallCapacity = 0;    ///< events recall keeps to recognise (0: loaded without recall)
};

/// How far back the model will hear a Continue's primer (inference::listeningPlan), in seconds
/// from the primer's start. Empty (no layers) when the service cannot say.
struct ListeningPlan {
    bool memoryless = false;               ///< no layer keeps memory: one window slides over the events
    int window = 0;                        ///< the model's segment length, in events
    double segmentStartSeconds = 0;        ///< the start of the segment the first written event joins
    std::vector<double> layerStartSeconds; ///< per layer: the earliest event it attends to
    std::vector<int> layerEvents;          ///< per layer: how many events back that is
    int recallEvents = 0;                  ///< events recall can recognise (0: recall is off)
    double recallStartSeconds = 0;         ///< the earliest of them
};

class ContinuationService : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    ~ContinuationService() override = default;

    virtual bool isReady() const = 0;    ///< a model is loaded
    virtual bool isBusy() const = 0;     ///< a request is running
    virtual ModelDescription model() const = 0;
    /// Loads a model file in the background; answers with modelLoaded or modelFailed.
    virtual void loadModel(const QString& path) = 0;
    /// Starts a request of either kind; answers with progress(), noteGenerated() as a
    /// Continue's notes are written, timing(), and exactly one finished().
    virtual void start(const GenerationRequest& request) = 0;
    /// Stops the running request before its next token; finished() follows with cancelled.
    virtual void cancel() = 0;
    /// Prepares the model's state for this primer in the background, so that a start() with
    /// the same primer samples at once. A newer prime() supersedes an older one. Never blocks;
    /// a service may ignore it.
    virtual void prime(const GenerationRequest& request) { Q_UNUSED(request); }
    /// What the model will hear of this Continue's primer. The app asks here rather than
    /// tokenising the primer itself; a service without a model answers an empty plan.
    virtual ListeningPlan listeningPlan(const GenerationRequest& request) const {
        Q_UNUSED(request);
        return {};
    }
    /// CPU threads for the model: 0 = automatic (one for decoding, idle cores for the primer).
    virtual void setThreads(int threads) { Q_UNUSED(threads); }

signals:
    void modelLoading(const QString& path);
    void modelLoaded(const continuo::ui::ModelDescription& model);
    void modelFailed(const QString& path, const QString& message);
    void noteGenerated(quint64 request, int variation, const continuo::ui::GeneratedNote& note);
    void progress(quint64 request, const continuo::ui::ContinuationProgress& progress);
    /// A prime() finished: the primer's state is ready (`milliseconds` spent on it, 0 when it
    /// was ready already).
    void primed(double milliseconds);
    /// Sent before finished() for a request that ran.
    void timing(quint64 request, const continuo::ui::ContinuationTiming& timing);
    /// Sent once per start(), last.
    void finished(quint64 request, const continuo::ui::GenerationResult& result);
};

/// Registers the value types above for queued connections (call once, any thread).
void registerContinuationTypes();

} // namespace continuo::ui

Q_DECLARE_METATYPE(continuo::ui::GeneratedNote)
Q_DECLARE_METATYPE(continuo::ui::ContinuationProgress)
Q_DECLARE_METATYPE(continuo::ui::ModelDescription)
Q_DECLARE_METATYPE(continuo::ui::ContinuationTiming)
Q_DECLARE_METATYPE(continuo::ui::GenerationResult)
