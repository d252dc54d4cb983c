// Recall of the piece's own history (Recall.h) in the model: evaluation against decoding
// token by token, recall's reach, and what continuations get. The cache on its own against
// the formula is test_recall_cache.
#include "ModelImpl.h"
#include "RecallCache.h"
#include "TinyModel.h"

#include "continuo/inference/Trainer.h"

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

std::vector<Piece> randomPieces(std::vector<int> lengths, int seed) {
    std::mt19937 rng(static_cast<std::uint32_t>(seed));
    std::uniform_int_distribution<int> token(3, 390);
    std::vector<Piece> out;
    for (std::size_t p = 0; p < lengths.size(); ++p) {
        Piece piece;
        piece.path = "random-" + std::to_string(p);
        for (int i = 0; i < lengths[p]; ++i) piece.tokens.push_back(std::uint16_t(token(rng)));
        out.push_back(std::move(piece));
    }
    return out;
}

/// Of the tokens written, the share equal to the token `period` before it.
double periodicShare(const std::vector<int>& primer, const std::vector<int>& written, std::size_t period) {
    std::vector<int> all = primer;
    all.insert(all.end(), written.begin(), written.end());
    int same = 0;
    for (std::size_t i = primer.size(); i < all.size(); ++i) same += all[i] == all[i - period];
    return written.empty() ? 0 : double(same) / double(written.size());
}

} // namespace

class TestRecall : public QObject {
    Q_OBJECT
private slots:
    void evaluationMatchesDecodingTokenByToken() {
        // Memory in both layers, so segments and rolls matter; float decoding for exactness.
        auto created = Model::create(tinyConfig({16, 16}, 8), 3, {"cpu", 1, false, {}});
        QVERIFY(created.ok());
        Model& model = *created.value();
        const RecallOptions o = options(0.3, 10.0, 0.2, 5, 30);
        const auto pieces = randomPieces({70}, 11);
        auto withRecall = evaluate(model, pieces, 1, nullptr, -1, o);
        auto without = evaluate(model, pieces, 1, nullptr, -1);
        QVERIFY(withRecall.ok() && without.ok());

        Dsmr& net = model.impl().net;
        torch::NoGradGuard g;
        std::vector<int> seq{tokens::kBos};
        seq.insert(seq.end(), pieces[0].tokens.begin(), pieces[0].tokens.end());
        seq.push_back(tokens::kEos);
        auto caches = net->newCaches(1, torch::kCPU);
        const DecodePlan plan = decodePlan(net->config);
        RecallCache cache(o, net->config.dModel);
        double sum = 0, plain = 0;
        for (std::size_t i = 0; i + 1 < seq.size(); ++i) {
            torch::Tensor hidden;
            auto logits = net->step(torch::full({1, 1}, std::int64_t(seq[i]), torch::kLong), caches, &hidden)
                              .contiguous(); // (1, V)
            DsmrImpl::rollFull(caches, plan.horizons, plan.segment);
            auto h = hidden.reshape({-1}).contiguous();
            plain -= torch::log_softmax(logits, -1)[0][seq[i + 1]].item<double>();
            cache.mixLogits(h.data_ptr<float>(), logits.data_ptr<float>(), int(logits.size(1)));
            sum -= torch::log_softmax(logits, -1)[0][seq[i + 1]].item<double>(); // log-probabilities where recall read

            cache.add(h.data_ptr<float>(), seq[i + 1]);
        }
        const double n = double(seq.size() - 1);
        QCOMPARE(withRecall->tokens, std::int64_t(seq.size() - 1));
        QVERIFY2(std::abs(plain / n - without->nll) < 1e-4, qPrintable(QString("%1 %2").arg(plain / n).arg(without->nll)));
        QVERIFY2(std::abs(sum / n - withRecall->nll) < 1e-4, qPrintable(QString("%1 %2").arg(sum / n).arg(withRecall->nll)));
        QVERIFY2(std::abs(withRecall->nll - without->nll) > 1e-3, "recall should move the score of a random model");
    }

