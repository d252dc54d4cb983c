#pragma once
// Public, torch-free face of the inference engine: load a model, continue a primer.
// Everything torch lives behind these classes (pimpl); no c10::Error crosses this boundary.
#include "continuo/core/Expected.h"
#include "continuo/core/Sampling.h"
#include "continuo/inference/ModelConfig.h"
#include "continuo/inference/Recall.h"
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
    /// CPU threads. 0 = automatic: decoding on one thread, the primer on one thread plus the
    /// cores measured idle when it starts (ThreadPolicy.h). Train and eval read 0 as all cores.
    int threads = 0;
    /// Decoding on the CPU keeps the weights it multiplies, the cached keys and values and the
    /// relative tables as half floats (arithmetic stays float): decoding waits on memory, and
    /// this halves what it reads per token. False decodes in float throughout.
    bool halfDecoding = true;
    /// Recall of the piece's own history beside the network (Recall.h): continuations,
    /// Fill Gap's ranking and `eval` use it. RecallOptions::off() gives the network alone.
    RecallOptions recall{};
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
    /// Writes the weights as float32, or as bfloat16 with `bf16` (half the size; each weight
    /// rounded to 8 bits of mantissa, for weights of runs in progress that are committed).
    /// load() reads both, into float32.
    Expected<bool> save(const std::string& path, const std::map<std::string, std::string>& metadata,
                        bool bf16 = false) const;

    const ModelInfo& info() const;
    const ModelConfig& config() const;
    /// Recall as this model was loaded with it (RuntimeOptions::recall).
    const RecallOptions& recall() const;

    struct Impl;
    Impl& impl() const { return *impl_; }

