// continuo-cli follow: does the model follow its primer? Continues validation primers and
// compares each continuation with its primer and with what the performer really played next,
// and, as the floor, with another piece's music in the same window: the next primer's piece,
// from the same offsets (the last primer takes the first primer's). Motif reuse and verbatim
// copy are MotifMeasures.h's; docs/evaluation.md has the protocol and the numbers.
#ifdef CONTINUO_HAVE_INFERENCE
#include "Command.h"
#include "EvaluationParts.h"
#include "MotifMeasures.h"
#include "RecallFlags.h"
#include "SamplingFlags.h"

#include "continuo/core/MidiFile.h"
#include "continuo/core/Steering.h"
#include "continuo/inference/Dataset.h"
#include "continuo/inference/Engine.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <array>
#include <cmath>

using namespace continuo;
using namespace continuo::inference;
using tokens::TimedNote;

namespace {

struct Stats {
    std::array<double, 12> pitchClasses{}; ///< duration-weighted, normalised
    double density = 0;                   ///< notes per second
    int pitchLow = 0, pitchHigh = 0;      ///< 5th and 95th percentile
    int velocityLow = 0, velocityHigh = 0;
    double velocityMean = 0;
    int notes = 0;
};

int percentile(std::vector<int> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::size_t(std::clamp(q * double(v.size() - 1), 0.0, double(v.size() - 1)))];
}

Stats stats(const std::vector<TimedNote>& notes, double seconds) {
    Stats s;
    std::vector<int> pitches, velocities;
    double total = 0;
    for (const auto& n : notes) {
        double d = std::max(0.01, n.end - n.start);
        s.pitchClasses[std::size_t(n.pitch % 12)] += d;
        total += d;
        pitches.push_back(n.pitch);
        velocities.push_back(n.velocity);
        s.velocityMean += n.velocity;
    }
    if (total > 0)
        for (double& x : s.pitchClasses) x /= total;
    s.notes = int(notes.size());
    s.density = seconds > 0 ? notes.size() / seconds : 0;
    s.pitchLow = percentile(pitches, 0.05);
    s.pitchHigh = percentile(pitches, 0.95);
    s.velocityLow = percentile(velocities, 0.05);
    s.velocityHigh = percentile(velocities, 0.95);
    s.velocityMean = notes.empty() ? 0 : s.velocityMean / double(notes.size());
    return s;
}

/// Histogram overlap: 1 = identical pitch-class distributions, 0 = disjoint.
double overlap(const Stats& a, const Stats& b) {
    double o = 0;
    for (std::size_t i = 0; i < 12; ++i) o += std::min(a.pitchClasses[i], b.pitchClasses[i]);
    return o;
}

/// The primer's key as `follow` measures it: Krumhansl-Kessler on the notes' durations (fixed,
/// so that numbers stay comparable; steering's own detection differs, docs/steering.md).
std::pair<int, bool> estimateKey(const std::vector<TimedNote>& notes) {
    std::vector<std::pair<int, double>> lasting;
    lasting.reserve(notes.size());
    for (const TimedNote& n : notes) lasting.emplace_back(n.pitch, n.end - n.start);
    const auto k = detectKey(lasting, KeyProfiles::KrumhanslKessler);
    if (!k) return {0, true};
    return {k->key.tonic, k->key.kind == ScaleKind::Major};
}

double shareInKey(const std::vector<TimedNote>& notes, std::pair<int, bool> key) {
    static const int majorScale[7] = {0, 2, 4, 5, 7, 9, 11}, minorScale[7] = {0, 2, 3, 5, 7, 8, 10};
    if (notes.empty()) return 0;
    int in = 0;
    for (const auto& n : notes) {
        int d = (n.pitch - key.first + 120) % 12;
        const int* scale = key.second ? majorScale : minorScale;
        in += std::find(scale, scale + 7, d) != scale + 7 || (!key.second && d == 11); // harmonic minor's leading tone
    }
    return double(in) / double(notes.size());
}

QJsonObject statsJson(const Stats& s) {
    return QJsonObject{{"notes", s.notes}, {"density", s.density}, {"pitch_low", s.pitchLow}, {"pitch_high", s.pitchHigh},
                       {"velocity_low", s.velocityLow}, {"velocity_high", s.velocityHigh}, {"velocity_mean", s.velocityMean}};
}

