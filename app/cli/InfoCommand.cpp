// continuo-cli info: what a model file holds.
#ifdef CONTINUO_HAVE_INFERENCE
#include "Command.h"

#include "continuo/inference/Engine.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <cmath>

using namespace continuo::inference;

namespace {
int runInfo(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("Show a model's size, layers, memory horizons, vocabulary, licence and training data.");
    p.addHelpOption();
    p.addOption({"json", "Print one JSON object."});
    p.addPositionalArgument("model", "Model file (.safetensors); default: the bundled model.");
    if (!p.parse(args)) return continuo::cli::fail("info", p.errorText(), 2);
    if (p.isSet("help")) { QTextStream(stdout) << p.helpText(); return 0; }
    const std::string path = p.positionalArguments().isEmpty() ? defaultModelPath() : p.positionalArguments()[0].toStdString();
    auto model = Model::load(path, {"cpu", 1, true, {}});
    if (!model) return continuo::cli::fail("info", QString::fromStdString(model.error()), 2);
    const ModelInfo& info = model.value()->info();
    const ModelConfig& c = info.config;
    const continuo::inference::RecallOptions recall; // what continuations use unless told
    auto meta = [&](const char* k) { return QString::fromStdString(info.metadataValue(k, "")); };
    if (p.isSet("json")) {
        QJsonObject o;
        o["path"] = QString::fromStdString(info.path);
        o["name"] = QString::fromStdString(info.name);
        o["sha256"] = QString::fromStdString(info.sha256);
        o["file_bytes"] = qint64(info.fileBytes);
        o["parameters"] = qint64(info.parameters);
        o["layers"] = c.layers;
        o["d_model"] = c.dModel;
        o["heads"] = c.heads;
        o["ff_dim"] = c.ffDim;
        o["segment"] = c.segment;
        QJsonArray h, l;
        for (int x : c.horizons) h.append(x);
        for (int i = 0; i < c.layers; ++i) l.append(layoutName(c.layout(i)));
        o["horizons"] = h;
        o["layouts"] = l;
        o["schedule"] = QString::fromStdString(c.scheduleName());
        o["memory_budget"] = c.memoryBudget();
        QJsonObject bias;
        bias["kind"] = c.hasDistanceBias() ? "buckets" : "none";
        if (c.hasDistanceBias()) {
            bias["buckets"] = c.biasBuckets;
            bias["exact"] = c.biasExact;
            bias["max_distance"] = c.biasMaxDistance;
            bias["slope_max"] = c.biasSlopeMax;
            bias["slope_min"] = c.biasSlopeMin;
        }
        o["distance_bias"] = bias;
        o["recall"] = QJsonObject{{"weight", recall.weight},      {"sharpness", recall.sharpness},
                                  {"threshold", recall.threshold}, {"distance", recall.minDistance},
                                  {"capacity", recall.capacity}};
        o["vocabulary_size"] = c.vocabSize;
        o["vocabulary_version"] = c.vocabularyVersion;
        QJsonObject m;
        for (const auto& [k, v] : info.metadata)
            if (k != "config") m[QString::fromStdString(k)] = QString::fromStdString(v);
        o["metadata"] = m;
        QTextStream(stdout) << QJsonDocument(o).toJson(QJsonDocument::Compact) << "\n";
        return 0;
    }
    QTextStream out(stdout);
    QString horizons;
    for (int x : c.horizons) horizons += QString::number(x) + " ";
    out << "model:           " << QString::fromStdString(info.name) << "\n"
        << "file:            " << QString::fromStdString(info.path) << " (" << info.fileBytes / 1024 << " KiB)\n"
        << "sha256:          " << QString::fromStdString(info.sha256) << "\n"
        << "parameters:      " << info.parameters << "\n"
        << "layers:          " << c.layers << " (d_model " << c.dModel << ", " << c.heads << " heads, feed-forward " << c.ffDim << ")\n"
        << "segment:         " << c.segment << " tokens\n"
        << "memory horizons: " << horizons.trimmed() << "  [" << QString::fromStdString(c.scheduleName()) << "]\n"
        << "memory budget:   " << c.memoryBudget() << " positions (sum of horizons)\n";
    if (c.memoryBudget() == 0)
        out << "decoding:        a sliding window: each token sees the previous " << c.segment / 2 << " to "
            << c.segment - 1 << " tokens\n";
    const QString from = meta("initialised_from");
    if (!from.isEmpty()) out << "started from:    " << from << "\n";
    QString layouts;
    for (int i = 0; i < c.layers; ++i) layouts += QString(layoutName(c.layout(i))) + " ";
    out << "attention:       " << layouts.trimmed() << "\n"
        << "distance bias:   " << QString::fromStdString(c.distanceBiasName()) << "\n"
        << "recall:          weight " << recall.weight << ", events " << recall.minDistance << " and more back, up to "
        << recall.capacity << " of them (the default; --recall on continue, eval, infill, follow, bench)\n"
        << "vocabulary:      " << c.vocabSize << " tokens, version " << c.vocabularyVersion << "\n"
        << "licence:         " << (meta("licence").isEmpty() ? "(not recorded)" : meta("licence")) << "\n"
        << "training data:   " << (meta("training_data").isEmpty() ? "(not recorded)" : meta("training_data")) << "\n";
    if (!meta("training_tokens").isEmpty())
        out << "trained on:      " << meta("training_tokens") << " tokens, " << meta("training_steps") << " steps\n";
    if (!meta("validation_nll").isEmpty())
        out << "validation:      NLL " << meta("validation_nll") << " nats/token, perplexity "
            << QString::number(std::exp(meta("validation_nll").toDouble()), 'f', 3) << "\n";
    else
        out << "validation:      (not recorded)\n";
    return 0;
}
} // namespace

CONTINUO_CLI_COMMAND("info", "show what a model file holds (size, horizons, licence, perplexity)", runInfo);
#endif
