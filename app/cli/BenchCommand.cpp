// continuo-cli bench: decode speed and memory, primer latency, attention memory, schedules.
#ifdef CONTINUO_HAVE_INFERENCE
#include "Command.h"
#include "RecallFlags.h"

#include "continuo/core/MidiFile.h"
#include "continuo/inference/Benchmark.h"

#include <QCommandLineParser>
#include <QTextStream>

using namespace continuo::inference;

namespace {
std::vector<int> intList(const QString& s) {
    std::vector<int> out;
    for (const QString& x : s.split(',', Qt::SkipEmptyParts)) out.push_back(x.trimmed() == "auto" ? 0 : x.toInt());
    return out;
}

int runBench(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("Measure the inference engine: decode tokens/s and real-time factor as the piece grows, "
                                "latency to the first token, relative-attention memory (skew vs naive), schedule costs.");
    p.addHelpOption();
    p.addOptions({
        {"model", "Model file (default: the bundled model).", "file"},
        {"threads", "Thread counts to measure (auto = the automatic policy that continue uses).", "list", "auto,1,2"},
        {"busy", "Measure again with N processes each keeping a core busy, beside the idle figures.", "n", "0"},
        {"primer", "Primer MIDI file for the end-to-end figures (default: a made-up 20 s primer).", "file"},
        {"primer-seconds", "Use the first S seconds of --primer.", "s", "20"},
        {"seconds", "Seconds of music per variation, end to end.", "s", "30"},
        {"variations", "Variation counts to compare end to end.", "list", "1,3"},
        {"tokens", "Report decode speed after these many generated tokens.", "list", "1024,8192,32768"},
        {"primers", "Primer lengths for the first-token latency.", "list", "512,2048"},
        {"attention-length", "L for the attention memory comparison.", "n", "2048"},
        {"only", "Run only some parts: decode,latency,end-to-end,attention,schedules.", "list"},
        {"precision", "What decoding stores its weights and caches as: float16 (reads half the memory) or float32.",
         "name", "float16"},
        {"json", "Print one JSON object."},
    });
    p.addOptions(continuo::cli::recallFlags());
    if (!p.parse(args)) return continuo::cli::fail("bench", p.errorText(), 2);
    if (p.isSet("help")) { QTextStream(stdout) << p.helpText(); return 0; }
    const std::string path = p.isSet("model") ? p.value("model").toStdString() : defaultModelPath();
    const QString precision = p.value("precision");
    if (precision != "float16" && precision != "float32")
        return continuo::cli::fail("bench", "--precision is float16 or float32", 2);
    continuo::inference::RuntimeOptions runtime;
    if (QString why; !continuo::cli::parseRecallFlags(p, &runtime.recall, &why)) return continuo::cli::fail("bench", why, 2);
    runtime.halfDecoding = precision == "float16";
    auto model = Model::load(path, runtime);
    if (!model) return continuo::cli::fail("bench", QString::fromStdString(model.error()), 2);
    BenchmarkOptions o;
    o.threads = intList(p.value("threads"));
    o.checkpoints = intList(p.value("tokens"));
    o.primerLengths = intList(p.value("primers"));
    o.attentionLength = p.value("attention-length").toInt();
    o.busy = std::max(0, p.value("busy").toInt());
    o.musicSeconds = p.value("seconds").toDouble();
    o.variations = intList(p.value("variations"));
    if (!(o.musicSeconds > 0) || o.threads.empty() || o.variations.empty())
        return continuo::cli::fail("bench", "--seconds must be positive; --threads and --variations need values", 2);
    if (p.isSet("primer")) {
        auto midi = continuo::readMidiFile(p.value("primer").toStdString());
        if (!midi) return continuo::cli::fail("bench", QString::fromStdString(midi.error()), 2);
        // The primer exactly as `continue --primer-seconds` takes it.
        const double cut = p.value("primer-seconds").toDouble();
        o.primer = continuo::tokens::performanceNotes(continuo::cli::cutPrimer(midi->sequence, cut));
        for (const auto& n : o.primer) o.primerEndSeconds = std::max(o.primerEndSeconds, n.end);
        o.primerEndSeconds = std::max(o.primerEndSeconds, cut);
    }
    if (p.isSet("only")) {
        const QString only = p.value("only");
        o.endToEnd = only.contains("end-to-end");
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
