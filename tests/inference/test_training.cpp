// Training: the loss falls, checkpoints resume exactly, evaluation is deterministic, and the
// token cache is reused.
#include "continuo/inference/Trainer.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace continuo;
using namespace continuo::inference;

namespace {
std::vector<Piece> syntheticPieces(int count) {
    // Scales at varying speeds: learnable structure, different lengths.
    std::vector<Piece> out;
    for (int p = 0; p < count; ++p) {
        std::vector<tokens::TimedNote> notes;
        for (int i = 0; i < 60 + 17 * p; ++i) {
            double t = i * (0.1 + 0.02 * (p % 3));
            notes.push_back({t, t + 0.08, 60 + (i % 8) * (p % 2 ? 2 : 1), 64 + (i % 4) * 8});
        }
        Piece piece;
        piece.path = "synthetic-" + std::to_string(p);
        for (int t : tokens::encode(notes)) piece.tokens.push_back(std::uint16_t(t));
        out.push_back(std::move(piece));
    }
    return out;
}

TrainOptions options(const QString& out, int steps) {
    TrainOptions o;
    o.config.layers = 2;
    o.config.dModel = 32;
    o.config.heads = 2;
    o.config.ffDim = 64;
    o.config.segment = 32;
    o.config.horizons = {64, 16};
    o.config.dropout = 0.1;
    o.outDir = out.toStdString();
    o.batch = 3;
    o.steps = steps;
    o.learningRate = 3e-3;
    o.warmupSteps = 5;
    o.checkpointEvery = 7;
    o.evalEvery = 1000;
    o.reportEvery = 1;
    o.runtime = {"cpu", 1};
    o.precision = TrainPrecision::Fp32; // the same arithmetic on every CPU
    return o;
}
} // namespace

class TestTraining : public QObject {
    Q_OBJECT
    QTemporaryDir dir;
    std::vector<Piece> pieces = syntheticPieces(5);

private slots:
    void lossFalls() {
        std::vector<double> losses;
        auto r = train(options(dir.filePath("falls"), 60), pieces, {}, [&](const TrainProgress& p) { losses.push_back(p.loss); }, {}, nullptr);
        QVERIFY2(r.ok(), r.error().c_str());
        QCOMPARE(r->steps, 60);
        QVERIFY(losses.size() >= 50);
        QVERIFY2(losses.back() < losses.front() - 1.0, qPrintable(QString("%1 -> %2").arg(losses.front()).arg(losses.back())));
        auto model = Model::load(r->modelPath, {"cpu", 1});
        QVERIFY(model.ok());
        QCOMPARE(model.value()->info().metadataValue("training_steps"), std::string("60"));
        QVERIFY(QFile::exists(dir.filePath("falls/log.csv")));
    }

    void resumeIsExact() {
        auto straight = train(options(dir.filePath("straight"), 20), pieces, {}, {}, {}, nullptr);
        QVERIFY(straight.ok());
        // The same run, stopped (as by Ctrl+C) after step 9, then resumed.
        std::atomic<bool> stop{false};
        auto first = train(options(dir.filePath("resumed"), 20), pieces, {},
                           [&](const TrainProgress& p) { if (p.step == 9) stop = true; }, {}, &stop);
        QVERIFY(first.ok());
        QVERIFY(first->stoppedEarly);
        QCOMPARE(first->steps, 9);
        auto o = options(dir.filePath("resumed"), 20);
        o.resume = true;
        auto second = train(o, pieces, {}, {}, {}, nullptr);
        QVERIFY2(second.ok(), second.error().c_str());
        QCOMPARE(second->steps, 20);
        auto a = Model::load(straight->modelPath, {"cpu", 1}), b = Model::load(second->modelPath, {"cpu", 1});
        QVERIFY(a.ok() && b.ok());
        auto ea = evaluate(*a.value(), pieces, 2), eb = evaluate(*b.value(), pieces, 2);
        QVERIFY(ea.ok() && eb.ok());
        QVERIFY2(std::abs(ea->nll - eb->nll) < 1e-6, qPrintable(QString("%1 vs %2").arg(ea->nll).arg(eb->nll)));
    }

