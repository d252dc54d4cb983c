// The model's attention and caches against naive references written for this test.
#include "Dsmr.h"
#include "ModelImpl.h"
#include "SparseAttention.h"
#include "TinyModel.h"

#include <QtTest>

using namespace continuo::inference;

namespace {

ModelConfig tiny(int layers, std::vector<int> horizons, int segment) {
    ModelConfig c = tinyConfig(std::move(horizons), segment);
    c.layers = layers;
    return c;
}

/// The same with a distance bias over few buckets (so that short tests reach the log-spaced
/// and the shared buckets), set to random values: a wrong bucket or distance shows at once.
ModelConfig withBias(ModelConfig c) {
    c.biasBuckets = 8;
    c.biasExact = 3;
    c.biasMaxDistance = 20;
    return c;
}

void randomiseBias(Dsmr& net, int seed) {
    torch::NoGradGuard g;
    torch::manual_seed(seed);
    for (auto& p : net->named_parameters())
        if (p.key().find("distance_bias") != std::string::npos) p.value().copy_(torch::randn_like(p.value()));
}

/// A random bias spread over distances as the model does (H, R): one value per (head, bucket).
torch::Tensor randomBiasByDistance(const ModelConfig& c, int H, int R) {
    auto perBucket = torch::randn({H, c.biasBuckets});
    std::vector<std::int64_t> bucket;
    for (int d = 0; d < R; ++d) bucket.push_back(c.distanceBucket(d));
    return perBucket.index_select(1, torch::tensor(bucket, torch::kLong));
}

torch::Tensor randomTokens(int n, int seed) {
    torch::manual_seed(seed);
    return torch::randint(3, 391, {1, n}, torch::kLong);
}

/// Logits for every position, segment by segment with memories (the training path).
torch::Tensor forwardBySegments(Dsmr& net, const torch::Tensor& tokens) {
    std::vector<LayerMemory> mem;
    std::vector<torch::Tensor> out;
    const int S = net->config.segment;
    for (int64_t at = 0; at < tokens.size(1); at += S)
        out.push_back(net->forward(tokens.narrow(1, at, std::min<int64_t>(S, tokens.size(1) - at)), mem));
    return torch::cat(out, 1)[0]; // (N, V)
}

/// Logits for every position, one token at a time through the caches (the decoding path).
torch::Tensor decodeOneByOne(Dsmr& net, const torch::Tensor& tokens) {
    auto caches = net->newCaches(1, torch::kCPU);
    std::vector<torch::Tensor> out;
    for (int64_t i = 0; i < tokens.size(1); ++i) {
        out.push_back(net->step(tokens.narrow(1, i, 1), caches)[0]);
        DsmrImpl::rollFull(caches, net->config.horizons, net->config.segment);
    }
    return torch::stack(out); // (N, V)
}

double maxDiff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

/// Three layers, memory in two of them (12, 5, 0), segments of 8; the layout (and the bias)
/// of the first and last layers as given.
ModelConfig decodingConfig(bool bias, int layout) {
    ModelConfig c = tiny(3, {12, 5, 0}, 8);
    if (bias) c = withBias(c);
    c.sparseStride = 4;
    c.sparseSummary = 2;
    if (layout != int(AttentionLayout::Dense)) c.layouts = {AttentionLayout(layout), AttentionLayout::Dense, AttentionLayout(layout)};
    return c;
}

/// decodingConfig's network, seeded, in evaluation mode, with a random distance bias.
Dsmr decodingNet(bool bias, int layout) {
    torch::manual_seed(1);
    Dsmr net(decodingConfig(bias, layout));
    net->eval();
    if (bias) randomiseBias(net, 21);
    return net;
}

/// The rows of the decoding tests: dense with and without the bias, sparse layouts with it.
void decodingRows(bool withFixed) {
    QTest::addColumn<bool>("bias");
    QTest::addColumn<int>("layout");
    QTest::newRow("dense") << false << int(AttentionLayout::Dense);
    QTest::newRow("dense + distance bias") << true << int(AttentionLayout::Dense);
    QTest::newRow("strided + distance bias") << true << int(AttentionLayout::Strided);
    if (withFixed) QTest::newRow("fixed + distance bias") << true << int(AttentionLayout::Fixed);
}

/// The last logits after priming in chunks that fill each segment, as the generator does.
torch::Tensor primeInChunks(Dsmr& net, const torch::Tensor& tokens, std::vector<LayerCache>& caches) {
    const int S = net->config.segment;
    torch::Tensor last;
    for (int64_t at = 0; at < tokens.size(1);) {
        int64_t n = std::min<int64_t>(S - caches[0].segment, tokens.size(1) - at);
        last = net->step(tokens.narrow(1, at, n), caches)[0];
        DsmrImpl::rollFull(caches, net->config.horizons, S);
        at += n;
    }
    return last;
}

} // namespace

