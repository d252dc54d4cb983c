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

/// The sampling flags without a length (the gap is the length), with a count of candidates.
continuo::cli::SamplingFlagSet samplingFlagSet() {
    return {.length = false,
            .countFlag = "candidates",
            .countHelp = "Candidates to write and rank (1-8)."};
}

void addFlags(QCommandLineParser& p, const InfillOptions& defaults) {
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
    p.addOptions(continuo::cli::samplingFlags(defaults.sampling, samplingFlagSet()));
    p.addPositionalArgument("input", "MIDI file.");
    p.addOptions(continuo::cli::recallFlags());
}

/// Reads the gap [from, to) and the infill's options. On a bad value returns false and says
/// why in `error`.
bool readFlags(const QCommandLineParser& p, double* from, double* to, InfillOptions* o,
               QString* error) {
    if (p.positionalArguments().size() != 1 || !p.isSet("output") || !p.isSet("from") ||
        !p.isSet("to")) {
        *error = "usage: continuo-cli infill IN.mid --from S --to E -o OUT.mid [options]";
        return false;
    }
    bool okFrom = false, okTo = false;
    *from = p.value("from").toDouble(&okFrom);
    *to = p.value("to").toDouble(&okTo);
    if (!okFrom || !okTo || *from < 0 || !(*to > *from)) {
        *error = "--from and --to are seconds with 0 <= from < to";
        return false;
    }
    if (!continuo::cli::parseSamplingFlags(p, &o->sampling, error, samplingFlagSet())) return false;
    o->sampling.seed = o->sampling.seed.resolve(); // printed
    o->scoreSeconds = p.value("score-seconds").toDouble();
    o->threads = p.value("threads").toInt();
    if (!(o->scoreSeconds > 0)) {
        *error = "--score-seconds takes a number of seconds, more than 0";
        return false;
    }
    return true;
}

/// The piece's notes by onset: before the gap, after it, and in it.
struct GapNotes {
    std::vector<tokens::TimedNote> before, after, original;
};

GapNotes splitAtGap(const Sequence& seq, double from, double to) {
    GapNotes notes;
    for (const auto& n : tokens::performanceNotes(seq)) {
        if (n.start < from) notes.before.push_back(n);
        else if (n.start >= to) notes.after.push_back(n);
        else notes.original.push_back(n);
    }
    return notes;
}

/// The model (--model, or the bundled one) with the recall flags and `threads`.
Expected<std::shared_ptr<Model>> loadModel(const QCommandLineParser& p, int threads) {
    const std::string modelPath =
        p.isSet("model") ? p.value("model").toStdString() : defaultModelPath();
    continuo::inference::RuntimeOptions runtime;
    if (QString why; !continuo::cli::parseRecallFlags(p, &runtime.recall, &why))
        return Error{why.toStdString()};
    runtime.threads = threads;
    return Model::load(modelPath, runtime);
}

/// Takes the notes whose onsets lie in [gapStart, gapEnd) out of every track; returns how many.
/// `target` becomes the track that held most of them (the first track with notes when the gap
/// was empty; tracks.size() when no track has notes).
std::size_t removeGapNotes(Sequence& seq, Tick gapStart, Tick gapEnd, std::size_t* target) {
    *target = seq.tracks.size();
    std::size_t most = 0, removed = 0;
    for (std::size_t t = 0; t < seq.tracks.size(); ++t) {
        auto& notes = seq.tracks[t].notes;
        const auto inGap = [&](const Note& x) { return x.start >= gapStart && x.start < gapEnd; };
        const std::size_t n = std::size_t(std::count_if(notes.begin(), notes.end(), inGap));
        if (n > most || (*target == seq.tracks.size() && !notes.empty())) {
            if (n > most) most = n;
            *target = t;
        }
        std::erase_if(notes, inGap);
        removed += n;
    }
    return removed;
}

/// Adds `fill` to track `target` (a new track when there is none) on that track's channel;
/// returns how many notes it wrote.
std::size_t writeFill(Sequence& seq, std::size_t target, const std::vector<tokens::TimedNote>& fill,
                      Tick gapStart, Tick gapEnd) {
    if (target == seq.tracks.size()) {
        seq.tracks.emplace_back();
        seq.tracks.back().name = "Infill";
    }
    Track& into = seq.tracks[target];
    int channel = into.channel;
    if (!into.notes.empty()) channel = into.notes.front().channel;
    auto notes = tokens::toNotes(fill, seq.tempo, channel);
    for (Note& n : notes) {
        // Onsets stay inside the gap after the tick conversion.
        n.start = std::clamp(n.start, gapStart, std::max(gapStart, gapEnd - 1));
        into.notes.push_back(n);
    }
    into.sort();
    seq.updateEndTick();
    return notes.size();
}

