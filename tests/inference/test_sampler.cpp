#include "continuo/inference/Sampler.h"

#include <QtTest>

#include <cmath>
#include <set>

using namespace continuo::inference;

class TestSampler : public QObject {
    Q_OBJECT
    std::vector<float> logits() const {
        // Token i has logit -i/4: a smooth, known distribution over 20 tokens.
        std::vector<float> l(20);
        for (int i = 0; i < 20; ++i) l[std::size_t(i)] = -float(i) / 4;
        return l;
    }
private slots:
    void randomIsReproducible() {
        Random a(42), b(42), c(43);
        for (int i = 0; i < 100; ++i) QCOMPARE(a.next(), b.next());
        QVERIFY(Random(42).next() != c.next());
        Random r(1);
        for (int i = 0; i < 1000; ++i) {
            double u = r.uniform();
            QVERIFY(u >= 0 && u < 1);
        }
    }
    void sameSeedSameTokens() {
        Sampler s({.temperature = 1.0, .topP = 0.9});
        Random a(7), b(7);
        auto l = logits();
        for (int i = 0; i < 200; ++i) QCOMPARE(s.sample(l, a), s.sample(l, b));
    }
    void temperatureSharpens() {
        auto l = logits();
        auto hot = Sampler({.temperature = 2.0, .topP = 1.0}).distribution(l);
        auto cold = Sampler({.temperature = 0.5, .topP = 1.0}).distribution(l);
        auto plain = Sampler({.temperature = 1.0, .topP = 1.0}).distribution(l);
        QVERIFY(cold[0] > plain[0] && plain[0] > hot[0]);
        double sum = 0;
        for (double p : plain) sum += p;
        QVERIFY(std::abs(sum - 1) < 1e-12);
        // Softmax of -i/4 at T=1: p0 = 1 / sum exp(-i/4).
        double z = 0;
        for (int i = 0; i < 20; ++i) z += std::exp(-i / 4.0);
        QVERIFY(std::abs(plain[0] - 1 / z) < 1e-9);
    }
    void topKKeepsK() {
        auto p = Sampler({.temperature = 1.0, .topP = 1.0, .topK = 3}).distribution(logits());
        int nonzero = 0;
        for (double x : p) nonzero += x > 0;
        QCOMPARE(nonzero, 3);
        QVERIFY(p[0] > 0 && p[1] > 0 && p[2] > 0 && p[3] == 0);
    }
    void topPKeepsSmallestSetWithMass_data() {
        QTest::addColumn<double>("temperature");
        QTest::newRow("plain") << 1.0;
        // The nucleus is measured after temperature: a hot distribution needs more tokens to
        // reach the mass, a cold one fewer.
        QTest::newRow("hot") << 2.0;
        QTest::newRow("cold") << 0.5;
    }
    void topPKeepsSmallestSetWithMass() {
        QFETCH(double, temperature);
        auto full = Sampler({.temperature = temperature, .topP = 1.0}).distribution(logits());
        auto p = Sampler({.temperature = temperature, .topP = 0.5}).distribution(logits());
        double mass = 0;
        int keep = 0;
        while (mass < 0.5) mass += full[std::size_t(keep++)];
        for (int i = 0; i < 20; ++i) QCOMPARE(p[std::size_t(i)] > 0, i < keep);
        // What is kept has the tempered distribution's proportions, renormalised.
        for (int i = 1; i < keep; ++i)
            QVERIFY(std::abs(p[std::size_t(i)] / p[0] - full[std::size_t(i)] / full[0]) < 1e-9);
    }
    void bannedNeverChosen() {
        auto l = logits();
        Sampler s({.temperature = 1.0, .topP = 1.0});
        Random r(3);
        const int banned[] = {0, 1, 2};
        std::set<int> seen;
        for (int i = 0; i < 2000; ++i) seen.insert(s.sample(l, r, banned));
        QVERIFY(!seen.count(0) && !seen.count(1) && !seen.count(2));
        QVERIFY(seen.size() > 8);
    }
    void frequenciesFollowDistribution() {
        auto l = logits();
        Sampler s({.temperature = 1.0, .topP = 1.0});
        auto p = s.distribution(l);
        Random r(11);
        std::vector<int> count(20);
        const int n = 20000;
        for (int i = 0; i < n; ++i) ++count[std::size_t(s.sample(l, r))];
        for (int i = 0; i < 5; ++i) QVERIFY(std::abs(count[std::size_t(i)] / double(n) - p[std::size_t(i)]) < 0.02);
    }
};

QTEST_GUILESS_MAIN(TestSampler)
#include "test_sampler.moc"
