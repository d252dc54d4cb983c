// Steering while sampling (continuo/inference/Steerer.h): the masks and the density bias on a
// row of logits, the report measured on a take's notes, and every control on the bundled model
// with fixed seeds over real MAESTRO validation primers.
#include "continuo/core/MidiFile.h"
#include "continuo/inference/Dataset.h"
#include "continuo/inference/Engine.h"
#include "continuo/inference/Steerer.h"

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


bool masked(const std::vector<float>& logits, int token) { return std::isinf(logits[std::size_t(token)]) && logits[std::size_t(token)] < 0; }

/// The most notes sounding at once, counted on the notes themselves.
int polyphonyOf(const std::vector<TimedNote>& notes) {
    return measureTake(notes, 20, std::nullopt, 0).maxPolyphony;
}

} // namespace

class TestSteerer : public QObject {
    Q_OBJECT

    std::shared_ptr<Model> model_;
    std::vector<std::vector<TimedNote>> primers_;

    /// One 20 s take of primer `i`.
    std::vector<TimedNote> take(std::size_t i, const Steering& steering, std::uint64_t seed, SteeringReport* report = nullptr) {
        Generator gen(model_);
        ContinueOptions o;
        o.sampling.lengthSeconds = 20;
        o.sampling.variations = 1;
        o.sampling.seed = Seed::fixed(seed);
        o.sampling.steering = steering;
        o.threads = 1;
        auto r = gen.run(primers_[i], 20.0, o);
        if (!r) qFatal("%s", r.error().c_str());
        if (report) *report = r->steering.at(0);
        return r->variations.at(0);
    }

    bool needModel() {
        if (!QFile::exists(kBundledModel)) return false;
        if (!model_) {
            RuntimeOptions runtime;
            runtime.threads = 1;
            auto m = Model::load(kBundledModel.toStdString(), runtime);
            if (!m) qFatal("%s", m.error().c_str());
            model_ = m.value();
            auto list = listMidiFiles(kMaestroCsv.toStdString(), "validation");
            if (!list) qFatal("%s", list.error().c_str());
            for (std::size_t f = 0; f < 20 && primers_.size() < 4; ++f) // the tuning part's first pieces
                if (auto p = primerOf(list->files[f]); p.size() > 40) primers_.push_back(std::move(p));
        }
        return true;
    }

private slots:
    void masksFollowTheControls() {
        Steering s;
        QCOMPARE(s.parseKey("C major"), std::string());
        QCOMPARE(s.parseRange("C3-C5"), std::string());
        QCOMPARE(s.parseVelocity("40-80"), std::string());
        Steerer steer(s, PrimerFacts{}, 0);
        tokens::StreamingDecoder d;
        d.setVelocity(60);
        std::vector<float> logits(tokens::kVocabSize, 0.0f);
        const double removed = steer.apply(logits.data(), int(logits.size()), d, 1.0);
        int kept = 0, gone = 0;
        for (int p = 0; p < 128; ++p) {
            const bool allowed = p >= 48 && p <= 72 && Scale{0, ScaleKind::Major}.contains(p);
            QCOMPARE(masked(logits, tokens::noteOn(p)), !allowed);
            (allowed ? kept : gone) += 1;
            QVERIFY(!masked(logits, tokens::noteOff(p))); // a note may always end
        }
        int velocitiesGone = 0;
        for (int bin = 0; bin < tokens::kVelocityBins; ++bin) {
            const bool allowed = bin * 4 + 3 >= 40 && bin * 4 <= 80;
            QCOMPARE(masked(logits, tokens::kVelocity + bin), !allowed);
            velocitiesGone += !allowed;
        }
        for (int k = 1; k <= tokens::kTimeShiftSteps; ++k) QVERIFY(!masked(logits, tokens::timeShift(k)));
        QCOMPARE(kept, 15);
        // Uniform logits: the removed mass is the share of tokens masked.
        QVERIFY(std::abs(removed - double(gone + velocitiesGone) / tokens::kVocabSize) < 1e-9);
        QVERIFY(std::abs(steer.meanRemovedMass() - removed) < 1e-12);
    }