private:
    explicit Model(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// The default cap on sampled tokens for `seconds` of music: 200 per second, at least 64. The
/// densest ten seconds of MAESTRO playing hold about 150 tokens per second (fast passages,
/// every strike and release a token), so the length, not the cap, ends a continuation, while a
/// model that never moves time on still stops.
int defaultTokenCap(double seconds);

/// A continuation: what to sample (length, temperature, top-p, top-k, variations, seed, recall
/// in the one SamplingSettings type of core) and how to run it.
struct ContinueOptions {
    /// One variation, seed 0 unless a caller says otherwise: the engine never draws a seed on
    /// its own unless asked for Seed::random().
    SamplingSettings sampling{.variations = 1, .seed = Seed::fixed(0)};
    int maxTokens = 0;     ///< hard cap on sampled tokens (0 = defaultTokenCap(sampling.lengthSeconds))
    int threads = -1;      ///< CPU threads; -1 = the model's RuntimeOptions::threads, 0 = automatic
    /// Each variation begins with a note, not with more silence: time shifts and note-offs are
    /// masked until its first NOTE_ON. A jam answer wants this: the player's pause already was
    /// the silence, and nothing of the answer sounds yet.
    bool startWithNote = false;
};

/// A key struck (velocity > 0) or released (velocity 0) as a continuation is decoded, in
/// seconds from the start of the primer. Events come in time order, as the tokens do.
struct LiveNoteEvent {
    double seconds = 0;
    int pitch = 60;
    int velocity = 0;
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
    /// Every note-on and note-off of variation v the moment its token is sampled (a note that
    /// onNote reports later, once it ends): what a live part plays while it is written.
    std::function<void(int variation, const LiveNoteEvent&)> onEvent;
};

struct Continuation {
    std::vector<std::vector<tokens::TimedNote>> variations; ///< notes after the primer, sorted by onset
    std::vector<std::vector<int>> tokens;                   ///< sampled tokens per variation
    int primerTokens = 0;
    int primerTokensFed = 0;       ///< of those, fed to the model: the rest lie beyond what it can see
    int primerTokensFedNow = 0;    ///< of those, fed by this run: the rest were read ahead (prime(), a settled part)
    bool primedAhead = false;      ///< the primer's state came from an earlier prime()
    int prefillThreads = 1;
    int decodeThreads = 1;
    std::string threadChoice;      ///< ThreadChoice::describe()
    double primeMilliseconds = 0;  ///< batched forward over the primer (0 when primed ahead)
    double firstTokenMilliseconds = 0; ///< from start to the first sampled token
    double wallSeconds = 0;
    double tokensPerSecond = 0;
    std::uint64_t seed = 0;        ///< the seed sampled with (drawn when the settings said random)
    bool cancelled = false;
    /// Per variation: what it reached against the steering controls (measured on its notes;
    /// the in-key share against the locked key, else the primer's detected key).
    std::vector<SteeringReport> steering;
};

/// A Fill Gap. sampling.variations is the number of candidates; sampling.lengthSeconds is not
/// read (the gap sets the length). Recall's weight also applies to the ranking.
struct InfillOptions {
    SamplingSettings sampling{.variations = 4, .seed = Seed::fixed(0)};
    double scoreSeconds = 10; ///< how much of the real music after the gap ranks the candidates
    int threads = -1;         ///< as in ContinueOptions
    /// Progress on the calling thread: sampling takes the fraction up to 0.9 (tokens and
    /// tokens/s as in Continue), scoring the candidates the rest.
    std::function<void(const ContinueProgress&)> onProgress;
};

struct InfillCandidate {
    int index = 0;                       ///< in sampling order (0 = what one sample alone gives)
    std::vector<tokens::TimedNote> notes; ///< onsets in [gap start, gap end), seconds from the piece's start
    double afterNll = 0;                 ///< mean nats per token of the real music after the gap, given this fill
    int afterTokens = 0;
    SteeringReport steering;             ///< what it reached against the steering controls
};

struct Infill {
    std::vector<InfillCandidate> candidates; ///< best (lowest afterNll) first
    int afterTokens = 0;                     ///< real tokens scored after the gap
    double originalAfterNll = -1;            ///< the same score with the notes the gap held (when given)
    double wallSeconds = 0;
    std::uint64_t seed = 0;                  ///< the seed sampled with (drawn when the settings said random)
    bool cancelled = false;
};

class Generator {
public:
    explicit Generator(std::shared_ptr<Model> model);
    ~Generator();
    /// Continues `primer` (notes in seconds from its start). The continuation begins at
    /// `primerEndSeconds` (>= the last primer event). Cancel: set *cancel from any thread;
    /// it takes effect before the next token. Runs on the calling thread.
    /// A primer that already went through prime() (same notes, same end) starts sampling at
    /// once. Only the primer's last events that can still reach the next token are fed: the
    /// model sees no further back than the sum over layers of (horizon + segment).
    Expected<Continuation> run(const std::vector<tokens::TimedNote>& primer, double primerEndSeconds,
                               const ContinueOptions& options, const ContinueCallbacks& callbacks = {},
                               const std::atomic<bool>* cancel = nullptr);
    /// Feeds the primer now and keeps its state, so that a later run() with the same primer
    /// starts sampling at once (an app primes while the musician is still editing). Returns
    /// the milliseconds spent (0 when this primer was already primed), or an error; a
    /// cancelled prime leaves no state. `threads` as in ContinueOptions.
    /// With `settledSeconds` (>= 0), the events before that time are final, as when a player is
    /// still playing: the state after them is kept too, and a later prime() or run() whose
    /// primer begins with the same events feeds only what follows them. A jam ingests the
    /// performance this way as it is played, so that at the pause little is left to feed.
    Expected<double> prime(const std::vector<tokens::TimedNote>& primer, double primerEndSeconds, int threads = -1,
                           const std::atomic<bool>* cancel = nullptr, double settledSeconds = -1);
    /// Whether this primer's state is ready.
    bool isPrimed(const std::vector<tokens::TimedNote>& primer, double primerEndSeconds) const;
    /// Drops the primed state.
    void forgetPrimed();

    /// Fills the gap [gapStart, gapEnd) (seconds): `before` holds the notes with onsets before
    /// the gap, `after` those from gapEnd on (times from the piece's start; sustain folded as
    /// tokens::performanceNotes does). Samples the candidates from the music before the gap,
    /// then ranks them by how well the real music after it follows: the model's likelihood
    /// of the first `scoreSeconds` after the gap, read after each candidate. With `original`
    /// (the piece's notes, or those of the gap), the notes the gap held are scored the same way.
    Expected<Infill> infill(const std::vector<tokens::TimedNote>& before, double gapStart, double gapEnd,
                            const std::vector<tokens::TimedNote>& after, const InfillOptions& options,
                            const std::atomic<bool>* cancel = nullptr,
                            const std::vector<tokens::TimedNote>* original = nullptr);
    /// Mean nats per token of `after` (times from `from`, which is where `prefix` ends) read
    /// after `prefix`; the count of scored tokens in *tokens. Prefix notes are cut at `from`.
    /// `recall`: recall's weight for the reading; < 0 = the model's RuntimeOptions::recall.
    Expected<double> continuationNll(const std::vector<tokens::TimedNote>& prefix, double from,
                                     const std::vector<tokens::TimedNote>& after, int* tokens = nullptr,
                                     double recall = -1);

    struct Primed;

private:
    std::shared_ptr<Model> model_;
    std::unique_ptr<Primed> primed_;
    std::unique_ptr<Primed> settled_; ///< the state after a primer's settled events (prime())
};

/// Where the shipped default model lives (install-relative, then the source tree).
std::string defaultModelPath();

} // namespace continuo::inference
