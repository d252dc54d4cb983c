#pragma once
// Public, torch-free face of the inference engine: load a model, continue a primer.
// Everything torch lives behind these classes (pimpl); no c10::Error crosses this boundary.
#include "continuo/core/Expected.h"
#include "continuo/inference/ModelConfig.h"
#include "continuo/inference/Tokenizer.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace continuo::inference {

struct RuntimeOptions {
    std::string device = "cpu"; ///< "cpu", "cuda", "cuda:N"
    int threads = 0;            ///< CPU threads for LibTorch; 0 = all cores
};

struct ModelInfo {
    std::string path;
    std::string name;
    std::string sha256;        ///< of the file, for take provenance
    std::string device;        ///< where it runs
    std::int64_t parameters = 0;
    std::int64_t fileBytes = 0;
    ModelConfig config;
    std::map<std::string, std::string> metadata; ///< licence, training_data, validation_ppl, ...
    std::string metadataValue(const std::string& key, const std::string& fallback = {}) const;
};

class Model {
public:
    ~Model();
    /// Loads a safetensors checkpoint; refuses truncated, corrupt or mismatched files with a
    /// message that says what is wrong.
    static Expected<std::shared_ptr<Model>> load(const std::string& path, const RuntimeOptions& runtime = {});
    /// A randomly initialised model (tests, benchmarks, the trainer's start).
    static Expected<std::shared_ptr<Model>> create(const ModelConfig& config, std::uint64_t seed,
                                                   const RuntimeOptions& runtime = {});
    Expected<bool> save(const std::string& path, const std::map<std::string, std::string>& metadata) const;

    const ModelInfo& info() const;
    const ModelConfig& config() const;

    struct Impl;
    Impl& impl() const { return *impl_; }

private:
    explicit Model(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

struct SamplingOptions {
    double temperature = 1.0; ///< > 0
    double topP = 0.95;       ///< nucleus mass, (0, 1]; 1 = off
    int topK = 0;             ///< 0 = off
    std::uint64_t seed = 0;
};

struct ContinueOptions {
    SamplingOptions sampling;
    double seconds = 15.0; ///< length of music to write (stop when time passes it)
    int maxTokens = 0;     ///< hard cap on sampled tokens (0 = 40 per second of music, at least 64)
    int variations = 1;    ///< 1..8, sampled side by side from one primed state
};

struct ContinueProgress {
    int tokens = 0;              ///< sampled so far, per variation
    double tokensPerSecond = 0;  ///< all variations together
    double musicSeconds = 0;     ///< of the slowest variation
    double fraction = 0;         ///< 0..1
};

struct ContinueCallbacks {
    /// A note completed in variation v; times are seconds from the start of the primer.
    std::function<void(int variation, const tokens::TimedNote&)> onNote;
    std::function<void(const ContinueProgress&)> onProgress;
};

struct Continuation {
    std::vector<std::vector<tokens::TimedNote>> variations; ///< notes after the primer, sorted by onset
    std::vector<std::vector<int>> tokens;                   ///< sampled tokens per variation
    int primerTokens = 0;
    double primeMilliseconds = 0;  ///< batched forward over the primer
    double firstTokenMilliseconds = 0; ///< from start to the first sampled token
    double wallSeconds = 0;
    double tokensPerSecond = 0;
    bool cancelled = false;
};

class Generator {
public:
    explicit Generator(std::shared_ptr<Model> model);
    ~Generator();
    /// Continues `primer` (notes in seconds from its start). The continuation begins at
    /// `primerEndSeconds` (>= the last primer event). Cancel: set *cancel from any thread;
    /// it takes effect before the next token. Runs on the calling thread.
    Expected<Continuation> run(const std::vector<tokens::TimedNote>& primer, double primerEndSeconds,
                               const ContinueOptions& options, const ContinueCallbacks& callbacks = {},
                               const std::atomic<bool>* cancel = nullptr);

private:
    std::shared_ptr<Model> model_;
};

/// Where the shipped default model lives (install-relative, then the source tree).
std::string defaultModelPath();

} // namespace continuo::inference