    void recallReachCapsRecallAlone() {
        // Reach 0: recall holds only the segment, closer than minDistance, so it has nothing to
        // read, whatever the layers' memory; the layers' cap alone leaves recall reading.
        auto created = Model::create(tinyConfig({16, 16}, 8), 5, {"cpu", 1, false, {}});
        QVERIFY(created.ok());
        Model& model = *created.value();
        const auto pieces = randomPieces({60, 45}, 12);
        const RecallOptions o = options(0.5, 10.0, 0.0, 8, 1000);
        auto reachedNothing = evaluate(model, pieces, 2, nullptr, -1, o, 0);
        auto alone = evaluate(model, pieces, 2, nullptr, -1);
        auto bothCapped = evaluate(model, pieces, 2, nullptr, 0, o, 0);
        auto cappedAlone = evaluate(model, pieces, 2, nullptr, 0);
        auto contextCapped = evaluate(model, pieces, 2, nullptr, 0, o);
        auto full = evaluate(model, pieces, 2, nullptr, -1, o);
        QVERIFY(reachedNothing.ok() && alone.ok() && bothCapped.ok() && cappedAlone.ok() && contextCapped.ok() && full.ok());
        QCOMPARE(reachedNothing->nll, alone->nll);
        QCOMPARE(bothCapped->nll, cappedAlone->nll);
        QVERIFY(std::abs(contextCapped->nll - cappedAlone->nll) > 1e-3);
        QVERIFY(std::abs(full->nll - reachedNothing->nll) > 1e-3);
    }

    void continuationsRecallThePrimer() {
        // A primer that repeats one bar: with recall strong and near, what is written follows
        // the repetition, where the same (random) network alone does not, from the same seed.
        const ModelConfig c = tinyConfig({32, 32}, 16);
        RuntimeOptions alone{"cpu", 1, true, RecallOptions::off()};
        RuntimeOptions recalling{"cpu", 1, true, options(0.9, 30.0, 0.3, 12, 512)};
        auto a = Model::create(c, 9, alone), b = Model::create(c, 9, recalling);
        QVERIFY(a.ok() && b.ok());
        std::vector<tokens::TimedNote> primer;
        const int bar[] = {60, 64, 67, 72, 67, 64};
        for (int i = 0; i < 60; ++i) primer.push_back({i * 0.25, i * 0.25 + 0.2, bar[i % 6], 80});
        const std::size_t period = tokens::encode(std::vector<tokens::TimedNote>(primer.begin(), primer.begin() + 12)).size() -
                 tokens::encode(std::vector<tokens::TimedNote>(primer.begin(), primer.begin() + 6)).size(); // one bar
        QVERIFY(period > 0);
        ContinueOptions o;
        o.sampling.lengthSeconds = 3;
        o.sampling.seed = Seed::fixed(77);
        o.sampling.recall = 0.9; // the request's weight is the one that runs
        o.sampling.motif = 0;    // recall alone: the motif guide has its own test
        auto withRecall = Generator(b.value()).run(primer, 15.0, o);
        auto networkAlone = Generator(a.value()).run(primer, 15.0, o);
        QVERIFY(withRecall.ok() && networkAlone.ok());
        const std::vector<int> fed = tokens::primerTokens(primer, 15.0, nullptr, nullptr);
        const std::vector<int> body(fed.begin() + 1, fed.end());
        const double recalled = periodicShare(body, withRecall->tokens[0], period);
        const double plain = periodicShare(body, networkAlone->tokens[0], period);
        // A random network's tenth of the mass derails the copy now and then; it never repeats.
        QVERIFY2(recalled > 0.2 && plain < 0.05, qPrintable(QString("recall %1, network alone %2").arg(recalled).arg(plain)));
        // Deterministic, as everything else in a take.
        auto again = Generator(b.value()).run(primer, 15.0, o);
        QVERIFY(again.ok());
        QCOMPARE(again->tokens, withRecall->tokens);
    }
};

QTEST_GUILESS_MAIN(TestRecall)
#include "test_recall.moc"
