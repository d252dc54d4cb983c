#pragma once
// Continue: which music is the primer, how far back the model hears it, and the primer prepared
// in the background while the musician edits. A Continue press becomes a GenerationRequest that
// the GenerationController runs and turns into takes.
#include "document/Take.h"
#include "roll/ListeningSpan.h"
#include "services/ContinuationService.h"
#include "services/GenerationController.h"

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

class ContinueController : public GenerationKindController {
    Q_OBJECT
public:
    ContinueController(Document* doc, GenerationController* generation, QObject* parent = nullptr);

    ContinuationService* service() const { return service_; }
    /// Starts a Continue. Returns false (and says why through failed()) when it cannot.
    bool start(const ContinueSettings& settings);
    const std::vector<TakeId>& liveTakes() const { return generation_->liveTakes(); }

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
    /// While paused nothing is primed (a jam keeps the model's state for its own primer);
    /// resuming primes again.
    void setPrimingPaused(bool paused);
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
    double firstNoteMs() const { return generation_->firstNoteMs(); }

signals:
    /// The first note of a Continue arrived, `ms` after start().
    void firstNote(double ms);
    /// listeningFor() changed (the sketch, the settings or the model did).
    void listeningChanged(const QString& text);
    /// listeningSpanFor() changed; an invalid span when there is nothing to hear.
    void listeningSpanChanged(const continuo::ui::ListeningSpan& span);
    /// How the last request ran (prime, threads), for the panel.
    void timed(const continuo::ui::ContinuationTiming& timing);

private:
    GenerationRequest requestFor(const ContinueSettings& s, const Primer& primer, double* primerStartSeconds) const;
    QString describeListening(const ListeningSpan& span) const;
    ListeningSpan listeningSpanFor(const Primer& primer, const GenerationRequest& request, double primerStartSeconds) const;
    void announceListening(const ContinueSettings& settings);
    void primeNow();

    Document* doc_;
    ContinuationService* service_;
    std::function<ContinueSettings()> settingsSource_;
    QTimer* primeTimer_;
    bool primingPaused_ = false;
};

} // namespace continuo::ui
