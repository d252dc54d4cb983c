// Benchmarks of decoding, priming and attention memory. Numbers, not pass/fail.
#include "ModelImpl.h"
#include "RecallCache.h"

#include "continuo/inference/Benchmark.h"
#include "continuo/inference/Sampler.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#if defined(__linux__)
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace continuo::inference {

namespace {
using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double statusMiB(const char* field) {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind(field, 0) == 0) return std::stod(line.substr(std::strlen(field))) / 1024.0;
    return 0;
}
void resetPeak() { std::ofstream("/proc/self/clear_refs") << "5"; }

std::string cpuName() {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("model name", 0) == 0) {
            auto colon = line.find(':');
            return colon == std::string::npos ? line : line.substr(colon + 2);
        }
    return "unknown CPU";
}

/// Samples `total` tokens one at a time from an empty primer, timing windows that end at
/// `marks`. Threads as --threads: 0 = the automatic policy, which decodes on one thread. A
/// window that runs past `budget` seconds ends there.
std::vector<DecodeWindow> decodeRun(Model& model, int threads, const std::vector<int>& marks, double budget = 1e9) {
    Model::Impl& impl = model.impl();
    Dsmr& net = impl.net;
    applyThreads(threads > 0 ? threads : 1);
    torch::NoGradGuard g;
    net->eval();
    auto caches = net->newCaches(1, impl.device);
    RecallCache recall(impl.recall, int(net->config.dModel)); // decoding pays for recall as continuations do
    const DecodePlan plan = decodePlan(net->config);
    Sampler sampler({1.0, 0.95, 0, 42});
    Random random(42);
    const int banned[] = {tokens::kPad, tokens::kBos, tokens::kEos};
    tokens::StreamingDecoder clock;
    std::vector<DecodeWindow> out;
    int token = tokens::kBos, done = 0;
    auto windowStart = Clock::now();
    double musicAtStart = 0;
    int tokensAtStart = 0;
    for (int mark : marks) {
        // The window is the last 10 % of tokens before the mark (at least 256): steady state there.
        const int windowFrom = std::max(done, mark - std::max(256, mark / 10));
        for (; done < mark; ++done) {
            if (done > windowFrom && done - tokensAtStart >= 16 && secondsSince(windowStart) > budget) break;
            if (done == windowFrom) {
                windowStart = Clock::now();
                musicAtStart = clock.now();
                tokensAtStart = done;
            }
            auto input = torch::full({1, 1}, token, torch::TensorOptions().dtype(torch::kLong).device(impl.device));
            torch::Tensor hidden;
            auto logits = net->step(input, caches, recall.options().enabled() ? &hidden : nullptr).to(torch::kCPU).contiguous(); // (1, V)
            DsmrImpl::rollFull(caches, plan.horizons, plan.segment);
            if (hidden.defined()) {
                hidden = hidden.to(torch::kCPU, torch::kFloat).contiguous();
                recall.mixLogits(hidden.data_ptr<float>(), logits.data_ptr<float>(), int(logits.size(1)));
            }
            token = sampler.sample({logits.data_ptr<float>(), std::size_t(logits.size(1))}, random, banned);
            if (hidden.defined()) recall.add(hidden.data_ptr<float>(), token);
            clock.feed(token);
        }
        const double secs = secondsSince(windowStart);
        DecodeWindow w;
        w.threads = threads;
        w.afterTokens = mark;
        w.tokensPerSecond = (done - tokensAtStart) / secs;
        w.msPerToken = 1000.0 * secs / (done - tokensAtStart);
        w.realTimeFactor = (clock.now() - musicAtStart) / secs;
        w.residentMiB = statusMiB("VmRSS:");
        out.push_back(w);
        if (done < mark) break; // out of budget: later marks would not be reached either
    }
    return out;
}

/// A primer of real-looking events: a note every 100 ms, as encoded by the tokenizer, of at
/// least `primerTokens` tokens or `seconds` seconds.
std::vector<tokens::TimedNote> madeUpPrimer(int primerTokens, double seconds = 0) {
    std::vector<tokens::TimedNote> notes;
    for (int i = 0; (int)tokens::encode(notes).size() < primerTokens - 1 || (i + 8) * 0.1 <= seconds; i += 8)
        for (int k = 0; k < 8; ++k) notes.push_back({(i + k) * 0.1, (i + k) * 0.1 + 0.3, 48 + (i * 3 + k * 5) % 36, 60 + k * 4});
    return notes;
}

