// continuo-cli weights IN -o OUT [--precision bf16|f32]: the same model in another storage
// precision, with its metadata (name, training data, tokens trained, validation) kept.
// bf16 halves the file: what a run in progress commits of its weights.
#ifdef CONTINUO_HAVE_INFERENCE
#include "Command.h"

#include "continuo/inference/Engine.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QTextStream>

using namespace continuo::inference;

namespace {
constexpr const char* kName = "weights";

int runWeights(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("Write a model's weights again in another precision: bf16 (half the size, each weight "
                                "rounded to bfloat16) or f32. Every model file Continuo reads can be either.");
    p.addHelpOption();
    p.addOptions({
        {{"o", "output"}, "Output model file (.safetensors).", "file"},
        {"precision", "bf16 or f32.", "name", "bf16"},
    });
    p.addPositionalArgument("model", "Model file (.safetensors).");
    if (!p.parse(args)) return continuo::cli::fail(kName, p.errorText(), 2);
    if (p.isSet("help")) { QTextStream(stdout) << p.helpText(); return 0; }
    if (p.positionalArguments().size() != 1 || !p.isSet("output"))
        return continuo::cli::fail(kName, "usage: continuo-cli weights MODEL -o OUT [--precision bf16|f32]", 2);
    const QString precision = p.value("precision");
    if (precision != "bf16" && precision != "f32")
        return continuo::cli::fail(kName, "--precision is bf16 or f32, not \"" + precision + "\"", 2);
    const QString in = p.positionalArguments()[0], out = p.value("output");
    if (QFileInfo(in).absoluteFilePath() == QFileInfo(out).absoluteFilePath())
        return continuo::cli::fail(kName, "OUT must be another file than MODEL", 2);
    auto model = Model::load(in.toStdString(), {"cpu", 1, false, RecallOptions::off()});
    if (!model) return continuo::cli::fail(kName, QString::fromStdString(model.error()), 2);
    auto saved = model.value()->save(out.toStdString(), model.value()->info().metadata, precision == "bf16");
    if (!saved) return continuo::cli::fail(kName, QString::fromStdString(saved.error()));
    QTextStream(stdout) << "wrote " << out << " (" << precision << ", " << QFileInfo(out).size() << " bytes; "
                        << QFileInfo(in).size() << " before)\n";
    return 0;
}
} // namespace

CONTINUO_CLI_COMMAND(kName, "write a model's weights in bf16 (half the size) or f32", runWeights);
#endif
