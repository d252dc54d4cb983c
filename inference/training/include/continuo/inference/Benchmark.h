#pragma once
// Measurements of the inference engine (decode speed and memory, primer latency, attention
// memory, schedules), printed by `continuo-cli bench`. Torch-free interface.
#include "continuo/core/Expected.h"
#include "continuo/inference/Engine.h"

#include <string>
#include <vector>

namespace continuo::inference {

/// Thread counts are as given to --threads: 0 is the automatic policy (ThreadPolicy.h).
/// `busy` is the number of competing processes, each spinning on a core, during the figure.
struct DecodeWindow {
    int busy = 0;
    int threads = 1;
    int afterTokens = 0;          ///< tokens generated when this window ended
    double tokensPerSecond = 0;   ///< within the window
    double msPerToken = 0;
    double realTimeFactor = 0;    ///< seconds of sampled music per wall second, within the window
    double residentMiB = 0;       ///< process resident memory at the window's end
};

struct PrimerLatency {
    int busy = 0;
    int primerTokens = 0;
    int threads = 1;
    double firstTokenMs = 0;
    int prefillThreads = 1; ///< what the policy chose
};

/// Continue as `continuo-cli continue` does: a primer, then seconds of music per variation.
struct EndToEnd {
    int busy = 0;
    int threads = 0;
    int variations = 1;
    int primerTokens = 0;
    double musicSeconds = 0;  ///< per variation
    double wallSeconds = 0;
    double firstTokenMs = 0;
    double tokensPerSecond = 0; ///< all variations together
    double realTimeFactor = 0;  ///< seconds of music (all variations) per wall second
    std::string threadChoice;
};

struct AttentionMemory {
    int length = 0;
    int headDim = 0;
    double skewPeakMiB = 0;  ///< measured peak growth of resident memory, one head
    double naivePeakMiB = 0; ///< the same for the naive (L x L x D) formulation
};

struct ScheduleCost {
    std::string schedule;
    std::int64_t cacheBytes = 0; ///< decoding caches, one stream
    double tokensPerSecond = 0;  ///< decoding, one thread, steady state
};

struct BenchmarkOptions {
    std::vector<int> threads{1, 2};
    std::vector<int> checkpoints{1024, 8192, 32768}; ///< report decode speed after these many tokens
    std::vector<int> primerLengths{512, 2048};
    int attentionLength = 2048;
    int scheduleTokens = 3000;
    bool decode = true, latency = true, attention = true, schedules = true, endToEnd = true;
    /// Measure decode, latency and end to end again with this many busy processes.
    int busy = 0;
    /// End to end: the primer (seconds from its start; empty = a made-up 20 s primer),
    /// the music to write, and the variation counts to compare.
    std::vector<tokens::TimedNote> primer;
    double primerEndSeconds = 0;
    double musicSeconds = 30;
    std::vector<int> variations{1, 3};
    /// A decode window stops early after this many seconds (a busy machine can be slow).
    double windowBudgetSeconds = 20;
};

struct BenchmarkReport {
    std::string model;
    std::int64_t parameters = 0;
    std::vector<DecodeWindow> decode;
    std::vector<PrimerLatency> latency;
    AttentionMemory attention;
    std::vector<ScheduleCost> schedules;
    std::vector<EndToEnd> endToEnd;
    std::string cpu;        ///< the CPU's model name
    std::string waitPolicy; ///< OMP_WAIT_POLICY as this process runs with it (empty: unset)
    /// What decoding keeps its weights and caches in: "float16" or "float32".
    std::string precision;
    std::string toJson() const;
    std::string toText() const;
};

/// Processes that each keep a core busy while this object lives (a musician's other
/// programs), for measuring on a busy machine. They die with this process too.
class BusyProcesses {
public:
    explicit BusyProcesses(int n);
    ~BusyProcesses();
    BusyProcesses(const BusyProcesses&) = delete;
    BusyProcesses& operator=(const BusyProcesses&) = delete;

private:
    std::vector<int> pids_;
};

Expected<BenchmarkReport> runBenchmarks(const std::shared_ptr<Model>& model, const BenchmarkOptions& options,
                                        const std::function<void(const std::string&)>& log = {});

} // namespace continuo::inference
