#pragma once
// ContinuationService on a worker thread around inference::Generator. The model and the
// generator live on the worker thread; the cancel flag is an atomic the UI thread sets.
// Without the inference library (CONTINUO_HAVE_INFERENCE unset) every request fails with a
// message saying so, and the editor keeps working.
#include "services/ContinuationService.h"

#include <atomic>
#include <memory>

class QThread;

namespace continuo::ui {

class ThreadContinuationService : public ContinuationService {
    Q_OBJECT
public:
    explicit ThreadContinuationService(QObject* parent = nullptr);
    ~ThreadContinuationService() override;

    static bool available(); ///< built with the inference library
    /// Where the default model is looked for (inference::defaultModelPath()).
    static QString defaultModelPath();

    bool isReady() const override { return ready_; }
    bool isBusy() const override { return busy_; }
    ModelDescription model() const override { return model_; }
    void loadModel(const QString& path) override;
    /// A small randomly initialised model (tests, demos without a trained model).
    void loadRandomModel(int layers, int dModel, std::uint64_t seed);
    void start(const GenerationRequest& request) override;
    void cancel() override;
    void prime(const GenerationRequest& request) override;
    void setThreads(int threads) override { threads_ = threads; }
    ListeningPlan listeningPlan(const GenerationRequest& request) const override { return planFor(model_, request); }
    /// The plan of `request` for a model described by `model` (inference::listeningPlan).
    static ListeningPlan planFor(const ModelDescription& model, const GenerationRequest& request);
    int threads() const { return threads_; }

private:
    /// UI thread: the worker has a new model.
    void adopt(const ModelDescription& d);
    struct Worker;
    /// Worker thread: the two kinds of request, answered with one result (progress, notes and
    /// timing go out as queued signals while they run).
    GenerationResult continueOnWorker(Worker& worker, const GenerationRequest& request,
                                      const std::atomic<bool>& cancel, int threads);
    GenerationResult fillOnWorker(Worker& worker, const GenerationRequest& request, const std::atomic<bool>& cancel,
                                  int threads);
    QThread* thread_;
    std::shared_ptr<Worker> worker_;
    std::shared_ptr<std::atomic<bool>> cancel_;
    std::shared_ptr<std::atomic<bool>> primeCancel_; ///< of the newest prime()
    int threads_ = 0;
    ModelDescription model_;
    bool ready_ = false;
    bool busy_ = false;
};

} // namespace continuo::ui
