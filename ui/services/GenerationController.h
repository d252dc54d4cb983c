#pragma once
// One generation job for every kind: a request goes to the ContinuationService, and what comes
// back becomes takes, added as one undoable step. Continue's takes are "live" while they are
// written (shown, not on the undo stack) and keep what was written when stopped; Fill Gap's
// candidates arrive ranked at the end and become infill takes, best first. Both get the same
// provenance, numbering, checks and messages from here. The kinds differ only in how their
// request is built: ContinueController takes a primer, FillGapController a gap.
#include "document/Take.h"
#include "services/ContinuationService.h"

#include <QElapsedTimer>
#include <QObject>

#include <vector>

namespace continuo::ui {

class Document;

/// Where a request's takes come from, in the document's ticks (their provenance).
struct TakeOrigin {
    Tick primerStart = 0;
    Tick primerEnd = 0;          ///< where the writing begins (a fill: the gap's start)
    QString primerSource;        ///< in words
    TakeId parentTake = 0;       ///< the take continued from (0: the sketch)
    Tick gapEnd = 0;             ///< Fill Gap: the gap is [primerEnd, gapEnd)
    double originSeconds = 0;    ///< the document time of the request's time 0
    /// A jam answer (the request has a LiveOutput): it is heard while it is written, and may
    /// be stopped after the worker is done, so its take waits for finishLive() before it
    /// joins the undo stack, named "Answer N" and not auditioned meanwhile.
    bool live = false;
};

class GenerationController : public QObject {
    Q_OBJECT
public:
    GenerationController(Document* doc, ContinuationService* service, QObject* parent = nullptr);

    ContinuationService* service() const { return service_; }
    bool isRunning() const { return requestId_ != 0; }
    /// A job of its own is running or the service is busy: start() would refuse now.
    bool isBusy() const { return isRunning() || service_->isBusy(); }
    GenerationKind runningKind() const { return request_.kind; }
    /// Starts `request` (its id and seed are filled in here). Returns false, and says why
    /// through failed(), when the model is busy or missing or the settings are out of range.
    bool start(GenerationRequest request, const TakeOrigin& origin);
    /// Stops the running request. A stopped Continue keeps what it wrote; a stopped fill
    /// keeps nothing (the piece may be replaced next).
    void cancel();

    /// A live request has been heard to its end (`cut` < 0) or was stopped at tick `cut`:
    /// its take keeps the notes that began before the cut, ends them there, and joins the undo
    /// stack as soon as the worker is done (at once when it is).
    void finishLive(Tick cut = -1);

    /// The last request started (its seed resolved).
    const GenerationRequest& lastRequest() const { return request_; }
    std::uint64_t lastSeed() const { return request_.sampling.seed.value(); }
    /// A running Continue's takes, one per variation.
    const std::vector<TakeId>& liveTakes() const { return live_; }
    /// Milliseconds from the last start() to a Continue's first note; < 0 until one came.
    double firstNoteMs() const { return firstNoteMs_; }

signals:
    void started(continuo::ui::GenerationKind kind, quint64 seed, int variations);
    void progressed(continuo::ui::GenerationKind kind, double fraction, double tokensPerSecond, int tokens);
    /// `message` says what happened (done, stopped, cancelled, error) in a line for the status bar.
    void finished(continuo::ui::GenerationKind kind, bool ok, const QString& message);
    void failed(continuo::ui::GenerationKind kind, const QString& message);
    void runningChanged(continuo::ui::GenerationKind kind, bool running);
    /// A Continue's first note arrived, `ms` after start().
    void firstNote(double ms);
    /// How a Continue ran (prime, threads).
    void timed(const continuo::ui::ContinuationTiming& timing);

private:
    void onNote(quint64 request, int variation, const GeneratedNote& note);
    void onFinished(quint64 request, const GenerationResult& result);
    /// The provenance every take of the running request shares.
    TakeProvenance provenance(int variation) const;
    Note toNote(const GeneratedNote& g) const;
    std::vector<Take> finishContinue(const GenerationResult& result);
    std::vector<Take> finishFill(const GenerationResult& result);
    void complete(const GenerationResult& answer);
    QString describe(const GenerationResult& result, std::size_t takes) const;

    Document* doc_;
    ContinuationService* service_;
    quint64 requestId_ = 0;
    quint64 counter_ = 0;
    bool cancelled_ = false; ///< cancel() was called for the running request
    GenerationRequest request_;
    TakeOrigin origin_;
    std::vector<TakeId> live_;
    QElapsedTimer sinceStart_;
    bool liveHeard_ = false;       ///< finishLive() was called for the running live request
    Tick liveCut_ = -1;
    bool resultWaiting_ = false;   ///< the worker is done; the take waits for finishLive()
    GenerationResult waiting_;
    double firstNoteMs_ = -1;
};

/// The face of the generation job that one kind's controller (Continue, Fill Gap) shows: the
/// job's signals for its own requests, and running, cancel and seed as seen by that kind.
class GenerationKindController : public QObject {
    Q_OBJECT
public:
    GenerationKindController(GenerationKind kind, GenerationController* generation, QObject* parent = nullptr);

    GenerationController* generation() const { return generation_; }
    bool isRunning() const { return generation_->isRunning() && generation_->runningKind() == kind_; }
    void cancel();
    std::uint64_t lastSeed() const { return generation_->lastSeed(); }

signals:
    void started(quint64 seed, int variations);
    void progressed(double fraction, double tokensPerSecond, int tokens);
    /// `message` says what happened (done, stopped, cancelled, error) in a line for the status bar.
    void finished(bool ok, const QString& message);
    void failed(const QString& message);
    void runningChanged(bool running);

protected:
    GenerationController* generation_;
    GenerationKind kind_;
};

} // namespace continuo::ui

Q_DECLARE_METATYPE(continuo::ui::GenerationKind)