/// A piece's window: the primer, and what the pianist played in the `len` seconds after it,
/// both in seconds from the primer's start.
struct Window {
    std::string file;
    Sequence frame; ///< the piece without its tracks (tempo, metre), for --write
    std::vector<TimedNote> primer, after;
};

/// The window at `offset`; an unreadable file gives an empty one.
Window readWindow(const std::string& file, double offset, double primerLen, double len) {
    Window w;
    w.file = file;
    auto midi = readMidiFile(file);
    if (!midi) return w;
    for (auto note : tokens::performanceNotes(midi->sequence)) {
        if (note.start >= offset && note.start < offset + primerLen) {
            note.start -= offset, note.end = std::min(note.end, offset + primerLen) - offset;
            w.primer.push_back(note);
        } else if (note.start >= offset + primerLen && note.start < offset + primerLen + len) {
            note.start -= offset, note.end -= offset;
            w.after.push_back(note);
        }
    }
    w.frame = midi->sequence;
    w.frame.tracks.clear();
    return w;
}

/// What a continuation is measured against: its primer and the real continuation.
struct Reference {
    Stats primer, real;
    std::pair<int, bool> key; ///< the primer's
    std::vector<int> primerTop;
    std::vector<double> realRhythm; ///< the real continuation's inter-onset histogram
};

/// The measures of one continuation (the model's, the real one or the floor) against its
/// primer, as they are averaged over primers.
struct Shares {
    double overlapPrimer = 0, overlapReal = 0; ///< pitch-class overlap
    double inKey = 0;                          ///< share of notes in the primer's key
    double density = 0;                        ///< notes per second relative to the real continuation's
    double motif = 0, verbatim = 0;            ///< motif reuse and verbatim copy (MotifMeasures.h)
    double rhythm = 0;                         ///< inter-onset histogram overlap with the real continuation's
};

struct Measures {
    Stats stats;
    Shares shares;
    int figures = 0, sequences = 0; ///< the top voice's 4-note figures and 6-note sequences
};

Measures measure(const std::vector<TimedNote>& notes, double seconds, const Reference& ref) {
    Measures m;
    m.stats = stats(notes, seconds);
    Shares& s = m.shares;
    s.overlapPrimer = overlap(m.stats, ref.primer);
    s.overlapReal = overlap(m.stats, ref.real);
    s.inKey = shareInKey(notes, ref.key);
    s.density = ref.real.density > 0 ? m.stats.density / ref.real.density : 0;
    const auto top = cli::topVoice(notes);
    const auto motif = cli::motifReuse(ref.primerTop, top), verbatim = cli::verbatimCopy(ref.primerTop, top);
    s.motif = motif.share(), s.verbatim = verbatim.share();
    s.rhythm = cli::histogramOverlap(cli::ioiHistogram(notes), ref.realRhythm);
    m.figures = motif.runs, m.sequences = verbatim.runs;
    return m;
}

QJsonObject sharesJson(const Shares& s) {
    return QJsonObject{{"overlap_primer", s.overlapPrimer}, {"overlap_real", s.overlapReal},
                       {"in_key", s.inKey},                 {"density_relative_to_real", s.density},
                       {"motif_reuse", s.motif},            {"verbatim_copy", s.verbatim},
                       {"ioi_overlap_real", s.rhythm}};
}

/// One primer: the model's continuation, the real one, and the floor (another piece's music
/// in the same window).
struct Row {
    std::string file, floorFile;
    QString key;
    Stats primer;
    int primerFigures = 0;
    std::array<Measures, 3> of; ///< indexed by kSources
};

const char* const kSources[3] = {"generated", "real", "floor"};

