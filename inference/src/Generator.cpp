// A generation session: prime the caches with the primer (batched, segment by segment), then
// sample one token at a time for every variation side by side, streaming notes out.
#include "ModelImpl.h"

#include "RecallCache.h"
#include "continuo/inference/Sampler.h"
#include "continuo/inference/MotifGuide.h"
#include "continuo/inference/Steerer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace continuo::inference {

namespace {
using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

/// The values of `t`, wherever it lives, as floats into `out`.
void copyFloats(const torch::Tensor& t, std::vector<float>& out) {
    auto c = t.to(torch::kCPU, torch::kFloat).contiguous();
    out.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

/// Feeds tokens through the caches segment by segment; returns the last position's logits (B, V).
/// With `recall`, every position but the last becomes an entry (its hidden state and the token
/// after it); the last position's hidden state goes to `lastHidden` (C floats).
torch::Tensor feed(Dsmr& net, std::vector<LayerCache>& caches, const std::vector<int>& toks, torch::Device device,
                   const std::atomic<bool>* cancel, RecallCache* recall = nullptr, std::vector<float>* lastHidden = nullptr) {
    const DecodePlan plan = decodePlan(net->config);
    const int S = plan.segment;
    const bool recalling = recall && recall->options().enabled();
    torch::Tensor logits, hidden;
    std::size_t at = 0;
    while (at < toks.size()) {
        if (cancel && cancel->load(std::memory_order_relaxed)) break;
        const std::size_t n = std::min<std::size_t>(std::size_t(S - caches[0].segment), toks.size() - at);
        std::vector<std::int64_t> chunk(toks.begin() + long(at), toks.begin() + long(at + n));
        auto input = torch::tensor(chunk, torch::kLong).view({1, long(n)}).to(device); // (1, T)
        logits = net->step(input, caches, recalling ? &hidden : nullptr);             // (1, V)
        DsmrImpl::rollFull(caches, plan.horizons, S);
        if (recalling) {
            auto h = hidden[0].to(torch::kCPU, torch::kFloat).contiguous(); // (T, C)
            const auto C = h.size(1);
            const float* rows = h.data_ptr<float>();
            for (std::size_t i = 0; i < n; ++i) {
                if (at + i + 1 < toks.size()) recall->add(rows + std::int64_t(i) * C, toks[at + i + 1]);
                else if (lastHidden) lastHidden->assign(rows + std::int64_t(i) * C, rows + std::int64_t(i + 1) * C);
            }
        }
        at += n;
    }
    return logits;
}

} // namespace

int receptiveField(const ModelConfig& config) {
    const DecodePlan plan = decodePlan(config);
    int r = 0;
    for (int h : plan.horizons) r += h + plan.segment;
    return r;
}

/// The state after feeding a primer: the caches, the last logits and what produced them.
struct Generator::Primed {
    std::vector<int> tokens; ///< all primer tokens (BOS, events, silence to the start)
    std::vector<LayerCache> caches;
    torch::Tensor logits; ///< (1, V)
    RecallCache recall;   ///< the primer's entries
    std::vector<float> hidden; ///< the last position's hidden state (recall's first query)
    int fed = 0;
    int fedNow = 0;       ///< of `fed`, by the prime() that made this state (the rest were settled before)
    double startAt = 0;   ///< where the continuation starts, seconds
    int velocity = 0;     ///< the primer's last velocity bin state, for the decoders
    double milliseconds = 0;
    ThreadChoice threads; ///< what fed it
};

namespace {
/// The primer as tokens, with silence up to where the continuation starts.
std::vector<int> primerSequence(const std::vector<tokens::TimedNote>& primer, double primerEndSeconds, double* startAt,
                              int* velocity, std::vector<double>* times = nullptr) {
    double notesEnd = 0;
    std::vector<int> toks = tokens::primerTokens(primer, primerEndSeconds, times, &notesEnd);
    tokens::StreamingDecoder primerClock;
    for (std::size_t i = 1; i < toks.size(); ++i) primerClock.feed(toks[i]);
    if (startAt) *startAt = std::max(primerEndSeconds, notesEnd);
    if (velocity) *velocity = primerClock.velocity();
    return toks;
}

/// The notes of `notes` that start before `t`, cut off at `t`.
std::vector<tokens::TimedNote> cutAt(const std::vector<tokens::TimedNote>& notes, double t) {
    std::vector<tokens::TimedNote> out;
    for (auto n : notes) {
        if (n.start >= t) continue;
        n.end = std::min(n.end, t);
        if (n.end > n.start) out.push_back(n);
    }
    return out;
}

/// Where feeding may start without changing the state after the last token: past the
/// receptive field, on a segment boundary of the full stream so that segments line up.
/// Recall reaches `capacity` entries back: with it, feeding starts early enough to fill them.
std::size_t firstUsefulToken(const ModelConfig& config, std::size_t n, const RecallOptions& recall) {
    const DecodePlan plan = decodePlan(config);
    std::size_t reach = std::size_t(receptiveField(config));
    if (recall.enabled()) reach = std::max(reach, std::size_t(recall.capacity) + 1);
    if (n <= reach || plan.segment <= 0) return 0;
    return (n - reach) / std::size_t(plan.segment) * std::size_t(plan.segment);
}
} // namespace

int defaultTokenCap(double seconds) {
    constexpr double kTokensPerSecond = 200.0; // see the header; test_tokenizer_maestro measures it
    return std::max(64, int(std::ceil(std::max(0.0, seconds) * kTokensPerSecond)));
}

Generator::Generator(std::shared_ptr<Model> model) : model_(std::move(model)) {}
Generator::~Generator() = default;

void Generator::forgetPrimed() {
    primed_.reset();
    settled_.reset();
}

bool Generator::isPrimed(const std::vector<tokens::TimedNote>& primer, double primerEndSeconds) const {
    return primed_ && primed_->tokens == primerSequence(primer, primerEndSeconds, nullptr, nullptr);
}

namespace {
/// A state of its own: the caches' tensors are copied, so that feeding one leaves the other.
std::unique_ptr<Generator::Primed> copyOf(const Generator::Primed& from) {
    auto p = std::make_unique<Generator::Primed>(from);
    for (auto& c : p->caches) {
        c.k = c.k.clone();
        c.v = c.v.clone();
    }
    if (p->logits.defined()) p->logits = p->logits.clone();
    return p;
}

/// How many of `toks` are settled: up to the last event read before `settledSeconds` (the
/// silence after it is not: more may come before the next event).
std::size_t settledCount(const std::vector<int>& toks, const std::vector<double>& times, double settledSeconds) {
    std::size_t n = 0;
    for (std::size_t i = 1; i < toks.size() && i < times.size(); ++i) {
        if (times[i] >= settledSeconds) break;
        if (tokens::typeOf(toks[i]) != tokens::Type::TimeShift) n = i + 1;
    }
    return n;
}
} // namespace

Expected<double> Generator::prime(const std::vector<tokens::TimedNote>& primer, double primerEndSeconds, int threads,
                                  const std::atomic<bool>* cancel, double settledSeconds) {
    if (!model_) return Error{"no model loaded"};
    const auto start = Clock::now();
    double startAt = 0;
    int velocity = 0;
    std::vector<double> times;
    auto toks = primerSequence(primer, primerEndSeconds, &startAt, &velocity, &times);
    if (primed_ && primed_->tokens == toks) return 0.0;
    primed_.reset();
    Model::Impl& impl = model_->impl();
    Dsmr& net = impl.net;
    const ThreadChoice choice = chooseThreads(threads >= 0 ? threads : impl.threads, impl.cpuIdle);
    const std::size_t settled = settledSeconds >= 0 ? settledCount(toks, times, settledSeconds) : 0;
    try {
        torch::NoGradGuard noGrad;
        net->eval();
        applyThreads(choice.prefill);
        // Go on from the settled state when this primer begins with its tokens, unless feeding
        // afresh from where the model can still hear is shorter.
        const std::size_t fresh = firstUsefulToken(net->config, toks.size(), impl.recall);
        const bool extend = settled_ && settled_->tokens.size() <= toks.size() &&
                            std::equal(settled_->tokens.begin(), settled_->tokens.end(), toks.begin()) &&
                            toks.size() - settled_->tokens.size() <= toks.size() - fresh;
        std::unique_ptr<Primed> p;
        std::size_t at = 0;

        if (extend) {
            p = copyOf(*settled_);
            at = settled_->tokens.size();
        } else {
            p = std::make_unique<Primed>();
            p->caches = net->newCaches(1, impl.device);
            p->recall = RecallCache(impl.recall, int(net->config.dModel));
            at = fresh;
        }
        const bool recalling = p->recall.options().enabled();
        auto feedTo = [&](std::size_t upTo) {
            if (upTo <= at) return;
            std::vector<int> part(toks.begin() + long(at), toks.begin() + long(upTo));
            // The entry that joins what was fed before to what follows: its last hidden state
            // and the first token of this part.
            if (recalling && p->fed > 0 && !p->hidden.empty()) p->recall.add(p->hidden.data(), part.front());
            p->logits = feed(net, p->caches, part, impl.device, cancel, &p->recall, &p->hidden);
            p->fed += int(part.size());
            p->fedNow += int(part.size());
            at = upTo;
        };
        p->fedNow = 0;
        if (settled > at) {
            feedTo(settled);
            if (cancel && cancel->load()) return Error{"cancelled"};
            settled_ = copyOf(*p);
            settled_->tokens.assign(toks.begin(), toks.begin() + long(settled));
        }
        feedTo(toks.size());
        impl.cpuIdle.restart();
        if (cancel && cancel->load()) return Error{"cancelled"};
        p->tokens = std::move(toks);
        p->startAt = startAt;
        p->velocity = velocity;
        p->milliseconds = msSince(start);
        p->threads = choice;
        primed_ = std::move(p);
        return primed_->milliseconds;
    } catch (const std::exception& e) {
        return Error{"priming failed: " + torchMessage(e)};
    }
}

namespace {
/// Decoding takes the fixed count, or one thread; the primer's count is the one it was fed with.
ThreadChoice decodeThreads(ThreadChoice primedWith, int requested) {
    ThreadChoice choice = primedWith;
    choice.automatic = requested <= 0;
    choice.decode = requested > 0 ? requested : 1;
    if (requested > 0) choice.prefill = requested;
    return choice;
}

/// The variations of one run decoded side by side from the primed state: every step samples a
/// token for each variation still going, turns it into notes, and steps the network on them.
class BatchDecoder {
public:
    BatchDecoder(Model::Impl& impl, const Generator::Primed& primed, const ContinueOptions& options,
                 const ContinueCallbacks& callbacks, std::uint64_t seed, Clock::time_point start,
                 const PrimerFacts& primer, const std::vector<tokens::TimedNote>& primerNotes,
                 Continuation& result);
    /// Decodes until every variation reaches its end (or its token cap), or `cancel` is set.
    void decode(const std::atomic<bool>* cancel);
    /// Emits the notes still sounding, puts each variation's notes in order and measures what
    /// each reached against the steering controls.
    void finish();

private:
    void sharePrimedState(const Generator::Primed& primed, double recallWeight);
    void startVariations(const Generator::Primed& primed, std::uint64_t seed);
    void sampleRows(std::vector<std::int64_t>& keep, std::vector<std::int64_t>& next);
    void emit(int v, const std::vector<tokens::TimedNote>& notes);
    void reportProgress(int step, bool allDone);
    void keepRows(const std::vector<std::int64_t>& keep);
    void stepNetwork(const std::vector<std::int64_t>& next);

