#pragma once
// Generate > Fill Gap: turns a time range of the piece (the span of the selected notes, else the
// loop region) into an infill request for the ContinuationService, and its ranked candidates
// into infill takes, added as one undoable step. Keeping such a take replaces only the notes
// whose onsets lie in the gap (makeKeepInfillTakeCommand).
#include "document/Take.h"
#include "services/ContinuationService.h"

#include <QObject>

namespace continuo::ui {

class Document;

/// A Fill Gap: the Continue panel's sampling settings with the candidates as variations (the
/// gap sets the length), and how much of the music after the gap ranks them.
struct FillGapSettings {
    SamplingSettings sampling{.variations = 4};
    double scoreSeconds = 10;
};

class FillGapController : public QObject {
    Q_OBJECT
public:
    FillGapController(Document* doc, ContinuationService* service, QObject* parent = nullptr);

    /// A time range [start, end) in ticks and where it came from.
    struct Gap {
        Tick start = 0;
        Tick end = 0;
        QString source; ///< "selection", "loop region"
        bool isValid() const { return end > start; }
    };
    /// What Fill Gap would fill now: from the first onset to the last end of the selected
    /// notes, or the loop region when nothing is selected.
    Gap currentGap() const;
    /// The gap in words for a musician: bars and beats, seconds, what it holds, where from.
    QString describe(const Gap& gap) const;

    bool isRunning() const { return requestId_ != 0; }
    /// Starts a Fill Gap of currentGap(). Returns false (and says why through failed()) when it
    /// cannot.
    bool start(const FillGapSettings& settings);
    bool start(const FillGapSettings& settings, const Gap& gap);
    void cancel();
    std::uint64_t lastSeed() const { return lastSeed_; }
    /// The request of the last start() (tests and diagnostics).
    const InfillRequest& lastRequest() const { return request_; }

signals:
    void started(quint64 seed, int candidates);
    void progressed(double fraction, double tokensPerSecond, int tokens);
    /// `message` says what happened (done, cancelled, error) in a line for the status bar.
    void finished(bool ok, const QString& message);
    void failed(const QString& message);
    void runningChanged(bool running);

private:
    void onProgress(quint64 request, const ContinuationProgress& p);
    void onFinished(quint64 request, const InfillResult& result, bool cancelled, const QString& error);

    Document* doc_;
    ContinuationService* service_;
    quint64 requestId_ = 0;
    quint64 counter_ = 0;
    bool cancelled_ = false; ///< cancel() was called for the running request
    std::uint64_t lastSeed_ = 0;
    InfillRequest request_;
    Gap gap_;             ///< of the running request
    Tick primerStart_ = 0;
    FillGapSettings settings_;
};

} // namespace continuo::ui
