// continuo-cli follow: does the model follow its primer? Continues validation primers and
// compares each continuation with its primer and with what the performer really played next.
#ifdef CONTINUO_HAVE_INFERENCE
#include "Command.h"
#include "RecallFlags.h"
#include "SamplingFlags.h"

#include "continuo/core/MidiFile.h"
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

/// Krumhansl-Kessler key profiles: the best-correlated of the 24 keys for a histogram.
std::pair<int, bool> estimateKey(const Stats& s) {
    static const double major[12] = {6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88};
    static const double minor[12] = {6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17};
    auto corr = [&](const double* profile, int tonic) {
        double mx = 0, my = 0;
        for (int i = 0; i < 12; ++i) mx += s.pitchClasses[std::size_t(i)], my += profile[i];
        mx /= 12, my /= 12;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < 12; ++i) {
            double x = s.pitchClasses[std::size_t((i + tonic) % 12)] - mx, y = profile[i] - my;
            sxy += x * y, sxx += x * x, syy += y * y;
        }
        return sxy / std::sqrt(std::max(1e-12, sxx * syy));
    };
    int best = 0;
    bool isMajor = true;
    double bestR = -2;
    for (int t = 0; t < 12; ++t)
        for (bool m : {true, false})
            if (double r = corr(m ? major : minor, t); r > bestR) bestR = r, best = t, isMajor = m;
    return {best, isMajor};
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

