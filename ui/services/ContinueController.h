#pragma once
// Turns a Continue press into a request for the ContinuationService and streams the answer
// into takes. While generating, the takes are "live" (shown, not on the undo stack); when
// the request finishes they become one undoable "Add takes" step. Cancel discards them.
#include "document/Take.h"
#include "roll/ListeningSpan.h"
#include "services/ContinuationService.h"

#include <QElapsedTimer>
#include <QObject>

#include <functional>
#include <vector>

class QTimer;

namespace continuo::ui {

class Document;

enum class PrimerSource { Sketch, Selection, UpToPlayhead };

/// A Continue: what to sample, and which music is the primer.
struct ContinueSettings {
    SamplingSettings sampling;
    PrimerSource source = PrimerSource::Sketch;
    Tick playhead = 0;
};

class ContinueController : public QObject {
    Q_OBJECT
public:
    ContinueController(Document* doc, ContinuationService* service, QObject* parent = nullptr);

    ContinuationService* service() const { return service_; }
    bool isRunning() const { return requestId_ != 0; }
    /// Starts a Continue. Returns false (and says why through failed()) when it cannot.
    bool start(const ContinueSettings& settings);
    void cancel();
    const std::vector<TakeId>& liveTakes() const { return live_; }
    std::uint64_t lastSeed() const { return lastSeed_; }

    /// The primer a Continue with these settings would use: [start, end) in ticks and notes.
    struct Primer {
        Tick start = 0;
        Tick end = 0;
        std::vector<Note> notes;
        QString source;
    };
    Primer primerFor(const ContinueSettings& settings) const;

    /// Where the settings of the next Continue come from (the panel and the playhead). With
    /// it set, the primer is prepared in the background a moment after the sketch stops
    /// changing, so that Continue starts sampling at once.
    void setSettingsSource(std::function<ContinueSettings()> source);
    /// Prepares the primer soon (after the sketch or the Continue settings changed).
    void schedulePrime();
    /// Says again how far back the model listens (a setting that leaves the primer as it is,
    /// such as recall's weight, changed).
    void settingsChanged();
    /// How far back the model listens from where this Continue would start, in words:
    /// each layer's reach in events and, through the primer's own density, in seconds.
    QString listeningFor(const ContinueSettings& settings) const;
    /// The same reach as a span of the sketch, for the roll to shade: from where Continue
    /// starts back to the first event each layer attends to, found by tokenising the primer
    /// exactly as the model will read it.
    ListeningSpan listeningSpanFor(const ContinueSettings& settings) const;
    /// Milliseconds from the last start() to its first note; < 0 until one came.
    double firstNoteMs() const { return firstNoteMs_; }

signals:
    void started(quint64 seed, int variations);
    void progressed(double fraction, double tokensPerSecond, int tokens);
    /// `message` says what happened (done, cancelled, error) in a line for the status bar.
    void finished(bool ok, const QString& message);
    void failed(const QString& message);
    void runningChanged(bool running);
    /// The first note of a Continue arrived, `ms` after start().
    void firstNote(double ms);
    /// listeningFor() changed (the sketch, the settings or the model did).
    void listeningChanged(const QString& text);
    /// listeningSpanFor() changed; an invalid span when there is nothing to hear.
    void listeningSpanChanged(const continuo::ui::ListeningSpan& span);
    /// How the last request ran (prime, threads), for the panel.
    void timed(const continuo::ui::ContinuationTiming& timing);

private:
    void onNote(quint64 request, int variation, const GeneratedNote& note);
    void onProgress(quint64 request, const ContinuationProgress& p);
    void onFinished(quint64 request, bool cancelled, const QString& error, double rate);
    ContinuationRequest requestFor(const ContinueSettings& s, const Primer& primer, double* primerStartSeconds) const;
    QString describeListening(const ListeningSpan& span) const;
    ListeningSpan listeningSpanFor(const Primer& primer, const ContinuationRequest& request, double primerStartSeconds) const;
    void announceListening(const ContinueSettings& settings);
    void primeNow();

    Document* doc_;
    ContinuationService* service_;
    quint64 requestId_ = 0;
    quint64 counter_ = 0;
    std::vector<TakeId> live_;
    double primerStartSeconds_ = 0;
    std::uint64_t lastSeed_ = 0;
    std::function<ContinueSettings()> settingsSource_;
    QTimer* primeTimer_;
    QElapsedTimer sinceStart_;
    double firstNoteMs_ = -1;
};

} // namespace continuo::ui
