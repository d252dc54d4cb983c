#pragma once
// A deterministic ContinuationService for tests: writes one note per variation every few
// milliseconds from a timer (the UI thread keeps running), honours cancel at once.
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
    }
    bool isReady() const override { return true; }
    bool isBusy() const override { return timer_.isActive(); }
    ModelDescription model() const override {
        ModelDescription d;
        d.name = "fake";
        d.sha256 = "f00d";
        d.device = "CPU";
        d.summary = "fake";
        return d;
    }
    void loadModel(const QString&) override { emit modelLoaded(model()); }
    void start(const ContinuationRequest& r) override {
        request_ = r;
        written_ = 0;
        lastRequest = r;
        timer_.start();
    }
    void cancel() override {
        if (!timer_.isActive()) return;
        timer_.stop();
        emit finished(request_.id, true, {}, 0);
    }
    ContinuationRequest lastRequest;

private:
    void step() {
        for (int v = 0; v < request_.variations; ++v) {
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
            emit finished(request_.id, false, {}, 500.0);
        }
    }
    QTimer timer_;
    ContinuationRequest request_;
    int notes_;
    int written_ = 0;
};

} // namespace continuo::ui::testutil