PrimerLatency primerLatency(Model& model, int threads, int primerTokens) {
    const auto notes = madeUpPrimer(primerTokens);
    Generator gen(std::shared_ptr<Model>(&model, [](Model*) {}));
    ContinueOptions o;
    o.sampling.lengthSeconds = 0.01;
    o.maxTokens = 1;
    o.threads = threads;
    auto res = gen.run(notes, 0, o);
    PrimerLatency l;
    l.primerTokens = primerTokens;
    l.threads = threads;
    l.firstTokenMs = res ? res->firstTokenMilliseconds : -1;
    l.prefillThreads = res ? res->prefillThreads : 0;
    return l;
}

EndToEnd endToEnd(Model& model, int threads, const BenchmarkOptions& o, int variations) {
    std::vector<tokens::TimedNote> primer = o.primer;
    double primerEnd = o.primerEndSeconds;
    if (primer.empty()) {
        primer = madeUpPrimer(0, 20);
        primerEnd = 20;
    }
    Generator gen(std::shared_ptr<Model>(&model, [](Model*) {}));
    ContinueOptions c;
    c.sampling.lengthSeconds = o.musicSeconds;
    c.sampling.variations = variations;
    c.sampling.seed = Seed::fixed(7);
    c.threads = threads;
    EndToEnd e;
    e.threads = threads;
    e.variations = variations;
    e.musicSeconds = o.musicSeconds;
    auto res = gen.run(primer, primerEnd, c);
    if (!res) return e;
    e.primerTokens = res->primerTokens;
    e.wallSeconds = res->wallSeconds;
    e.firstTokenMs = res->firstTokenMilliseconds;
    e.tokensPerSecond = res->tokensPerSecond;
    e.realTimeFactor = o.musicSeconds * variations / std::max(1e-9, res->wallSeconds);
    e.threadChoice = res->threadChoice;
    return e;
}

AttentionMemory attentionMemory(int L, int D) {
    AttentionMemory m;
    m.length = L;
    m.headDim = D;
    torch::NoGradGuard g;
    auto q = torch::randn({1, 1, L, D});
    auto table = torch::randn({1, L, D});
    {
        resetPeak();
        const double before = statusMiB("VmRSS:");
        auto qe = torch::matmul(q, table.flip({1}).transpose(-2, -1).unsqueeze(0)); // (1, 1, L, L)
        auto rel = skew(qe);
        m.skewPeakMiB = statusMiB("VmHWM:") - before;
        (void)rel.sum().item<float>();
    }
    {
        resetPeak();
        const double before = statusMiB("VmRSS:");
        // Shaw et al.: gather E for every (i, j) pair -> (L, L, D), then dot with q_i.
        auto i = torch::arange(L).unsqueeze(1), j = torch::arange(L).unsqueeze(0);
        auto dist = (i - j).clamp_min(0);                                            // (L, L)
        auto gathered = table[0].index_select(0, dist.reshape({-1})).view({L, L, D}); // (L, L, D)
        auto rel = (q[0][0].unsqueeze(1) * gathered).sum(-1);                        // (L, L)
        m.naivePeakMiB = statusMiB("VmHWM:") - before;
        (void)rel.sum().item<float>();
    }
    return m;
}

double scheduleSpeed(const ModelConfig& c, int tokensToRun) {
    auto model = Model::create(c, 1, {"cpu", 1});
    if (!model) return 0;
    // Warm the caches past every horizon first, then time the steady state.
    auto windows = decodeRun(*model.value(), 1, {tokensToRun});
    return windows.empty() ? 0 : windows.back().tokensPerSecond;
}
} // namespace

BusyProcesses::BusyProcesses(int n) {
#if defined(__linux__)
    const pid_t parent = getpid();
    for (int i = 0; i < n; ++i) {
        const pid_t pid = fork();
        if (pid == 0) {
            // Only async-signal-safe calls here: the parent has threads.
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent) _exit(0);
            volatile std::uint64_t x = 0;
            for (;;) x = x + 1;
        }
        if (pid > 0) pids_.push_back(int(pid));
    }