QJsonObject rowJson(const Row& r) {
    QJsonObject measures;
    for (std::size_t s = 0; s < 3; ++s) {
        QJsonObject o = sharesJson(r.of[s].shares);
        o["motif_figures"] = r.of[s].figures;
        o["verbatim_sequences"] = r.of[s].sequences;
        measures[kSources[s]] = o;
    }
    const Shares &gen = r.of[0].shares, &real = r.of[1].shares;
    return QJsonObject{{"file", QString::fromStdString(r.file)}, {"floor_file", QString::fromStdString(r.floorFile)},
                       {"key", r.key}, {"overlap_generated_primer", gen.overlapPrimer},
                       {"overlap_real_primer", real.overlapPrimer}, {"overlap_generated_real", gen.overlapReal},
                       {"in_key_generated", gen.inKey}, {"in_key_real", real.inKey},
                       {"primer", statsJson(r.primer)}, {"primer_motif_figures", r.primerFigures},
                       {"generated", statsJson(r.of[0].stats)}, {"real", statsJson(r.of[1].stats)},
                       {"floor", statsJson(r.of[2].stats)}, {"measures", measures}};
}

/// Means over the primers, per source (kSources).
std::array<Shares, 3> means(const std::vector<Row>& rows) {
    std::array<Shares, 3> m{};
    const double n = double(std::max<std::size_t>(1, rows.size()));
    for (const Row& r : rows)
        for (std::size_t s = 0; s < 3; ++s) {
            const Shares& x = r.of[s].shares;
            Shares& y = m[s];
            y.overlapPrimer += x.overlapPrimer / n, y.overlapReal += x.overlapReal / n, y.inKey += x.inKey / n;
            y.density += x.density / n, y.motif += x.motif / n, y.verbatim += x.verbatim / n;
            y.rhythm += x.rhythm / n;
        }
    return m;
}

void printRow(QTextStream& out, const Row& r) {
    const QString name = QFileInfo(QString::fromStdString(r.file)).completeBaseName().left(40);
    auto three = [&](auto field, int decimals) {
        QStringList parts;
        for (const Measures& m : r.of) parts << QString::number(field(m), 'f', decimals);
        return parts.join(" / ");
    };
    const Stats &g = r.of[0].stats, &real = r.of[1].stats;
    out << QString("| %1 | %2 | %3 | %4 | %5 | %6 | %7 | %8 | %9-%10 / %11-%12 | %13-%14 / %15-%16 |\n")
               .arg(name, r.key, three([](const Measures& m) { return m.shares.overlapPrimer; }, 2),
                    three([](const Measures& m) { return m.shares.overlapReal; }, 2),
                    three([](const Measures& m) { return m.stats.density; }, 1),
                    three([](const Measures& m) { return m.shares.inKey; }, 2),
                    three([](const Measures& m) { return m.shares.motif; }, 2),
                    three([](const Measures& m) { return m.shares.verbatim; }, 2))
               .arg(g.pitchLow).arg(g.pitchHigh).arg(real.pitchLow).arg(real.pitchHigh)
               .arg(g.velocityLow).arg(g.velocityHigh).arg(real.velocityLow).arg(real.velocityHigh)
        << Qt::flush;
}

void printMeans(QTextStream& out, const std::array<Shares, 3>& m, std::size_t n) {
    out << "\nMeans over " << n << " primers (floor: the next primer's piece, same window):\n\n"
        << "| | motif reuse | verbatim copy | in key | PC overlap with primer | PC overlap with real | rhythm overlap with real | density / real |\n"
        << "|---|---|---|---|---|---|---|---|\n";
    const char* names[3] = {"model", "real", "floor"};
    for (std::size_t s = 0; s < 3; ++s)
        out << QString("| %1 | %2 | %3 | %4 | %5 | %6 | %7 | %8 |\n")
                   .arg(names[s]).arg(m[s].motif, 0, 'f', 3).arg(m[s].verbatim, 0, 'f', 3).arg(m[s].inKey, 0, 'f', 3)
                   .arg(m[s].overlapPrimer, 0, 'f', 3).arg(m[s].overlapReal, 0, 'f', 3).arg(m[s].rhythm, 0, 'f', 3)
                   .arg(m[s].density, 0, 'f', 2);
}

/// Writes primer + continuation as follow-NN.mid into `dir`.
bool writeContinuation(const QString& dir, int n, const Window& w, const std::vector<TimedNote>& gen, double end,
                       QString* why) {
    Sequence s = w.frame;
    Track t;
    t.name = "primer";
    t.notes = tokens::toNotes(w.primer, s.tempo);
    Track g;
    g.name = "continuation";
    g.notes = tokens::toNotes(gen, s.tempo);
    s.tracks = {t, g};
    s.endTick = s.tempo.tickAt(end);
    QDir().mkpath(dir);
    const QString out = dir + QString("/follow-%1.mid").arg(n, 2, 10, QChar('0'));
    if (auto written = writeMidiFile(out.toStdString(), s); !written)
        return *why = out + ": " + QString::fromStdString(written.error()), false;
    return true;
}