int runFollow(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("Continue N validation primers and compare each continuation with its primer and with the "
                                "real continuation: pitch-class overlap, note density, pitch and velocity ranges, share of "
                                "notes in the primer's key. Prints a Markdown table (or JSON).");
    p.addHelpOption();
    p.addOptions({
        {"model", "Model file (default: the bundled model).", "file"},
        {"split", "Split when DATA is a CSV.", "name", "validation"},
        {"primers", "How many primers (spread evenly over the files).", "n", "12"},
        {"primer-seconds", "Primer length (after --offset-seconds).", "s", "20"},
        {"offset-seconds", "Skip this much of each piece before the primer.", "s", "30"},
        {"write", "Write primer + continuation MIDI files into this folder.", "dir"},
        {"threads", "CPU threads.", "n", "0"},
        {"json", "Print one JSON object."},
    });
    // One 20 s continuation per primer, the same seed each run, so that runs compare.
    const continuo::cli::SamplingFlagSet flagSet{.countFlag = ""};
    ContinueOptions o;
    o.sampling = SamplingSettings{.lengthSeconds = 20, .variations = 1, .seed = Seed::fixed(1)};
    p.addOptions(continuo::cli::samplingFlags(o.sampling, flagSet));
    p.addPositionalArgument("data", "Folder of MIDI files or a MAESTRO CSV.");
    p.addOptions(continuo::cli::recallFlags());
    if (!p.parse(args)) return cli::fail("follow", p.errorText(), 2);
    if (p.isSet("help")) { QTextStream(stdout) << p.helpText(); return 0; }
    if (p.positionalArguments().size() != 1) return cli::fail("follow", "give a folder of MIDI files or a CSV", 2);
    const QString data = p.positionalArguments()[0];
    auto list = listMidiFiles(data.toStdString(), data.endsWith(".csv") ? p.value("split").toStdString() : "");
    if (!list) return cli::fail("follow", QString::fromStdString(list.error()), 2);
    continuo::inference::RuntimeOptions runtime;
    if (QString why; !continuo::cli::parseRecallFlags(p, &runtime.recall, &why)) return cli::fail("follow", why, 2);
    runtime.threads = p.value("threads").toInt();
    auto model = Model::load(p.isSet("model") ? p.value("model").toStdString() : defaultModelPath(), runtime);
    if (!model) return cli::fail("follow", QString::fromStdString(model.error()), 2);
    const int count = std::max(1, p.value("primers").toInt());
    if (QString why; !continuo::cli::parseSamplingFlags(p, &o.sampling, &why, flagSet)) return cli::fail("follow", why, 2);
    const double offset = p.value("offset-seconds").toDouble(), primerLen = p.value("primer-seconds").toDouble(),
                 len = o.sampling.lengthSeconds;

    QJsonArray rows;
    QTextStream out(stdout);
    double sums[6] = {};
    int n = 0;
    if (!p.isSet("json"))
        out << "| piece | key | PC overlap gen/primer | PC overlap real/primer | PC overlap gen/real | density gen / real / primer (notes/s) "
               "| pitch 5-95% gen / real | velocity 5-95% gen / real | in key gen / real |\n|---|---|---|---|---|---|---|---|---|\n";
    for (int i = 0; i < count && std::size_t(i) < list->files.size(); ++i) {
        const std::string& file = list->files[std::size_t(i) * list->files.size() / std::size_t(count)];
        auto midi = readMidiFile(file);
        if (!midi) continue;
        auto all = tokens::performanceNotes(midi->sequence);
        std::vector<TimedNote> primer, real;
        for (auto note : all) {
            if (note.start >= offset && note.start < offset + primerLen) {
                note.start -= offset, note.end = std::min(note.end, offset + primerLen) - offset;
                primer.push_back(note);
            } else if (note.start >= offset + primerLen && note.start < offset + primerLen + len) {
                note.start -= offset, note.end -= offset;
                real.push_back(note);
            }
        }
        if (primer.size() < 10) continue;
        auto r = Generator(model.value()).run(primer, primerLen, o);
        if (!r) return cli::fail("follow", QString::fromStdString(r.error()));
        const auto& gen = r->variations[0];
        Stats sp = stats(primer, primerLen), sg = stats(gen, len), sr = stats(real, len);
        auto key = estimateKey(sp);
        const char* names[12] = {"C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"};
        QString keyName = QString(names[key.first]) + (key.second ? " major" : " minor");
        double inGen = shareInKey(gen, key), inReal = shareInKey(real, key);
        double ogp = overlap(sg, sp), orp = overlap(sr, sp), ogr = overlap(sg, sr);
        sums[0] += ogp, sums[1] += orp, sums[2] += ogr, sums[3] += inGen, sums[4] += inReal;
        sums[5] += sr.density > 0 ? sg.density / sr.density : 0;
        ++n;
        if (p.isSet("write")) {
            Sequence s = midi->sequence;
            s.tracks.clear();
            Track t;
            t.name = "primer";
            t.notes = tokens::toNotes(primer, s.tempo);
            Track g;
            g.name = "continuation";
            g.notes = tokens::toNotes(gen, s.tempo);
            s.tracks = {t, g};
            s.endTick = s.tempo.tickAt(primerLen + len);
            QDir().mkpath(p.value("write"));
            const QString out = p.value("write") + QString("/follow-%1.mid").arg(n, 2, 10, QChar('0'));
            if (auto w = writeMidiFile(out.toStdString(), s); !w)
                return cli::fail("follow", out + ": " + QString::fromStdString(w.error()));
        }
        const QString name = QFileInfo(QString::fromStdString(file)).completeBaseName().left(40);
        rows.append(QJsonObject{{"file", QString::fromStdString(file)}, {"key", keyName}, {"overlap_generated_primer", ogp},
                                {"overlap_real_primer", orp}, {"overlap_generated_real", ogr}, {"in_key_generated", inGen},
                                {"in_key_real", inReal}, {"primer", statsJson(sp)}, {"generated", statsJson(sg)},
                                {"real", statsJson(sr)}});
        if (!p.isSet("json"))
            out << QString("| %1 | %2 | %3 | %4 | %5 | %6 / %7 / %8 | %9-%10 / %11-%12 | %13-%14 / %15-%16 | %17 / %18 |\n")
                       .arg(name, keyName).arg(ogp, 0, 'f', 2).arg(orp, 0, 'f', 2).arg(ogr, 0, 'f', 2)
                       .arg(sg.density, 0, 'f', 1).arg(sr.density, 0, 'f', 1).arg(sp.density, 0, 'f', 1)
                       .arg(sg.pitchLow).arg(sg.pitchHigh).arg(sr.pitchLow).arg(sr.pitchHigh)
                       .arg(sg.velocityLow).arg(sg.velocityHigh).arg(sr.velocityLow).arg(sr.velocityHigh)
                       .arg(inGen, 0, 'f', 2).arg(inReal, 0, 'f', 2)
                << Qt::flush;
    }
    if (n == 0) return cli::fail("follow", "no usable primers", 2);
    if (p.isSet("json")) {
        QTextStream(stdout) << QJsonDocument(QJsonObject{{"primers", rows}}).toJson(QJsonDocument::Compact) << "\n";
    } else {
        out << QString("| **mean of %1** | | %2 | %3 | %4 | gen/real density ratio %5 | | | %6 / %7 |\n")
                   .arg(n).arg(sums[0] / n, 0, 'f', 2).arg(sums[1] / n, 0, 'f', 2).arg(sums[2] / n, 0, 'f', 2)
                   .arg(sums[5] / n, 0, 'f', 2).arg(sums[3] / n, 0, 'f', 2).arg(sums[4] / n, 0, 'f', 2);
    }
    return 0;
}
} // namespace

CONTINUO_CLI_COMMAND("follow", "measure how continuations follow their primers (validation pieces)", runFollow);
#endif
