// The motif guide (continuo/inference/MotifGuide.h): its figure table and top voice on hand-made
// lines, what it does to a row of logits, and on the bundled model with fixed seeds over real
// MAESTRO validation primers, that it brings the primer's figures back.
#include "continuo/core/MidiFile.h"
#include "continuo/inference/Dataset.h"
#include "continuo/inference/Engine.h"
#include "continuo/inference/MotifGuide.h"
#include "MotifMeasures.h"

#include "InferenceTestUtil.h"

#include <QtTest>

#include <cmath>

using namespace continuo;
using namespace continuo::inference;
using tokens::TimedNote;
using testutil::kBundledModel;
using testutil::kMaestroCsv;
using testutil::primerOf;

namespace {


/// A melody of single notes a quarter of a second apart.
std::vector<TimedNote> line(const std::vector<int>& pitches) {
    std::vector<TimedNote> out;
    for (std::size_t i = 0; i < pitches.size(); ++i) out.push_back({0.25 * double(i), 0.25 * double(i) + 0.2, pitches[i], 64});
    return out;
}

/// Plays `pitches` into the guide as a take would, from `at` seconds on, 0.25 s apart.
double play(MotifGuide& g, const std::vector<int>& pitches, double at) {
    for (int p : pitches) {
        g.observe(tokens::noteOn(p), at);
        at += 0.25;
    }
    return at;
}

double noteOnLogSumExp(const std::vector<float>& logits) {
    double top = -1e30, sum = 0;
    for (int p = 0; p < 128; ++p) top = std::max(top, double(logits[std::size_t(tokens::noteOn(p))]));
    for (int p = 0; p < 128; ++p) sum += std::exp(double(logits[std::size_t(tokens::noteOn(p))]) - top);
    return top + std::log(sum);
}

} // namespace

class TestMotifGuide : public QObject {
    Q_OBJECT

private slots:
    void continuesAKnownFigureTransposed() {
        // C D E F twice: after two rising whole tones comes a semitone up.
        MotifGuide g(4.0, line({60, 62, 64, 65, 60, 62, 64, 65}));
        QVERIFY(g.active());
        // The take plays D E F#: two whole tones up, a step higher than the primer's.
        const double now = play(g, {62, 64, 66}, 10.0);
        const auto c = g.candidates(now);
        QCOMPARE(c.size(), 1u);
        QCOMPARE(c[0].first, 67); // G: the semitone after F#
        QCOMPARE(c[0].second, 1.0);
        // An unknown pair of intervals proposes nothing.
        MotifGuide h(4.0, line({60, 62, 64, 65}));
        QVERIFY(h.candidates(play(h, {60, 67, 60}, 10.0)).empty());
    }

    void sharesFollowHowOftenEachContinuationCame() {
        // After (+2, +2): +1 twice, -4 once.
        MotifGuide g(4.0, line({60, 62, 64, 65, 50, 52, 54, 55, 70, 72, 74, 70}));
        const auto c = g.candidates(play(g, {40, 42, 44}, 10.0));
        QCOMPARE(c.size(), 2u);
        for (const auto& [pitch, share] : c) {
            if (pitch == 45) {
                QCOMPARE(share, 2.0 / 3.0);
            } else {
                QCOMPARE(pitch, 40);
                QCOMPARE(share, 1.0 / 3.0);
            }
        }
    }

    void keepsTransposedFiguresInTheKey() {
        const auto primer = line({60, 62, 64, 65, 60, 62, 64, 65});
        // F G A then a semitone: B-flat chromatically; in C major the interval widens to B.
        MotifGuide chromatic(4.0, primer);
        QCOMPARE(chromatic.candidates(play(chromatic, {65, 67, 69}, 10.0)).at(0).first, 70);
        MotifGuide diatonic(4.0, primer, Scale{0, ScaleKind::Major});
        QCOMPARE(diatonic.candidates(play(diatonic, {65, 67, 69}, 10.0)).at(0).first, 71);
        // A whole tone out of the key narrows to a semitone: C D E then +2 (F#) becomes F.
        MotifGuide whole(4.0, line({60, 62, 64, 66}), Scale{0, ScaleKind::Major});
        // (The primer's last notes and the take's first make a figure too: E F# C, a -6 after
        // +2 +2, which from E is B-flat, outside the key, and narrows to B.)
        const auto c = whole.candidates(play(whole, {60, 62, 64}, 10.0));
        QCOMPARE(c.size(), 2u);
        for (const auto& [pitch, share] : c) QVERIFY2(pitch == 65 || pitch == 59, qPrintable(QString::number(pitch)));
    }

    void aChordIsItsTopNote() {
        // The primer's melody is the top of three-note chords; the guide reads it as a line.
        std::vector<TimedNote> chords;
        const int tops[] = {72, 74, 76, 77, 72, 74, 76, 77};
        for (int i = 0; i < 8; ++i)
            for (int k : {-12, -7, 0})
                chords.push_back({0.5 * i + 0.01 * (k + 12) / 12.0, 0.5 * i + 0.4, tops[i] + k, 64});
        MotifGuide g(4.0, chords);
        // The take plays E F# G# (tops of chords whose lower notes come first, within 30 ms).
        double at = 10;
        for (int top : {64, 66, 68}) {
            g.observe(tokens::noteOn(top - 12), at);
            g.observe(tokens::noteOn(top), at + 0.02);
            at += 0.5;
        }
        QCOMPARE(g.candidates(at).at(0).first, 69); // A: the semitone after G#
        // Inside a group, only a note above the group's top so far can still be its top.
        MotifGuide open(4.0, chords);
        double t = 10;
        for (int top : {64, 66}) open.observe(tokens::noteOn(top), t), t += 0.5;
        open.observe(tokens::noteOn(68), t);
        open.observe(tokens::noteOn(70), t); // a chord's upper note: the group's top is 70, not 68
        QVERIFY(open.candidates(t).empty() || open.candidates(t).at(0).first > 70);
    }

