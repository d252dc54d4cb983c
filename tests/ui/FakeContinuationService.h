#pragma once
// A deterministic ContinuationService for tests: writes one note per variation every few
// milliseconds from a timer (the UI thread keeps running), honours cancel at once. Fill Gap:
// `notesPerVariation` progress steps, then candidates whose scores rank the last one best
// (candidate c: score 3 - 0.1 c; a note every quarter second of the gap, pitch 72 + c + k % 3).
#include "services/ContinuationService.h"

#include <QTimer>

namespace continuo::ui::testutil {

class FakeContinuationService : public ContinuationService {
public:
    explicit FakeContinuationService(int notesPerVariation = 8, QObject* parent = nullptr)
        : ContinuationService(parent), notes_(notesPerVariation) {
        registerContinuationTypes();
        timer_.setInterval(5);
        QObject::connect(&timer_, &QTimer::timeout, this, [this] { step(); });
        infillTimer_.setInterval(5);
        QObject::connect(&infillTimer_, &QTimer::timeout, this, [this] { infillStep(); });
    }
    bool isReady() const override { return true; }
    bool isBusy() const override { return timer_.isActive() || infillTimer_.isActive(); }
    ModelDescription model() const override {
        ModelDescription d;
        d.name = "fake";
        d.sha256 = "f00d";
        d.device = "CPU";
        d.summary = "fake";
        return d;
    }
    void loadModel(const QString&) override { emit modelLoaded(model()); }
    void start(const GenerationRequest& r) override {
        request_ = r;
        lastRequest = r;
        if (r.kind == GenerationKind::FillGap) lastInfill = r;
        written_ = 0;
        infillSteps_ = 0;
        (r.kind == GenerationKind::FillGap ? infillTimer_ : timer_).start();
    }
    void cancel() override {
        if (!timer_.isActive() && !infillTimer_.isActive()) return;
        timer_.stop();
        infillTimer_.stop();
        GenerationResult result;
        result.cancelled = true;
        emit finished(request_.id, result);
    }
    GenerationRequest lastRequest; ///< of either kind
    GenerationRequest lastInfill;  ///< the last Fill Gap

private:
    void step() {
        for (int v = 0; v < request_.sampling.variations; ++v) {
            GeneratedNote n;
            n.start = request_.primerEndSeconds + 0.25 * written_;
            n.end = n.start + 0.2;
            n.pitch = 60 + v + written_ % 12;
            n.velocity = 60 + written_;
            emit noteGenerated(request_.id, v, n);
        }
        ++written_;
        emit progress(request_.id, ContinuationProgress{written_ * 4, 500.0, 0.25 * written_,
                                                        double(written_) / notes_});
        if (written_ >= notes_) {
            timer_.stop();
            GenerationResult result;
            result.tokensPerSecond = 500.0;
            emit finished(request_.id, result);
        }
    }
    void infillStep() {
        ++infillSteps_;
        emit progress(request_.id, ContinuationProgress{infillSteps_ * 4, 400.0, 0, double(infillSteps_) / notes_});
        if (infillSteps_ < notes_) return;
        infillTimer_.stop();
        GenerationResult result;
        for (int c = request_.sampling.variations - 1; c >= 0; --c) { // best (lowest score) first
            InfillCandidateResult cand;
            cand.index = c;
            cand.score = 3.0 - 0.1 * c;
            cand.scoredTokens = 40;
            int k = 0;
            for (double t = request_.primerEndSeconds + 0.05; t < request_.gap.end; t += 0.25, ++k)
                cand.notes.push_back({t, t + 0.2, 72 + c + k % 3, 64 + c});
            result.candidates.push_back(cand);
        }
        result.originalScore = 2.5;
        result.seconds = 0.1;
        emit finished(request_.id, result);
    }
    QTimer timer_;
    QTimer infillTimer_;
    int infillSteps_ = 0;
    GenerationRequest request_;
    int notes_;
    int written_ = 0;
};

} // namespace continuo::ui::testutil
