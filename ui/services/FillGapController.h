#pragma once
// Generate > Fill Gap: a time range of the piece (the span of the selected notes, else the loop
// region) becomes a Fill Gap request, which the GenerationController runs and turns into infill
// takes, ranked, as one undoable step. Keeping such a take replaces only the notes whose onsets
// lie in the gap (makeKeepInfillTakeCommand).
#include "document/Take.h"
#include "services/ContinuationService.h"
#include "services/GenerationController.h"

#include <QObject>

namespace continuo::ui {

class Document;

/// A Fill Gap: the Continue panel's sampling settings with the candidates as variations (the
/// gap sets the length), and how much of the music after the gap ranks them.
struct FillGapSettings {
    SamplingSettings sampling{.variations = 4};
    double scoreSeconds = 10;
};

class FillGapController : public GenerationKindController {
    Q_OBJECT
public:
    FillGapController(Document* doc, GenerationController* generation, QObject* parent = nullptr);

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

    /// Starts a Fill Gap of currentGap(). Returns false (and says why through failed()) when it
    /// cannot.
    bool start(const FillGapSettings& settings);
    bool start(const FillGapSettings& settings, const Gap& gap);
    /// The request of the last start() of either kind (tests and diagnostics).
    const GenerationRequest& lastRequest() const { return generation_->lastRequest(); }

private:
    Document* doc_;
};

} // namespace continuo::ui
