#include "continuo/inference/ModelConfig.h"

#include "Json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <set>
#include <string_view>

namespace continuo::inference {

namespace {
bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string trimmed(std::string_view s) {
    while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
    while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
    return std::string(s);
}

/// Parts between the separators, empty ones included.
std::vector<std::string> split(std::string_view s, char separator) {
    std::vector<std::string> out;
    for (std::size_t from = 0;;) {
        const std::size_t at = s.find(separator, from);
        out.emplace_back(s.substr(from, at == std::string_view::npos ? std::string_view::npos : at - from));
        if (at == std::string_view::npos) return out;
        from = at + 1;
    }
}

/// A decimal int with optional sign and surrounding white space, as QString::toInt reads it.
int toInt(std::string_view text, bool* ok) {
    std::string s = trimmed(text);
    if (s.size() > 1 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.erase(0, 1);
    int v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    *ok = !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
    return *ok ? v : 0;
}

Expected<AttentionLayout> layoutNamed(const std::string& name) {
    if (name == "dense") return AttentionLayout::Dense;
    if (name == "strided") return AttentionLayout::Strided;
    if (name == "fixed") return AttentionLayout::Fixed;
    return Error{name};
}
} // namespace

int ModelConfig::memoryBudget() const { return std::accumulate(horizons.begin(), horizons.end(), 0); }

std::string ModelConfig::scheduleName() const {
    if (horizons.empty() || memoryBudget() == 0) return "none";
    std::set<int> distinct(horizons.begin(), horizons.end());
    if (distinct.size() == 1) return "uniform " + std::to_string(horizons.front());
    if (distinct.size() == 2) {
        // two-scale: a run of long horizons at the bottom, then one short horizon
        int longH = *distinct.rbegin(), shortH = *distinct.begin();
        std::size_t k = 0;
        while (k < horizons.size() && horizons[k] == longH) ++k;
        bool rest = std::all_of(horizons.begin() + long(k), horizons.end(), [&](int h) { return h == shortH; });
        if (rest && k > 0)
            return "two-scale " + std::to_string(k) + "x" + std::to_string(longH) + " + " +
                   std::to_string(horizons.size() - k) + "x" + std::to_string(shortH);
        // the other way up: short horizons at the bottom, the long ones on top
        std::size_t s = 0;
        while (s < horizons.size() && horizons[s] == shortH) ++s;
        bool top = std::all_of(horizons.begin() + long(s), horizons.end(), [&](int h) { return h == longH; });
        if (top && s > 0)
            return "two-scale " + std::to_string(s) + "x" + std::to_string(shortH) + " + " +
                   std::to_string(horizons.size() - s) + "x" + std::to_string(longH) + " on top";
    }
    return "custom";
}

int ModelConfig::distanceBucket(int distance) const {
    // T5's buckets: exact for small distances, then logarithmic up to biasMaxDistance. With the
    // defaults (32, 16, 2048) a bucket spans a factor 1.35 of distance beyond 16, so distances
    // past a 256-event segment share 7 buckets: memory adds few parameters to learn.
    if (distance < biasExact) return std::max(distance, 0);
    if (distance >= biasMaxDistance) return biasBuckets - 1;
    const int logBuckets = biasBuckets - biasExact;
    const double f = std::log(double(distance) / biasExact) / std::log(double(biasMaxDistance) / biasExact);
    return std::min(biasBuckets - 1, biasExact + int(f * logBuckets));
}

double ModelConfig::biasSlope(int head) const {
    if (heads <= 1) return std::sqrt(biasSlopeMax * biasSlopeMin);
    return biasSlopeMax * std::pow(biasSlopeMin / biasSlopeMax, double(head) / double(heads - 1));
}

double ModelConfig::biasPrior(int head, int bucket) const {
    double lowest = bucket; // exact buckets
    if (bucket >= biasExact) {
        // The smallest distance d with distanceBucket(d) == bucket.
        const int logBuckets = biasBuckets - biasExact;
        lowest = std::ceil(biasExact * std::pow(double(biasMaxDistance) / biasExact, double(bucket - biasExact) / logBuckets) - 1e-9);
    }
    return -biasSlope(head) * lowest;
}

std::string ModelConfig::distanceBiasName() const {
    if (!hasDistanceBias()) return "none";
    char line[160];
    std::snprintf(line, sizeof line, "%d buckets (%d exact, log-spaced to %d), initial slopes %.3g .. %.3g", biasBuckets,
                  biasExact, biasMaxDistance, biasSlope(0), biasSlope(heads - 1));
    return line;
}

const char* layoutName(AttentionLayout l) {
    switch (l) {
    case AttentionLayout::Dense: return "dense";
    case AttentionLayout::Strided: return "strided";
    case AttentionLayout::Fixed: return "fixed";
    }
    return "dense";
}

std::string ModelConfig::toJson() const {
    auto o = json::Value::object();
    o.set("vocab_size", vocabSize);
    o.set("layers", layers);
    o.set("d_model", dModel);
    o.set("heads", heads);
    o.set("ff_dim", ffDim);
    o.set("segment", segment);
    auto h = json::Value::array(), lay = json::Value::array();
    for (int x : horizons) h.append(x);
    for (AttentionLayout x : layouts) lay.append(layoutName(x));
    o.set("horizons", std::move(h));
    o.set("layouts", std::move(lay));
    o.set("sparse_stride", sparseStride);
    o.set("sparse_summary", sparseSummary);
    o.set("dropout", dropout);
    o.set("vocabulary_version", vocabularyVersion);
    if (hasDistanceBias()) { // absent = none: files written before the bias existed read as before
        o.set("bias_buckets", biasBuckets);
        o.set("bias_exact", biasExact);
        o.set("bias_max_distance", biasMaxDistance);
        o.set("bias_slope_max", biasSlopeMax);
        o.set("bias_slope_min", biasSlopeMin);
    }
    return json::write(o);
}

Expected<ModelConfig> ModelConfig::fromJson(const std::string& text) {
    const auto doc = json::parse(text);
    if (!doc.ok || !doc.value.isObject())
        return Error{"model config is not valid JSON: " + (doc.ok ? std::string("not an object") : doc.error)};
    const json::Value& o = doc.value;
    ModelConfig c;
    for (const char* key : {"vocab_size", "layers", "d_model", "heads", "ff_dim", "segment", "horizons"})
        if (!o.contains(key)) return Error{std::string("model config lacks '") + key + "'"};
    c.vocabSize = o["vocab_size"].toInt();
    c.layers = o["layers"].toInt();
    c.dModel = o["d_model"].toInt();
    c.heads = o["heads"].toInt();
    c.ffDim = o["ff_dim"].toInt();
    c.segment = o["segment"].toInt();
    for (const auto& v : o["horizons"].elements()) c.horizons.push_back(v.toInt());
    for (const auto& v : o["layouts"].elements()) {
        auto layout = layoutNamed(v.toString());
        if (!layout) return Error{"unknown attention layout '" + v.toString() + "'"};
        c.layouts.push_back(layout.value());
    }
    c.sparseStride = o["sparse_stride"].toInt(16);
    c.sparseSummary = o["sparse_summary"].toInt(4);
    c.dropout = o["dropout"].toDouble(0.1);
    c.vocabularyVersion = o["vocabulary_version"].toInt(1);
    c.biasBuckets = o["bias_buckets"].toInt(0);
    c.biasExact = o["bias_exact"].toInt(c.biasExact);
    c.biasMaxDistance = o["bias_max_distance"].toInt(c.biasMaxDistance);
    c.biasSlopeMax = o["bias_slope_max"].toDouble(c.biasSlopeMax);
    c.biasSlopeMin = o["bias_slope_min"].toDouble(c.biasSlopeMin);
    if (auto why = c.validate(); !why.empty()) return Error{"invalid model config: " + why};
    return c;
}

std::string ModelConfig::validate() const {
    if (vocabSize <= 0 || vocabSize > 1 << 20) return "vocab_size out of range";
    if (layers <= 0 || layers > 128) return "layers out of range";
    if (dModel <= 0 || dModel > 1 << 14) return "d_model out of range";
    if (heads <= 0 || dModel % heads) return "d_model must be a multiple of heads";
    if (ffDim <= 0 || ffDim > 1 << 16) return "ff_dim out of range";
    if (segment <= 0 || segment > 1 << 16) return "segment out of range";
    if (horizons.size() != std::size_t(layers)) return "one horizon per layer is needed";
    for (int h : horizons)
        if (h < 0 || h > 1 << 20) return "horizon out of range";
    if (!layouts.empty() && layouts.size() != std::size_t(layers)) return "one layout per layer is needed";
    if (sparseStride <= 0 || sparseSummary <= 0 || sparseSummary > sparseStride) return "bad sparse stride/summary";
    if (biasBuckets < 0 || biasBuckets > 4096) return "bias_buckets out of range";
    if (hasDistanceBias()) {
        if (biasExact < 1 || biasExact >= biasBuckets) return "bias_exact must be at least 1 and below bias_buckets";
        if (biasMaxDistance <= biasExact || biasMaxDistance > 1 << 24) return "bias_max_distance must exceed bias_exact";
        if (!(biasSlopeMax >= 0) || !(biasSlopeMin >= 0) || biasSlopeMax > 100 || biasSlopeMin > 100)
            return "bias slopes must lie in 0..100";
    }
    return {};
}

std::vector<int> fullSchedule(int layers, int longHorizon) { return std::vector<int>(std::size_t(layers), longHorizon); }

std::vector<int> twoScaleSchedule(int layers, int longLayers, int longHorizon, int shortHorizon) {
    std::vector<int> h(std::size_t(layers), shortHorizon);
    for (int l = 0; l < std::min(longLayers, layers); ++l) h[std::size_t(l)] = longHorizon;
    return h;
}

std::vector<int> uniformSchedule(int layers, int budget) {
    return std::vector<int>(std::size_t(layers), layers > 0 ? budget / layers : 0);
}

Expected<std::vector<int>> parseSchedule(const std::string& specText, int layers) {
    const std::string spec = trimmed(specText);
    const std::vector<std::string> p = split(spec, ':');
    bool ok = true;
    auto num = [&](std::size_t i) {
        bool fine = false;
        const int v = i < p.size() ? toInt(p[i], &fine) : 0;
        ok = ok && fine;
        return v;
    };
    std::vector<int> out;
    if (p[0] == "none") out = std::vector<int>(std::size_t(layers), 0);
    else if (p[0] == "full") out = fullSchedule(layers, num(1));
    else if (p[0] == "two-scale") {
        const int longLayers = num(1), longHorizon = num(2), shortHorizon = num(3);
        out = twoScaleSchedule(layers, longLayers, longHorizon, shortHorizon);
    } else if (p[0] == "uniform") out = uniformSchedule(layers, num(1));
    else {
        for (const std::string& s : split(spec, ',')) {
            bool fine = false;
            out.push_back(toInt(s, &fine));
            ok = ok && fine;
        }
        if (ok && out.size() != std::size_t(layers))
            return Error{"schedule lists " + std::to_string(out.size()) + " horizons for " + std::to_string(layers) + " layers"};
    }
    if (!ok) return Error{"cannot read schedule '" + specText + "' (full:H, two-scale:K:LONG:SHORT, uniform:BUDGET, none, or H1,H2,...)"};
    return out;
}

Expected<bool> parseDistanceBias(const std::string& specText, ModelConfig& c) {
    const std::vector<std::string> p = split(trimmed(specText), ':');
    if (p[0] == "none") {
        c.biasBuckets = 0;
        return true;
    }
    if (p[0] != "buckets" || p.size() > 4) return Error{"cannot read distance bias '" + specText + "' (none, or buckets[:N[:EXACT[:MAX]]])"};
    ModelConfig d; // the defaults for what the spec leaves out
    c.biasBuckets = 32;
    c.biasExact = d.biasExact;
    c.biasMaxDistance = d.biasMaxDistance;
    int* fields[] = {&c.biasBuckets, &c.biasExact, &c.biasMaxDistance};
    for (std::size_t i = 1; i < p.size(); ++i) {
        bool ok = false;
        *fields[i - 1] = toInt(p[i], &ok);
        if (!ok) return Error{"cannot read distance bias '" + specText + "' (none, or buckets[:N[:EXACT[:MAX]]])"};
    }
    if (c.biasBuckets <= 0) return Error{"distance bias: the number of buckets must be positive"};
    return true;
}

Expected<std::vector<AttentionLayout>> parseLayouts(const std::string& specText, int layers) {
    std::vector<std::string> p = split(trimmed(specText), ',');
    if (p.size() == 1) p = std::vector<std::string>(std::size_t(std::max(layers, 1)), p[0]);
    if (p.size() != std::size_t(layers)) return Error{"layouts: one per layer, or one for all"};
    std::vector<AttentionLayout> out;
    for (const std::string& s : p) {
        auto layout = layoutNamed(s);
        if (!layout) return Error{"unknown layout '" + s + "' (dense, strided, fixed)"};
        out.push_back(layout.value());
    }
    return out;
}

} // namespace continuo::inference
