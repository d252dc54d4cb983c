// Benchmarks of decoding, priming and attention memory. Numbers, not pass/fail.
#include "ModelImpl.h"

#include "continuo/inference/Benchmark.h"
#include "continuo/inference/Sampler.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

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

/// Samples `total` tokens one at a time from an empty primer, timing windows that end at `marks`.
std::vector<DecodeWindow> decodeRun(Model& model, int threads, const std::vector<int>& marks) {
    Model::Impl& impl = model.impl();
    Dsmr& net = impl.net;
    applyThreads(threads);
    torch::NoGradGuard g;
    net->eval();
    auto caches = net->newCaches(1, impl.device);
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
            if (done == windowFrom) {
                windowStart = Clock::now();
                musicAtStart = clock.now();
                tokensAtStart = done;
            }
            auto input = torch::full({1, 1}, token, torch::TensorOptions().dtype(torch::kLong).device(impl.device));
            auto logits = net->step(input, caches).to(torch::kCPU).contiguous(); // (1, V)
            DsmrImpl::rollFull(caches, plan.horizons, plan.segment);
            token = sampler.sample({logits.data_ptr<float>(), std::size_t(logits.size(1))}, random, banned);
            clock.feed(token);
        }
        const double secs = secondsSince(windowStart);
        DecodeWindow w;
        w.threads = threads;
        w.afterTokens = mark;
        w.tokensPerSecond = (mark - tokensAtStart) / secs;
        w.msPerToken = 1000.0 * secs / (mark - tokensAtStart);
        w.realTimeFactor = (clock.now() - musicAtStart) / secs;
        w.residentMiB = statusMiB("VmRSS:");
        out.push_back(w);
    }
    return out;
}

double primerLatencyMs(Model& model, int threads, int primerTokens) {
    // A primer of real-looking events: a note every 100 ms, as encoded by the tokenizer.
    std::vector<tokens::TimedNote> notes;
    for (int i = 0; (int)tokens::encode(notes).size() < primerTokens - 1; i += 8)
        for (int k = 0; k < 8; ++k) notes.push_back({(i + k) * 0.1, (i + k) * 0.1 + 0.3, 48 + (i * 3 + k * 5) % 36, 60 + k * 4});
    applyThreads(threads);
    Generator gen(std::shared_ptr<Model>(&model, [](Model*) {}));
    ContinueOptions o;
    o.seconds = 0.01;
    o.maxTokens = 1;
    auto res = gen.run(notes, 0, o);
    return res ? res->firstTokenMilliseconds : -1;
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

Expected<BenchmarkReport> runBenchmarks(const std::shared_ptr<Model>& model, const BenchmarkOptions& o,
                                        const std::function<void(const std::string&)>& log) {
    BenchmarkReport r;
    r.model = model->info().path.empty() ? model->info().name : model->info().path;
    r.parameters = model->info().parameters;
    auto say = [&](const std::string& s) { if (log) log(s); };
    try {
        if (o.decode)
            for (int t : o.threads) {
                say("decoding with " + std::to_string(t) + " thread(s)...");
                auto w = decodeRun(*model, t, o.checkpoints);
                r.decode.insert(r.decode.end(), w.begin(), w.end());
            }
        if (o.latency)
            for (int t : o.threads)
                for (int n : o.primerLengths) {
                    say("primer of " + std::to_string(n) + " tokens, " + std::to_string(t) + " thread(s)...");
                    primerLatencyMs(*model, t, n); // warm-up
                    r.latency.push_back({n, t, primerLatencyMs(*model, t, n)});
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
    for (const auto& w : decode)
        d.append(QJsonObject{{"threads", w.threads}, {"after_tokens", w.afterTokens}, {"tokens_per_second", w.tokensPerSecond},
                             {"ms_per_token", w.msPerToken}, {"real_time_factor", w.realTimeFactor}, {"resident_mib", w.residentMiB}});
    for (const auto& x : latency)
        l.append(QJsonObject{{"primer_tokens", x.primerTokens}, {"threads", x.threads}, {"first_token_ms", x.firstTokenMs}});
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
    t << "model " << model << " (" << parameters << " parameters)\n";
    if (!decode.empty()) {
        t << "\ndecode (sampling from an empty primer)\n  threads  after tokens  tokens/s  ms/token  x real time  RSS MiB\n";
        for (const auto& w : decode)
            t << "  " << w.threads << "        " << w.afterTokens << "\t" << w.tokensPerSecond << "\t" << w.msPerToken << "\t"
              << w.realTimeFactor << "\t" << w.residentMiB << "\n";
    }
    if (!latency.empty()) {
        t << "\nfirst sampled token after a primer\n";
        for (const auto& x : latency)
            t << "  " << x.primerTokens << " tokens, " << x.threads << " thread(s): " << x.firstTokenMs << " ms\n";
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