    void bf16AutocastTrainsAndResumesExactly() {
        auto fp32 = train(options(dir.filePath("fp32"), 40), pieces, {}, {}, {}, nullptr);
        QVERIFY2(fp32.ok(), fp32.error().c_str());
        auto o = options(dir.filePath("bf16"), 40);
        o.precision = TrainPrecision::Bf16;
        std::vector<double> losses;
        auto bf16 = train(o, pieces, {}, [&](const TrainProgress& p) { losses.push_back(p.loss); }, {}, nullptr);
        QVERIFY2(bf16.ok(), bf16.error().c_str());
        QVERIFY2(losses.back() < losses.front() - 1.0, qPrintable(QString("%1 -> %2").arg(losses.front()).arg(losses.back())));
        auto a = Model::load(fp32->modelPath, {"cpu", 1}), b = Model::load(bf16->modelPath, {"cpu", 1});
        QVERIFY(a.ok() && b.ok());
        auto ea = evaluate(*a.value(), pieces, 2), eb = evaluate(*b.value(), pieces, 2);
        QVERIFY(ea.ok() && eb.ok());
        // The products ran in bf16 (the weights moved differently), and the model learned as much.
        QVERIFY2(std::abs(ea->nll - eb->nll) > 1e-6, qPrintable(QString("%1 vs %2").arg(ea->nll).arg(eb->nll)));
        QVERIFY2(std::abs(ea->nll - eb->nll) < 0.15, qPrintable(QString("%1 vs %2").arg(ea->nll).arg(eb->nll)));
        // The kept memories and the checkpoint are fp32, so a bf16 run resumes exactly.
        std::atomic<bool> stop{false};
        auto ro = options(dir.filePath("bf16-resumed"), 40);
        ro.precision = TrainPrecision::Bf16;
        auto first = train(ro, pieces, {}, [&](const TrainProgress& p) { if (p.step == 17) stop = true; }, {}, &stop);
        QVERIFY(first.ok() && first->stoppedEarly);
        ro.resume = true;
        auto second = train(ro, pieces, {}, {}, {}, nullptr);
        QVERIFY2(second.ok(), second.error().c_str());
        auto c = Model::load(second->modelPath, {"cpu", 1});
        QVERIFY(c.ok());
        auto ec = evaluate(*c.value(), pieces, 2);
        QVERIFY(ec.ok());
        QVERIFY2(std::abs(eb->nll - ec->nll) < 1e-6, qPrintable(QString("%1 vs %2").arg(eb->nll).arg(ec->nll)));
    }

    void autoPrecisionReadsTheCpuFlags() {
        // Abridged flags lines of the CPUs this trainer has run on.
        const std::string zen3 = "flags\t\t: fpu vme sse sse2 avx fma avx2 bmi2 sha_ni vaes vpclmulqdq rdpid fsrm";
        const std::string zen5 = "flags\t\t: fpu avx2 avx512f avx512dq avx512_bf16 avx512_vnni avx512_vp2intersect movdiri";
        const std::string sapphire = "flags\t\t: fpu avx512f avx512_bf16 avx512_fp16 amx_bf16 amx_tile amx_int8";
        const std::string amxOnly = "flags\t\t: fpu avx512f amx_bf16 amx_tile";
        QVERIFY(!cpuinfoHasBf16Hardware(zen3));
        QVERIFY(cpuinfoHasBf16Hardware(zen5));
        QVERIFY(cpuinfoHasBf16Hardware(sapphire));
        QVERIFY(cpuinfoHasBf16Hardware(amxOnly));
        // Whole words only: a tile flag without its bf16 unit, or a longer name, is not bf16 hardware.
        QVERIFY(!cpuinfoHasBf16Hardware("flags\t\t: fpu avx512f amx_tile amx_int8"));
        QVERIFY(!cpuinfoHasBf16Hardware("flags\t\t: fpu avx512_bf16x amx_bf16_ext"));
        QVERIFY(cpuinfoHasBf16Hardware("flags\t\t: avx512_bf16"));
        QVERIFY(!cpuinfoHasBf16Hardware(""));
        // A whole /proc/cpuinfo text (several lines, the flags line not last) reads the same.
        QVERIFY(cpuinfoHasBf16Hardware("processor\t: 0\nmodel name\t: AMD EPYC\n" + zen5 + "\nbugs\t\t: spectre_v1\n"));
    }