    void aKeyLockMovesAnOutOfScaleNoteToItsNeighbours() {
        // The probability of a note the scale forbids goes to the nearest scale notes, so the
        // chance that some note starts now, and every other token's, stay as the model had them.
        auto softmax = [](const std::vector<float>& logits, double t) {
            std::vector<double> p(logits.size());
            double top = -1e300, total = 0;
            for (float l : logits) if (std::isfinite(l)) top = std::max(top, double(l) / t);
            for (std::size_t i = 0; i < logits.size(); ++i)
                total += p[i] = std::isfinite(logits[i]) ? std::exp(double(logits[i]) / t - top) : 0.0;
            for (double& x : p) x /= total;
            return p;
        };
        for (double t : {1.0, 0.7}) {
            Steering s;
            QCOMPARE(s.parseKey("C major"), std::string());
            Steerer steer(s, PrimerFacts{}, 0);
            tokens::StreamingDecoder d;
            std::vector<float> logits(tokens::kVocabSize, 0.0f);
            for (int p = 0; p < 128; ++p) // the model hears only C4, C#4 and D4 as next notes
                if (p < 60 || p > 62) logits[std::size_t(tokens::noteOn(p))] = -std::numeric_limits<float>::infinity();
            logits[std::size_t(tokens::noteOn(61))] = 5.0f; // C#4: the model's favourite
            logits[std::size_t(tokens::noteOn(62))] = 1.0f; // D4 a little likelier than C4
            const std::vector<double> before = softmax(logits, t);
            const double removed = steer.apply(logits.data(), int(logits.size()), d, t);
            const std::vector<double> after = softmax(logits, t);
            QVERIFY(masked(logits, tokens::noteOn(61)));
            double removedByMask = 0;
            for (int p = 0; p < 128; ++p)
                if (!Scale{0, ScaleKind::Major}.contains(p)) removedByMask += before[std::size_t(tokens::noteOn(p))];
            QVERIFY(std::abs(removed - removedByMask) < 1e-9); // still reported as the lock's cost
            // C#4 went to C4 and D4, in the model's own proportion between them.
            const double c = after[std::size_t(tokens::noteOn(60))] - before[std::size_t(tokens::noteOn(60))];
            const double dd = after[std::size_t(tokens::noteOn(62))] - before[std::size_t(tokens::noteOn(62))];
            QVERIFY(c > 0 && dd > c);
            const double ratio = before[std::size_t(tokens::noteOn(62))] / before[std::size_t(tokens::noteOn(60))];
            QVERIFY(std::abs(dd / c - ratio) < 1e-3 * ratio);
            QVERIFY(std::abs(c + dd - before[std::size_t(tokens::noteOn(61))]) < 1e-5);
            // Nothing else moved: time shifts, note-offs and velocities keep their probability.
            for (int k = 1; k <= tokens::kTimeShiftSteps; ++k)
                QVERIFY(std::abs(after[std::size_t(tokens::timeShift(k))] - before[std::size_t(tokens::timeShift(k))]) < 1e-7);
            QVERIFY(std::abs(after[std::size_t(tokens::noteOff(61))] - before[std::size_t(tokens::noteOff(61))]) < 1e-7);
            QVERIFY(std::abs(after[std::size_t(tokens::kVelocity + 10)] - before[std::size_t(tokens::kVelocity + 10)]) < 1e-7);
        }
        {   // A neighbour already sounding is passed over for a free one.
            Steering s;
            QCOMPARE(s.parseKey("C major"), std::string());
            Steerer steer(s, PrimerFacts{}, 0);
            tokens::StreamingDecoder d;
            d.feed(tokens::noteOn(62));
            std::vector<float> logits(tokens::kVocabSize, 0.0f);
            logits[std::size_t(tokens::noteOn(61))] = 5.0f;
            steer.apply(logits.data(), int(logits.size()), d, 1.0);
            QVERIFY(logits[std::size_t(tokens::noteOn(60))] > 4.9f);
            QCOMPARE(logits[std::size_t(tokens::noteOn(62))], 0.0f);
        }
        {   // In a gapped scale the nearest note wins: B4 in C major pentatonic goes to C5, not A4;
            // and the range bounds where it may go.
            Steering s;
            QCOMPARE(s.parseKey("C major pentatonic"), std::string());
            QCOMPARE(s.parseRange("C3-B4"), std::string());
            Steerer steer(s, PrimerFacts{}, 0);
            tokens::StreamingDecoder d;
            std::vector<float> logits(tokens::kVocabSize, 0.0f);
            logits[std::size_t(tokens::noteOn(71))] = 5.0f; // B4: C5 is nearer but out of range
            steer.apply(logits.data(), int(logits.size()), d, 1.0);
            QVERIFY(logits[std::size_t(tokens::noteOn(69))] > 4.9f);
            QVERIFY(masked(logits, tokens::noteOn(72)));
            Steering wide;
            QCOMPARE(wide.parseKey("C major pentatonic"), std::string());
            Steerer open(wide, PrimerFacts{}, 0);
            logits.assign(tokens::kVocabSize, 0.0f);
            logits[std::size_t(tokens::noteOn(71))] = 5.0f; // B4
            open.apply(logits.data(), int(logits.size()), d, 1.0);
            QVERIFY(logits[std::size_t(tokens::noteOn(72))] > 4.9f);
            QVERIFY(logits[std::size_t(tokens::noteOn(69))] < 1.0f); // A4 has only A#4's share
        }
    }

