// continuo-cli bench: decode speed and memory, primer latency, attention memory, schedules.
#ifdef CONTINUO_HAVE_INFERENCE
#include "Command.h"

#include "continuo/inference/Benchmark.h"

#include <QCommandLineParser>
#include <QTextStream>

using namespace continuo::inference;

namespace {
std::vector<int> intList(const QString& s) {
    std::vector<int> out;
    for (const QString& x : s.split(',', Qt::SkipEmptyParts)) out.push_back(x.toInt());
    return out;
}

int runBench(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("Measure the inference engine: decode tokens/s and real-time factor as the piece grows, "
                                "latency to the first token, relative-attention memory (skew vs naive), schedule costs.");
    p.addHelpOption();
    p.addOptions({
        {"model", "Model file (default: the bundled model).", "file"},
        {"threads", "Thread counts to measure.", "list", "1,2"},
        {"tokens", "Report decode speed after these many generated tokens.", "list", "1024,8192,32768"},
        {"primers", "Primer lengths for the first-token latency.", "list", "512,2048"},
        {"attention-length", "L for the attention memory comparison.", "n", "2048"},
        {"only", "Run only some parts: decode,latency,attention,schedules.", "list"},
        {"json", "Print one JSON object."},
    });
    if (!p.parse(args)) return continuo::cli::fail("bench", p.errorText(), 2);
    if (p.isSet("help")) { QTextStream(stdout) << p.helpText(); return 0; }
    const std::string path = p.isSet("model") ? p.value("model").toStdString() : defaultModelPath();
    auto model = Model::load(path, {"cpu", 0});
    if (!model) return continuo::cli::fail("bench", QString::fromStdString(model.error()), 2);
    BenchmarkOptions o;
    o.threads = intList(p.value("threads"));
    o.checkpoints = intList(p.value("tokens"));
    o.primerLengths = intList(p.value("primers"));
    o.attentionLength = p.value("attention-length").toInt();
    if (p.isSet("only")) {
        const QString only = p.value("only");
        o.decode = only.contains("decode");
        o.latency = only.contains("latency");
        o.attention = only.contains("attention");
        o.schedules = only.contains("schedules");
    }
    QTextStream err(stderr);
    auto r = runBenchmarks(model.value(), o, [&](const std::string& s) { err << QString::fromStdString(s) << Qt::endl; });
    if (!r) return continuo::cli::fail("bench", QString::fromStdString(r.error()));
    QTextStream(stdout) << QString::fromStdString(p.isSet("json") ? r->toJson() + "\n" : r->toText());
    return 0;
}
} // namespace

CONTINUO_CLI_COMMAND("bench", "measure decode speed, latency and memory of a model", runBench);
#endif
