#include "services/ThreadContinuationService.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QThread>

#include <algorithm>

#ifdef CONTINUO_HAVE_INFERENCE
#include "continuo/inference/Engine.h"
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

void ThreadContinuationService::start(const ContinuationRequest& request) {
    const quint64 id = request.id;
    if (busy_) {
        QMetaObject::invokeMethod(this, [this, id] {
            emit finished(id, false, tr("a continuation is already running"), 0);
        }, Qt::QueuedConnection);
        return;
    }
#ifdef CONTINUO_HAVE_INFERENCE
    if (!ready_) {
        QMetaObject::invokeMethod(this, [this, id] {
            emit finished(id, false, tr("no model is loaded"), 0);
        }, Qt::QueuedConnection);
        return;
    }
    busy_ = true;
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    auto cancel = cancel_;
    auto worker = worker_;
    const int threads = threads_;
    QMetaObject::invokeMethod(&worker_->context, [this, worker, cancel, request, threads] {
        const std::vector<tokens::TimedNote> primer = timedNotes(request.primer);
        inference::ContinueOptions options;
        options.threads = threads;
        options.sampling = request.sampling;
        inference::ContinueCallbacks callbacks;
        const quint64 id = request.id;
        callbacks.onNote = [this, id](int variation, const tokens::TimedNote& t) {
            const GeneratedNote n{t.start, t.end, t.pitch, t.velocity};
            QMetaObject::invokeMethod(this, [this, id, variation, n] {
                emit noteGenerated(id, variation, n);
            }, Qt::QueuedConnection);
        };
        callbacks.onProgress = [this, id](const inference::ContinueProgress& p) {
            const ContinuationProgress cp{p.tokens, p.tokensPerSecond, p.musicSeconds, p.fraction};
            QMetaObject::invokeMethod(this, [this, id, cp] { emit progress(id, cp); },
                                      Qt::QueuedConnection);
        };
        auto result = worker->generator->run(primer, request.primerEndSeconds, options, callbacks, cancel.get());
        QString error;
        bool cancelled = cancel->load();
        double rate = 0;
        ContinuationTiming timing;
        if (!result) error = QString::fromStdString(result.error());
        else {
            cancelled = cancelled || result->cancelled;
            rate = result->tokensPerSecond;
            timing.primeMs = result->primeMilliseconds;
            timing.firstTokenMs = result->firstTokenMilliseconds;
            timing.primedAhead = result->primedAhead;
            timing.primerTokensFed = result->primerTokensFed;
            timing.threads = QString::fromStdString(result->threadChoice);
        }
        QMetaObject::invokeMethod(this, [this, id, cancelled, error, rate, timing, ran = result.ok()] {
            busy_ = false;
            if (ran) emit this->timing(id, timing);
            emit finished(id, cancelled, error, rate);
        }, Qt::QueuedConnection);
    }, Qt::QueuedConnection);
#else
    QMetaObject::invokeMethod(this, [this, id] {
        emit finished(id, false, tr("this build has no inference engine (LibTorch was not found)"), 0);
    }, Qt::QueuedConnection);
#endif
}

void ThreadContinuationService::startInfill(const InfillRequest& request) {
    const quint64 id = request.id;
    auto refuse = [this, id](const QString& why) {
        QMetaObject::invokeMethod(this, [this, id, why] { emit infillFinished(id, {}, false, why); },
                                  Qt::QueuedConnection);
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
        const quint64 id = request.id;
        inference::InfillOptions options;
        options.threads = threads;
        options.sampling = request.sampling;
        options.scoreSeconds = request.scoreSeconds;
        options.onProgress = [this, id](const inference::ContinueProgress& p) {
            const ContinuationProgress cp{p.tokens, p.tokensPerSecond, p.musicSeconds, p.fraction};
            QMetaObject::invokeMethod(this, [this, id, cp] { emit progress(id, cp); }, Qt::QueuedConnection);
        };
        const std::vector<tokens::TimedNote> original = timedNotes(request.original);
        auto filled = worker->generator->infill(timedNotes(request.before), request.gapStart, request.gapEnd,
                                                timedNotes(request.after), options, cancel.get(),
                                                request.original.empty() ? nullptr : &original);
        InfillResult result;
        QString error;
        bool cancelled = cancel->load();
        if (!filled) error = QString::fromStdString(filled.error());
        else {
            cancelled = cancelled || filled->cancelled;
            result.originalScore = filled->originalAfterNll;
            result.seconds = filled->wallSeconds;
            if (!cancelled)
                for (const inference::InfillCandidate& c : filled->candidates) {
                    InfillCandidateResult r;
                    r.index = c.index;
                    r.score = c.afterNll;
                    r.scoredTokens = c.afterTokens;
                    for (const tokens::TimedNote& n : c.notes) r.notes.push_back({n.start, n.end, n.pitch, n.velocity});
                    result.candidates.push_back(std::move(r));
                }
        }
        QMetaObject::invokeMethod(this, [this, id, result, cancelled, error] {
            busy_ = false;
            emit infillFinished(id, result, cancelled, error);
        }, Qt::QueuedConnection);
    }, Qt::QueuedConnection);
#else
    refuse(tr("this build has no inference engine (LibTorch was not found)"));
#endif
}

void ThreadContinuationService::cancel() { cancel_->store(true); }

void ThreadContinuationService::prime(const ContinuationRequest& request) {
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
        auto spent = worker->generator->prime(primer, request.primerEndSeconds, threads, cancel.get());
        if (!spent) return; // cancelled, superseded or failed: the next start() primes itself
        const double ms = spent.value();
        QMetaObject::invokeMethod(this, [this, ms] { emit primed(ms); }, Qt::QueuedConnection);
    }, Qt::QueuedConnection);
#else
    Q_UNUSED(request);
#endif
}

} // namespace continuo::ui
