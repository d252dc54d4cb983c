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
#include <vector>

namespace continuo::ui {

/// A note in seconds from the start of the primer (the model's own time base).
struct GeneratedNote {
    double start = 0;
    double end = 0;
    int pitch = 60;
    int velocity = 80;
};

struct ContinuationRequest {
    std::uint64_t id = 0;
    std::vector<GeneratedNote> primer; ///< sorted by start
    double primerEndSeconds = 0;       ///< continuation begins here
    SamplingSettings sampling;         ///< the seed is always a number here (resolved by the controller)
};

/// Fill Gap: candidates for the gap [gapStart, gapEnd), written from the music before it and
/// ranked by how well the real music after it follows (Generator::infill). Times are seconds
/// from one origin shared by every field (the controller uses the start of the piece).
struct InfillRequest {
    std::uint64_t id = 0;
    std::vector<GeneratedNote> before;   ///< notes with onsets before the gap (the primer), sorted by start
    std::vector<GeneratedNote> after;    ///< notes with onsets from gapEnd on, sorted by start
    std::vector<GeneratedNote> original; ///< what the gap holds now, scored the same way for comparison
    double gapStart = 0;
    double gapEnd = 0;
    double scoreSeconds = 10; ///< of the music after the gap that ranks the candidates
    /// variations = candidates; the gap sets the length; the seed is a number, as above.
    SamplingSettings sampling{.variations = 4};
};

struct InfillCandidateResult {
    int index = 0;                     ///< in sampling order
    std::vector<GeneratedNote> notes;  ///< onsets in [gapStart, gapEnd), same origin as the request
    double score = 0;                  ///< mean nats per token of the music after the gap (lower fits better)
    int scoredTokens = 0;
};

struct InfillResult {
    std::vector<InfillCandidateResult> candidates; ///< best (lowest score) first
    double originalScore = -1;                     ///< the notes the gap held (< 0: not scored)
    double seconds = 0;                            ///< wall time on the worker
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
    /// Starts a request; answers with noteGenerated/progress and exactly one finished().
    virtual void start(const ContinuationRequest& request) = 0;
    /// Stops the running request before its next token; finished() follows with cancelled.
    virtual void cancel() = 0;
    /// Prepares the model's state for this primer in the background, so that a start() with
    /// the same primer samples at once. A newer prime() supersedes an older one. Never blocks;
    /// a service may ignore it.
    virtual void prime(const ContinuationRequest& request) { Q_UNUSED(request); }
    /// CPU threads for the model: 0 = automatic (one for decoding, idle cores for the primer).
    virtual void setThreads(int threads) { Q_UNUSED(threads); }
    /// Starts a Fill Gap; answers with progress() and exactly one infillFinished(). cancel()
    /// stops it too. A service that cannot fill gaps answers with an error.
    virtual void startInfill(const InfillRequest& request);

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
    /// `error` empty on success. Sent once per start().
    void finished(quint64 request, bool cancelled, const QString& error, double tokensPerSecond);
    /// Sent once per startInfill(): the ranked candidates (none when cancelled or failed).
    void infillFinished(quint64 request, const continuo::ui::InfillResult& result, bool cancelled,
                        const QString& error);
};

/// Registers the value types above for queued connections (call once, any thread).
void registerContinuationTypes();

} // namespace continuo::ui

Q_DECLARE_METATYPE(continuo::ui::GeneratedNote)
Q_DECLARE_METATYPE(continuo::ui::ContinuationProgress)
Q_DECLARE_METATYPE(continuo::ui::ModelDescription)
Q_DECLARE_METATYPE(continuo::ui::ContinuationTiming)
Q_DECLARE_METATYPE(continuo::ui::InfillResult)
