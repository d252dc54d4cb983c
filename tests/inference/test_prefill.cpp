// Feeding only the primer's last events that can reach the next token gives the state that
// feeding all of it gives: checked against the whole primer fed segment by segment.
#include "Dsmr.h"
#include "ModelImpl.h"
#include "SmallBatch.h"
#include "TinyModel.h"

#include <QtTest>

using namespace continuo::inference;

namespace {

/// The last logits after feeding `toks` from `from` on, in the decoding plan's segments.
torch::Tensor feedFrom(Dsmr& net, const std::vector<int>& toks, std::size_t from) {
    const DecodePlan plan = decodePlan(net->config);
    auto caches = net->newCaches(1, torch::kCPU);
    torch::Tensor logits;
    std::size_t at = from;
    while (at < toks.size()) {
        const std::size_t n = std::min<std::size_t>(std::size_t(plan.segment - caches[0].segment), toks.size() - at);
        std::vector<std::int64_t> chunk(toks.begin() + long(at), toks.begin() + long(at + n));
        logits = net->step(torch::tensor(chunk, torch::kLong).view({1, long(n)}), caches);
        DsmrImpl::rollFull(caches, plan.horizons, plan.segment);
        at += n;
    }
    return logits;
}

std::vector<int> randomTokens(int n, int seed) {
    std::vector<int> t;
    std::uint32_t x = std::uint32_t(seed) * 2654435761u + 1;
    for (int i = 0; i < n; ++i) {
        x = x * 1664525u + 1013904223u;
        t.push_back(int(x >> 8) % 388);
    }
    return t;
}

} // namespace

class TestPrefill : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { at::set_num_threads(1); }

    void smallBatchLinearMatchesTheLayer_data() {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("in");
        QTest::addColumn<int>("out");
        QTest::addColumn<bool>("bias");
        for (int rows : {1, 2, 3, 4, 5, 8}) QTest::newRow(qPrintable(QString("%1 rows").arg(rows))) << rows << 192 << 576 << true;
        // Widths that leave tails: inputs past the last 8, outputs past the last pass.
        for (int rows : {1, 2, 3, 6}) QTest::newRow(qPrintable(QString("%1 rows, odd width, no bias").arg(rows))) << rows << 37 << 11 << false;
    }
    void smallBatchLinearMatchesTheLayer() {
        QFETCH(int, rows);
        QFETCH(int, in);
        QFETCH(int, out);
        QFETCH(bool, bias);
        torch::NoGradGuard g;
        torch::manual_seed(rows * 100 + in);
        torch::nn::Linear layer(torch::nn::LinearOptions(in, out).bias(bias));
        auto x = torch::randn({rows, 1, in});
        auto expected = layer->forward(x); // GEMM
        auto got = linear(layer, x);      // one pass over the weights
        QCOMPARE(got.sizes().vec(), expected.sizes().vec());
        QVERIFY2(torch::allclose(got, expected, 1e-5, 1e-4), qPrintable(QString::number((got - expected).abs().max().item<double>())));
        // Raw kernel, every row independent of the others.
        auto w = layer->weight.contiguous();
        std::vector<float> y(std::size_t(rows * out));
        kernels::linearRows(x.contiguous().data_ptr<float>(), rows, in, w.data_ptr<float>(), out,
                            bias ? layer->bias.data_ptr<float>() : nullptr, y.data());
        for (int r = 0; r < rows; ++r) {
            auto one = layer->forward(x[r]).reshape({out});
            for (int o = 0; o < out; ++o) QVERIFY(std::abs(y[std::size_t(r * out + o)] - one[o].item<float>()) < 1e-4f);
        }
    }

    void receptiveFieldIsTheSumOfHorizonsAndSegments() {
        QCOMPARE(receptiveField(tinyConfig({64, 16}, 32)), (64 + 32) + (16 + 32));
        // A memoryless model decodes with a sliding window of S/2 remembered + S/2 new.
        QCOMPARE(receptiveField(tinyConfig({0, 0, 0}, 32)), 3 * (16 + 16));
    }

    void stateBeyondTheReceptiveFieldDoesNotMatter_data() {
        QTest::addColumn<std::vector<int>>("horizons");
        QTest::addColumn<int>("segment");
        QTest::addColumn<int>("length");
        QTest::newRow("two-scale") << std::vector<int>{64, 16} << 32 << 700;
        QTest::newRow("memoryless window") << std::vector<int>{0, 0} << 32 << 515;
        QTest::newRow("one layer, odd length") << std::vector<int>{40} << 24 << 333;
    }
    void stateBeyondTheReceptiveFieldDoesNotMatter() {
        QFETCH(std::vector<int>, horizons);
        QFETCH(int, segment);
        QFETCH(int, length);
        torch::NoGradGuard g;
        torch::manual_seed(3);
        Dsmr net(tinyConfig(horizons, segment));
        net->eval();
        const auto toks = randomTokens(length, length);
        const DecodePlan plan = decodePlan(net->config);
        const std::size_t reach = std::size_t(receptiveField(net->config));
        const std::size_t cut = (toks.size() - reach) / std::size_t(plan.segment) * std::size_t(plan.segment);
        QVERIFY(cut > 0); // the test would prove nothing otherwise
        auto whole = feedFrom(net, toks, 0);
        auto tail = feedFrom(net, toks, cut);
        QVERIFY2(torch::allclose(whole, tail, 1e-5, 1e-5),
                 qPrintable(QString::number((whole - tail).abs().max().item<double>())));
        // One segment further back than needed is the same too; the last few events alone are not.
        QVERIFY(torch::allclose(whole, feedFrom(net, toks, cut - std::size_t(plan.segment)), 1e-5, 1e-5));
        QVERIFY(!torch::allclose(whole, feedFrom(net, toks, toks.size() - 8), 1e-5, 1e-5));
    }
};

QTEST_GUILESS_MAIN(TestPrefill)
#include "test_prefill.moc"
