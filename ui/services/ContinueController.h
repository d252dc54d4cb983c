#pragma once
// Turns a Continue press into a request for the ContinuationService and streams the answer
// into takes. While generating, the takes are "live" (shown, not on the undo stack); when
// the request finishes they become one undoable "Add takes" step. Cancel discards them.
#include "document/Take.h"
#include "services/ContinuationService.h"

#include <QObject>

#include <vector>

namespace continuo::ui {

class Document;

enum class PrimerSource { Sketch, Selection, UpToPlayhead };

struct ContinueSettings {
    double lengthSeconds = 15;
    double temperature = 1.0;
    double topP = 0.95;
    int variations = 3;
    qint64 seed = -1; ///< -1 = a fresh random seed
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

signals:
    void started(quint64 seed, int variations);
    void progressed(double fraction, double tokensPerSecond, int tokens);
    /// `message` says what happened (done, cancelled, error) in a line for the status bar.
    void finished(bool ok, const QString& message);
    void failed(const QString& message);
    void runningChanged(bool running);

private:
    void onNote(quint64 request, int variation, const GeneratedNote& note);
    void onProgress(quint64 request, const ContinuationProgress& p);
    void onFinished(quint64 request, bool cancelled, const QString& error, double rate);
    int nextTakeNumber() const;

    Document* doc_;
    ContinuationService* service_;
    quint64 requestId_ = 0;
    quint64 counter_ = 0;
    std::vector<TakeId> live_;
    double primerStartSeconds_ = 0;
    std::uint64_t lastSeed_ = 0;
};

} // namespace continuo::ui
