// continuo-cli continue: writes a continuation of a primer MIDI file with the model.
#ifdef CONTINUO_HAVE_INFERENCE
#include "Command.h"
#include "RecallFlags.h"
#include "SamplingFlags.h"

#include "continuo/core/MidiFile.h"
#include "continuo/inference/Engine.h"
#include "continuo/project/Project.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <algorithm>

using namespace continuo;
using namespace continuo::inference;

namespace continuo::cli {
Sequence cutPrimer(const Sequence& full, double seconds) {
    if (seconds <= 0) return full;
    Sequence s = full;
    const Tick cut = s.tempo.tickAt(seconds);
    for (Track& t : s.tracks) {
        std::erase_if(t.notes, [&](const Note& n) { return n.start >= cut; });
        for (Note& n : t.notes) n.length = std::min(n.length, cut - n.start);
        std::erase_if(t.events, [&](const ChannelEvent& e) { return e.tick > cut; });
        std::erase_if(t.rawEvents, [&](const RawEvent& e) { return e.tick > cut; });
    }
    std::erase_if(s.conductorEvents, [&](const RawEvent& e) { return e.tick > cut; });
    s.endTick = cut;
    return s;
}
} // namespace continuo::cli

namespace {

QString variationPath(const QString& out, int v, int count) {
    if (count == 1) return out;
    QFileInfo fi(out);
    return fi.path() + "/" + fi.completeBaseName() + "-" + QString::number(v + 1) + "." + (fi.suffix().isEmpty() ? "mid" : fi.suffix());
}

int runContinue(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("Continue a primer MIDI file. OUT holds the primer followed by the continuation.");
    p.addHelpOption();
    p.addOptions({
        {{"o", "output"}, "Output MIDI file (with N variations: OUT-1.mid ... OUT-N.mid).", "file"},
        {"model", "Model file (default: the bundled model).", "file"},
        {"primer-seconds", "Use only the first S seconds of the primer file (0 = all).", "s", "0"},
        {"max-tokens", "Hard cap on sampled tokens per variation.", "n", "0"},
        {"threads", "CPU threads (0 = automatic: decoding on one thread, the primer also on the cores found idle).", "n", "0"},
        {"device", "cpu or cuda[:N].", "name", "cpu"},
        {"precision", "What decoding on the CPU stores its weights and caches as: float16 (reads half the memory; "
                      "arithmetic stays float32) or float32.", "name", "float16"},
        {"json", "Print one JSON object."},
    });
    // The command line writes one 20 s variation unless asked for more.
    SamplingSettings defaults{.lengthSeconds = 20, .variations = 1};
    p.addOptions(continuo::cli::samplingFlags(defaults));
    p.addPositionalArgument("primer", "Primer MIDI file.");
    p.addOptions(continuo::cli::recallFlags());
    if (!p.parse(args)) return cli::fail("continue", p.errorText(), 2);
    if (p.isSet("help")) { QTextStream(stdout) << p.helpText(); return 0; }
    if (p.positionalArguments().size() != 1 || !p.isSet("output"))
        return cli::fail("continue", "usage: continuo-cli continue PRIMER.mid -o OUT.mid [options]", 2);
    ContinueOptions o;
    o.sampling = defaults;
    if (QString why; !continuo::cli::parseSamplingFlags(p, &o.sampling, &why)) return cli::fail("continue", why, 2);
    o.sampling.seed = o.sampling.seed.resolve(); // printed and named in the files
    o.maxTokens = p.value("max-tokens").toInt();
    auto midi = readMidiFile(p.positionalArguments()[0].toStdString());
    if (!midi) return cli::fail("continue", QString::fromStdString(midi.error()), 2);
    const Sequence primerSeq = cli::cutPrimer(midi->sequence, p.value("primer-seconds").toDouble());
    const std::uint64_t seed = o.sampling.seed.value();
    const int variations = o.sampling.variations;
    const double seconds = o.sampling.lengthSeconds;

    const std::string modelPath = p.isSet("model") ? p.value("model").toStdString() : defaultModelPath();
    if (p.value("precision") != "float16" && p.value("precision") != "float32")
        return cli::fail("continue", "--precision is float16 or float32", 2);
    continuo::inference::RuntimeOptions runtime;
    if (QString why; !continuo::cli::parseRecallFlags(p, &runtime.recall, &why)) return cli::fail("continue", why, 2);
    runtime.device = p.value("device").toStdString();
    runtime.threads = p.value("threads").toInt();
    runtime.halfDecoding = p.value("precision") == "float16";
    auto model = Model::load(modelPath, runtime);
    if (!model) return cli::fail("continue", QString::fromStdString(model.error()), 2);

    auto primer = tokens::performanceNotes(primerSeq);
    double primerEnd = 0;
    for (const auto& n : primer) primerEnd = std::max(primerEnd, n.end);
    if (p.value("primer-seconds").toDouble() > 0) primerEnd = std::max(primerEnd, p.value("primer-seconds").toDouble());
    Generator gen(model.value());
    auto result = gen.run(primer, primerEnd, o);
    if (!result) return cli::fail("continue", QString::fromStdString(result.error()));

    QJsonArray files;
    int totalNotes = 0;
    for (int v = 0; v < variations; ++v) {
        Sequence out = primerSeq;
        Track take;
        take.name = "Continuation (seed " + std::to_string(seed) + (variations > 1 ? ", variation " + std::to_string(v + 1) : "") + ")";
        take.notes = tokens::toNotes(result->variations[std::size_t(v)], out.tempo, 0);
        totalNotes += int(take.notes.size());
        out.tracks.push_back(std::move(take));
        out.endTick = out.tempo.tickAt(primerEnd + seconds);
        const QString path = variationPath(p.value("output"), v, variations);
        auto w = writeMidiFile(path.toStdString(), out, {1, out.ticksPerQuarter});
        if (!w) return cli::fail("continue", QString::fromStdString(w.error()));
        files.append(path);
    }
    std::size_t sampled = 0;
    for (const auto& t : result->tokens) sampled += t.size();
    if (p.isSet("json")) {
        QJsonObject j;
        j["files"] = files;
        j["model"] = QString::fromStdString(model.value()->info().path);
        j["model_sha256"] = QString::fromStdString(model.value()->info().sha256);
        j["seed"] = QString::number(seed);
        j["variations"] = variations;
        j["recall"] = o.sampling.recall;
        j["motif"] = o.sampling.motif;
        j["primer_tokens"] = result->primerTokens;
        j["tokens"] = qint64(sampled);
        j["tokens_per_second"] = result->tokensPerSecond;
        j["first_token_ms"] = result->firstTokenMilliseconds;
        j["primer_tokens_fed"] = result->primerTokensFed;
        j["prime_ms"] = result->primeMilliseconds;
        j["threads"] = QString::fromStdString(result->threadChoice);
        j["notes"] = totalNotes;
        j["seconds_of_music"] = seconds;
        j["wall_seconds"] = result->wallSeconds;
        j["real_time_factor"] = seconds * variations / std::max(1e-9, result->wallSeconds);
        // What each take reached; with steering on, beside what was asked.
        QJsonArray reports;
        for (const SteeringReport& r : result->steering) reports.append(project::json::steeringReportToJson(r));
        j["reports"] = reports;
        if (o.sampling.steering.any()) j["steering"] = project::json::steeringToJson(o.sampling.steering);
        QTextStream(stdout) << QJsonDocument(j).toJson(QJsonDocument::Compact) << "\n";
    } else {
        QTextStream out(stdout);
        out << "wrote " << files.size() << " file(s): ";
        for (auto f : files) out << f.toString() << " ";
        out << "\nseed " << seed << ", " << sampled << " tokens in " << QString::number(result->wallSeconds, 'f', 2)
            << " s (" << int(result->tokensPerSecond) << " tokens/s, first token after "
            << QString::number(result->firstTokenMilliseconds, 'f', 0) << " ms), " << totalNotes << " notes, "
            << seconds << " s of music per variation ("
            << QString::number(seconds * variations / std::max(1e-9, result->wallSeconds), 'f', 1) << "x real time)\n"
            << "threads: " << QString::fromStdString(result->threadChoice) << "\n";
        if (o.sampling.steering.any()) {
            out << "steering: " << QString::fromStdString(o.sampling.steering.describe()) << "\n";
            for (std::size_t v = 0; v < result->steering.size(); ++v)
                out << "  variation " << v + 1 << ": " << cli::describeReport(result->steering[v]) << "\n";
        }
    }
    return 0;
}
} // namespace

CONTINUO_CLI_COMMAND("continue", "continue a primer MIDI file with the model", runContinue);
#endif