#else
    (void)n;
#endif
}

BusyProcesses::~BusyProcesses() {
#if defined(__linux__)
    for (int pid : pids_) kill(pid, SIGKILL);
    for (int pid : pids_) waitpid(pid, nullptr, 0);
#endif
}

Expected<BenchmarkReport> runBenchmarks(const std::shared_ptr<Model>& model, const BenchmarkOptions& o,
                                        const std::function<void(const std::string&)>& log) {
    BenchmarkReport r;
    r.model = model->info().path.empty() ? model->info().name : model->info().path;
    r.parameters = model->info().parameters;
    auto say = [&](const std::string& s) { if (log) log(s); };
    r.cpu = cpuName();
    const char* policy = std::getenv("OMP_WAIT_POLICY");
    r.waitPolicy = policy ? policy : "";
    r.precision = model->impl().net->halfDecoding && model->impl().device.is_cpu() ? "float16" : "float32";
    try {
        // The same figures on an idle machine and then with `busy` processes competing.
        for (int busy : o.busy > 0 ? std::vector<int>{0, o.busy} : std::vector<int>{0}) {
            BusyProcesses competing(busy);
            const std::string tag = busy ? " with " + std::to_string(busy) + " busy process(es)" : std::string();
            auto named = [](int t) { return t > 0 ? std::to_string(t) + " thread(s)" : std::string("automatic threads"); };
            if (o.decode)
                for (int t : o.threads) {
                    say("decoding with " + named(t) + tag + "...");
                    auto w = decodeRun(*model, t, o.checkpoints, o.windowBudgetSeconds);
                    for (auto& x : w) x.busy = busy;
                    r.decode.insert(r.decode.end(), w.begin(), w.end());
                }
            if (o.latency)
                for (int t : o.threads)
                    for (int n : o.primerLengths) {
                        say("primer of " + std::to_string(n) + " tokens, " + named(t) + tag + "...");
                        primerLatency(*model, t, n); // warm-up
                        PrimerLatency l = primerLatency(*model, t, n);
                        l.busy = busy;
                        r.latency.push_back(l);
                    }
            if (o.endToEnd)
                for (int t : o.threads)
                    for (int v : o.variations) {
                        say("continue " + std::to_string(int(o.musicSeconds)) + " s x " + std::to_string(v) +
                            " variation(s), " + named(t) + tag + "...");
                        EndToEnd e = endToEnd(*model, t, o, v);
                        e.busy = busy;
                        r.endToEnd.push_back(e);
                    }
        }
        if (o.attention) {
            say("relative attention memory at L=" + std::to_string(o.attentionLength) + "...");
            r.attention = attentionMemory(o.attentionLength, model->config().headDim());
        }
        if (o.schedules) {
            ModelConfig base = model->config();
            base.layouts.clear();
            const int longH = *std::max_element(base.horizons.begin(), base.horizons.end());
            const int longH2 = std::max(longH, 1024);
            struct Named { std::string name; std::vector<int> h; };
            std::vector<Named> plans{{"full " + std::to_string(longH2), fullSchedule(base.layers, longH2)},
                                     {"two-scale", twoScaleSchedule(base.layers, std::max(1, base.layers / 3), longH2, longH2 / 4)}};
            for (auto& p : plans) {
                say("schedule " + p.name + "...");
                ModelConfig c = base;
                c.horizons = p.h;
                r.schedules.push_back({p.name + " [" + c.scheduleName() + "]", cacheBytes(c, 1),
                                       scheduleSpeed(c, std::max(o.scheduleTokens, longH2 + 2 * c.segment))});
            }
        }
        applyThreads(0);
    } catch (const std::exception& e) {
        return Error{"benchmark failed: " + torchMessage(e)};
    }
    return r;
}

