// Long context: the distance bias's buckets and prior, how `train --init` grows a model into
// memory, and evaluation with capped context, against computations written for this test.
#include "ModelImpl.h"
#include "TinyModel.h"

#include "continuo/inference/Trainer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <set>

using namespace continuo;
using namespace continuo::inference;

namespace {

ModelConfig small(std::vector<int> horizons, int segment) { return tinyConfig(std::move(horizons), segment, 4); }

std::vector<Piece> randomPieces(std::vector<int> lengths, int seed) {
    torch::manual_seed(seed);
    std::vector<Piece> out;
    for (std::size_t p = 0; p < lengths.size(); ++p) {
        auto t = torch::randint(3, 391, {lengths[p]}, torch::kLong);
        Piece piece;
        piece.path = "random-" + std::to_string(p);
        for (int i = 0; i < lengths[p]; ++i) piece.tokens.push_back(std::uint16_t(t[i].item<int>()));
        out.push_back(std::move(piece));
    }
    return out;
}

torch::Tensor parameter(Model& m, const std::string& name) {
    auto params = m.impl().net->named_parameters();
    const torch::Tensor* p = params.find(name);
    if (!p) qFatal("no parameter %s", name.c_str());
    return p->detach().clone();
}

/// NLL (sum, tokens) of one piece as evaluate() streams it, computed segment by segment with
/// fresh forward passes: each segment's queries see that segment and the `context` tokens
/// before it (one layer: keys depend on the tokens only, so a window forward is exact).
std::pair<double, std::int64_t> windowNll(Dsmr& net, const Piece& piece, int context) {
    std::vector<std::int64_t> buf{tokens::kBos};
    buf.insert(buf.end(), piece.tokens.begin(), piece.tokens.end());
    buf.push_back(tokens::kEos);
    const int S = net->config.segment;
    double sum = 0;
    std::int64_t n = 0;
    for (std::size_t at = 0; at + 1 < buf.size(); at += std::size_t(S)) {
        const std::size_t len = std::min<std::size_t>(std::size_t(S), buf.size() - 1 - at);
        const std::size_t from = at >= std::size_t(context) ? at - std::size_t(context) : 0;
        std::vector<std::int64_t> in(buf.begin() + long(from), buf.begin() + long(at + len));
        std::vector<std::int64_t> target(buf.begin() + long(at + 1), buf.begin() + long(at + len + 1));
        std::vector<LayerMemory> none;
        auto logits = net->forward(torch::tensor(in, torch::kLong).view({1, -1}), none)[0]; // (window, V)
        auto logp = torch::log_softmax(logits.narrow(0, long(at - from), long(len)).to(torch::kDouble), -1);
        for (std::size_t t = 0; t < len; ++t) sum -= logp[long(t)][target[t]].item<double>();
        n += std::int64_t(len);
    }
    return {sum, n};
}

} // namespace