    void thePrimersKeyIsCountedNoteByNote() {
        // A G major line over a long-held C and E: counted note by note (what a lock and the
        // report use) the key is G major; weighted by duration (the guide's key when nothing is
        // locked, as it was tuned) the held C major third outweighs the line.
        std::vector<TimedNote> primer{{0, 16, 36, 70}, {0, 16, 40, 70}};
        const int line[] = {67, 69, 71, 72, 74, 76, 78, 79, 78, 74, 71, 67};
        for (int i = 0; i < 48; ++i) primer.push_back({0.3 * i, 0.3 * i + 0.12, line[i % 12], 70});
        const PrimerFacts facts = PrimerFacts::of(primer, 16);
        QVERIFY(facts.key && facts.guideKey);
        QCOMPARE(*facts.key, (Scale{7, ScaleKind::Major}));
        QCOMPARE(*facts.guideKey, (Scale{0, ScaleKind::Major}));
        Steering off;
        QCOMPARE(Steerer(off, facts, 16).reportKey(), std::optional<Scale>(Scale{7, ScaleKind::Major}));
        QCOMPARE(Steerer(off, facts, 16).guideKey(), std::optional<Scale>(Scale{0, ScaleKind::Major}));
        Steering locked;
        QCOMPARE(locked.parseKey("auto"), std::string());
        QCOMPARE(Steerer(locked, facts, 16).guideKey(), std::optional<Scale>(Scale{7, ScaleKind::Major}));
    }

    void noNoteWhileTheCapSoundsOrTheLoudnessIsOutside() {
        Steering s;
        QCOMPARE(s.parsePolyphony("2"), std::string());
        Steerer steer(s, PrimerFacts{}, 0);
        tokens::StreamingDecoder d;
        for (int pitch : {60, 64}) d.feed(tokens::noteOn(pitch));
        QCOMPARE(d.sounding(), 2);
        std::vector<float> logits(tokens::kVocabSize, 0.0f);
        steer.apply(logits.data(), int(logits.size()), d, 1.0);
        for (int p = 0; p < 128; ++p) QVERIFY(masked(logits, tokens::noteOn(p)));
        // Released in the step it was struck, a note still lasts that step (notes are at
        // least one step long): it counts until time moves on.
        d.feed(tokens::noteOff(60));
        logits.assign(tokens::kVocabSize, 0.0f);
        steer.apply(logits.data(), int(logits.size()), d, 1.0);
        QVERIFY(masked(logits, tokens::noteOn(67)));
        d.feed(tokens::timeShift(1));
        QCOMPARE(d.sounding(), 1);
        logits.assign(tokens::kVocabSize, 0.0f);
        steer.apply(logits.data(), int(logits.size()), d, 1.0);
        QVERIFY(!masked(logits, tokens::noteOn(67)));

        Steering loud;
        QCOMPARE(loud.parseVelocity("louder"), std::string());
        PrimerFacts facts;
        facts.meanVelocity = 50; // louder: 60..90
        Steerer louder(loud, facts, 0);
        QCOMPARE(louder.velocityLow(), 60);
        tokens::StreamingDecoder quiet;
        quiet.setVelocity(40); // the primer's last loudness is outside: a VELOCITY must come first
        logits.assign(tokens::kVocabSize, 0.0f);
        louder.apply(logits.data(), int(logits.size()), quiet, 1.0);
        QVERIFY(masked(logits, tokens::noteOn(60)));
        QVERIFY(!masked(logits, tokens::kVelocity + 70 / 4));
    }

    void densityLeansTowardsItsTarget() {
        Steering s;
        QCOMPARE(s.parseDensity("4"), std::string());
        Steerer steer(s, PrimerFacts{}, 0);
        tokens::StreamingDecoder d;
        // Three seconds of silence: notes are pushed up, long shifts down.
        for (int i = 0; i < 3; ++i) d.feed(tokens::timeShift(100)), steer.observe(tokens::timeShift(100), d.now());
        std::vector<float> logits(tokens::kVocabSize, 0.0f);
        steer.apply(logits.data(), int(logits.size()), d, 1.0);
        QVERIFY(logits[std::size_t(tokens::noteOn(60))] > 1.0f);
        QVERIFY(logits[std::size_t(tokens::timeShift(100))] < logits[std::size_t(tokens::timeShift(1))]);
        // Then 40 notes in a second: pushed down, and never past the bound.
        for (int i = 0; i < 40; ++i) {
            d.feed(tokens::noteOn(60 + i % 12));
            steer.observe(tokens::noteOn(60 + i % 12), d.now());
            d.feed(tokens::timeShift(2));
            steer.observe(tokens::timeShift(2), d.now());
        }
        logits.assign(tokens::kVocabSize, 0.0f);
        steer.apply(logits.data(), int(logits.size()), d, 1.0);
        QVERIFY(logits[std::size_t(tokens::noteOn(60))] < -1.0f);
        QVERIFY(logits[std::size_t(tokens::noteOn(60))] >= -8.0f);
        QVERIFY(logits[std::size_t(tokens::timeShift(100))] > logits[std::size_t(tokens::timeShift(1))]);
        QCOMPARE(steer.meanRemovedMass(), 0.0); // a bias removes nothing
    }