class TestAttention : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { torch::NoGradGuard g; at::set_num_threads(1); }

    void skewEqualsNaive_data() {
        QTest::addColumn<int>("T");
        QTest::addColumn<int>("M");
        QTest::newRow("square") << 9 << 0;
        QTest::newRow("rectangular") << 6 << 10;
        QTest::newRow("one query") << 1 << 7;
        QTest::newRow("long memory") << 4 << 33;
    }
    void skewEqualsNaive() {
        QFETCH(int, T);
        QFETCH(int, M);
        torch::NoGradGuard g;
        torch::manual_seed(T * 100 + M);
        const int B = 2, H = 3, D = 5, K = M + T, R = K + 3;
        auto q = torch::randn({B, H, T, D});
        auto table = torch::randn({H, R, D});
        auto qe = torch::matmul(q, table.narrow(1, 0, K).flip({1}).transpose(-2, -1).unsqueeze(0));
        auto fast = skew(qe);
        // Naive O(T*K*D): S[i, j] = q_i . E[M + i - j] for every visible pair.
        for (int b = 0; b < B; ++b)
            for (int h = 0; h < H; ++h)
                for (int i = 0; i < T; ++i)
                    for (int j = 0; j <= M + i; ++j) {
                        double naive = (q[b][h][i] * table[h][M + i - j]).sum().item<double>();
                        QVERIFY2(std::abs(fast[b][h][i][j].item<double>() - naive) < 1e-4,
                                 qPrintable(QString("i=%1 j=%2").arg(i).arg(j)));
                    }
    }

    void attentionEqualsNaive() {
        torch::NoGradGuard g;
        torch::manual_seed(7);
        const int B = 1, H = 2, D = 4, T = 5, M = 6, K = M + T;
        auto q = torch::randn({B, H, T, D}), k = torch::randn({B, H, K, D}), v = torch::randn({B, H, K, D});
        auto table = torch::randn({H, K, D});
        auto valid = torch::ones({B, M}, torch::kBool);
        valid[0][0] = false; // a memory slot from an earlier piece
        auto fast = relativeAttention(q, k, v, table, {}, valid, AttentionLayout::Dense, 4, 1);
        for (int h = 0; h < H; ++h)
            for (int i = 0; i < T; ++i) {
                std::vector<double> logits;
                for (int j = 0; j < K; ++j) {
                    bool visible = j <= M + i && j != 0;
                    logits.push_back(visible ? ((q[0][h][i] * k[0][h][j]).sum() + (q[0][h][i] * table[h][M + i - std::min(j, M + i)]).sum())
                                                           .item<double>() / std::sqrt(double(D))
                                             : -INFINITY);
                }
                double mx = *std::max_element(logits.begin(), logits.end()), sum = 0;
                for (double& l : logits) sum += (l = std::exp(l - mx));
                auto expected = torch::zeros({D}, torch::kDouble);
                for (int j = 0; j < K; ++j) expected += v[0][h][j].to(torch::kDouble) * (logits[std::size_t(j)] / sum);
                QVERIFY(maxDiff(fast[0][h][i].to(torch::kDouble), expected) < 1e-5);
            }
    }

    void attentionWithBiasEqualsNaive_data() {
        QTest::addColumn<int>("T");
        QTest::addColumn<int>("M");
        QTest::newRow("square") << 30 << 0;
        QTest::newRow("rectangular with memory") << 9 << 25;
        QTest::newRow("one query") << 1 << 33;
    }
    void attentionWithBiasEqualsNaive() {
        // The skew places the distance bias as it places the relative logits: against the
        // O(T*K) definition, logit[i, j] = (q.k + q.E[d]) / sqrt(D) + bias[d], d = M + i - j.
        QFETCH(int, T);
        QFETCH(int, M);
        torch::NoGradGuard g;
        torch::manual_seed(13 + T + M);
        const int B = 2, H = 3, D = 4, K = M + T;
        const ModelConfig c = withBias(tiny(1, {M}, T));
        auto q = torch::randn({B, H, T, D}), k = torch::randn({B, H, K, D}), v = torch::randn({B, H, K, D});
        auto table = torch::randn({H, K + 2, D});
        auto bias = randomBiasByDistance(c, H, K + 2);
        torch::Tensor valid;
        if (M > 0) {
            valid = torch::ones({B, M}, torch::kBool);
            valid[1][2] = false; // a memory slot from an earlier piece, in one stream
        }
        auto fast = relativeAttention(q, k, v, table, bias, valid, AttentionLayout::Dense, 4, 1).to(torch::kDouble);
        auto qd = q.to(torch::kDouble), kd = k.to(torch::kDouble), vd = v.to(torch::kDouble);
        auto td = table.to(torch::kDouble), bd = bias.to(torch::kDouble);
        double largestBias = 0;
        for (int b = 0; b < B; ++b)
            for (int h = 0; h < H; ++h)
                for (int i = 0; i < T; ++i) {
                    auto logits = torch::full({K}, -INFINITY, torch::kDouble);
                    for (int j = 0; j <= M + i; ++j) {
                        if (j < M && !valid[b][j].item<bool>()) continue;
                        const int d = M + i - j;
                        logits[j] = ((qd[b][h][i] * kd[b][h][j]).sum() + (qd[b][h][i] * td[h][d]).sum()) / std::sqrt(double(D)) +
                                    bd[h][d];
                        largestBias = std::max(largestBias, std::abs(bd[h][d].item<double>()));
                    }
                    auto expected = torch::matmul(torch::softmax(logits, 0), vd[b][h]);
                    QVERIFY2(maxDiff(fast[b][h][i], expected) < 1e-5, qPrintable(QString("b=%1 h=%2 i=%3").arg(b).arg(h).arg(i)));
                }
        QVERIFY(largestBias > 0.5); // the bias is there to be placed
        // And it matters: without it the output differs.
        auto plain = relativeAttention(q, k, v, table, {}, valid, AttentionLayout::Dense, 4, 1).to(torch::kDouble);
        QVERIFY(maxDiff(plain, fast) > 1e-3);
    }

    void streamGroupsChangeNothing_data() {
        QTest::addColumn<int>("layout");
        QTest::newRow("dense") << int(AttentionLayout::Dense);
        QTest::newRow("strided") << int(AttentionLayout::Strided);
    }
    void streamGroupsChangeNothing() {
        // On the CPU, streams whose score tensors are large are attended a group at a time.
        // Whatever the grouping, the output and every gradient are those of the whole batch.
        QFETCH(int, layout);
        torch::manual_seed(29);
        const int B = 5, H = 4, D = 8, T = 32, M = 96, K = M + T;
        const ModelConfig c = withBias(tiny(1, {M}, T));
        auto leaf = [](torch::Tensor t) { return t.requires_grad_(true); };
        auto q = leaf(torch::randn({B, H, T, D})), k = leaf(torch::randn({B, H, K, D})), v = leaf(torch::randn({B, H, K, D}));
        auto table = leaf(torch::randn({H, K, D}));
        auto bias = leaf(randomBiasByDistance(c, H, K));
        auto valid = torch::ones({B, M}, torch::kBool);
        valid[1].narrow(0, 0, 40).fill_(false); // streams 1 and 4 carry memory of earlier pieces
        valid[4][M - 1] = false;
        auto weight = torch::randn({B, H, T, D}); // a loss that tells every output apart
        const std::int64_t perStream = std::int64_t(H) * T * K * std::int64_t(sizeof(float));
        auto run = [&](std::int64_t bytes) {
            for (auto* t : {&q, &k, &v, &table, &bias})
                if (t->grad().defined()) t->mutable_grad().zero_();
            auto y = relativeAttention(q, k, v, table, bias, valid, AttentionLayout(layout), 4, 2, bytes);
            (y * weight).sum().backward();
            return std::vector<torch::Tensor>{y.detach().clone(), q.grad().clone(), k.grad().clone(), v.grad().clone(),
                                              table.grad().clone(), bias.grad().clone()};
        };
        const auto whole = run(B * perStream);
        const char* names[] = {"output", "dq", "dk", "dv", "d table", "d bias"};
        for (std::int64_t streams : {1, 2, 3}) { // groups 1+1+1+1+1, 2+2+1, 3+2
            const auto grouped = run(streams * perStream);
            for (std::size_t i = 0; i < whole.size(); ++i)
                QVERIFY2(maxDiff(grouped[i], whole[i]) < 1e-5,
                         qPrintable(QString("%1 streams a group: %2 differs").arg(streams).arg(names[i])));
        }
        // The memory mask reaches each group's own streams: stream 1 ignores what it may not see.
        auto y = relativeAttention(q, k, v, table, bias, valid, AttentionLayout(layout), 4, 2, perStream).detach();
        auto k2 = k.detach().clone();
        k2[1].narrow(1, 0, 40).normal_();
        auto y2 = relativeAttention(q.detach(), k2, v.detach(), table.detach(), bias.detach(), valid, AttentionLayout(layout), 4,
                                    2, perStream);
        QVERIFY(maxDiff(y2, y) < 1e-6);
    }

    void decodingEqualsSegmentForward_data() { decodingRows(true); }
    void decodingEqualsSegmentForward() {
        // Step by step (the fused single-query kernel for dense layers) against the segment
        // forward pass, with memory in two of three layers.
        QFETCH(bool, bias);
        QFETCH(int, layout);
        torch::NoGradGuard g;
        Dsmr net = decodingNet(bias, layout);
        auto tokens = randomTokens(8 * 4 + 5, 2);
        QVERIFY(maxDiff(forwardBySegments(net, tokens), decodeOneByOne(net, tokens)) < 1e-4);
        // Priming in chunks (as the generator does) gives the same last logits.
        auto caches = net->newCaches(1, torch::kCPU);
        QVERIFY(maxDiff(primeInChunks(net, tokens, caches), decodeOneByOne(net, tokens)[tokens.size(1) - 1]) < 1e-4);
    }

    void halfDecodingFollowsFloatDecoding_data() { decodingRows(false); }
    void halfDecodingFollowsFloatDecoding() {
        // The same network decoding with half caches and half weight copies against decoding in
        // float. Storing a value as half moves it by at most 2^-11 of itself.
        QFETCH(bool, bias);
        QFETCH(int, layout);
        torch::NoGradGuard g;
        Dsmr net = decodingNet(bias, layout);
        auto tokens = randomTokens(8 * 4 + 5, 2);
        const auto reference = decodeOneByOne(net, tokens); // float caches: halfDecoding is off
        net->halfDecoding = true;
        QCOMPARE(net->newCaches(1, torch::kCPU)[0].k.scalar_type(), torch::kHalf);
        const auto half = decodeOneByOne(net, tokens);
        const double diff = maxDiff(reference, half);
        QVERIFY2(diff > 0, "the half path did not run"); // rounding to half always shows somewhere
        QVERIFY2(diff < 1e-3, qPrintable(QString("logits differ by %1").arg(diff)));
        // Priming in chunks over half caches (attention in float over the converted keys) ends
        // where decoding one by one in half does.
        auto caches = net->newCaches(1, torch::kCPU);
        QVERIFY(maxDiff(primeInChunks(net, tokens, caches), half[tokens.size(1) - 1]) < 1e-3);
        QCOMPARE(caches[1].k.scalar_type(), torch::kHalf);
    }

    void fusedDecodingEqualsTheTensorPath() {
        // stepFused (the whole network in plain loops) against step()'s tensor path, both in
        // half, one token at a time through four segments with memory; then three streams side
        // by side against each stream decoded alone. The second layer keeps float caches
        // (keyBound), so both kinds of layer run.
        torch::NoGradGuard g;
        Dsmr net = decodingNet(true, int(AttentionLayout::Dense));
        auto* block = net->blocks[1]->as<Block>();
        const auto C = net->config.dModel;
        block->attention->qkv->weight.narrow(0, C, C).mul_(1000.0);
        net->halfDecoding = true;
        const auto tokens = randomTokens(8 * 4 + 5, 6);
        net->fusedDecoding = false;
        const auto reference = decodeOneByOne(net, tokens);
        net->fusedDecoding = true;
        auto caches = net->newCaches(1, torch::kCPU);
        QCOMPARE(caches[0].k.scalar_type(), torch::kHalf);
        QCOMPARE(caches[1].k.scalar_type(), torch::kFloat);
        std::vector<torch::Tensor> fused;
        for (int64_t i = 0; i < tokens.size(1); ++i) {
            auto logits = net->stepFused(tokens.narrow(1, i, 1), caches);
            QVERIFY2(logits.defined(), "the fused path declined a dense half network");
            fused.push_back(logits[0]);
            DsmrImpl::rollFull(caches, net->config.horizons, net->config.segment);
        }
        const double diff = maxDiff(reference, torch::stack(fused));
        QVERIFY2(diff < 1e-4, qPrintable(QString("fused against tensor path: %1").arg(diff)));

        // Three streams at once: each row as that stream alone.
        const auto three = torch::cat({randomTokens(20, 7), randomTokens(20, 8), randomTokens(20, 9)}, 0); // (3, 20)
        auto together = net->newCaches(3, torch::kCPU);
        torch::Tensor last;
        for (int64_t i = 0; i < three.size(1); ++i) {
            last = net->stepFused(three.narrow(1, i, 1), together);
            QVERIFY(last.defined());
            DsmrImpl::rollFull(together, net->config.horizons, net->config.segment);
        }
        for (int64_t b = 0; b < 3; ++b) {
            auto alone = net->newCaches(1, torch::kCPU);
            torch::Tensor mine;
            for (int64_t i = 0; i < three.size(1); ++i) {
                mine = net->stepFused(three.narrow(0, b, 1).narrow(1, i, 1), alone);
                DsmrImpl::rollFull(alone, net->config.horizons, net->config.segment);
            }
            QVERIFY2(maxDiff(mine[0], last[b]) < 1e-5, qPrintable(QString("stream %1").arg(b)));
        }
        QVERIFY(maxDiff(last[0], last[1]) > 1e-2); // the streams really differ

        // Where it does not apply it declines, and step() takes the tensor path.
        net->halfDecoding = false;
        auto floatCaches = net->newCaches(1, torch::kCPU);
        QVERIFY(!net->stepFused(tokens.narrow(1, 0, 1), floatCaches).defined());
        Dsmr sparse = decodingNet(true, int(AttentionLayout::Strided));
        sparse->halfDecoding = true;
        auto sparseCaches = sparse->newCaches(1, torch::kCPU);
        QVERIFY(!sparse->stepFused(tokens.narrow(1, 0, 1), sparseCaches).defined());
    }

    void keyBoundHoldsAndLargeKeysStayInFloat() {
        // keyBound is a true bound: no key the bundled model computes exceeds it, in any layer.
        torch::NoGradGuard g;
        auto loaded = Model::load(CONTINUO_SOURCE_DIR "/resources/models/continuo-default.safetensors", {"cpu", 1, false});
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().c_str());
        Dsmr& net = loaded.value()->impl().net;
        auto caches = net->newCaches(1, torch::kCPU); // float: halfDecoding is off
        const auto tokens = randomTokens(net->config.segment, 5);
        net->step(tokens, caches);
        for (int l = 0; l < net->config.layers; ++l) {
            const auto& c = caches[std::size_t(l)];
            const double largest = c.k.narrow(2, 0, c.length()).abs().max().item<double>();
            const double bound = net->keyBound(l);
            QVERIFY2(largest > 0 && largest <= bound, qPrintable(QString("layer %1: key %2, bound %3").arg(l).arg(largest).arg(bound)));
        }
        // A small network whose second layer's keys are scaled far past half's fine range: that
        // layer keeps float caches, the others decode in half, and the logits still follow float.
        torch::manual_seed(3);
        Dsmr tinyNet(tiny(3, {8, 8, 8}, 8));
        tinyNet->eval();
        auto* block = tinyNet->blocks[1]->as<Block>();
        const auto C = tinyNet->config.dModel;
        block->attention->qkv->weight.narrow(0, C, C).mul_(1000.0);
        QVERIFY(tinyNet->keyBound(1) > DsmrImpl::kHalfKeyLimit);
        QVERIFY(tinyNet->keyBound(0) <= DsmrImpl::kHalfKeyLimit);
        auto sequence = randomTokens(8 * 3 + 3, 4);
        const auto reference = decodeOneByOne(tinyNet, sequence);
        tinyNet->halfDecoding = true;
        auto mixed = tinyNet->newCaches(1, torch::kCPU);
        QCOMPARE(mixed[0].k.scalar_type(), torch::kHalf);
        QCOMPARE(mixed[1].k.scalar_type(), torch::kFloat);
        QCOMPARE(mixed[2].k.scalar_type(), torch::kHalf);
        const double diff = maxDiff(reference, decodeOneByOne(tinyNet, sequence));
        QVERIFY2(diff > 0 && diff < 1e-3, qPrintable(QString("logits differ by %1").arg(diff)));
    }

    void halfDecodingKeepsTheBundledModelsDistribution() {
        // The bundled model on music it writes itself (1,000 events, four segments, so that the
        // window slides): next-event probabilities decoded in half against float.
        torch::NoGradGuard g;
        auto loaded = Model::load(CONTINUO_SOURCE_DIR "/resources/models/continuo-default.safetensors", {"cpu", 1, false});
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().c_str());
        Dsmr& net = loaded.value()->impl().net;
        const DecodePlan plan = decodePlan(net->config);
        torch::manual_seed(17);
        auto run = [&](bool half, const std::vector<std::int64_t>* given, std::vector<std::int64_t>* written) {
            net->halfDecoding = half;
            auto caches = net->newCaches(1, torch::kCPU);
            std::vector<torch::Tensor> probabilities;
            std::int64_t token = 1; // BOS
            for (int i = 0; i < 1000; ++i) {
                auto logits = net->step(torch::tensor({token}, torch::kLong).view({1, 1}), caches)[0];
                DsmrImpl::rollFull(caches, plan.horizons, plan.segment);
                auto p = torch::softmax(logits, -1);
                probabilities.push_back(p);
                token = given ? (*given)[std::size_t(i)] : torch::multinomial(p, 1).item<std::int64_t>();
                if (written) written->push_back(token);
            }
            return torch::stack(probabilities); // (1000, V)
        };
        std::vector<std::int64_t> music;
        const auto inFloat = run(false, nullptr, &music);
        const auto inHalf = run(true, &music, nullptr);
        // Total variation distance between the two next-event distributions, at every step.
        const auto tv = (inFloat - inHalf).abs().sum(-1) / 2; // (1000)
        const double worst = tv.max().item<double>(), mean = tv.mean().item<double>();
        qInfo("total variation, half against float: mean %.2e, largest %.2e", mean, worst);
        QVERIFY(worst > 0);
        QVERIFY2(worst < 1e-2, qPrintable(QString("largest %1").arg(worst)));
        // continuo-wide-5 measures a mean of 1.04e-3 and a largest of a few 1e-3: a tenth of a
        // percent of the probability moves on average, far below what sampling can tell apart.
        QVERIFY2(mean < 2e-3, qPrintable(QString("mean %1").arg(mean)));
    }

    void recomputationGivesTheSameGradients() {
        // Two segments with memory, dropout on: the gradients with recomputed blocks equal the
        // plain ones (the dropout masks are replayed).
        auto gradients = [](bool recompute) {
            torch::manual_seed(11);
            ModelConfig c = tiny(3, {8, 4, 0}, 8);
            c.dropout = 0.2;
            Dsmr net(c);
            net->train();
            net->recompute = recompute;
            auto tokens = randomTokens(16, 9);
            torch::manual_seed(12);
            std::vector<LayerMemory> mem;
            torch::Tensor loss = torch::zeros({});
            for (int at = 0; at < 16; at += 8) {
                auto logits = net->forward(tokens.narrow(1, at, 8), mem);
                loss = loss + logits.pow(2).mean();
            }
            loss.backward();
            std::vector<torch::Tensor> out;
            for (auto& p : net->parameters()) out.push_back(p.grad().clone());
            return std::make_pair(loss.item<double>(), out);
        };
        auto [plainLoss, plain] = gradients(false);
        auto [recomputedLoss, recomputed] = gradients(true);
        QCOMPARE(plain.size(), recomputed.size());
        QVERIFY(std::abs(plainLoss - recomputedLoss) < 1e-6);
        double largest = 0;
        for (std::size_t i = 0; i < plain.size(); ++i) {
            QVERIFY2(maxDiff(plain[i], recomputed[i]) < 1e-5, qPrintable(QString("parameter %1").arg(i)));
            largest = std::max(largest, plain[i].abs().max().item<double>());
        }
        QVERIFY(largest > 0); // the comparison is not between zeros
    }

    void memorylessModelDecodesWithSlidingWindow_data() {
        QTest::addColumn<bool>("bias");
        QTest::newRow("relative embeddings") << false;
        QTest::newRow("with distance bias") << true;
    }
    void memorylessModelDecodesWithSlidingWindow() {
        QFETCH(bool, bias);
        torch::NoGradGuard g;
        const int S = 8;
        // The plan: models with memory keep theirs; a memoryless one slides a window of S/2..S-1.
        const DecodePlan withMemory = decodePlan(tiny(2, {12, 0}, S));
        QCOMPARE(withMemory.segment, S);
        QCOMPARE(withMemory.horizons, (std::vector<int>{12, 0}));
        const DecodePlan window = decodePlan(tiny(2, {0, 0}, S));
        QCOMPARE(window.segment, S / 2);
        QCOMPARE(window.horizons, (std::vector<int>{S / 2, S / 2}));
        // One layer: every logit equals a fresh forward pass over exactly the tokens the window
        // holds, and the window never empties after the first S/2 tokens.
        torch::manual_seed(5);
        Dsmr net(bias ? withBias(tiny(1, {0}, S)) : tiny(1, {0}, S));
        net->eval();
        if (bias) randomiseBias(net, 22);
        auto tokens = randomTokens(5 * S + 3, 4);
        auto caches = net->newCaches(1, torch::kCPU);
        for (int64_t i = 0; i < tokens.size(1); ++i) {
            auto logits = net->step(tokens.narrow(1, i, 1), caches)[0];
            const int64_t seen = caches[0].length();
            QVERIFY(seen <= S);
            if (i >= S / 2) QVERIFY2(seen > S / 2, qPrintable(QString("step %1 sees %2 tokens").arg(i).arg(seen)));
            std::vector<LayerMemory> none;
            auto reference = net->forward(tokens.narrow(1, i - seen + 1, seen), none)[0][seen - 1];
            QVERIFY2(maxDiff(logits, reference) < 1e-4, qPrintable(QString("step %1").arg(i)));
            DsmrImpl::rollFull(caches, window.horizons, window.segment);
        }
    }

    void decodingEqualsFullForwardWithinHorizon_data() {
        QTest::addColumn<bool>("bias");
        QTest::newRow("relative embeddings") << false;
        QTest::newRow("with distance bias") << true;
    }
    void decodingEqualsFullForwardWithinHorizon() {
        QFETCH(bool, bias);
        torch::NoGradGuard g;
        torch::manual_seed(3);
        // Horizons longer than the sequence: nothing is dropped. With the bias, distances reach
        // past biasMaxDistance, into the shared last bucket.
        Dsmr net(bias ? withBias(tiny(2, {64, 64}, 8)) : tiny(2, {64, 64}, 8));
        net->eval();
        if (bias) randomiseBias(net, 23);
        auto tokens = randomTokens(40, 4);
        std::vector<LayerMemory> none;
        auto full = net->forward(tokens, none)[0]; // one pass over all 40 tokens
        QVERIFY(maxDiff(full, decodeOneByOne(net, tokens)) < 1e-4);
    }

    void pastHorizonEqualsWindowOnlyForward_data() {
        QTest::addColumn<bool>("bias");
        QTest::newRow("relative embeddings") << false;
        QTest::newRow("with distance bias") << true;
    }
    void pastHorizonEqualsWindowOnlyForward() {
        QFETCH(bool, bias);
        torch::NoGradGuard g;
        torch::manual_seed(5);
        const int h = 6, S = 4;
        Dsmr net(bias ? withBias(tiny(1, {h}, S)) : tiny(1, {h}, S));
        net->eval();
        if (bias) randomiseBias(net, 24);
        auto tokens = randomTokens(37, 6);
        auto decoded = decodeOneByOne(net, tokens);
        for (int p = 0; p < 37; ++p) {
            // The window a query at p sees: the memory (h keys before its segment) and its segment so far.
            int from = std::max(0, (p / S) * S - h);
            std::vector<LayerMemory> none;
            auto window = net->forward(tokens.narrow(1, from, p - from + 1), none)[0];
            QVERIFY2(maxDiff(window[p - from], decoded[p]) < 1e-4, qPrintable(QString("position %1").arg(p)));
        }
    }

    void cachesStayBounded() {
        torch::NoGradGuard g;
        torch::manual_seed(9);
        Dsmr net(tiny(3, {20, 4, 0}, 8));
        net->eval();
        auto caches = net->newCaches(2, torch::kCPU);
        auto shape = caches[0].k.sizes().vec();
        auto tok = torch::full({2, 1}, 60, torch::kLong);
        for (int i = 0; i < 3000; ++i) {
            net->step(tok, caches);
            DsmrImpl::rollFull(caches, net->config.horizons, 8);
            for (int l = 0; l < 3; ++l)
                QVERIFY(caches[std::size_t(l)].length() <= net->config.horizon(l) + 8);
        }
        QCOMPARE(caches[0].k.sizes().vec(), shape); // never reallocated
        QCOMPARE(cacheBytes(net->config, 2), std::int64_t((28 + 12 + 8) * 32 * 2 * 4 * 2));
    }

    void sparseEqualsMaskedDense_data() {
        QTest::addColumn<int>("layout");
        QTest::addColumn<int>("T");
        QTest::addColumn<int>("M");
        QTest::addColumn<bool>("bias");
        QTest::newRow("strided") << int(AttentionLayout::Strided) << 64 << 0 << false;
        QTest::newRow("strided with memory") << int(AttentionLayout::Strided) << 37 << 19 << false;
        QTest::newRow("fixed") << int(AttentionLayout::Fixed) << 64 << 0 << false;
        QTest::newRow("fixed with memory") << int(AttentionLayout::Fixed) << 29 << 22 << false;
        QTest::newRow("strided one query") << int(AttentionLayout::Strided) << 1 << 40 << false;
        QTest::newRow("fixed one query") << int(AttentionLayout::Fixed) << 1 << 40 << false;
        QTest::newRow("strided + bias") << int(AttentionLayout::Strided) << 64 << 0 << true;
        QTest::newRow("strided with memory + bias") << int(AttentionLayout::Strided) << 37 << 19 << true;
        QTest::newRow("fixed with memory + bias") << int(AttentionLayout::Fixed) << 29 << 22 << true;
        QTest::newRow("fixed one query + bias") << int(AttentionLayout::Fixed) << 1 << 40 << true;
    }
    void sparseEqualsMaskedDense() {
        QFETCH(int, layout);
        QFETCH(int, T);
        QFETCH(int, M);
        QFETCH(bool, bias);
        torch::NoGradGuard g;
        torch::manual_seed(11);
        const int B = 2, H = 4, D = 8, K = M + T, stride = 8, summary = 2;
        auto q = torch::randn({B, H, T, D}), k = torch::randn({B, H, K, D}), v = torch::randn({B, H, K, D});
        auto table = torch::randn({H, K, D});
        auto byDistance = bias ? randomBiasByDistance(withBias(tiny(1, {M}, T)), H, K) : torch::Tensor();
        auto sparse = sparseRelativeAttention(q, k, v, table, byDistance, {}, AttentionLayout(layout), stride, summary);
        // Reference: dense relative attention with each head group's pattern as a mask, and the
        // bias added entry by entry at each distance.
        auto qe = torch::matmul(q, table.narrow(1, 0, K).flip({1}).transpose(-2, -1).unsqueeze(0));
        auto logits = (torch::matmul(q, k.transpose(-2, -1)) + skew(qe)) / std::sqrt(double(D));
        if (bias) {
            auto add = torch::zeros({1, H, T, K});
            for (int h = 0; h < H; ++h)
                for (int i = 0; i < T; ++i)
                    for (int j = 0; j <= M + i; ++j) add[0][h][i][j] = byDistance[h][M + i - j];
            logits = logits + add;
        }
        for (int h = 0; h < H; ++h) {
            auto visible = sparsePatternMask(T, K, AttentionLayout(layout), h < H / 2 ? 0 : 1, stride, summary);
            auto lh = logits.select(1, h).masked_fill(visible.logical_not(), -INFINITY);
            auto expected = torch::matmul(torch::softmax(lh, -1), v.select(1, h));
            QVERIFY2(maxDiff(sparse.select(1, h), expected) < 1e-5, qPrintable(QString("head %1").arg(h)));
        }
    }
};

QTEST_GUILESS_MAIN(TestAttention)
#include "test_attention.moc"
