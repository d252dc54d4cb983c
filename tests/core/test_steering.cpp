// The steering controls as values (continuo/core/Steering.h): scales and their names, key
// finding, note names, the command line's forms and their errors, validation, and the controls
// and a take's report through a project file.
#include "continuo/core/Steering.h"
#include "continuo/project/Project.h"

#include <QtTest>

#include <bit>

using namespace continuo;

namespace {
std::vector<std::pair<int, double>> notesOf(std::initializer_list<int> pitches, double seconds = 0.5) {
    std::vector<std::pair<int, double>> out;
    for (int p : pitches) out.emplace_back(p, seconds);
    return out;
}
} // namespace

class TestSteering : public QObject {
    Q_OBJECT
private slots:
    void scalesHaveTheirNotes() {
        QCOMPARE((Scale{0, ScaleKind::Major}).pitchClasses(), std::uint16_t(0b101010110101));
        const Scale dMinor{2, ScaleKind::NaturalMinor};
        for (int pc : {2, 4, 5, 7, 9, 10, 0}) QVERIFY(dMinor.contains(60 + pc));
        for (int pc : {1, 3, 6, 8, 11}) QVERIFY(!dMinor.contains(60 + pc));
        QVERIFY((Scale{9, ScaleKind::HarmonicMinor}).contains(68));  // G# in A harmonic minor
        QVERIFY(!(Scale{9, ScaleKind::NaturalMinor}).contains(68));
        // A minor key as a piece plays it: natural minor and the leading tone.
        QCOMPARE((Scale{9, ScaleKind::NaturalMinor}).ofKey(), (Scale{9, ScaleKind::TonalMinor}));
        QCOMPARE((Scale{9, ScaleKind::TonalMinor}).pitchClasses(),
                 std::uint16_t((Scale{9, ScaleKind::NaturalMinor}).pitchClasses() | (1u << 8)));
        QCOMPARE((Scale{0, ScaleKind::Major}).ofKey(), (Scale{0, ScaleKind::Major}));
        QCOMPARE(Scale::parse("A minor with leading tone"), std::optional<Scale>(Scale{9, ScaleKind::TonalMinor}));
        QCOMPARE(std::popcount((Scale{4, ScaleKind::Blues}).pitchClasses()), 6);
        QCOMPARE(std::popcount((Scale{0, ScaleKind::Chromatic}).pitchClasses()), 12);
    }

    void everyScaleReadsBackFromItsName() {
        for (int kind = 0; kind <= int(ScaleKind::Chromatic); ++kind)
            for (int tonic = 0; tonic < 12; ++tonic) {
                const Scale s = {ScaleKind(kind) == ScaleKind::Chromatic ? 0 : tonic, ScaleKind(kind)};
                const auto back = Scale::parse(s.name());
                QVERIFY2(back.has_value(), s.name().c_str());
                QCOMPARE(back->pitchClasses(), s.pitchClasses());
                QCOMPARE(back->name(), s.name());
            }
    }

    void scaleNamesAsMusiciansWriteThem() {
        QCOMPARE(Scale::parse("D minor"), (Scale{2, ScaleKind::NaturalMinor}));
        QCOMPARE(Scale::parse("f# Dorian"), (Scale{6, ScaleKind::Dorian}));
        QCOMPARE(Scale::parse("Bb major"), (Scale{10, ScaleKind::Major}));
        QCOMPARE(Scale::parse("B blues"), (Scale{11, ScaleKind::Blues}));
        QCOMPARE(Scale::parse("Eb"), (Scale{3, ScaleKind::Major}));
        QCOMPARE(Scale::parse("C pentatonic"), (Scale{0, ScaleKind::MajorPentatonic}));
        QCOMPARE(Scale::parse("A aeolian"), (Scale{9, ScaleKind::NaturalMinor}));
        for (const char* bad : {"", "H major", "C superlocrian", "minor", "C# minor minor"})
            QVERIFY2(!Scale::parse(bad), bad);
    }

    void keyFindingFollowsTheMusic() {
        // A C major scale with the tonic triad weighted, then every transposition of it.
        for (int shift = 0; shift < 12; ++shift) {
            std::vector<std::pair<int, double>> notes;
            for (int p : {60, 62, 64, 65, 67, 69, 71, 72}) notes.emplace_back(p + shift, 0.25);
            for (int p : {60, 64, 67}) notes.emplace_back(p + shift, 1.0);
            const auto key = detectKey(notes);
            QVERIFY(key);
            QCOMPARE(key->key, (Scale{shift, ScaleKind::Major}));
            QVERIFY(key->correlation > 0.7);
        }
        // A minor: A C E held, with G#.
        const auto aMinor = detectKey(notesOf({57, 60, 64, 57, 69, 68, 69, 71, 72, 64}));
        QVERIFY(aMinor);
        QCOMPARE(aMinor->key, (Scale{9, ScaleKind::NaturalMinor}));
        QVERIFY(!detectKey({}));
    }

    void noteNames() {
        QCOMPARE(noteName(60), std::string("C4"));
        QCOMPARE(noteName(21), std::string("A0"));
        QCOMPARE(parseNoteName("C4"), std::optional<int>(60));
        QCOMPARE(parseNoteName("f#2"), std::optional<int>(42));
        QCOMPARE(parseNoteName("Bb-1"), std::optional<int>(10));
        QCOMPARE(parseNoteName("B#3"), std::optional<int>(60));
        QCOMPARE(parseNoteName("Cb4"), std::optional<int>(59));
        QCOMPARE(parseNoteName("G9"), std::optional<int>(127));
        QCOMPARE(parseNoteName("84"), std::optional<int>(84));
        for (const char* bad : {"G#9", "128", "-1", "H2", "C", ""}) QVERIFY2(!parseNoteName(bad), bad);
        for (int p = 0; p < 128; ++p) QCOMPARE(parseNoteName(noteName(p)), std::optional<int>(p));
    }

