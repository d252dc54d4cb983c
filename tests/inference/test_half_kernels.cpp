// The half-float decoding kernels against references computed in double from the same half
// values, on the fast path and on the one-value-at-a-time path.
#include "DecodeKernels.h"
#include "HalfKernels.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

using namespace continuo::inference::kernels;

namespace {

std::uint32_t bitsOf(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

float fromBits(std::uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

/// The value of a finite half from its fields, in double: the definition of binary16.
double halfValue(std::uint16_t h) {
    const int sign = (h & 0x8000) ? -1 : 1;
    const int exponent = (h >> 10) & 0x1f;
    const int mantissa = h & 0x3ff;
    if (exponent == 0) return sign * std::ldexp(double(mantissa), -24);
    return sign * std::ldexp(1.0 + mantissa / 1024.0, exponent - 15);
}

std::vector<std::uint16_t> randomHalves(std::size_t n, float scale, std::mt19937& rng) {
    std::normal_distribution<float> normal(0.0f, scale);
    std::vector<std::uint16_t> out(n);
    for (auto& h : out) h = floatToHalf(normal(rng));
    return out;
}

/// One head's keys, relative-table rows and values as halves (K rows of D), and the same
/// values as floats, for comparing the half kernel with the float one.
struct HeadCache {
    std::vector<std::uint16_t> k, e, v;
    std::vector<float> kf, ef, vf;
};
HeadCache randomHead(int K, int D, std::mt19937& rng) {
    HeadCache c;
    c.k = randomHalves(std::size_t(K * D), 1.0f, rng);
    c.e = randomHalves(std::size_t(K * D), 0.3f, rng);
    c.v = randomHalves(std::size_t(K * D), 1.0f, rng);
    for (auto [from, to] : {std::pair{&c.k, &c.kf}, std::pair{&c.e, &c.ef}, std::pair{&c.v, &c.vf}})
        for (std::uint16_t h : *from) to->push_back(halfToFloat(h));
    return c;
}

/// Double-precision single-query attention over half keys, table rows and values, the
/// definition kernels::attendOneHead documents: logit_j = q . (k_j + e_j) * scale + bias_j.
std::vector<double> attendReference(const std::vector<float>& q, const std::vector<std::uint16_t>& k,
                                    const std::vector<std::uint16_t>& e, const std::vector<std::uint16_t>& v,
                                    const std::vector<float>& bias, int K, int D, int stride, double scale) {
    std::vector<double> logits(std::size_t(K), 0.0);
    double top = -std::numeric_limits<double>::infinity();
    for (int j = 0; j < K; ++j) {
        double s = 0;
        for (int d = 0; d < D; ++d)
            s += double(q[std::size_t(d)]) *
                 (halfValue(k[std::size_t(j * stride + d)]) + halfValue(e[std::size_t(j * stride + d)]));
        logits[std::size_t(j)] = s * scale + (bias.empty() ? 0.0 : double(bias[std::size_t(j)]));
        top = std::max(top, logits[std::size_t(j)]);
    }
    double sum = 0;
    for (double& l : logits) sum += (l = std::exp(l - top));
    std::vector<double> y(std::size_t(D), 0.0);
    for (int j = 0; j < K; ++j)
        for (int d = 0; d < D; ++d) y[std::size_t(d)] += logits[std::size_t(j)] / sum * halfValue(v[std::size_t(j * stride + d)]);
    return y;
}

} // namespace

class TestHalfKernels : public QObject {
    Q_OBJECT
private slots:
    void cleanup() { allowAcceleratedHalfKernels(true); }

    void everyHalfConvertsExactlyAndBack() {
        int finite = 0;
        for (std::uint32_t h = 0; h < 65536; ++h) {
            const float f = halfToFloat(std::uint16_t(h));
            const bool nan = ((h >> 10) & 0x1f) == 31 && (h & 0x3ff) != 0;
            if (nan) {
                QVERIFY(std::isnan(f));
                QCOMPARE(floatToHalf(f) & 0x7e00, 0x7e00); // stays a NaN, sign kept apart
                continue;
            }
            if (((h >> 10) & 0x1f) != 31) {
                QCOMPARE(double(f), halfValue(std::uint16_t(h)));
                ++finite;
            } else {
                QVERIFY(std::isinf(f));
            }
            QCOMPARE(int(floatToHalf(f)), int(h)); // the round trip is the identity
        }
        QCOMPARE(finite, 63488);
    }

    void floatsRoundToTheNearestHalfTiesToEven() {
        // Between neighbouring halves a and b: below the midpoint gives a, above gives b, and
        // the midpoint itself gives the one with an even mantissa. Over normals and subnormals.
        std::mt19937 rng(7);
        for (int n = 0; n < 20000; ++n) {
            const auto a = std::uint16_t(rng() % 0x7bff); // a finite half with a finite successor
            const auto b = std::uint16_t(a + 1);
            const double lo = halfValue(a), hi = halfValue(b), mid = (lo + hi) / 2;
            const float midpoint = float(mid); // exact: a half midpoint needs 12 significant bits
            QCOMPARE(double(midpoint), mid);
            QCOMPARE(int(floatToHalf(midpoint)), int((a & 1) == 0 ? a : b));
            QCOMPARE(int(floatToHalf(std::nextafter(midpoint, 0.0f))), int(a));
            QCOMPARE(int(floatToHalf(std::nextafter(midpoint, 1e9f))), int(b));
            QCOMPARE(int(floatToHalf(-midpoint)), int(0x8000 | ((a & 1) == 0 ? a : b)));
        }
        QCOMPARE(int(floatToHalf(65504.0f)), 0x7bff);                            // the largest half
        QCOMPARE(int(floatToHalf(std::nextafter(65520.0f, 0.0f))), 0x7bff);      // rounds down to it
        QCOMPARE(int(floatToHalf(65520.0f)), 0x7c00);                            // the midpoint to infinity
        QCOMPARE(int(floatToHalf(1e30f)), 0x7c00);
        QCOMPARE(int(floatToHalf(fromBits(0x33000000))), 0);                     // 2^-25: a tie, to zero
        QCOMPARE(int(floatToHalf(fromBits(0x33000001))), 1);                     // just above: the smallest
        QCOMPARE(bitsOf(halfToFloat(floatToHalf(-0.0f))), bitsOf(-0.0f));
    }

    void linearHalfEqualsDoubleReference_data() {
        QTest::addColumn<bool>("accelerated");
        QTest::addColumn<int>("in");
        QTest::addColumn<int>("out");
        for (bool fast : {true, false}) {
            const char* path = fast ? "fast path" : "plain path";
            QTest::newRow(qPrintable(QString("%1, 192 -> 768").arg(path))) << fast << 192 << 768;
            QTest::newRow(qPrintable(QString("%1, 768 -> 192").arg(path))) << fast << 768 << 192;
            QTest::newRow(qPrintable(QString("%1, 21 -> 7 (tails)").arg(path))) << fast << 21 << 7;
        }
    }
    void linearHalfEqualsDoubleReference() {
        QFETCH(bool, accelerated);
        QFETCH(int, in);
        QFETCH(int, out);
        allowAcceleratedHalfKernels(accelerated);
        std::mt19937 rng(std::uint32_t(in * 31 + out));
        const auto w = randomHalves(std::size_t(in) * std::size_t(out), 0.05f, rng);
        std::normal_distribution<float> normal(0.0f, 1.0f);
        std::vector<float> x(static_cast<std::size_t>(in)), bias(static_cast<std::size_t>(out)), y(static_cast<std::size_t>(out));
        for (auto& f : x) f = normal(rng);
        for (auto& f : bias) f = normal(rng);
        linearHalf(x.data(), in, w.data(), out, bias.data(), y.data());
        double worst = 0;
        for (int o = 0; o < out; ++o) {
            double ref = bias[std::size_t(o)];
            for (int i = 0; i < in; ++i) ref += halfValue(w[std::size_t(o * in + i)]) * double(x[std::size_t(i)]);
            worst = std::max(worst, std::abs(ref - double(y[std::size_t(o)])));
        }
        QVERIFY2(worst < 1e-5, qPrintable(QString("largest error %1").arg(worst))); // float summation only
        std::vector<float> noBias(static_cast<std::size_t>(out));
        linearHalf(x.data(), in, w.data(), out, nullptr, noBias.data());
        for (int o = 0; o < out; ++o)
            QVERIFY(std::abs(double(noBias[std::size_t(o)]) + double(bias[std::size_t(o)]) - double(y[std::size_t(o)])) < 1e-5);
    }

    void linearHalfRowsEqualsDoubleReference_data() {
        QTest::addColumn<bool>("accelerated");
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("in");
        QTest::addColumn<int>("out");
        for (bool fast : {true, false}) {
            const char* path = fast ? "fast path" : "plain path";
            for (int rows : {1, 2, 3, 4, 7})
                QTest::newRow(qPrintable(QString("%1, %2 rows, 192 -> 576").arg(path).arg(rows))) << fast << rows << 192 << 576;
            QTest::newRow(qPrintable(QString("%1, 3 rows, 21 -> 7 (tails)").arg(path))) << fast << 3 << 21 << 7;
        }
    }
    void linearHalfRowsEqualsDoubleReference() {
        // Several rows through one pass over the weights: each row as its own product.
        QFETCH(bool, accelerated);
        QFETCH(int, rows);
        QFETCH(int, in);
        QFETCH(int, out);
        allowAcceleratedHalfKernels(accelerated);
        std::mt19937 rng(std::uint32_t(rows * 1000 + in * 31 + out));
        const auto w = randomHalves(std::size_t(in) * std::size_t(out), 0.05f, rng);
        std::normal_distribution<float> normal(0.0f, 1.0f);
        std::vector<float> x(static_cast<std::size_t>(rows * in)), bias(static_cast<std::size_t>(out)),
            y(static_cast<std::size_t>(rows * out), -1.0f);
        for (auto& f : x) f = normal(rng);
        for (auto& f : bias) f = normal(rng);
        linearHalfRows(x.data(), rows, in, w.data(), out, bias.data(), y.data());
        double worst = 0;
        for (int r = 0; r < rows; ++r)
            for (int o = 0; o < out; ++o) {
                double ref = bias[std::size_t(o)];
                for (int i = 0; i < in; ++i) ref += halfValue(w[std::size_t(o * in + i)]) * double(x[std::size_t(r * in + i)]);
                worst = std::max(worst, std::abs(ref - double(y[std::size_t(r * out + o)])));
            }
        QVERIFY2(worst < 1e-5, qPrintable(QString("largest error %1").arg(worst)));
    }

    void floatsToHalvesRoundsLikeFloatToHalf_data() {
        QTest::addColumn<bool>("accelerated");
        QTest::newRow("fast path") << true;
        QTest::newRow("plain path") << false;
    }
    void floatsToHalvesRoundsLikeFloatToHalf() {
        // Ordinary values, ties, subnormals, overflow, infinities and a tail shorter than a vector.
        QFETCH(bool, accelerated);
        allowAcceleratedHalfKernels(accelerated);
        std::mt19937 rng(5);
        std::normal_distribution<float> normal(0.0f, 30.0f);
        std::vector<float> in;
        for (int i = 0; i < 997; ++i) in.push_back(normal(rng));
        for (float f : {0.0f, -0.0f, 1.0f + 1.0f / 2048, 1.0f + 3.0f / 2048, 3e-6f, -7e-8f, 65504.0f, 65520.0f, 1e6f,
                        -std::numeric_limits<float>::infinity()})
            in.push_back(f);
        std::vector<std::uint16_t> out(in.size());
        floatsToHalves(in.data(), std::int64_t(in.size()), out.data());
        for (std::size_t i = 0; i < in.size(); ++i)
            QVERIFY2(out[i] == floatToHalf(in[i]), qPrintable(QString("value %1").arg(double(in[i]))));
    }

    void layerNormAndGeluEqualDoubleReference() {
        std::mt19937 rng(9);
        std::normal_distribution<float> normal(0.5f, 3.0f);
        const int n = 192;
        std::vector<float> x(n), gain(n), shift(n), y(n);
        for (auto& f : x) f = normal(rng);
        for (auto& f : gain) f = normal(rng);
        for (auto& f : shift) f = normal(rng);
        layerNormRow(x.data(), n, gain.data(), shift.data(), 1e-5f, y.data());
        double mean = 0, var = 0;
        for (float f : x) mean += f;
        mean /= n;
        for (float f : x) var += (f - mean) * (f - mean);
        var /= n;
        for (int i = 0; i < n; ++i) {
            const double ref = (x[std::size_t(i)] - mean) / std::sqrt(var + 1e-5) * gain[std::size_t(i)] + shift[std::size_t(i)];
            QVERIFY2(std::abs(ref - y[std::size_t(i)]) < 1e-5 * (1 + std::abs(ref)), qPrintable(QString::number(i)));
        }
        auto g = x;
        geluInPlace(g.data(), n);
        for (int i = 0; i < n; ++i) {
            const double v = x[std::size_t(i)], ref = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
            QVERIFY(std::abs(ref - g[std::size_t(i)]) < 1e-6 * (1 + std::abs(ref)));
        }
    }

    void attendHalfEqualsDoubleReference_data() {
        QTest::addColumn<bool>("accelerated");
        QTest::addColumn<int>("D");
        QTest::addColumn<int>("K");
        QTest::addColumn<bool>("bias");
        for (bool fast : {true, false}) {
            const char* path = fast ? "fast path" : "plain path";
            QTest::newRow(qPrintable(QString("%1, D 48, 1280 keys, bias").arg(path))) << fast << 48 << 1280 << true;
            QTest::newRow(qPrintable(QString("%1, D 16, 1 key").arg(path))) << fast << 16 << 1 << false;
            QTest::newRow(qPrintable(QString("%1, D 64, 300 keys, bias").arg(path))) << fast << 64 << 300 << true;
            QTest::newRow(qPrintable(QString("%1, D 12 (no fast kernel), 40 keys").arg(path))) << fast << 12 << 40 << false;
        }
    }
    void attendHalfEqualsDoubleReference() {
        QFETCH(bool, accelerated);
        QFETCH(int, D);
        QFETCH(int, K);
        QFETCH(bool, bias);
        allowAcceleratedHalfKernels(accelerated);
        std::mt19937 rng(std::uint32_t(D * 1000 + K));
        const int stride = D + 8; // rows apart by more than D, as heads of one cache are
        const auto k = randomHalves(std::size_t(K) * std::size_t(stride), 1.0f, rng);
        const auto e = randomHalves(std::size_t(K) * std::size_t(stride), 0.3f, rng);
        const auto v = randomHalves(std::size_t(K) * std::size_t(stride), 1.0f, rng);
        std::normal_distribution<float> normal(0.0f, 1.0f);
        std::vector<float> q(static_cast<std::size_t>(D)), b(bias ? static_cast<std::size_t>(K) : 0), scratch(static_cast<std::size_t>(K)), y(static_cast<std::size_t>(D));
        for (auto& f : q) f = normal(rng);
        for (auto& f : b) f = 2.0f * normal(rng);
        const float scale = 1.0f / std::sqrt(float(D));
        attendOneHeadHalf(q.data(), k.data(), stride, e.data(), stride, v.data(), stride, bias ? b.data() : nullptr, K, D,
                          scale, scratch.data(), y.data());
        const auto ref = attendReference(q, k, e, v, b, K, D, stride, double(scale));
        double worst = 0, largest = 0;
        for (int d = 0; d < D; ++d) {
            worst = std::max(worst, std::abs(ref[std::size_t(d)] - double(y[std::size_t(d)])));
            largest = std::max(largest, std::abs(ref[std::size_t(d)]));
        }
        QVERIFY2(worst < 1e-5, qPrintable(QString("largest error %1").arg(worst)));
        QVERIFY(largest > 1e-3); // the comparison is not between zeros
    }

    void subnormalsFlushOnlyInsideTheKernels() {
#if defined(__x86_64__)
        volatile float tiny = 1e-39f; // subnormal (below 2^-126 = 1.18e-38)
        const auto mode = [] { return _mm_getcsr() & ~0x3fu; }; // the control bits, not the sticky flags
        const unsigned callers = mode();
        QVERIFY(tiny * 1.0f > 0.0f); // the test's own thread keeps subnormals
        {
            const FlushSubnormals flush;
            QCOMPARE(tiny * 1.0f, 0.0f);
        }
        QCOMPARE(mode(), callers);
        QVERIFY(tiny * 1.0f > 0.0f);
        // Attention where most keys are far below the best: their weights underflow, and the
        // kernels still agree with the double reference and hand the caller's mode back.
        std::mt19937 rng(11);
        const int K = 700, D = 48;
        const HeadCache c = randomHead(K, D, rng);
        const auto &k = c.k, &e = c.e, &v = c.v;
        const auto &kf = c.kf, &ef = c.ef, &vf = c.vf;
        std::normal_distribution<float> normal(0.0f, 1.0f);
        std::vector<float> q(D), b(K), scratch(K), y(D);
        for (auto& f : q) f = normal(rng);
        for (int j = 0; j < K; ++j) b[std::size_t(j)] = j % 7 == 0 ? 0.0f : -86.0f - float(j % 5); // e^-86..-90: 2^-124..-130
        const auto ref = attendReference(q, k, e, v, b, K, D, D, 0.125);
        for (int path = 0; path < 3; ++path) {
            allowAcceleratedHalfKernels(path == 0);
            if (path < 2)
                attendOneHeadHalf(q.data(), k.data(), D, e.data(), D, v.data(), D, b.data(), K, D, 0.125f, scratch.data(), y.data());
            else
                attendOneHead(q.data(), kf.data(), D, ef.data(), D, vf.data(), D, b.data(), K, D, 0.125f, scratch.data(), y.data());
            QCOMPARE(mode(), callers);
            for (int d = 0; d < D; ++d)
                QVERIFY2(std::abs(ref[std::size_t(d)] - double(y[std::size_t(d)])) < 1e-5, qPrintable(QString("path %1").arg(path)));
        }
#else
        QSKIP("not an x86 CPU: flushing subnormals to zero is a setting of x86's MXCSR, nothing to check here");
#endif
    }

    void halfMatchesFloatKernelOnTheSameValues() {
        // The float kernel given the halves' values gives the same attention: the half kernel
        // differs from it by how it stores, not by what it computes.
        std::mt19937 rng(3);
        const int K = 517, D = 48;
        const HeadCache c = randomHead(K, D, rng);
        const auto &k = c.k, &e = c.e, &v = c.v;
        const auto &kf = c.kf, &ef = c.ef, &vf = c.vf;
        std::normal_distribution<float> normal(0.0f, 1.0f);
        std::vector<float> q(D), b(K), scratch(K), yHalf(D), yFloat(D);
        for (auto& f : q) f = normal(rng);
        for (auto& f : b) f = normal(rng);
        attendOneHeadHalf(q.data(), k.data(), D, e.data(), D, v.data(), D, b.data(), K, D, 0.125f, scratch.data(), yHalf.data());
        attendOneHead(q.data(), kf.data(), D, ef.data(), D, vf.data(), D, b.data(), K, D, 0.125f, scratch.data(), yFloat.data());
        for (int d = 0; d < D; ++d) QVERIFY(std::abs(yHalf[std::size_t(d)] - yFloat[std::size_t(d)]) < 1e-5f);
    }
};

QTEST_GUILESS_MAIN(TestHalfKernels)
#include "test_half_kernels.moc"
