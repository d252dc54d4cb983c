#include "continuo/inference/ModelConfig.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <cmath>
#include <cstdio>
#include <numeric>
#include <set>

namespace continuo::inference {

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
    QJsonObject o;
    o["vocab_size"] = vocabSize;
    o["layers"] = layers;
    o["d_model"] = dModel;
    o["heads"] = heads;
    o["ff_dim"] = ffDim;
    o["segment"] = segment;
    QJsonArray h, lay;
    for (int x : horizons) h.append(x);
    for (AttentionLayout x : layouts) lay.append(layoutName(x));
    o["horizons"] = h;
    o["layouts"] = lay;
    o["sparse_stride"] = sparseStride;
    o["sparse_summary"] = sparseSummary;
    o["dropout"] = dropout;
    o["vocabulary_version"] = vocabularyVersion;
    if (hasDistanceBias()) { // absent = none: files written before the bias existed read as before
        o["bias_buckets"] = biasBuckets;
        o["bias_exact"] = biasExact;
        o["bias_max_distance"] = biasMaxDistance;
        o["bias_slope_max"] = biasSlopeMax;
        o["bias_slope_min"] = biasSlopeMin;
    }
    return QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString();
}

Expected<ModelConfig> ModelConfig::fromJson(const std::string& json) {
    QJsonParseError err;
    auto doc = QJsonDocument::fromJson(QByteArray::fromStdString(json), &err);
    if (!doc.isObject()) return Error{"model config is not valid JSON: " + err.errorString().toStdString()};
    auto o = doc.object();
    ModelConfig c;
    for (const char* key : {"vocab_size", "layers", "d_model", "heads", "ff_dim", "segment", "horizons"})
        if (!o.contains(key)) return Error{std::string("model config lacks '") + key + "'"};
    c.vocabSize = o["vocab_size"].toInt();
    c.layers = o["layers"].toInt();
    c.dModel = o["d_model"].toInt();
    c.heads = o["heads"].toInt();
    c.ffDim = o["ff_dim"].toInt();
    c.segment = o["segment"].toInt();
    for (auto v : o["horizons"].toArray()) c.horizons.push_back(v.toInt());
    for (auto v : o["layouts"].toArray()) {
        auto s = v.toString();
        if (s == "dense") c.layouts.push_back(AttentionLayout::Dense);
        else if (s == "strided") c.layouts.push_back(AttentionLayout::Strided);
        else if (s == "fixed") c.layouts.push_back(AttentionLayout::Fixed);
        else return Error{"unknown attention layout '" + s.toStdString() + "'"};
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
    QString spec = QString::fromStdString(specText).trimmed();
    QStringList p = spec.split(':');
    bool ok = true;
    auto num = [&](int i) { return i < p.size() ? p[i].toInt(&ok) : (ok = false, 0); };
    std::vector<int> out;
    if (p[0] == "none") out = std::vector<int>(std::size_t(layers), 0);
    else if (p[0] == "full") out = fullSchedule(layers, num(1));
    else if (p[0] == "two-scale") out = twoScaleSchedule(layers, num(1), num(2), num(3));
    else if (p[0] == "uniform") out = uniformSchedule(layers, num(1));
    else {
        for (const QString& s : spec.split(',')) out.push_back(s.trimmed().toInt(&ok));
        if (ok && out.size() != std::size_t(layers))
            return Error{"schedule lists " + std::to_string(out.size()) + " horizons for " + std::to_string(layers) + " layers"};
    }
    if (!ok) return Error{"cannot read schedule '" + specText + "' (full:H, two-scale:K:LONG:SHORT, uniform:BUDGET, none, or H1,H2,...)"};
    return out;
}

Expected<bool> parseDistanceBias(const std::string& specText, ModelConfig& c) {
    QStringList p = QString::fromStdString(specText).trimmed().split(':');
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
    for (int i = 1; i < p.size(); ++i) {
        bool ok = false;
        *fields[i - 1] = p[i].toInt(&ok);
        if (!ok) return Error{"cannot read distance bias '" + specText + "' (none, or buckets[:N[:EXACT[:MAX]]])"};
    }
    if (c.biasBuckets <= 0) return Error{"distance bias: the number of buckets must be positive"};
    return true;
}

Expected<std::vector<AttentionLayout>> parseLayouts(const std::string& specText, int layers) {
    QString spec = QString::fromStdString(specText).trimmed();
    QStringList p = spec.split(',');
    if (p.size() == 1) p = QStringList(std::max(layers, 1), p[0]);
    if (p.size() != layers) return Error{"layouts: one per layer, or one for all"};
    std::vector<AttentionLayout> out;
    for (const QString& s : p) {
        if (s == "dense") out.push_back(AttentionLayout::Dense);
        else if (s == "strided") out.push_back(AttentionLayout::Strided);
        else if (s == "fixed") out.push_back(AttentionLayout::Fixed);
        else return Error{"unknown layout '" + s.toStdString() + "' (dense, strided, fixed)"};
    }
    return out;
}

} // namespace continuo::inference
