// The measures `continuo-cli follow` reports on the top voice (app/cli/MotifMeasures.h): the
// top voice of chords, motif reuse (transposed figures count) and verbatim copy (exact pitches).
#include "MotifMeasures.h"

#include <QtTest>

#include <cmath>

using namespace continuo;
using continuo::tokens::TimedNote;

namespace {

/// One note a quarter of a second apart for each pitch, from `start`.
std::vector<TimedNote> line(const std::vector<int>& pitches, double start = 0) {
    std::vector<TimedNote> out;
    for (std::size_t i = 0; i < pitches.size(); ++i)
        out.push_back({start + 0.25 * double(i), start + 0.25 * double(i) + 0.2, pitches[i], 80});
    return out;
}

std::vector<int> transposed(std::vector<int> pitches, int by) {
    for (int& p : pitches) p += by;
    return pitches;
}

} // namespace

class TestMotifMeasures : public QObject {
    Q_OBJECT
private slots:
    void rhythmHistogramsCompareProportions() {
        // Eighths at 120 bpm (0.25 s) against the same eighths with chords: the same rhythm.
        std::vector<TimedNote> eighths, chords, quarters;
        for (int i = 0; i < 16; ++i) {
            eighths.push_back({0.25 * i, 0.25 * i + 0.2, 60 + i % 5, 64});
            chords.push_back({0.25 * i, 0.25 * i + 0.2, 60, 64});
            chords.push_back({0.25 * i + 0.01, 0.25 * i + 0.2, 67, 64});
            quarters.push_back({0.5 * i, 0.5 * i + 0.4, 60, 64});
        }
        const auto h = cli::ioiHistogram(eighths);
        double sum = 0;
        for (double x : h) sum += x;
        QVERIFY(std::abs(sum - 1) < 1e-12);
        QVERIFY(std::abs(cli::histogramOverlap(h, cli::ioiHistogram(chords)) - 1) < 1e-12);
        // 0.5 s lies a whole bin (half an octave) and more from 0.25 s: nothing in common.
        QCOMPARE(cli::histogramOverlap(h, cli::ioiHistogram(quarters)), 0.0);
        // Half eighths, half quarters: half in common with each.
        std::vector<TimedNote> mixed;
        double t = 0;
        for (int i = 0; i < 17; ++i) mixed.push_back({t, t + 0.2, 60, 64}), t += i % 2 ? 0.5 : 0.25;
        QVERIFY(std::abs(cli::histogramOverlap(h, cli::ioiHistogram(mixed)) - 0.5) < 1e-12);
        // One onset has no intervals: an empty histogram overlaps nothing.
        QCOMPARE(cli::histogramOverlap(cli::ioiHistogram({eighths[0]}), h), 0.0);
    }

    void chordsReduceToTheirTopNote() {
        // A chord struck over 20 ms, a single note, a chord written top note first, and two
        // onsets 40 ms apart (two groups); the input is not in time order.
        const std::vector<TimedNote> notes{
            {1.00, 1.5, 72, 80}, {1.04, 1.5, 60, 80},                      // two groups
            {0.00, 0.4, 48, 80}, {0.01, 0.4, 55, 80}, {0.02, 0.4, 64, 80}, // C E G, top 64
            {0.50, 0.7, 62, 80},                                           // alone
            {0.75, 0.9, 79, 80}, {0.76, 0.9, 67, 80}, {0.77, 0.9, 71, 80}, // top first, 79
        };
        QCOMPARE(cli::topVoice(notes), (std::vector<int>{64, 62, 79, 72, 60}));
    }

    void groupsAreMeasuredFromTheirFirstOnset() {
        // 0, 20, 40 ms: the third is 40 ms after the group's first note, so it starts another
        // group even though it is 20 ms after the second (no chaining through an arpeggio).
        const std::vector<TimedNote> notes{{0.00, 0.5, 60, 80}, {0.02, 0.5, 67, 80}, {0.04, 0.5, 64, 80}};
        QCOMPARE(cli::topVoice(notes), (std::vector<int>{67, 64}));
        QCOMPARE(cli::topVoice({}), std::vector<int>{});
    }