struct FollowSetup {
    std::vector<std::string> files;      ///< the primers' pieces, in order
    std::vector<std::string> floorFiles; ///< each primer's floor: the next primer's piece
    double offset = 30, primerLen = 20;
    ContinueOptions options;
    RuntimeOptions runtime;
    std::string model;
    QString write;
    bool json = false;
};

// One 20 s continuation per primer, the same seed each run, so that runs compare.
const SamplingSettings kFollowSampling{.lengthSeconds = 20, .variations = 1, .seed = Seed::fixed(1)};
const cli::SamplingFlagSet kFollowFlagSet{.countFlag = ""};

void addFlags(QCommandLineParser& p) {
    p.setApplicationDescription("Continue N validation primers and compare each continuation, the real continuation and a "
                                "floor (the next primer's piece in the same window) with the primer: pitch-class overlap, "
                                "note density, pitch and velocity ranges, share of notes in the primer's key, motif reuse "
                                "and verbatim copy of the primer's top voice. Prints Markdown tables (or JSON).");
    p.addHelpOption();
    p.addOptions({
        {"model", "Model file (default: the bundled model).", "file"},
        {"split", "Split when DATA is a CSV.", "name", "validation"},
        {"part", cli::evaluationPartHelp(), "name", "all"},
        {"primers", "How many primers (spread evenly over the files).", "n", "12"},
        {"primer-seconds", "Primer length (after --offset-seconds).", "s", "20"},
        {"offset-seconds", "Skip this much of each piece before the primer.", "s", "30"},
        {"write", "Write primer + continuation MIDI files into this folder.", "dir"},
        {"threads", "CPU threads.", "n", "0"},
        {"json", "Print one JSON object."},
    });
    p.addOptions(cli::samplingFlags(kFollowSampling, kFollowFlagSet));
    p.addPositionalArgument("data", "Folder of MIDI files or a MAESTRO CSV.");
    p.addOptions(cli::recallFlags());
}

/// Reads the flags; returns 0, or the exit status after saying why.
int readSetup(const QCommandLineParser& p, FollowSetup* setup) {
    if (p.positionalArguments().size() != 1) return cli::fail("follow", "give a folder of MIDI files or a CSV", 2);
    const QString data = p.positionalArguments()[0];
    const auto part = cli::parseEvaluationPart(p.value("part"));
    if (!part) return cli::fail("follow", "--part takes all, tuning or report", 2);
    auto list = listMidiFiles(data.toStdString(), data.endsWith(".csv") ? p.value("split").toStdString() : "");
    if (!list) return cli::fail("follow", QString::fromStdString(list.error()), 2);
    const auto files = cli::filesOfPart(list->files, *part);
    if (files.empty()) return cli::fail("follow", "no pieces in that part", 2);
    const std::size_t count = std::min(files.size(), std::size_t(std::max(1, p.value("primers").toInt())));
    for (std::size_t i = 0; i < count; ++i) setup->files.push_back(files[i * files.size() / count]);
    // The last primer's floor is the first primer's piece; a single primer's, the next piece.
    for (std::size_t i = 0; i < count; ++i)
        setup->floorFiles.push_back(count > 1 ? setup->files[(i + 1) % count] : files[1 % files.size()]);
    setup->options.sampling = kFollowSampling;
    if (QString why; !cli::parseSamplingFlags(p, &setup->options.sampling, &why, kFollowFlagSet) ||
                     !cli::parseRecallFlags(p, &setup->runtime.recall, &why))
        return cli::fail("follow", why, 2);
    setup->runtime.threads = p.value("threads").toInt();
    setup->model = p.isSet("model") ? p.value("model").toStdString() : defaultModelPath();
    setup->offset = p.value("offset-seconds").toDouble(), setup->primerLen = p.value("primer-seconds").toDouble();
    setup->write = p.value("write");
    setup->json = p.isSet("json");
    return 0;
}

