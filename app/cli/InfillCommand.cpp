// continuo-cli infill: replaces the notes whose onsets lie in a gap with the model's best fill.
#ifdef CONTINUO_HAVE_INFERENCE
#include "Command.h"
#include "RecallFlags.h"
#include "SamplingFlags.h"

#include "continuo/core/MidiFile.h"
#include "continuo/inference/Engine.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <algorithm>
#include <map>

using namespace continuo;
using namespace continuo::inference;

namespace {

int runInfill(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(
        "Fill the gap [--from, --to) of a MIDI file: the model writes candidates conditioned on the music before the "
        "gap, ranks them by how well the real music after the gap follows from each, and OUT gets the best one. Notes "
        "with onsets in the gap are replaced; every other note and event is written back unchanged.");
    p.addHelpOption();
    p.addOptions({
        {{"o", "output"}, "Output MIDI file.", "file"},
        {"from", "Gap start, seconds.", "s"},
        {"to", "Gap end, seconds.", "s"},
        {"model", "Model file (default: the bundled model).", "file"},
        {"score-seconds", "Seconds of the music after the gap that rank the candidates.", "s", "10"},
        {"threads", "CPU threads (0 = automatic).", "n", "0"},
        {"json", "Print one JSON object with every candidate's score."},
    });
    const continuo::cli::SamplingFlagSet flagSet{.length = false,
                                                 .countFlag = "candidates",
                                                 .countHelp = "Candidates to write and rank (1-8)."};
    InfillOptions o;
    p.addOptions(continuo::cli::samplingFlags(o.sampling, flagSet));
    p.addPositionalArgument("input", "MIDI file.");
    p.addOptions(continuo::cli::recallFlags());
    if (!p.parse(args)) return cli::fail("infill", p.errorText(), 2);
    if (p.isSet("help")) { QTextStream(stdout) << p.helpText(); return 0; }
    if (p.positionalArguments().size() != 1 || !p.isSet("output") || !p.isSet("from") || !p.isSet("to"))
        return cli::fail("infill", "usage: continuo-cli infill IN.mid --from S --to E -o OUT.mid [options]", 2);
    bool okFrom = false, okTo = false;
    const double from = p.value("from").toDouble(&okFrom), to = p.value("to").toDouble(&okTo);
    if (!okFrom || !okTo || from < 0 || !(to > from)) return cli::fail("infill", "--from and --to are seconds with 0 <= from < to", 2);
    if (QString why; !continuo::cli::parseSamplingFlags(p, &o.sampling, &why, flagSet)) return cli::fail("infill", why, 2);
    o.sampling.seed = o.sampling.seed.resolve(); // printed
    o.scoreSeconds = p.value("score-seconds").toDouble();
    o.threads = p.value("threads").toInt();
    if (!(o.scoreSeconds > 0)) return cli::fail("infill", "--score-seconds takes a number of seconds, more than 0", 2);

    const QString input = p.positionalArguments()[0];
    auto midi = readMidiFile(input.toStdString());
    if (!midi) return cli::fail("infill", QString::fromStdString(midi.error()), 2);
    Sequence seq = midi->sequence;
    if (from >= seq.durationSeconds())
        return cli::fail("infill", QString("the gap starts at %1 s, after the piece ends (%2 s)").arg(from).arg(seq.durationSeconds()), 2);
    const auto all = tokens::performanceNotes(seq);
    std::vector<tokens::TimedNote> before, after, original;
    for (const auto& n : all) {
        if (n.start < from) before.push_back(n);
        else if (n.start >= to) after.push_back(n);
        else original.push_back(n);
    }

    const std::string modelPath = p.isSet("model") ? p.value("model").toStdString() : defaultModelPath();
    continuo::inference::RuntimeOptions runtime;
    if (QString why; !continuo::cli::parseRecallFlags(p, &runtime.recall, &why)) return cli::fail("infill", why, 2);
    runtime.threads = o.threads;
    auto model = Model::load(modelPath, runtime);
    if (!model) return cli::fail("infill", QString::fromStdString(model.error()), 2);
    Generator gen(model.value());
    auto result = gen.infill(before, from, to, after, o, nullptr, &original);
    if (!result) return cli::fail("infill", QString::fromStdString(result.error()));
    const InfillCandidate& best = result->candidates.front();

    // Replace the notes whose onsets lie in the gap; the fill goes to the track that held most
    // of them (the first track with notes when the gap was empty), on that track's channel.
    const Tick gapStart = seq.tempo.tickAt(from), gapEnd = seq.tempo.tickAt(to);
    std::size_t target = seq.tracks.size();
    std::size_t most = 0, removed = 0;
    for (std::size_t t = 0; t < seq.tracks.size(); ++t) {
        auto& notes = seq.tracks[t].notes;
        const std::size_t n = std::size_t(std::count_if(notes.begin(), notes.end(), [&](const Note& x) {
            return x.start >= gapStart && x.start < gapEnd;
        }));
        if (n > most || (target == seq.tracks.size() && !notes.empty())) {
            if (n > most) most = n;
            target = t;
        }
        std::erase_if(notes, [&](const Note& x) { return x.start >= gapStart && x.start < gapEnd; });
        removed += n;
    }
    if (target == seq.tracks.size()) {
        seq.tracks.emplace_back();
        seq.tracks.back().name = "Infill";
    }
    Track& into = seq.tracks[target];
    int channel = into.channel;
    if (!into.notes.empty()) channel = into.notes.front().channel;
    auto fill = tokens::toNotes(best.notes, seq.tempo, channel);
    for (Note& n : fill) {
        // Onsets stay inside the gap after the tick conversion.
        n.start = std::clamp(n.start, gapStart, std::max(gapStart, gapEnd - 1));
        into.notes.push_back(n);
    }
    into.sort();
    seq.updateEndTick();
    const int format = midi->info.format == 0 && seq.tracks.size() <= 1 ? 0 : 1;
    auto w = writeMidiFile(p.value("output").toStdString(), seq, {format, seq.ticksPerQuarter});
    if (!w) return cli::fail("infill", QString::fromStdString(w.error()));

    if (p.isSet("json")) {
        QJsonArray cands;
        for (const auto& c : result->candidates)
            cands.append(QJsonObject{{"candidate", c.index + 1}, {"notes", int(c.notes.size())},
                                     {"after_nll", c.afterNll}, {"after_tokens", c.afterTokens}});
        QJsonObject j{{"file", p.value("output")},
                      {"seed", QString::number(o.sampling.seed.value())},
                      {"from", from},
                      {"to", to},
                      {"replaced_notes", int(removed)},
                      {"written_notes", int(fill.size())},
                      {"chosen", best.index + 1},
                      {"score_seconds", o.scoreSeconds},
                      {"candidates", cands},
                      {"original_after_nll", result->originalAfterNll},
                      {"wall_seconds", result->wallSeconds}};
        QTextStream(stdout) << QJsonDocument(j).toJson(QJsonDocument::Compact) << "\n";
    } else {
        QTextStream out(stdout);
        out << "wrote " << p.value("output") << ": " << removed << " note(s) in " << from << "-" << to << " s replaced by "
            << fill.size() << " (candidate " << best.index + 1 << " of " << result->candidates.size() << ", seed "
            << o.sampling.seed.value() << ")\n";
        for (const auto& c : result->candidates)
            out << "  candidate " << c.index + 1 << ": " << c.notes.size() << " notes, the music after the gap at "
                << QString::number(c.afterNll, 'f', 3) << " nats/token\n";
    }
    return 0;
}
} // namespace

CONTINUO_CLI_COMMAND("infill", "fill a gap of a MIDI file with the model's best-ranked candidate", runInfill);
#endif
