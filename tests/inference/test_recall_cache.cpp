// The recall cache (RecallCache.h) on its own, against the formula written out here: what it
// holds, what it reads, and how it mixes its guess into the network's distribution. Plain
// C++ on the runtime library; the model-level checks are in test_recall.
#include "HalfKernels.h"
#include "RecallCache.h"

#include "InferenceTestUtil.h"

#include <QtTest>

#include <cmath>
#include <random>

using namespace continuo;
using namespace continuo::inference;

namespace {

RecallOptions options(double weight, double sharpness, double threshold, int minDistance, int capacity) {
    return testutil::recallOptions(weight, sharpness, threshold, minDistance, capacity);
}

/// The unit vector of x, rounded to half as the cache holds it, in doubles.
std::vector<double> heldKey(const std::vector<float>& x) {
    double sq = 0;
    for (float v : x) sq += double(v) * double(v);
    std::vector<double> out;
    for (float v : x) out.push_back(kernels::halfToFloat(kernels::floatToHalf(float(double(v) / std::sqrt(sq)))));
    return out;
}

} // namespace

class TestRecallCache : public QObject {
    Q_OBJECT
private slots:
    void cacheMatchesTheFormula_data() {
        QTest::addColumn<int>("adds");
        QTest::newRow("ring not yet compacted") << 30;
        // 65 adds to a ring of 2 x 20 slots: the held entries move to its front twice.
        QTest::newRow("ring compacted twice") << 65;
    }
    void cacheMatchesTheFormula() {
        QFETCH(int, adds);
        const int dim = 16, vocab = 12;
        const RecallOptions o = options(0.4, 5.0, 0.5, 3, 20);
        RecallCache cache(o, dim);
        std::mt19937 rng(7);
        std::normal_distribution<float> normal;
        std::vector<std::vector<float>> keys;
        std::vector<int> next;
        for (int i = 0; i < adds; ++i) {
            std::vector<float> k(dim);
            for (float& v : k) v = normal(rng);
            keys.push_back(k);
            next.push_back(int(rng() % vocab));
            cache.add(k.data(), next.back());
        }
        QCOMPARE(cache.size(), std::int64_t(20)); // the oldest are gone
        const int oldest = adds - 20;
        std::vector<float> query(dim);
        for (float& v : query) v = normal(rng);
        query = keys[std::size_t(adds - 15)]; // close to an entry that is recalled
        for (float& v : query) v += 0.1f * normal(rng);
        std::vector<float> probs(vocab);
        double total = 0;
        for (float& p : probs) total += (p = 0.1f + float(rng() % 100) / 100.0f);
        for (float& p : probs) p = float(p / total);
        const std::vector<float> network = probs;

        // Entries adds-20 .. adds-4 are read: the last 20 held, less the newest 3.
        std::vector<double> q; // the query stays in float
        double qq = 0;
        for (float v : query) qq += double(v) * double(v);
        for (float v : query) q.push_back(double(float(double(v) / std::sqrt(qq))));
        std::vector<double> scores;
        for (int i = oldest; i < adds - 3; ++i) {
            const std::vector<double> k = heldKey(keys[std::size_t(i)]);
            double dot = 0;
            for (int d = 0; d < dim; ++d) dot += k[std::size_t(d)] * q[std::size_t(d)];
            scores.push_back(o.sharpness * dot);
        }
        double z = std::exp(o.sharpness * o.threshold);
        for (double s : scores) z += std::exp(s);
        const double networkShare = std::exp(o.sharpness * o.threshold) / z;
        std::vector<double> expected(vocab);
        for (int v = 0; v < vocab; ++v) expected[std::size_t(v)] = (1 - o.weight * (1 - networkShare)) * network[std::size_t(v)];
        for (int i = oldest; i < adds - 3; ++i)
            expected[std::size_t(next[std::size_t(i)])] += o.weight * std::exp(scores[std::size_t(i - oldest)]) / z;

        const double took = cache.mix(query.data(), probs.data(), vocab);
        QVERIFY(std::abs(took - o.weight * (1 - networkShare)) < 1e-5);
        QVERIFY2(took > 0.05, "the query is close to a held entry: recall should take a real share");
        double sum = 0;
        for (int v = 0; v < vocab; ++v) {
            QVERIFY2(std::abs(probs[std::size_t(v)] - expected[std::size_t(v)]) < 1e-5,
                     qPrintable(QString("%1: %2 %3").arg(v).arg(probs[std::size_t(v)]).arg(expected[std::size_t(v)])));
            sum += probs[std::size_t(v)];
        }
        QVERIFY(std::abs(sum - 1) < 1e-5);
    }

    void nothingToReadLeavesTheNetworkAlone() {
        const int dim = 8, vocab = 5;
        RecallCache cache(options(0.5, 10, 0.0, 4, 100), dim);
        std::vector<float> h(dim, 1.0f);
        for (int i = 0; i < 4; ++i) cache.add(h.data(), 2); // all within minDistance
        std::vector<float> logits{0.5f, -1.0f, 2.0f, 0.0f, 3.0f};
        const std::vector<float> before = logits;
        QCOMPARE(cache.mixLogits(h.data(), logits.data(), vocab), 0.0);
        QCOMPARE(logits, before);
        cache.add(h.data(), 2); // now one entry is far enough back, and it matches exactly
        QVERIFY(cache.mixLogits(h.data(), logits.data(), vocab) > 0.49);
        QVERIFY(std::exp(logits[2]) > 0.5 && logits[2] > logits[4]);
        RecallCache off(RecallOptions::off(), dim);
        off.add(h.data(), 1);
        std::vector<float> again = before;
        QCOMPARE(off.mixLogits(h.data(), again.data(), vocab), 0.0);
        QCOMPARE(again, before);
    }
};

QTEST_GUILESS_MAIN(TestRecallCache)
#include "test_recall_cache.moc"
