// Loading, creating and saving models; the inference boundary where c10::Error becomes a message.
#include "DecodeKernels.h"
#include "ModelImpl.h"
#include "Safetensors.h"

#include "continuo/core/MidiFile.h"

#include <ATen/Parallel.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

namespace continuo::inference {

std::string ModelInfo::metadataValue(const std::string& key, const std::string& fallback) const {
    auto it = metadata.find(key);
    return it == metadata.end() ? fallback : it->second;
}

namespace {
/// The file's name without its folder and without its last suffix ("a/b.tar.gz" -> "b.tar"),
/// as QFileInfo::completeBaseName.
std::string completeBaseName(const std::string& path) {
    const std::string file = path.substr(path.find_last_of('/') + 1);
    return file.substr(0, file.find_last_of('.'));
}
} // namespace

std::string torchMessage(const std::exception& e) {
    std::string m = e.what();
    // c10::Error appends a C++ backtrace; the first line is the message.
    auto nl = m.find('\n');
    return nl == std::string::npos ? m : m.substr(0, nl);
}

Expected<torch::Device> parseDevice(const std::string& name) {
    try {
        torch::Device d(name);
        if (d.is_cuda() && !torch::cuda::is_available())
            return Error{"device '" + name + "' asked for, but this LibTorch build has no CUDA device available"};
        if (!d.is_cpu() && !d.is_cuda()) return Error{"unsupported device '" + name + "' (use cpu or cuda[:N])"};
        return d;
    } catch (const std::exception& e) {
        return Error{"unknown device '" + name + "' (use cpu or cuda[:N]): " + torchMessage(e)};
    }
}

void applyThreads(int threads) {
    int n = threads > 0 ? threads : int(std::max(1u, std::thread::hardware_concurrency()));
    if (at::get_num_threads() != n) at::set_num_threads(n);
    // Subnormal floats as zero, here and in every intra-op thread (one index each): softmax
    // weights of ignored keys underflow into them, and each operation on one costs Intel cores
    // a microcode assist (kernels::FlushSubnormals; docs/performance.md).
    kernels::flushSubnormalsInThisThread();
    if (n > 1) at::parallel_for(0, n, 1, [](std::int64_t, std::int64_t) { kernels::flushSubnormalsInThisThread(); });
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;
const ModelInfo& Model::info() const { return impl_->info; }
const ModelConfig& Model::config() const { return impl_->info.config; }
const RecallOptions& Model::recall() const { return impl_->recall; }

static std::int64_t countParameters(const Dsmr& net) {
    std::int64_t n = 0;
    for (const auto& p : net->parameters()) n += p.numel();
    return n;
}

Expected<std::shared_ptr<Model>> Model::create(const ModelConfig& config, std::uint64_t seed, const RuntimeOptions& runtime) {
    if (auto why = config.validate(); !why.empty()) return Error{"invalid model config: " + why};
    auto device = parseDevice(runtime.device);
    if (!device) return Error{device.error()};
    try {
        applyThreads(runtime.threads);
        torch::manual_seed(seed);
        auto impl = std::make_unique<Impl>();
        impl->net = Dsmr(config);
        impl->net->to(device.value());
        impl->net->eval();
        impl->net->halfDecoding = runtime.halfDecoding;
        impl->device = device.value();
        impl->threads = runtime.threads;
        impl->recall = runtime.recall;
        impl->info.config = config;
        impl->info.name = "untrained";
        impl->info.device = device.value().str();
        impl->info.parameters = countParameters(impl->net);
        return std::shared_ptr<Model>(new Model(std::move(impl)));
    } catch (const std::exception& e) {
        return Error{"cannot create the model: " + torchMessage(e)};
    }
}

Expected<std::shared_ptr<Model>> Model::load(const std::string& path, const RuntimeOptions& runtime) {
    auto bytes = readFileBytes(path, std::size_t(2) << 30);
    if (!bytes) return Error{bytes.error()};
    const std::int64_t fileBytes = std::int64_t(bytes.value().size());
    const std::string fileHash = sha256Hex(bytes.value());
    auto parsed = parseSafetensors(std::move(bytes.value()));
    if (!parsed) return Error{path + ": not a usable model file: " + parsed.error()};
    const SafetensorsFile& f = parsed.value();
    auto meta = [&](const char* k) { auto it = f.metadata.find(k); return it == f.metadata.end() ? std::string() : it->second; };
    if (meta("format") != "continuo-dsmr")
        return Error{path + ": this safetensors file is not a Continuo model (metadata 'format' is '" + meta("format") + "')"};
    if (meta("vocabulary_version") != std::to_string(tokens::kVocabularyVersion))
        return Error{path + ": the model was trained on vocabulary version '" + meta("vocabulary_version") +
                     "', this Continuo reads version " + std::to_string(tokens::kVocabularyVersion)};
    auto config = ModelConfig::fromJson(meta("config"));
    if (!config) return Error{path + ": " + config.error()};
    if (config->vocabSize != tokens::kVocabSize)
        return Error{path + ": the model has " + std::to_string(config->vocabSize) + " tokens, the vocabulary has " +
                     std::to_string(tokens::kVocabSize)};
    // The data checksum catches flipped bytes in the weights themselves.
    if (auto expected = meta("data_sha256"); !expected.empty()) {
        auto actual = sha256Hex({f.bytes.data() + f.dataStart, f.bytes.size() - f.dataStart});
        if (actual != expected) return Error{path + ": the weights are corrupt (checksum mismatch)"};
    }
    // Every weight comes from the file, so a config from a stranger must not make us allocate
    // more than the file can fill: at least the embedding, one d x d projection and the
    // feed-forward weights of each layer must be in it.
    std::uint64_t weights = 0;
    for (const TensorEntry& e : f.tensors) weights += (e.end - e.begin) / dtypeBytes(e.dtype);
    const std::uint64_t d = std::uint64_t(config->dModel);
    const std::uint64_t needed = std::uint64_t(config->vocabSize) * d +
                                 std::uint64_t(config->layers) * (d * d + 2 * d * std::uint64_t(config->ffDim));
    if (needed > weights)
        return Error{path + ": the model config needs at least " + std::to_string(needed) + " weights, the file holds " +
                     std::to_string(weights)};
    auto created = Model::create(config.value(), 0, runtime);
    if (!created) return Error{path + ": " + created.error()};
    auto model = created.value();
    Impl& impl = model->impl();
    try {
        torch::NoGradGuard g;
        auto params = impl.net->named_parameters();
        std::set<std::string> seen;
        for (const TensorEntry& e : f.tensors) {
            auto* p = params.find(e.name);
            if (!p) return Error{path + ": unexpected tensor '" + e.name + "' (not part of this model)"};
            if (p->sizes().vec() != e.shape) {
                std::string want, got;
                for (auto d : p->sizes()) want += std::to_string(d) + "x";
                for (auto d : e.shape) got += std::to_string(d) + "x";
                return Error{path + ": tensor '" + e.name + "' has shape " + got.substr(0, got.size() - 1) +
                             ", the config needs " + want.substr(0, want.size() - 1)};
            }
            const auto dtype = e.dtype == "BF16" ? torch::kBFloat16 : torch::kFloat32;
            auto src = torch::from_blob(const_cast<std::uint8_t*>(f.data(e)), e.shape, dtype);
            p->copy_(src.to(torch::kFloat32));
            seen.insert(e.name);
        }
        for (const auto& item : params)
            if (!seen.count(item.key())) return Error{path + ": tensor '" + item.key() + "' is missing"};
    } catch (const std::exception& e) {
        return Error{path + ": cannot load weights: " + torchMessage(e)};
    }
    impl.info.path = path;
    impl.info.name = meta("name").empty() ? completeBaseName(path) : meta("name");
    impl.info.sha256 = fileHash;
    impl.info.fileBytes = fileBytes;
    impl.info.metadata = f.metadata;
    return model;
}

Expected<bool> Model::save(const std::string& path, const std::map<std::string, std::string>& metadata,
                           bool bf16) const {
    try {
        torch::NoGradGuard g;
        std::vector<torch::Tensor> cpu;
        std::vector<TensorView> views;
        auto params = impl_->net->named_parameters();
        cpu.reserve(params.size());
        for (const auto& item : params) cpu.push_back(item.value().detach().to(torch::kCPU).contiguous());
        std::size_t i = 0;
        for (const auto& item : params) {
            const auto& t = cpu[i++];
            views.push_back({item.key(), t.sizes().vec(), {t.data_ptr<float>(), std::size_t(t.numel())}});
        }
        auto meta = metadata;
        meta["format"] = "continuo-dsmr";
        meta["config"] = impl_->info.config.toJson();
        meta["vocabulary_version"] = std::to_string(tokens::kVocabularyVersion);
        meta["parameters"] = std::to_string(impl_->info.parameters);
        meta.erase("data_sha256");
        auto bytes = buildSafetensors(views, meta, bf16);
        // Checksum of the data section, stored in the header: build once to learn the layout.
        std::uint64_t headerLen;
        std::memcpy(&headerLen, bytes.data(), 8);
        meta["data_sha256"] = sha256Hex({bytes.data() + 8 + headerLen, bytes.size() - 8 - headerLen});
        bytes = buildSafetensors(views, meta, bf16);
        return writeFileAtomically(path, bytes);
    } catch (const std::exception& e) {
        return Error{path + ": cannot save the model: " + torchMessage(e)};
    }
}

std::string defaultModelPath() {
    namespace fs = std::filesystem;
    const std::string name = "continuo-default.safetensors";
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("CONTINUO_MODEL"); env && *env) candidates.push_back(env);
    // The folder of the running executable (what QCoreApplication::applicationDirPath gives).
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec && exe.has_parent_path()) {
        const std::string appDir = exe.parent_path().string();
        candidates.push_back(appDir + "/../share/continuo/models/" + name);      // installed
#ifdef CONTINUO_DEVELOPER_PATHS
        candidates.push_back(appDir + "/../../resources/models/" + name);        // build/app/gui, build/app
        candidates.push_back(appDir + "/../resources/models/" + name);
#endif
    }
#ifdef CONTINUO_SOURCE_RESOURCES
    candidates.push_back(std::string(CONTINUO_SOURCE_RESOURCES) + "/models/" + name);
#endif
    for (const std::string& c : candidates)
        if (fs::exists(c, ec)) return fs::absolute(c, ec).lexically_normal().string();
    return candidates.empty() ? name : candidates.back();
}

} // namespace continuo::inference