std::string BenchmarkReport::toJson() const {
    QJsonObject o;
    o["model"] = QString::fromStdString(model);
    o["parameters"] = qint64(parameters);
    QJsonArray d, l, s;
    QJsonArray e;
    for (const auto& w : decode)
        d.append(QJsonObject{{"busy", w.busy}, {"threads", w.threads}, {"after_tokens", w.afterTokens}, {"tokens_per_second", w.tokensPerSecond},
                             {"ms_per_token", w.msPerToken}, {"real_time_factor", w.realTimeFactor}, {"resident_mib", w.residentMiB}});
    for (const auto& x : latency)
        l.append(QJsonObject{{"busy", x.busy}, {"primer_tokens", x.primerTokens}, {"threads", x.threads},
                             {"prefill_threads", x.prefillThreads}, {"first_token_ms", x.firstTokenMs}});
    for (const auto& x : endToEnd)
        e.append(QJsonObject{{"busy", x.busy}, {"threads", x.threads}, {"variations", x.variations},
                             {"primer_tokens", x.primerTokens}, {"music_seconds", x.musicSeconds},
                             {"wall_seconds", x.wallSeconds}, {"first_token_ms", x.firstTokenMs},
                             {"tokens_per_second", x.tokensPerSecond}, {"real_time_factor", x.realTimeFactor},
                             {"thread_choice", QString::fromStdString(x.threadChoice)}});
    o["cpu"] = QString::fromStdString(cpu);
    o["omp_wait_policy"] = QString::fromStdString(waitPolicy);
    o["precision"] = QString::fromStdString(precision);
    o["end_to_end"] = e;
    for (const auto& x : schedules)
        s.append(QJsonObject{{"schedule", QString::fromStdString(x.schedule)}, {"cache_bytes", qint64(x.cacheBytes)},
                             {"tokens_per_second", x.tokensPerSecond}});
    o["decode"] = d;
    o["primer_latency"] = l;
    o["attention_memory"] = QJsonObject{{"length", attention.length}, {"head_dim", attention.headDim},
                                        {"skew_peak_mib", attention.skewPeakMiB}, {"naive_peak_mib", attention.naivePeakMiB}};
    o["schedules"] = s;
    return QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString();
}

std::string BenchmarkReport::toText() const {
    std::ostringstream t;
    t.setf(std::ios::fixed);
    t.precision(2);
    auto threadsName = [](int n) { return n > 0 ? std::to_string(n) : std::string("auto"); };
    t << "model " << model << " (" << parameters << " parameters) on " << cpu << "\n";
    t << "OpenMP waiting threads: " << (waitPolicy.empty() ? std::string("spin, then sleep (default)") : waitPolicy) << "\n";
    t << "decoding stores weights and caches as " << precision << " (arithmetic in float32)\n";
    if (!decode.empty()) {
        t << "\ndecode (sampling from an empty primer)\n  busy  threads  after tokens  tokens/s  ms/token  x real time  RSS MiB\n";
        for (const auto& w : decode)
            t << "  " << w.busy << "     " << threadsName(w.threads) << "      " << w.afterTokens << "\t" << w.tokensPerSecond << "\t"
              << w.msPerToken << "\t" << w.realTimeFactor << "\t" << w.residentMiB << "\n";
    }
    if (!latency.empty()) {
        t << "\nfirst sampled token after a primer\n";
        for (const auto& x : latency)
            t << "  " << x.primerTokens << " tokens, threads " << threadsName(x.threads) << " (primer on " << x.prefillThreads
              << "), " << x.busy << " busy: " << x.firstTokenMs << " ms\n";
    }
    if (!endToEnd.empty()) {
        t << "\ncontinue end to end (primer, then music per variation)\n"
             "  busy  threads  variations  primer tokens  music s  wall s  first token ms  tokens/s  x real time\n";
        for (const auto& x : endToEnd)
            t << "  " << x.busy << "     " << threadsName(x.threads) << "      " << x.variations << "           " << x.primerTokens
              << "\t" << x.musicSeconds << "\t" << x.wallSeconds << "\t" << x.firstTokenMs << "\t" << x.tokensPerSecond << "\t"
              << x.realTimeFactor << "\n";
    }
    if (attention.length)
        t << "\nrelative attention logits at L=" << attention.length << ", one head (D=" << attention.headDim
          << "): skew " << attention.skewPeakMiB << " MiB peak, naive " << attention.naivePeakMiB << " MiB peak\n";
    if (!schedules.empty()) {
        t << "\nmemory schedules (same layers and width, one thread)\n";
        for (const auto& s : schedules)
            t << "  " << s.schedule << ": cache " << double(s.cacheBytes) / 1048576.0 << " MiB, " << s.tokensPerSecond << " tokens/s\n";
    }
    return t.str();
}

} // namespace continuo::inference