    void initLearnsAnotherSchedule() {
        // A model trained without memory, then given memory horizons to learn.
        auto o = options(dir.filePath("nomemory"), 15);
        o.config.horizons = {0, 0};
        auto base = train(o, pieces, {}, {}, {}, nullptr);
        QVERIFY2(base.ok(), base.error().c_str());
        auto grown = options(dir.filePath("grown"), 0);
        grown.initFrom = base->modelPath;
        grown.config = o.config;
        grown.config.horizons = {64, 16};
        auto g = train(grown, pieces, {}, {}, {}, nullptr);
        QVERIFY2(g.ok(), g.error().c_str());
        auto a = Model::load(base->modelPath, {"cpu", 1}), b = Model::load(g->modelPath, {"cpu", 1});
        QVERIFY(a.ok() && b.ok());
        QCOMPARE(b.value()->config().horizons, (std::vector<int>{64, 16}));
        // Every weight carried over: on pieces that fit in one segment, where memory plays no
        // part, both score the same; on longer pieces the memory changes the score.
        std::vector<Piece> shortPieces = pieces;
        for (Piece& p : shortPieces) p.tokens.resize(20);
        auto sa = evaluate(*a.value(), shortPieces, 2), sb = evaluate(*b.value(), shortPieces, 2);
        QVERIFY(sa.ok() && sb.ok());
        QVERIFY2(std::abs(sa->nll - sb->nll) < 1e-5, qPrintable(QString("%1 vs %2").arg(sa->nll).arg(sb->nll)));
        auto la = evaluate(*a.value(), pieces, 2), lb = evaluate(*b.value(), pieces, 2);
        QVERIFY(la.ok() && lb.ok());
        QVERIFY(std::abs(la->nll - lb->nll) > 1e-4);
        // And it trains from there.
        grown.outDir = dir.filePath("grown-trained").toStdString();
        grown.steps = 5;
        auto t = train(grown, pieces, {}, {}, {}, nullptr);
        QVERIFY2(t.ok(), t.error().c_str());
        QCOMPARE(t->steps, 5);
        // A schedule the network cannot take is refused with a reason.
        grown.config.horizons = {64};
        grown.outDir = dir.filePath("refused").toStdString();
        QVERIFY(!train(grown, pieces, {}, {}, {}, nullptr).ok());
    }

    void evaluationIsDeterministicAndCoversWholePieces() {
        auto m = Model::create(options("", 1).config, 3, {"cpu", 1});
        QVERIFY(m.ok());
        auto a = evaluate(*m.value(), pieces, 2), b = evaluate(*m.value(), pieces, 4);
        QVERIFY(a.ok() && b.ok());
        std::int64_t expected = 0;
        for (const auto& p : pieces) expected += std::int64_t(p.tokens.size()) + 1; // + EOS target
        QCOMPARE(a->tokens, expected);
        QCOMPARE(a->pieces.size(), pieces.size());
        QVERIFY(std::abs(a->nll - b->nll) < 1e-5); // batching does not change the score
        QVERIFY(a->perplexity > 1);
    }

    void tokenCacheIsReused() {
        const QString data = QString(CONTINUO_SHARED_DATA) + "/maestro-v2/maestro-v2.0.0-train-validation.csv";
        if (!QFile::exists(data))
            QSKIP(qPrintable("MAESTRO is not at " + data + " (set CONTINUO_SHARED_DATA to the folder holding maestro-v2/)"));
        auto list = listMidiFiles(data.toStdString(), "validation");
        QVERIFY(list.ok());
        std::vector<std::string> files(list->files.begin(), list->files.begin() + 3);
        const QString broken = dir.filePath("broken.mid");
        QFile f(broken);
        QVERIFY(f.open(QIODevice::WriteOnly));
        // Unreadable even for the liberal reader: the track holds a data byte where a status
        // byte must be (a cut-off track would be read as far as it goes).
        f.write("MThd\0\0\0\6\0\1\0\1\1\xE0MTrk\0\0\0\4\0\x3C\x40\0", 26);
        f.close();
        files.push_back(broken.toStdString());
        const std::string cache = dir.filePath("tokens.cache").toStdString();
        LoadReport first, second;
        auto a = loadPieces(files, cache, &first);
        auto b = loadPieces(files, cache, &second);
        QCOMPARE(a.size(), std::size_t(3));
        QCOMPARE(first.parsed, 3);
        QCOMPARE(first.failures.size(), std::size_t(1));
        QVERIFY(QString::fromStdString(first.failures[0]).contains("broken.mid"));
        QCOMPARE(second.cached, 3);
        for (std::size_t i = 0; i < a.size(); ++i) QCOMPARE(a[i].tokens, b[i].tokens);
    }
};

QTEST_GUILESS_MAIN(TestTraining)
#include "test_training.moc"