    Dsmr& net_;
    const torch::Device device_;
    const DecodePlan plan_;
    const ContinueCallbacks& callbacks_;
    Continuation& result_;
    const int variations_;
    const double seconds_, startAt_, stopAt_;
    const int maxTokens_;
    const Clock::time_point start_;
    Clock::time_point lastProgress_;
    std::size_t sampled_ = 0;

    std::vector<LayerCache> caches_;
    torch::Tensor logits_; ///< (B, V)
    std::vector<RecallCache> recalls_;
    bool recalling_ = false;
    const int C_;
    std::vector<float> hiddenRows_; ///< (B, C) when recalling
    /// Batch row r decodes variation rows_[r]; a variation that is done leaves the batch, so
    /// the others do not carry its cost to the end.
    std::vector<int> rows_;
    std::vector<tokens::StreamingDecoder> decoders_;
    std::vector<Random> randoms_;
    std::vector<Steerer> steerers_; ///< one per variation (each keeps its own density)
    std::vector<MotifGuide> motifs_; ///< one per variation (each learns its own figures too)
    const double temperature_;
    Sampler sampler_;
    const bool startWithNote_;
    std::vector<char> begun_; ///< per variation: its first NOTE_ON was sampled
};

BatchDecoder::BatchDecoder(Model::Impl& impl, const Generator::Primed& primed,
                           const ContinueOptions& options, const ContinueCallbacks& callbacks,
                           std::uint64_t seed, Clock::time_point start, const PrimerFacts& primer,
                           const std::vector<tokens::TimedNote>& primerNotes, Continuation& result)
    : net_(impl.net), device_(impl.device), plan_(decodePlan(impl.net->config)),
      callbacks_(callbacks), result_(result), variations_(options.sampling.variations),
      seconds_(options.sampling.lengthSeconds), startAt_(primed.startAt),
      stopAt_(startAt_ + seconds_),
      maxTokens_(options.maxTokens > 0 ? options.maxTokens : defaultTokenCap(seconds_)),
      start_(start), C_(int(impl.net->config.dModel)), temperature_(options.sampling.temperature),
      sampler_(options.sampling), startWithNote_(options.startWithNote), begun_(std::size_t(variations_), 0) {
    sharePrimedState(primed, options.sampling.recall);
    startVariations(primed, seed);
    steerers_.assign(std::size_t(variations_), Steerer(options.sampling.steering, primer, startAt_));
    motifs_.assign(std::size_t(variations_),
                   MotifGuide(options.sampling.motif, primerNotes, steerers_.front().guideKey()));
}

/// Variations share the primed state: copy it into each batch row (the primed state itself
/// stays as it is, ready for the next run from the same primer).
void BatchDecoder::sharePrimedState(const Generator::Primed& primed, double recallWeight) {
    caches_ = primed.caches;
    for (auto& c : caches_) {
        c.k = c.k.repeat({variations_, 1, 1, 1}).contiguous();
        c.v = c.v.repeat({variations_, 1, 1, 1}).contiguous();
    }
    logits_ = primed.logits.repeat({variations_, 1}); // (B, V)
    // Each variation recalls the primer and then its own events.
    recalls_.assign(static_cast<std::size_t>(variations_), primed.recall);
    for (auto& r : recalls_) r.setWeight(recallWeight);
    recalling_ = !recalls_.empty() && recalls_[0].options().enabled() && !primed.hidden.empty();
    if (recalling_)
        for (int v = 0; v < variations_; ++v)
            hiddenRows_.insert(hiddenRows_.end(), primed.hidden.begin(), primed.hidden.end());
}

/// Each variation's decoder starts at the primer's end with its velocity, and each its own
/// random stream.
void BatchDecoder::startVariations(const Generator::Primed& primed, std::uint64_t seed) {
    for (int v = 0; v < variations_; ++v) {
        decoders_.emplace_back(startAt_);
        decoders_.back().setVelocity(primed.velocity);
        randoms_.emplace_back(seed + 0x9E3779B97F4A7C15ull * std::uint64_t(v));
    }
    rows_.resize(static_cast<std::size_t>(variations_));
    for (int v = 0; v < variations_; ++v) rows_[std::size_t(v)] = v;
}

void BatchDecoder::decode(const std::atomic<bool>* cancel) {
    int step = 0;
    lastProgress_ = Clock::now();
    for (;;) {
        if (cancel && cancel->load(std::memory_order_relaxed)) {
            result_.cancelled = true;
            break;
        }
        std::vector<std::int64_t> keep, next; // batch rows that go on, and their tokens
        sampleRows(keep, next);
        if (step == 0) result_.firstTokenMilliseconds = msSince(start_);
        ++step;
        const bool allDone = keep.empty();
        if (callbacks_.onProgress && (allDone || msSince(lastProgress_) > 50))
            reportProgress(step, allDone);
        if (allDone) break;
        if (keep.size() < rows_.size()) keepRows(keep);
        stepNetwork(next);
    }
}

/// Samples a token for every batch row and feeds it to its variation's decoder; the rows whose
/// variation goes on land in `keep`, their tokens in `next`.
void BatchDecoder::sampleRows(std::vector<std::int64_t>& keep, std::vector<std::int64_t>& next) {
    static constexpr int kBanned[] = {tokens::kPad, tokens::kBos, tokens::kEos};
    auto cpu = logits_.to(torch::kCPU, torch::kFloat32).contiguous(); // (B, V)
    float* rowLogits = cpu.data_ptr<float>();
    const auto vocab = cpu.size(1);
    for (std::size_t r = 0; r < rows_.size(); ++r) {
        const int v = rows_[r];
        float* logits = rowLogits + std::int64_t(r) * vocab;
        const float* h = recalling_ ? hiddenRows_.data() + r * std::size_t(C_) : nullptr;
        if (recalling_) recalls_[std::size_t(v)].mixLogits(h, logits, int(vocab));
        auto& d = decoders_[std::size_t(v)];
        Steerer& steer = steerers_[std::size_t(v)];
        if (steer.active()) steer.apply(logits, int(vocab), d, temperature_);
        MotifGuide& motif = motifs_[std::size_t(v)];
        if (motif.active()) motif.apply(logits, int(vocab), d.now());
        if (startWithNote_ && !begun_[std::size_t(v)]) {
            // Nothing sounds yet and no silence is wanted: a velocity or a note-on comes first.
            for (int t = tokens::kNoteOff; t < tokens::kVelocity; ++t) logits[t] = -std::numeric_limits<float>::infinity();
        }
        int tok = sampler_.sample({logits, std::size_t(vocab)}, randoms_[std::size_t(v)], kBanned);
        if (recalling_) recalls_[std::size_t(v)].add(h, tok);
        result_.tokens[std::size_t(v)].push_back(tok);
        ++sampled_;
        emit(v, d.feed(tok));
        const tokens::Type type = tokens::typeOf(tok);
        if (type == tokens::Type::NoteOn) begun_[std::size_t(v)] = 1;
        if (callbacks_.onEvent && (type == tokens::Type::NoteOn || type == tokens::Type::NoteOff) && d.now() < stopAt_)
            callbacks_.onEvent(v, {d.now(), tokens::valueOf(tok), type == tokens::Type::NoteOn ? d.velocity() : 0});
        if (steer.active()) steer.observe(tok, d.now());
        if (motif.active()) motif.observe(tok, d.now());
        if (d.now() < stopAt_ && int(result_.tokens[std::size_t(v)].size()) < maxTokens_) {
            keep.push_back(std::int64_t(r));
            next.push_back(tok);
        }
    }
}

/// Notes that start before the end join the variation, cut at the end, and go to onNote.
void BatchDecoder::emit(int v, const std::vector<tokens::TimedNote>& notes) {
    for (tokens::TimedNote n : notes) {
        if (n.start >= stopAt_) continue;
        n.end = std::min(n.end, stopAt_);
        result_.variations[std::size_t(v)].push_back(n);
        if (callbacks_.onNote) callbacks_.onNote(v, n);
    }
}

void BatchDecoder::reportProgress(int step, bool allDone) {
    lastProgress_ = Clock::now();
    ContinueProgress p;
    p.tokens = step;
    p.tokensPerSecond = double(sampled_) / std::max(1e-9, msSince(start_) / 1000.0);
    double slowest = stopAt_;
    for (auto& d : decoders_) slowest = std::min(slowest, d.now());
    p.musicSeconds = slowest - startAt_;
    const double along = std::max(p.musicSeconds / seconds_, double(step) / maxTokens_);
    p.fraction = allDone ? 1.0 : std::clamp(along, 0.0, 1.0);
    callbacks_.onProgress(p);
}

/// Drops the batch rows not in `keep` from the caches and the row table.
void BatchDecoder::keepRows(const std::vector<std::int64_t>& keep) {
    auto index = torch::tensor(keep, torch::kLong).to(device_);
    for (auto& c : caches_) {
        c.k = c.k.index_select(0, index).contiguous();
        c.v = c.v.index_select(0, index).contiguous();
    }
    std::vector<int> kept;
    for (auto r : keep) kept.push_back(rows_[std::size_t(r)]);
    rows_ = std::move(kept);
}

/// Feeds each row its sampled token: the next logits (and hidden states, for recall).
void BatchDecoder::stepNetwork(const std::vector<std::int64_t>& next) {
    // One token per row: (B, 1).
    auto input = torch::tensor(next, torch::kLong).view({long(next.size()), 1}).to(device_);
    torch::Tensor hidden;
    logits_ = net_->step(input, caches_, recalling_ ? &hidden : nullptr); // (B, V)
    DsmrImpl::rollFull(caches_, plan_.horizons, plan_.segment);
    if (recalling_) copyFloats(hidden, hiddenRows_); // (B, 1, C)
}

void BatchDecoder::finish() {
    for (int v = 0; v < variations_; ++v) {
        emit(v, decoders_[std::size_t(v)].finish());
        auto& notes = result_.variations[std::size_t(v)];
        std::stable_sort(notes.begin(), notes.end(), [](const auto& a, const auto& b) {
            return a.start != b.start ? a.start < b.start : a.pitch < b.pitch;
        });
        // A take cut short (cancelled, or out of tokens) is measured over what it wrote.
        const double written = std::clamp(decoders_[std::size_t(v)].now() - startAt_, 0.01, seconds_);
        const Steerer& steer = steerers_[std::size_t(v)];
        SteeringReport report = measureTake(notes, written, steer.reportKey(), steer.meanRemovedMass());
        report.densityTarget = steer.densityTarget();
        result_.steering.push_back(std::move(report));
    }
}

} // namespace

Expected<Continuation> Generator::run(const std::vector<tokens::TimedNote>& primer,
                                      double primerEndSeconds, const ContinueOptions& options,
                                      const ContinueCallbacks& callbacks,
                                      const std::atomic<bool>* cancel) {
    if (!model_) return Error{"no model loaded"};
    if (const std::string problems = options.sampling.validationMessage(); !problems.empty())
        return Error{problems};
    const int variations = options.sampling.variations;
    const std::uint64_t seed = options.sampling.seed.resolve().value();
    Model::Impl& impl = model_->impl();
    const auto start = Clock::now();
    Continuation result;
    result.seed = seed;
    result.variations.resize(std::size_t(variations));
    result.tokens.resize(std::size_t(variations));
    const int requested = options.threads >= 0 ? options.threads : impl.threads;
    try {
        torch::NoGradGuard noGrad;
        impl.net->eval();

        // prime() answers 0 ms when this primer's state is ready already.
        auto spent = prime(primer, primerEndSeconds, requested, cancel);
        if (!spent) {
            if (cancel && cancel->load()) {
                result.cancelled = true;
                result.wallSeconds = msSince(start) / 1000.0;
                return result;
            }
            return Error{spent.error()};
        }
        result.primeMilliseconds = spent.value();
        result.primedAhead = spent.value() == 0.0;
        const Primed& primed = *primed_;
        result.primerTokens = int(primed.tokens.size());
        result.primerTokensFed = primed.fed;
        result.primerTokensFedNow = result.primedAhead ? 0 : primed.fedNow;
        const ThreadChoice choice = decodeThreads(primed.threads, requested);
        result.prefillThreads = choice.prefill;
        result.decodeThreads = choice.decode;
        result.threadChoice = choice.describe();
        applyThreads(choice.decode);

        const PrimerFacts facts = PrimerFacts::of(primer, primerEndSeconds);
        BatchDecoder decoder(impl, primed, options, callbacks, seed, start, facts, primer, result);
        decoder.decode(cancel);
        decoder.finish();
        impl.cpuIdle.restart();
        result.wallSeconds = msSince(start) / 1000.0;
        std::size_t total = 0;
        for (auto& t : result.tokens) total += t.size();
        result.tokensPerSecond = double(total) / std::max(1e-9, result.wallSeconds);
        return result;
    } catch (const std::exception& e) {
        return Error{"generation failed: " + torchMessage(e)};
    }
}

Expected<double> Generator::continuationNll(const std::vector<tokens::TimedNote>& prefix, double from,
                                            const std::vector<tokens::TimedNote>& after, int* scored, double recallWeight) {
    if (!model_) return Error{"no model loaded"};
    Model::Impl& impl = model_->impl();
    Dsmr& net = impl.net;
    const DecodePlan plan = decodePlan(net->config);
    const std::vector<tokens::TimedNote> cut = cutAt(prefix, from);
    const std::vector<int> target = tokens::encode(after); // times from `from`
    if (scored) *scored = int(target.size());
    if (target.empty()) return 0.0;
    try {
        torch::NoGradGuard noGrad;
        net->eval();
        auto toks = primerSequence(cut, from, nullptr, nullptr);
        auto caches = net->newCaches(1, impl.device);
        RecallOptions recallOptions = impl.recall;
        if (recallWeight >= 0 && recallOptions.weight > 0) recallOptions.weight = std::min(1.0, recallWeight);
        RecallCache recall(recallOptions, int(net->config.dModel));
        std::vector<float> hidden;
        const std::size_t first = firstUsefulToken(net->config, toks.size(), recallOptions);
        applyThreads(chooseThreads(impl.threads, impl.cpuIdle).prefill);
        auto logits = feed(net, caches, std::vector<int>(toks.begin() + long(first), toks.end()), impl.device, nullptr,
                           &recall, &hidden);
        applyThreads(1);
        const bool recalling = recall.options().enabled() && !hidden.empty();
        double nll = 0;
        for (std::size_t i = 0; i < target.size(); ++i) {
            auto row = logits.to(torch::kCPU, torch::kFloat32).contiguous(); // (1, V)
            if (recalling) recall.mixLogits(hidden.data(), row.data_ptr<float>(), int(row.size(1)));
            auto logp = torch::log_softmax(row, -1); // (1, V)
            nll -= logp[0][target[i]].item<double>();
            if (i + 1 == target.size()) break;
            if (recalling) recall.add(hidden.data(), target[i]);
            auto input = torch::full({1, 1}, std::int64_t(target[i]), torch::TensorOptions().dtype(torch::kLong).device(impl.device));
            torch::Tensor h;
            logits = net->step(input, caches, recalling ? &h : nullptr);
            DsmrImpl::rollFull(caches, plan.horizons, plan.segment);
            if (recalling) copyFloats(h, hidden);
        }
        impl.cpuIdle.restart();
        return nll / double(target.size());
    } catch (const std::exception& e) {
        return Error{"scoring failed: " + torchMessage(e)};
    }
}

Expected<Infill> Generator::infill(const std::vector<tokens::TimedNote>& before, double gapStart, double gapEnd,
                                   const std::vector<tokens::TimedNote>& after, const InfillOptions& options,
                                   const std::atomic<bool>* cancel, const std::vector<tokens::TimedNote>* original) {
    if (!(gapEnd > gapStart) || gapStart < 0) return Error{"the gap must end after it starts"};
    if (!(options.scoreSeconds > 0)) return Error{"the music that ranks the fills must be more than 0 seconds long"};
    const auto start = Clock::now();
    Infill result;
    // The real music after the gap, from its end, as long as it ranks the candidates.
    std::vector<tokens::TimedNote> following;
    for (auto n : after) {
        if (n.start < gapEnd || n.start >= gapEnd + options.scoreSeconds) continue;
        n.start -= gapEnd;
        n.end = std::min(n.end - gapEnd, options.scoreSeconds);
        following.push_back(n);
    }
    const std::vector<tokens::TimedNote> context = cutAt(before, gapStart);
    ContinueOptions o;
    o.sampling = options.sampling;
    o.sampling.lengthSeconds = gapEnd - gapStart;
    o.sampling.seed = options.sampling.seed.resolve();
    o.threads = options.threads;
    // How likely the real music after the gap is when the gap holds `fill`.
    auto score = [&](const std::vector<tokens::TimedNote>& fill, int* tokens) {
        std::vector<tokens::TimedNote> prefix = context;
        prefix.insert(prefix.end(), fill.begin(), fill.end());
        std::stable_sort(prefix.begin(), prefix.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
        return continuationNll(prefix, gapEnd, following, tokens, options.sampling.recall);
    };
    if (original) {
        std::vector<tokens::TimedNote> held;
        for (const auto& n : *original)
            if (n.start >= gapStart && n.start < gapEnd) held.push_back(n);
        auto nll = score(held, nullptr);
        if (!nll) return Error{nll.error()};
        result.originalAfterNll = nll.value();
    }
    constexpr double kSamplingShare = 0.9; // of the progress fraction; scoring takes the rest
    ContinueProgress last;
    ContinueCallbacks callbacks;
    if (options.onProgress)
        callbacks.onProgress = [&](const ContinueProgress& p) {
            last = p;
            last.fraction = p.fraction * kSamplingShare;
            options.onProgress(last);
        };
    auto sampled = run(context, gapStart, o, callbacks, cancel);
    if (!sampled) return Error{sampled.error()};
    result.seed = sampled->seed;
    if (sampled->cancelled) {
        result.cancelled = true;
        return result;
    }
    for (int c = 0; c < o.sampling.variations; ++c) {
        InfillCandidate cand;
        cand.index = c;
        for (const auto& n : sampled->variations[std::size_t(c)])
            if (n.start >= gapStart && n.start < gapEnd) cand.notes.push_back(n);
        if (std::size_t(c) < sampled->steering.size()) cand.steering = sampled->steering[std::size_t(c)];
        auto nll = score(cand.notes, &cand.afterTokens);
        if (!nll) return Error{nll.error()};
        cand.afterNll = nll.value();
        result.afterTokens = cand.afterTokens;
        result.candidates.push_back(std::move(cand));
        if (options.onProgress) {
            last.fraction = kSamplingShare + (1 - kSamplingShare) * double(c + 1) / o.sampling.variations;
            options.onProgress(last);
        }
        if (cancel && cancel->load()) {
            result.cancelled = true;
            break;
        }
    }
    std::stable_sort(result.candidates.begin(), result.candidates.end(),
                     [](const auto& a, const auto& b) { return a.afterNll < b.afterNll; });
    result.wallSeconds = msSince(start) / 1000.0;
    return result;
}

} // namespace continuo::inference