    void aTransposedRepeatIsReuseButNotCopy() {
        const std::vector<int> primer{60, 62, 64, 65, 67, 65, 64};
        const auto continuation = transposed(primer, 5);
        const auto reuse = cli::motifReuse(primer, continuation);
        QCOMPARE(reuse.runs, 4);
        QCOMPARE(reuse.shared, 4);
        QCOMPARE(reuse.share(), 1.0);
        const auto copy = cli::verbatimCopy(primer, continuation);
        QCOMPARE(copy.runs, 2);
        QCOMPARE(copy.shared, 0);
        QCOMPARE(copy.share(), 0.0);
    }

    void aVerbatimRepeatCountsForBoth() {
        const std::vector<int> primer{60, 62, 64, 65, 67, 65, 64, 62};
        const std::vector<int> continuation{64, 65, 67, 65, 64, 62}; // the primer's last six notes
        QCOMPARE(cli::motifReuse(primer, continuation).share(), 1.0);
        const auto copy = cli::verbatimCopy(primer, continuation);
        QCOMPARE(copy.runs, 1);
        QCOMPARE(copy.shared, 1);
        QCOMPARE(copy.share(), 1.0);
    }

    void anUnrelatedFigureIsNeither() {
        const std::vector<int> primer{60, 62, 64, 65, 67, 65, 64};
        const std::vector<int> unrelated{60, 61, 60, 61, 60, 61, 60}; // +1 -1 +1 never occurs in the primer
        QCOMPARE(cli::motifReuse(primer, unrelated).runs, 4);
        QCOMPARE(cli::motifReuse(primer, unrelated).shared, 0);
        QCOMPARE(cli::verbatimCopy(primer, unrelated).shared, 0);
        // Half and half: the primer's first figure transposed, then an unrelated one.
        const std::vector<int> mixed{70, 72, 74, 75, 50, 60, 49};
        const auto reuse = cli::motifReuse(primer, mixed);
        QCOMPARE(reuse.runs, 4);
        QCOMPARE(reuse.shared, 1); // only 70 72 74 75 is +2 +2 +1
        QCOMPARE(reuse.share(), 0.25);
    }

    void tooFewNotesGiveNoFiguresAndAZeroShare() {
        const std::vector<int> primer{60, 62, 64, 65, 67, 65, 64};
        const std::vector<int> three{60, 62, 64}, five{60, 62, 64, 65, 67};
        QCOMPARE(cli::motifReuse(primer, three).runs, 0);
        QCOMPARE(cli::motifReuse(primer, three).share(), 0.0);
        QCOMPARE(cli::verbatimCopy(primer, five).runs, 0);
        QCOMPARE(cli::verbatimCopy(primer, five).share(), 0.0);
        QCOMPARE(cli::motifReuse(primer, {}).share(), 0.0);
        // A primer too short to have figures: the continuation's figures are counted, none shared.
        const auto fromShort = cli::motifReuse(three, primer);
        QCOMPARE(fromShort.runs, 4);
        QCOMPARE(fromShort.shared, 0);
        QCOMPARE(cli::verbatimCopy(five, primer).share(), 0.0);
        QVERIFY(!std::isnan(cli::motifReuse({}, {}).share()));
    }

    void chordedMusicIsMeasuredOnItsMelody() {
        // The primer's melody on top of held chords; the continuation plays the melody a fourth
        // higher over other chords: reuse through the top voice, no verbatim copy.
        const std::vector<int> melody{72, 74, 76, 77, 79, 77, 76};
        std::vector<TimedNote> primer = line(melody), continuation = line(transposed(melody, 5), 10);
        for (std::size_t i = 0; i < melody.size(); ++i) {
            primer.push_back({primer[i].start + 0.005, primer[i].end, 48 + int(i % 3) * 4, 60});
            continuation.push_back({continuation[i].start + 0.01, continuation[i].end, 41 + int(i % 2) * 7, 60});
        }
        const auto primerTop = cli::topVoice(primer), continuationTop = cli::topVoice(continuation);
        QCOMPARE(primerTop, melody);
        QCOMPARE(cli::motifReuse(primerTop, continuationTop).share(), 1.0);
        QCOMPARE(cli::verbatimCopy(primerTop, continuationTop).share(), 0.0);
        QCOMPARE(cli::verbatimCopy(primerTop, cli::topVoice(line(melody, 10))).share(), 1.0);
    }
};

QTEST_GUILESS_MAIN(TestMotifMeasures)
#include "test_motif_measures.moc"