struct Replaced {
    std::size_t removed = 0, written = 0;
};

/// Replaces the notes whose onsets lie in the gap; the fill goes to the track that held most
/// of them (the first track with notes when the gap was empty), on that track's channel.
Replaced replaceGap(Sequence& seq, double from, double to,
                    const std::vector<tokens::TimedNote>& fill) {
    const Tick gapStart = seq.tempo.tickAt(from), gapEnd = seq.tempo.tickAt(to);
    std::size_t target = 0;
    Replaced r;
    r.removed = removeGapNotes(seq, gapStart, gapEnd, &target);
    r.written = writeFill(seq, target, fill, gapStart, gapEnd);
    return r;
}

void printJson(const QString& output, const InfillOptions& o, double from, double to,
               const Replaced& replaced, const Infill& result) {
    const InfillCandidate& best = result.candidates.front();
    QJsonArray cands;
    for (const auto& c : result.candidates)
        cands.append(QJsonObject{{"candidate", c.index + 1}, {"notes", int(c.notes.size())},
                                 {"after_nll", c.afterNll}, {"after_tokens", c.afterTokens}});
    QJsonObject j{{"file", output},
                  {"seed", QString::number(o.sampling.seed.value())},
                  {"from", from},
                  {"to", to},
                  {"replaced_notes", int(replaced.removed)},
                  {"written_notes", int(replaced.written)},
                  {"chosen", best.index + 1},
                  {"score_seconds", o.scoreSeconds},
                  {"candidates", cands},
                  {"original_after_nll", result.originalAfterNll},
                  {"wall_seconds", result.wallSeconds}};
    QTextStream(stdout) << QJsonDocument(j).toJson(QJsonDocument::Compact) << "\n";
}

void printSummary(const QString& output, const InfillOptions& o, double from, double to,
                  const Replaced& replaced, const Infill& result) {
    const InfillCandidate& best = result.candidates.front();
    QTextStream out(stdout);
    out << "wrote " << output << ": " << replaced.removed << " note(s) in " << from << "-" << to
        << " s replaced by " << replaced.written << " (candidate " << best.index + 1 << " of "
        << result.candidates.size() << ", seed " << o.sampling.seed.value() << ")\n";
    for (const auto& c : result.candidates)
        out << "  candidate " << c.index + 1 << ": " << c.notes.size()
            << " notes, the music after the gap at " << QString::number(c.afterNll, 'f', 3)
            << " nats/token\n";
}

int runInfill(const QStringList& args) {
    QCommandLineParser p;
    InfillOptions o;
    addFlags(p, o);
    if (!p.parse(args)) return cli::fail("infill", p.errorText(), 2);
    if (p.isSet("help")) { QTextStream(stdout) << p.helpText(); return 0; }
    double from = 0, to = 0;
    if (QString why; !readFlags(p, &from, &to, &o, &why)) return cli::fail("infill", why, 2);

    const QString input = p.positionalArguments()[0];
    auto midi = readMidiFile(input.toStdString());
    if (!midi) return cli::fail("infill", QString::fromStdString(midi.error()), 2);
    Sequence seq = midi->sequence;
    if (from >= seq.durationSeconds())
        return cli::fail("infill", QString("the gap starts at %1 s, after the piece ends (%2 s)")
                                       .arg(from)
                                       .arg(seq.durationSeconds()),
                         2);
    const GapNotes notes = splitAtGap(seq, from, to);

    auto model = loadModel(p, o.threads);
    if (!model) return cli::fail("infill", QString::fromStdString(model.error()), 2);
    Generator gen(model.value());
    auto result = gen.infill(notes.before, from, to, notes.after, o, nullptr, &notes.original);
    if (!result) return cli::fail("infill", QString::fromStdString(result.error()));

    const Replaced replaced = replaceGap(seq, from, to, result->candidates.front().notes);
    const int format = midi->info.format == 0 && seq.tracks.size() <= 1 ? 0 : 1;
    auto w = writeMidiFile(p.value("output").toStdString(), seq, {format, seq.ticksPerQuarter});
    if (!w) return cli::fail("infill", QString::fromStdString(w.error()));

    if (p.isSet("json")) printJson(p.value("output"), o, from, to, replaced, result.value());
    else printSummary(p.value("output"), o, from, to, replaced, result.value());
    return 0;
}
} // namespace

CONTINUO_CLI_COMMAND("infill", "fill a gap of a MIDI file with the model's best-ranked candidate", runInfill);
#endif