    void reportMeasuresTheNotes() {
        const std::vector<TimedNote> notes{{0, 2, 60, 40}, {0.5, 1, 64, 60}, {0.75, 1.2, 67, 80}, {1.5, 3, 61, 100}};
        const SteeringReport r = measureTake(notes, 4, Scale{0, ScaleKind::Major}, 0.25);
        QCOMPARE(r.key, std::string("C major"));
        QCOMPARE(r.inKeyShare, 0.75);
        QCOMPARE(r.lowestPitch, 60);
        QCOMPARE(r.highestPitch, 67);
        QCOMPARE(r.maxPolyphony, 3);
        QCOMPARE(r.density, 1.0);
        QCOMPARE(r.meanVelocity, 70.0);
        QCOMPARE(r.removedMass, 0.25);
        QCOMPARE(measureTake({}, 4, std::nullopt, 0).lowestPitch, -1);
    }

    void offChangesNothing() {
        Steerer steer(Steering{}, PrimerFacts{}, 0);
        QVERIFY(!steer.active());
        tokens::StreamingDecoder d;
        std::vector<float> logits(tokens::kVocabSize, 0.5f);
        QCOMPARE(steer.apply(logits.data(), int(logits.size()), d, 1.0), 0.0);
        QCOMPARE(logits, std::vector<float>(tokens::kVocabSize, 0.5f));
    }

    // ---- the bundled model, fixed seeds, real primers

    void keyRangeAndPolyphonyHoldOnTheModel() {
        if (!QFile::exists(kMaestroCsv)) QSKIP(qPrintable("MAESTRO is not at " + kMaestroCsv + " (set CONTINUO_SHARED_DATA)"));
        if (!needModel()) QSKIP(qPrintable("the bundled model is not at " + kBundledModel));
        QVERIFY(primers_.size() >= 3);
        Steering s;
        QCOMPARE(s.parseKey("D minor"), std::string());
        QCOMPARE(s.parseRange("C3-C6"), std::string());
        QCOMPARE(s.parsePolyphony("3"), std::string());
        for (std::size_t i = 0; i < primers_.size(); ++i) {
            SteeringReport report;
            const auto notes = take(i, s, 11 + i, &report);
            QVERIFY2(notes.size() >= 10, qPrintable(QString("primer %1: %2 notes").arg(i).arg(notes.size())));
            for (const TimedNote& n : notes) {
                QVERIFY((Scale{2, ScaleKind::NaturalMinor}).contains(n.pitch));
                QVERIFY(n.pitch >= 48 && n.pitch <= 84);
            }
            QVERIFY(polyphonyOf(notes) <= 3);
            QCOMPARE(report.maxPolyphony, polyphonyOf(notes));
            QCOMPARE(report.inKeyShare, 1.0);
            QVERIFY(report.removedMass > 0 && report.removedMass < 1);
        }
    }

    void densityTargetsAreOrderedAndNear() {
        if (!QFile::exists(kMaestroCsv)) QSKIP(qPrintable("MAESTRO is not at " + kMaestroCsv + " (set CONTINUO_SHARED_DATA)"));
        if (!needModel()) QSKIP(qPrintable("the bundled model is not at " + kBundledModel));
        for (std::size_t i = 0; i < primers_.size(); ++i) {
            const double primerDensity = PrimerFacts::of(primers_[i], 20).density;
            double got[2] = {};
            for (int k = 0; k < 2; ++k) {
                Steering s;
                s.density = primerDensity * (k + 1);
                got[k] = double(take(i, s, 5).size()) / 20.0;
                qInfo("primer %zu: target %.2f notes/s, took %.2f", i, s.density, got[k]);
                QVERIFY2(std::abs(got[k] / s.density - 1) <= 0.3,
                         qPrintable(QString("primer %1: %2 notes/s for a target of %3").arg(i).arg(got[k]).arg(s.density)));
            }
            QVERIFY(got[1] > got[0]);
        }
    }
};

QTEST_GUILESS_MAIN(TestSteerer)
#include "test_steerer.moc"