class TestLongContext : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { at::set_num_threads(1); }

    void scheduleNames() {
        auto name = [](std::vector<int> h) { return small(std::move(h), 256).scheduleName(); };
        QCOMPARE(name({0, 0, 0, 0}), std::string("none"));
        QCOMPARE(name({448, 448, 448, 448}), std::string("uniform 448"));
        QCOMPARE(name({1024, 256, 256, 256}), std::string("two-scale 1x1024 + 3x256"));
        QCOMPARE(name({256, 256, 256, 1024}), std::string("two-scale 3x256 + 1x1024 on top"));
        QCOMPARE(name({256, 1024, 1024, 1024}), std::string("two-scale 1x256 + 3x1024 on top"));
        QCOMPARE(name({256, 1024, 256, 1024}), std::string("custom"));
        QCOMPARE(name({0, 0, 0, 512}), std::string("two-scale 3x0 + 1x512 on top"));
    }

    void bucketsAndPrior() {
        ModelConfig c = small({0, 0}, 256);
        c.biasBuckets = 32; // the defaults: 16 exact, log-spaced to 2048
        QVERIFY(c.validate().empty());
        for (int d = 0; d < 16; ++d) QCOMPARE(c.distanceBucket(d), d);
        int last = 0;
        std::set<int> pastSegment;
        for (int d = 0; d < 5000; ++d) {
            const int b = c.distanceBucket(d);
            QVERIFY(b >= last && b < 32); // monotone, in range
            last = b;
            if (d >= 256 && d < 2048) pastSegment.insert(b);
        }
        QCOMPARE(c.distanceBucket(2048), 31);
        QCOMPARE(c.distanceBucket(100000), 31);
        QVERIFY2(pastSegment.size() <= 8, "distances past the segment share a few buckets");
        // Slopes: geometric from the most local head to a nearly flat one.
        QCOMPARE(c.biasSlope(0), 0.5);
        QVERIFY(std::abs(c.biasSlope(3) - 1.0 / 1024) < 1e-12);
        QVERIFY(std::abs(c.biasSlope(1) / c.biasSlope(0) - c.biasSlope(2) / c.biasSlope(1)) < 1e-9);
        // The prior of a bucket is -slope x its smallest distance.
        for (int b = 0; b < 32; ++b) {
            int lowest = 0;
            while (c.distanceBucket(lowest) < b) ++lowest;
            QCOMPARE(c.distanceBucket(lowest), b);
            for (int h = 0; h < 4; ++h)
                QVERIFY2(std::abs(c.biasPrior(h, b) + c.biasSlope(h) * lowest) < 1e-9, qPrintable(QString("bucket %1").arg(b)));
        }
    }

    void configWithoutBiasReadsAsBefore() {
        // A config written before the bias existed has no bias keys: it reads as "none", writes
        // back without them, and its network has exactly the weights it had.
        ModelConfig old = small({0, 0}, 16);
        const std::string json = old.toJson();
        QVERIFY(json.find("bias") == std::string::npos);
        auto read = ModelConfig::fromJson(json);
        QVERIFY(read.ok());
        QVERIFY(!read->hasDistanceBias());
        Dsmr net(read.value());
        for (const auto& p : net->named_parameters()) QVERIFY(p.key().find("distance_bias") == std::string::npos);
        // With the bias: every field round-trips, one (H, buckets) weight per layer.
        ModelConfig c = old;
        QVERIFY(parseDistanceBias("buckets:24:8:512", c).ok());
        c.biasSlopeMax = 0.25;
        c.biasSlopeMin = 0.002;
        auto back = ModelConfig::fromJson(c.toJson());
        QVERIFY(back.ok());
        QCOMPARE(back->biasBuckets, 24);
        QCOMPARE(back->biasExact, 8);
        QCOMPARE(back->biasMaxDistance, 512);
        QCOMPARE(back->biasSlopeMax, 0.25);
        QCOMPARE(back->biasSlopeMin, 0.002);
        QVERIFY(!parseDistanceBias("buckets:4:8", c).ok() || !c.validate().empty()); // exact must be below buckets
        QVERIFY(!parseDistanceBias("gaussian", c).ok());
        QVERIFY(parseDistanceBias("none", c).ok());
        QVERIFY(!c.hasDistanceBias());
    }

    void freshBiasStartsAtPriorAndPrefersRecentKeys() {
        torch::NoGradGuard g;
        ModelConfig c = small({0}, 64);
        c.biasBuckets = 32;
        Dsmr net(c);
        auto* attention = net->blocks[0]->as<Block>()->attention.get();
        const auto& bias = attention->distanceBias;
        QCOMPARE(bias.sizes().vec(), (std::vector<std::int64_t>{4, 32}));
        for (int h = 0; h < 4; ++h)
            for (int b = 0; b < 32; ++b) QVERIFY(std::abs(bias[h][b].item<double>() - c.biasPrior(h, b)) < 1e-6);
        // At step 0, with zero queries (no content), the most local head puts most weight on
        // the nearest keys and the flattest spreads over all of them.
        const int T = 64;
        auto q = torch::zeros({1, 4, T, 8}), k = torch::randn({1, 4, T, 8});
        auto v = torch::eye(T).view({1, 1, T, T}).expand({1, 4, T, T}).contiguous(); // row j = one-hot j
        auto w = relativeAttention(q, k, v, attention->table, attention->biasByDistance(), {},
                                   AttentionLayout::Dense, 1, 1); // (1, 4, T, T): the weights themselves
        auto lastRow = w[0].select(1, T - 1);                   // (4, T)
        QVERIFY(lastRow[0].narrow(0, T - 6, 6).sum().item<double>() > 0.9);
        QVERIFY(lastRow[3].narrow(0, 0, T / 2).sum().item<double>() > 0.4);
    }

    void initGrowsMemoryWithZeroRowsAndPrior() {
        // `train --init` with another schedule and the bias: every weight is kept, relative rows
        // for new distances start at zero (not copies of the farthest row), the bias at its prior.
        QTemporaryDir dir;
        auto base = Model::create(small({0, 0}, 16), 3, {"cpu", 1});
        QVERIFY(base.ok());
        {
            torch::NoGradGuard g;
            for (auto& p : base.value()->impl().net->named_parameters()) p.value().add_(torch::randn_like(p.value()) * 0.1);
        }
        const std::string basePath = dir.filePath("base.safetensors").toStdString();
        QVERIFY(base.value()->save(basePath, {{"name", "base"}}).ok());

        TrainOptions o;
        o.config = small({48, 16}, 16);
        QVERIFY(parseDistanceBias("buckets:12:4:64", o.config).ok());
        o.initFrom = basePath;
        o.outDir = dir.filePath("grown").toStdString();
        o.batch = 1;
        o.steps = 0;
        o.runtime = {"cpu", 1};
        auto r = train(o, randomPieces({40}, 1), {}, {}, {}, nullptr);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().c_str());
        auto grown = Model::load(r->modelPath, {"cpu", 1});
        QVERIFY2(grown.ok(), grown.ok() ? "" : grown.error().c_str());
        QCOMPARE(grown.value()->config().horizons, (std::vector<int>{48, 16}));
        QVERIFY(grown.value()->config().hasDistanceBias());
        torch::NoGradGuard g;
        const auto& c = grown.value()->config();
        for (int l = 0; l < 2; ++l) {
            const std::string prefix = "blocks." + std::to_string(l) + ".attention.";
            auto oldTable = parameter(*base.value(), prefix + "relative");
            auto newTable = parameter(*grown.value(), prefix + "relative");
            QCOMPARE(newTable.size(1), std::int64_t(c.relativeRange(l)));
            QCOMPARE(maxDiffOf(newTable.narrow(1, 0, 16), oldTable), 0.0);
            QCOMPARE(newTable.narrow(1, 16, newTable.size(1) - 16).abs().max().item<double>(), 0.0);
            auto bias = parameter(*grown.value(), prefix + "distance_bias");
            for (int h = 0; h < 4; ++h)
                for (int b = 0; b < 12; ++b) QVERIFY(std::abs(bias[h][b].item<double>() - c.biasPrior(h, b)) < 1e-6);
            auto ff = parameter(*grown.value(), "blocks." + std::to_string(l) + ".ff1.weight");
            QCOMPARE(maxDiffOf(ff, parameter(*base.value(), "blocks." + std::to_string(l) + ".ff1.weight")), 0.0);
        }
    }

    void maxContextCapsMemory_data() {
        QTest::addColumn<int>("maxContext");
        QTest::addColumn<int>("window"); // tokens before each segment that its queries see
        QTest::newRow("0: the segment only") << 0 << 0;
        QTest::newRow("5") << 5 << 5;
        QTest::newRow("above the horizon: the horizon") << 100 << 12;
        QTest::newRow("-1: the horizon") << -1 << 12;
    }
    void maxContextCapsMemory() {
        QFETCH(int, maxContext);
        QFETCH(int, window);
        ModelConfig c = small({12}, 8);
        c.biasBuckets = 8;
        c.biasExact = 3;
        c.biasMaxDistance = 16;
        auto model = Model::create(c, 5, {"cpu", 1});
        QVERIFY(model.ok());
        auto pieces = randomPieces({45, 30, 61}, 2);
        auto r = evaluate(*model.value(), pieces, 2, nullptr, maxContext);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().c_str());
        torch::NoGradGuard g;
        double total = 0;
        std::int64_t tokens = 0;
        for (std::size_t p = 0; p < pieces.size(); ++p) {
            auto [sum, n] = windowNll(model.value()->impl().net, pieces[p], window);
            QCOMPARE(r->pieces[p].tokens, n);
            QVERIFY2(std::abs(r->pieces[p].nll - sum / double(n)) < 1e-4, qPrintable(QString("piece %1").arg(p)));
            total += sum;
            tokens += n;
        }
        QVERIFY(std::abs(r->nll - total / double(tokens)) < 1e-4);
    }

    void byPositionSplitsEveryToken() {
        auto model = Model::create(small({16}, 32), 7, {"cpu", 1});
        QVERIFY(model.ok());
        auto pieces = randomPieces({1300, 200, 700}, 3);
        auto r = evaluate(*model.value(), pieces, 2);
        QVERIFY(r.ok());
        QCOMPARE(r->byPosition.size(), std::size_t(3));
        // Piece lengths + EOS: 1301 tokens = 256 + 768 + 277, 201 = 201, 701 = 256 + 445.
        QCOMPARE(r->byPosition[0].tokens, std::int64_t(256 + 201 + 256));
        QCOMPARE(r->byPosition[1].tokens, std::int64_t(768 + 445));
        QCOMPARE(r->byPosition[2].tokens, std::int64_t(277));
        QCOMPARE(r->byPosition[0].tokens + r->byPosition[1].tokens + r->byPosition[2].tokens, r->tokens);
        double weighted = 0;
        for (const auto& range : r->byPosition) weighted += range.nll * double(range.tokens);
        QVERIFY(std::abs(weighted / double(r->tokens) - r->nll) < 1e-9);
    }

private:
    static double maxDiffOf(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }
};

QTEST_GUILESS_MAIN(TestLongContext)
#include "test_long_context.moc"