    void movesProbabilityAmongNotesOnly() {
        MotifGuide g(3.0, line({60, 62, 64, 65, 60, 62, 64, 65}));
        const double now = play(g, {62, 64, 66}, 10.0);
        std::vector<float> logits(tokens::kVocabSize);
        for (std::size_t i = 0; i < logits.size(); ++i) logits[i] = float(std::sin(double(i)));
        logits[std::size_t(tokens::noteOn(70))] = -std::numeric_limits<float>::infinity(); // masked by steering
        const std::vector<float> before = logits;
        g.apply(logits.data(), int(logits.size()), now);
        QVERIFY(std::abs(noteOnLogSumExp(logits) - noteOnLogSumExp(before)) < 1e-4);
        for (std::size_t i = 0; i < logits.size(); ++i)
            if (tokens::typeOf(int(i)) != tokens::Type::NoteOn) QCOMPARE(logits[i], before[i]);
        QVERIFY(std::isinf(logits[std::size_t(tokens::noteOn(70))]));
        // G gains 3 nats on every other note.
        const double gain = (logits[std::size_t(tokens::noteOn(67))] - before[std::size_t(tokens::noteOn(67))]) -
                            (logits[std::size_t(tokens::noteOn(50))] - before[std::size_t(tokens::noteOn(50))]);
        QVERIFY2(std::abs(gain - 3.0) < 1e-4, qPrintable(QString::number(gain)));
        QCOMPARE(g.raised(), 1L);
        // Off, it changes nothing.
        MotifGuide off(0.0, line({60, 62, 64, 65, 60, 62, 64, 65}));
        std::vector<float> same = before;
        off.apply(same.data(), int(same.size()), play(off, {62, 64, 66}, 10.0));
        QCOMPARE(same, before);
    }

    // ---- the bundled model, fixed seeds, real primers

    void bringsThePrimersFiguresBackOnTheModel() {
        if (!QFile::exists(kMaestroCsv)) QSKIP(qPrintable("MAESTRO is not at " + kMaestroCsv + " (set CONTINUO_SHARED_DATA)"));
        if (!QFile::exists(kBundledModel)) QSKIP(qPrintable("the bundled model is not at " + kBundledModel));
        RuntimeOptions runtime;
        runtime.threads = 1;
        auto model = Model::load(kBundledModel.toStdString(), runtime);
        QVERIFY2(model, model ? "" : model.error().c_str());
        auto list = listMidiFiles(kMaestroCsv.toStdString(), "validation");
        QVERIFY2(list, list ? "" : list.error().c_str());
        std::vector<std::vector<TimedNote>> primers;
        for (std::size_t f = 0; f < 20 && primers.size() < 6; ++f) // the tuning part's first pieces
            if (auto p = primerOf(list->files[f]); p.size() > 40) primers.push_back(std::move(p));
        QCOMPARE(primers.size(), 6u);
        Generator gen(model.value());
        double reuse[2] = {}, verbatim[2] = {};
        const double strengths[2] = {0.0, 8.0};
        // Two takes of each primer (12 per strength): one take of each left the means at the
        // mercy of a single primer's luck.
        const int takes = 2 * int(primers.size());
        for (int k = 0; k < 2; ++k)
            for (int t = 0; t < takes; ++t) {
                const std::size_t i = std::size_t(t) % primers.size();
                ContinueOptions o;
                o.sampling.lengthSeconds = 20;
                o.sampling.variations = 1;
                o.sampling.seed = Seed::fixed(7 + std::uint64_t(t));
                o.sampling.motif = strengths[k];
                o.threads = 1;
                auto r = gen.run(primers[i], 20.0, o);
                QVERIFY2(r, r ? "" : r.error().c_str());
                const auto primerTop = cli::topVoice(primers[i]), takeTop = cli::topVoice(r->variations.at(0));
                reuse[k] += cli::motifReuse(primerTop, takeTop).share() / double(takes);
                verbatim[k] += cli::verbatimCopy(primerTop, takeTop).share() / double(takes);
            }
        qInfo("motif reuse %.3f off, %.3f at 8 nats; verbatim copy %.3f, %.3f", reuse[0], reuse[1], verbatim[0], verbatim[1]);
        QVERIFY2(reuse[1] >= 2 * reuse[0] + 0.03, qPrintable(QString("%1 against %2").arg(reuse[1]).arg(reuse[0])));
        // Development, not copying: the primer's exact 6-note lines stay rare.
        QVERIFY(verbatim[1] <= 0.05);
    }
};

QTEST_GUILESS_MAIN(TestMotifGuide)
#include "test_motif_guide.moc"
