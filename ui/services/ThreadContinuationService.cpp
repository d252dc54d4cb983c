#include "services/ThreadContinuationService.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QThread>

#include <algorithm>
#include <functional>

#ifdef CONTINUO_HAVE_INFERENCE
#include "continuo/inference/Engine.h"
#include "continuo/inference/ListeningPlan.h"
#endif

namespace continuo::ui {

struct ThreadContinuationService::Worker {
    QObject context; // lives on the worker thread; queued lambdas run there
#ifdef CONTINUO_HAVE_INFERENCE
    std::shared_ptr<inference::Model> model; // touched only on the worker thread
    std::unique_ptr<inference::Generator> generator; // keeps the primed state between requests
    void use(std::shared_ptr<inference::Model> m) {
        model = std::move(m);
        generator = std::make_unique<inference::Generator>(model);
    }
#endif
};

ThreadContinuationService::ThreadContinuationService(QObject* parent)
    : ContinuationService(parent), thread_(new QThread(this)), worker_(std::make_shared<Worker>()),
      cancel_(std::make_shared<std::atomic<bool>>(false)) {
    registerContinuationTypes();
    thread_->setObjectName("continuation");
    worker_->context.moveToThread(thread_);
    thread_->start(QThread::LowPriority);
}

ThreadContinuationService::~ThreadContinuationService() {
    cancel_->store(true);
    thread_->quit();
    thread_->wait();
}

bool ThreadContinuationService::available() {
#ifdef CONTINUO_HAVE_INFERENCE
    return true;
#else
    return false;
#endif
}

QString ThreadContinuationService::defaultModelPath() {
#ifdef CONTINUO_HAVE_INFERENCE
    return QString::fromStdString(inference::defaultModelPath());
#else
    return {};
#endif
}

#ifdef CONTINUO_HAVE_INFERENCE
namespace {
std::vector<tokens::TimedNote> timedNotes(const std::vector<GeneratedNote>& notes) {
    std::vector<tokens::TimedNote> out;
    out.reserve(notes.size());
    for (const GeneratedNote& n : notes) out.push_back({n.start, n.end, n.pitch, n.velocity});
    return out;
}

ModelDescription describe(const inference::Model& model) {
    const inference::ModelInfo& info = model.info();
    ModelDescription d;
    d.path = QString::fromStdString(info.path);
    d.name = QString::fromStdString(info.name);
    if (d.name.isEmpty()) d.name = d.path.isEmpty() ? QStringLiteral("random") : QFileInfo(d.path).completeBaseName();
    d.sha256 = QString::fromStdString(info.sha256);
    d.device = QString::fromStdString(info.device).toUpper();
    d.parameters = info.parameters;
    d.licence = QString::fromStdString(info.metadataValue("licence"));
    d.horizons = info.config.horizons;
    d.segment = info.config.segment;
    d.recallCapacity = model.recall().enabled() ? model.recall().capacity : 0;
    d.summary = QStringLiteral("%1 · %2 · %3M params")
                    .arg(d.name, d.device.isEmpty() ? QStringLiteral("CPU") : d.device)
                    .arg(double(d.parameters) / 1e6, 0, 'f', 1);
    return d;
}
} // namespace
#endif

void ThreadContinuationService::adopt(const ModelDescription& d) {
    model_ = d;
    ready_ = true;
    emit modelLoaded(d);
}

void ThreadContinuationService::loadModel(const QString& path) {
    emit modelLoading(path);
#ifdef CONTINUO_HAVE_INFERENCE
    auto worker = worker_;
    QMetaObject::invokeMethod(&worker_->context, [this, worker, path] {
        auto loaded = inference::Model::load(path.toStdString());
        if (!loaded) {
            const QString msg = QString::fromStdString(loaded.error());
            QMetaObject::invokeMethod(this, [this, path, msg] {
                emit modelFailed(path, msg);
            }, Qt::QueuedConnection);
            return;
        }
        worker->use(loaded.value());
        const ModelDescription d = describe(*worker->model);
        QMetaObject::invokeMethod(this, [this, d] { adopt(d); }, Qt::QueuedConnection);
    }, Qt::QueuedConnection);
#else
    emit modelFailed(path, tr("this build has no inference engine (LibTorch was not found)"));
#endif
}

void ThreadContinuationService::loadRandomModel(int layers, int dModel, std::uint64_t seed) {
    emit modelLoading(QStringLiteral("random"));
#ifdef CONTINUO_HAVE_INFERENCE
    auto worker = worker_;
    QMetaObject::invokeMethod(&worker_->context, [this, worker, layers, dModel, seed] {
        inference::ModelConfig config;
        config.layers = layers;
        config.dModel = dModel;
        config.heads = 2;
        config.ffDim = dModel * 2;
        config.segment = 64;
        config.horizons = inference::fullSchedule(layers, 64);
        config.dropout = 0.0;
        auto created = inference::Model::create(config, seed, inference::RuntimeOptions{"cpu", 1});
        if (!created) {
            const QString msg = QString::fromStdString(created.error());
            QMetaObject::invokeMethod(this, [this, msg] { emit modelFailed("random", msg); },
                                      Qt::QueuedConnection);
            return;
        }
        worker->use(created.value());
        ModelDescription d = describe(*worker->model);
        d.name = QStringLiteral("random-%1x%2").arg(layers).arg(dModel);
        QMetaObject::invokeMethod(this, [this, d] { adopt(d); }, Qt::QueuedConnection);
    }, Qt::QueuedConnection);
#else
    Q_UNUSED(layers);
    Q_UNUSED(dModel);
    Q_UNUSED(seed);
    emit modelFailed(QStringLiteral("random"), tr("this build has no inference engine"));
#endif
}

#ifdef CONTINUO_HAVE_INFERENCE
namespace {
/// What every kind's result says: cancelled (by the musician or in the engine), or the engine's
/// error, and the time the worker took.
template <class Answer>
GenerationResult resultOf(const Expected<Answer>& answer, const std::atomic<bool>& cancel) {
    GenerationResult r;
    r.cancelled = cancel.load();
    if (!answer) {
        r.error = QString::fromStdString(answer.error());
        return r;
    }
    r.cancelled = r.cancelled || answer->cancelled;
    r.seconds = answer->wallSeconds;
    return r;
}

/// The engine's progress callback for request `id`: each report goes to `service`'s thread as
/// its progress() signal.
std::function<void(const inference::ContinueProgress&)> progressTo(ContinuationService* service, quint64 id) {
    return [service, id](const inference::ContinueProgress& p) {
        const ContinuationProgress cp{p.tokens, p.tokensPerSecond, p.musicSeconds, p.fraction};
        QMetaObject::invokeMethod(service, [service, id, cp] { emit service->progress(id, cp); }, Qt::QueuedConnection);
    };
}
} // namespace

GenerationResult ThreadContinuationService::continueOnWorker(Worker& worker, const GenerationRequest& request,
                                                             const std::atomic<bool>& cancel, int threads) {
    inference::ContinueOptions options;
    options.threads = threads;
    options.sampling = request.sampling;
    inference::ContinueCallbacks callbacks;
    const quint64 id = request.id;
    callbacks.onNote = [this, id](int variation, const tokens::TimedNote& t) {
        const GeneratedNote n{t.start, t.end, t.pitch, t.velocity};
        QMetaObject::invokeMethod(this, [this, id, variation, n] { emit noteGenerated(id, variation, n); },
                                  Qt::QueuedConnection);
    };
    callbacks.onProgress = progressTo(this, id);
    if (const std::shared_ptr<LiveOutput> live = request.live) {
        options.startWithNote = true;
        callbacks.onEvent = [live](int variation, const inference::LiveNoteEvent& e) {
            if (variation == 0) live->noteEvent(e.seconds, e.pitch, e.velocity);
        };
    }
    auto ran = worker.generator->run(timedNotes(request.primer), request.primerEndSeconds, options, callbacks, &cancel);
    if (request.live) request.live->end(request.primerEndSeconds + request.sampling.lengthSeconds);
    GenerationResult result = resultOf(ran, cancel);
    if (!ran) return result;
    result.tokensPerSecond = ran->tokensPerSecond;
    result.steering = ran->steering;
    ContinuationTiming timing;
    timing.primeMs = ran->primeMilliseconds;
    timing.firstTokenMs = ran->firstTokenMilliseconds;
    timing.primedAhead = ran->primedAhead;
    timing.primerTokensFed = ran->primerTokensFed;
    timing.threads = QString::fromStdString(ran->threadChoice);
    QMetaObject::invokeMethod(this, [this, id, timing] { emit this->timing(id, timing); }, Qt::QueuedConnection);
    return result;
}

GenerationResult ThreadContinuationService::fillOnWorker(Worker& worker, const GenerationRequest& request,
                                                         const std::atomic<bool>& cancel, int threads) {
    inference::InfillOptions options;
    options.sampling = request.sampling;
    options.scoreSeconds = request.gap.scoreSeconds;
    options.threads = threads;
    options.onProgress = progressTo(this, request.id);
    const std::vector<tokens::TimedNote> original = timedNotes(request.gap.original);
    auto filled = worker.generator->infill(timedNotes(request.primer), request.primerEndSeconds, request.gap.end,
                                           timedNotes(request.gap.after), options, &cancel,
                                           request.gap.original.empty() ? nullptr : &original);
    GenerationResult result = resultOf(filled, cancel);
    if (!filled || result.cancelled) return result;
    result.originalScore = filled->originalAfterNll;
    for (const inference::InfillCandidate& c : filled->candidates) {
        InfillCandidateResult r;
        r.index = c.index;
        r.score = c.afterNll;
        r.scoredTokens = c.afterTokens;
        r.steering = c.steering;
        for (const tokens::TimedNote& n : c.notes) r.notes.push_back({n.start, n.end, n.pitch, n.velocity});
        result.candidates.push_back(std::move(r));
    }
    return result;
}
#endif

void ThreadContinuationService::start(const GenerationRequest& request) {
    const quint64 id = request.id;
    auto refuse = [this, id](const QString& why) {
        GenerationResult result;
        result.error = why;
        QMetaObject::invokeMethod(this, [this, id, result] { emit finished(id, result); }, Qt::QueuedConnection);
    };
    if (busy_) return refuse(tr("the model is busy with another request"));
#ifdef CONTINUO_HAVE_INFERENCE
    if (!ready_) return refuse(tr("no model is loaded"));
    busy_ = true;
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    auto cancel = cancel_;
    auto worker = worker_;
    const int threads = threads_;
    QMetaObject::invokeMethod(&worker_->context, [this, worker, cancel, request, threads] {
        const GenerationResult result = request.kind == GenerationKind::FillGap
                                            ? fillOnWorker(*worker, request, *cancel, threads)
                                            : continueOnWorker(*worker, request, *cancel, threads);
        QMetaObject::invokeMethod(this, [this, id = request.id, result] {
            busy_ = false;
            emit finished(id, result);
        }, Qt::QueuedConnection);
    }, Qt::QueuedConnection);
#else
    refuse(tr("this build has no inference engine (LibTorch was not found)"));
#endif
}

ListeningPlan ThreadContinuationService::planFor(const ModelDescription& model, const GenerationRequest& request) {
    ListeningPlan plan;
#ifdef CONTINUO_HAVE_INFERENCE
    if (model.segment <= 0 || model.horizons.empty()) return plan;
    const inference::ListeningModel m{model.horizons, model.segment, model.recallCapacity, request.sampling.recall > 0};
    const inference::ListeningPlan p = inference::listeningPlan(timedNotes(request.primer), request.primerEndSeconds, m);
    plan.memoryless = p.memoryless;
    plan.window = p.window;
    plan.segmentStartSeconds = p.segmentStartSeconds;
    plan.layerStartSeconds = p.layerStartSeconds;
    plan.layerEvents = p.layerEvents;
    plan.recallEvents = p.recallEvents;
    plan.recallStartSeconds = p.recallStartSeconds;
#else
    Q_UNUSED(model);
    Q_UNUSED(request);
#endif
    return plan;
}

void ThreadContinuationService::cancel() { cancel_->store(true); }

void ThreadContinuationService::prime(const GenerationRequest& request) {
#ifdef CONTINUO_HAVE_INFERENCE
    if (!ready_) return;
    if (primeCancel_) primeCancel_->store(true); // superseded: stop it between segments
    primeCancel_ = std::make_shared<std::atomic<bool>>(false);
    auto cancel = primeCancel_;
    auto worker = worker_;
    const int threads = threads_;
    QMetaObject::invokeMethod(&worker_->context, [this, worker, cancel, request, threads] {
        if (cancel->load() || !worker->generator) return;
        const std::vector<tokens::TimedNote> primer = timedNotes(request.primer);
        auto spent = worker->generator->prime(primer, request.primerEndSeconds, threads, cancel.get(),
                                              request.settledSeconds);
        if (!spent) return; // cancelled, superseded or failed: the next start() primes itself
        const double ms = spent.value();
        QMetaObject::invokeMethod(this, [this, ms] { emit primed(ms); }, Qt::QueuedConnection);
    }, Qt::QueuedConnection);
#else
    Q_UNUSED(request);
#endif
}

} // namespace continuo::ui