    void commandLineFormsAndTheirErrors() {
        Steering s;
        QVERIFY(!s.any());
        QCOMPARE(s.parseKey("D minor"), std::string());
        QCOMPARE(s.keyMode, Steering::KeyMode::Fixed);
        QCOMPARE(s.parseKey("auto"), std::string());
        QCOMPARE(s.keyMode, Steering::KeyMode::Detected);
        QCOMPARE(s.parseRange("C2-C6"), std::string());
        QCOMPARE(std::pair(s.rangeLow, s.rangeHigh), std::pair(36, 84));
        QCOMPARE(s.parseRange("21 - 108"), std::string());
        QCOMPARE(s.parseDensity("primer"), std::string());
        QVERIFY(s.densityLikePrimer);
        QCOMPARE(s.parseDensity("0.5x"), std::string());
        QVERIFY(s.densityLikePrimer);
        QCOMPARE(s.densityFactor, 0.5);
        QVERIFY(!s.parseDensity("9x").empty());
        QCOMPARE(s.parseDensity("4.5"), std::string());
        QCOMPARE(s.density, 4.5);
        QCOMPARE(s.parsePolyphony("3"), std::string());
        QCOMPARE(s.parseVelocity("40-90"), std::string());
        QCOMPARE(std::pair(s.velocityLow, s.velocityHigh), std::pair(40, 90));
        QCOMPARE(s.parseVelocity("softer"), std::string());
        QCOMPARE(s.dynamics, Steering::Dynamics::Softer);
        QVERIFY(s.any());
        QVERIFY(s.validate().empty());
        // Errors name what is accepted.
        Steering e;
        QVERIFY(QString::fromStdString(e.parseKey("H major")).contains("D minor"));
        QVERIFY(QString::fromStdString(e.parseRange("C6-C2")).contains("C2-C6"));
        QVERIFY(QString::fromStdString(e.parseRange("C2")).contains("LOW-HIGH"));
        QVERIFY(QString::fromStdString(e.parseDensity("0")).contains("primer"));
        QVERIFY(QString::fromStdString(e.parsePolyphony("17")).contains("1-16"));
        QVERIFY(QString::fromStdString(e.parseVelocity("0-200")).contains("softer"));
        QVERIFY(!e.any()); // a bad value changes nothing
        // "off" turns each back off.
        for (auto parse : {&Steering::parseKey, &Steering::parseRange, &Steering::parseDensity,
                           &Steering::parsePolyphony, &Steering::parseVelocity})
            QCOMPARE((s.*parse)("off"), std::string());
        QVERIFY(!s.any());
    }

    void validationCatchesWhatCannotRun() {
        Steering s;
        s.rangeLow = 80;
        s.rangeHigh = 70;
        QCOMPARE(s.validate().size(), 1u);
        Steering noNote;
        noNote.keyMode = Steering::KeyMode::Fixed;
        noNote.key = {0, ScaleKind::Major};
        noNote.rangeLow = noNote.rangeHigh = 61; // C#4 only
        QVERIFY(QString::fromStdString(noNote.validate().at(0)).contains("C major"));
        SamplingSettings settings;
        settings.steering.polyphony = 40;
        QVERIFY(QString::fromStdString(settings.validationMessage()).contains("polyphony"));
    }

    void controlsAndReportsSurviveAProjectFile() {
        project::Project p;
        p.normalize();
        Steering st;
        QCOMPARE(st.parseKey("F# dorian"), std::string());
        QCOMPARE(st.parseRange("C3-C6"), std::string());
        QCOMPARE(st.parseDensity("2x"), std::string());
        QCOMPARE(st.parsePolyphony("4"), std::string());
        QCOMPARE(st.parseVelocity("louder"), std::string());
        p.settings.sampling.steering = st;
        project::Take take;
        take.id = 1;
        take.provenance.sampling.steering = st;
        take.provenance.steeringReport = {"F# dorian", 1.0, 48, 84, 3.25, 3.5, 4, 71.5, 0.125};
        project::Take plain; // unsteered: no steering in its file, nothing read back
        plain.id = 2;
        p.takes = {take, plain};
        const auto back = project::projectFromBytes(project::projectToBytes(p));
        QVERIFY2(back.ok(), back.error().c_str());
        QCOMPARE(back->settings.sampling.steering, st);
        QCOMPARE(back->takes[0].provenance.sampling.steering, st);
        QCOMPARE(back->takes[0].provenance.steeringReport, take.provenance.steeringReport);
        QVERIFY(!back->takes[1].provenance.sampling.steering.any());
        QVERIFY(!project::projectToBytes(p).isEmpty());
        // A control that does not read stays off; the others still apply.
        const Steering lenient = project::json::steeringFromJson(QJsonObject{{"key", "H major"}, {"polyphony", 3}});
        QVERIFY(!lenient.keyLocked());
        QCOMPARE(lenient.polyphony, 3);
    }
};

QTEST_GUILESS_MAIN(TestSteering)
#include "test_steering.moc"