/// The model's continuation of window `w` and the three measured; false on a model error.
bool followOne(const std::shared_ptr<Model>& model, const FollowSetup& setup, const Window& w, const Window& floor, Row* row,
               std::vector<TimedNote>* gen, QString* why) {
    static const char* names[12] = {"C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"};
    const double len = setup.options.sampling.lengthSeconds;
    auto r = Generator(model).run(w.primer, setup.primerLen, setup.options);
    if (!r) return *why = QString::fromStdString(r.error()), false;
    *gen = r->variations[0];
    Reference ref{stats(w.primer, setup.primerLen), stats(w.after, len), {}, cli::topVoice(w.primer)};
    ref.key = estimateKey(w.primer);
    ref.realRhythm = cli::ioiHistogram(w.after);
    row->file = w.file, row->floorFile = floor.file;
    row->key = QString(names[ref.key.first]) + (ref.key.second ? " major" : " minor");
    row->primer = ref.primer;
    row->primerFigures = int(cli::runsOf(ref.primerTop, 4, true).size());
    row->of = {measure(*gen, len, ref), measure(w.after, len, ref), measure(floor.after, len, ref)};
    return true;
}

/// Every primer in turn, a table row (or a JSON row) each, then the means.
int followAll(const std::shared_ptr<Model>& model, const FollowSetup& setup) {
    const double len = setup.options.sampling.lengthSeconds;
    QTextStream out(stdout);
    if (!setup.json)
        out << "| piece | key | PC overlap with primer gen / real / floor | PC overlap with real gen / real / floor "
               "| density gen / real / floor (notes/s) | in key gen / real / floor | motif reuse gen / real / floor "
               "| verbatim copy gen / real / floor | pitch 5-95% gen / real | velocity 5-95% gen / real |\n"
               "|---|---|---|---|---|---|---|---|---|---|\n";
    std::vector<Row> rows;
    QJsonArray rowsJson;
    for (std::size_t i = 0; i < setup.files.size(); ++i) {
        const Window w = readWindow(setup.files[i], setup.offset, setup.primerLen, len);
        if (w.primer.size() < 10) continue;
        const Window floor = readWindow(setup.floorFiles[i], setup.offset, setup.primerLen, len);
        Row row;
        std::vector<TimedNote> gen;
        if (QString why; !followOne(model, setup, w, floor, &row, &gen, &why)) return cli::fail("follow", why);
        rows.push_back(row);
        if (QString why; !setup.write.isEmpty() &&
                         !writeContinuation(setup.write, int(rows.size()), w, gen, setup.primerLen + len, &why))
            return cli::fail("follow", why);
        if (setup.json) rowsJson.append(rowJson(row));
        else printRow(out, row);
    }
    if (rows.empty()) return cli::fail("follow", "no usable primers", 2);
    const auto m = means(rows);
    if (!setup.json) {
        printMeans(out, m, rows.size());
        return 0;
    }
    QJsonObject meanJson;
    double notes[3] = {};
    for (const Row& r : rows)
        for (std::size_t s = 0; s < 3; ++s) notes[s] += r.of[s].stats.density;
    for (std::size_t s = 0; s < 3; ++s) {
        QJsonObject o = sharesJson(m[s]);
        // All the notes over all the real continuations' (a mean of ratios leans on sparse primers).
        o["density_of_totals_relative_to_real"] = notes[1] > 0 ? notes[s] / notes[1] : 0.0;
        meanJson[kSources[s]] = o;
    }
    out << QJsonDocument(QJsonObject{{"primers", rowsJson}, {"means", meanJson}, {"primers_measured", int(rows.size())}})
               .toJson(QJsonDocument::Compact)
        << "\n";
    return 0;
}

int runFollow(const QStringList& args) {
    QCommandLineParser p;
    addFlags(p);
    if (!p.parse(args)) return cli::fail("follow", p.errorText(), 2);
    if (p.isSet("help")) { QTextStream(stdout) << p.helpText(); return 0; }
    FollowSetup setup;
    if (int status = readSetup(p, &setup)) return status;
    auto model = Model::load(setup.model, setup.runtime);
    if (!model) return cli::fail("follow", QString::fromStdString(model.error()), 2);
    return followAll(model.value(), setup);
}
} // namespace

CONTINUO_CLI_COMMAND("follow", "measure how continuations follow their primers (validation pieces)", runFollow);
#endif
