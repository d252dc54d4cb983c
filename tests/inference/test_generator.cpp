// The generation session with a small random model through the real save/load path.
#include "continuo/inference/Engine.h"
#include "continuo/inference/ThreadPolicy.h"

#include <QTemporaryDir>
#include <QtTest>

#include <set>
#include <thread>

using namespace continuo;
using namespace continuo::inference;

class TestGenerator : public QObject {
    Q_OBJECT
    QTemporaryDir dir;
    std::shared_ptr<Model> model;
    std::vector<tokens::TimedNote> primer;

private slots:
    void initTestCase() {
        ModelConfig c;
        c.layers = 2;
        c.dModel = 32;
        c.heads = 2;
        c.ffDim = 64;
        c.segment = 32;
        c.horizons = {64, 16};
        auto created = Model::create(c, 1, {"cpu", 1});
        QVERIFY(created.ok());
        const std::string path = dir.filePath("m.safetensors").toStdString();
        QVERIFY(created.value()->save(path, {}).ok());
        auto loaded = Model::load(path, {"cpu", 1});
        QVERIFY2(loaded.ok(), loaded.error().c_str());
        model = loaded.value();
        for (int i = 0; i < 40; ++i) primer.push_back({i * 0.25, i * 0.25 + 0.2, 48 + (i * 5) % 24, 70});
    }

    void sameSeedSameContinuation() {
        ContinueOptions o;
        o.sampling.lengthSeconds = 4;
        o.sampling.seed = Seed::fixed(1234);
        auto a = Generator(model).run(primer, 10.0, o);
        auto b = Generator(model).run(primer, 10.0, o);
        QVERIFY(a.ok() && b.ok());
        QCOMPARE(a->tokens, b->tokens);
        QVERIFY(!a->tokens[0].empty());
        o.sampling.seed = Seed::fixed(1235);
        auto c = Generator(model).run(primer, 10.0, o);
        QVERIFY(a->tokens != c->tokens);
        // Variations leave the batch as they finish; the result is still the seed's alone.
        o.sampling.variations = 4;
        auto d = Generator(model).run(primer, 10.0, o);
        auto e = Generator(model).run(primer, 10.0, o);
        QVERIFY(d.ok() && e.ok());
        QCOMPARE(d->tokens, e->tokens);
        std::set<std::size_t> lengths;
        for (const auto& t : d->tokens) lengths.insert(t.size());
        QVERIFY2(lengths.size() > 1, "the variations should finish at different steps");
    }

    void respectsLengthAndStartsAfterPrimer() {
        ContinueOptions o;
        o.sampling.lengthSeconds = 3;
        o.sampling.seed = Seed::fixed(5);
        o.sampling.variations = 3;
        std::vector<std::vector<tokens::TimedNote>> streamed(3);
        int progressCalls = 0;
        double lastFraction = 0;
        ContinueCallbacks cb;
        cb.onNote = [&](int v, const tokens::TimedNote& n) { streamed[std::size_t(v)].push_back(n); };
        cb.onProgress = [&](const ContinueProgress& p) {
            ++progressCalls;
            QVERIFY(p.fraction >= lastFraction - 1e-12);
            lastFraction = p.fraction;
        };
        auto r = Generator(model).run(primer, 12.0, o, cb);
        QVERIFY(r.ok());
        QCOMPARE(r->variations.size(), std::size_t(3));
        QVERIFY(progressCalls > 0);
        QCOMPARE(lastFraction, 1.0);
        for (int v = 0; v < 3; ++v) {
            QCOMPARE(streamed[std::size_t(v)].size(), r->variations[std::size_t(v)].size()); // every note was streamed
            for (const auto& n : r->variations[std::size_t(v)]) {
                QVERIFY(n.start >= 12.0 - 1e-9);
                QVERIFY(n.end <= 15.0 + 1e-9);
                QVERIFY(n.end > n.start);
            }
        }
        QVERIFY(r->firstTokenMilliseconds > 0);
        QVERIFY(r->primerTokens > 40);
    }

    void tokenCapStops() {
        ContinueOptions o;
        o.sampling.lengthSeconds = 1000;
        o.maxTokens = 50;
        auto r = Generator(model).run(primer, 10.0, o);
        QVERIFY(r.ok());
        QCOMPARE(r->tokens[0].size(), std::size_t(50));
    }

    void cancelTakesEffectWithinOneToken() {
        ContinueOptions o;
        o.sampling.lengthSeconds = 1000;
        o.maxTokens = 100000;
        std::atomic<bool> cancel{false};
        std::size_t tokensAtCancel = 0;
        int notes = 0;
        ContinueCallbacks cb;
        cb.onNote = [&](int, const tokens::TimedNote&) {
            if (++notes == 3) cancel = true;
        };
        // Count the tokens sampled when cancel was raised via the progress of the same run.
        auto r = Generator(model).run(primer, 10.0, o, cb, &cancel);
        QVERIFY(r.ok());
        QVERIFY(r->cancelled);
        tokensAtCancel = r->tokens[0].size();
        QVERIFY(tokensAtCancel < 2000);
        // Raised from another thread: the run stops promptly and still returns what it wrote.
        std::atomic<bool> cancel2{false};
        std::atomic<int> seen{0};
        ContinueCallbacks cb2;
        cb2.onProgress = [&](const ContinueProgress& p) { seen = p.tokens; };
        std::thread t([&] {
            while (seen.load() < 20) std::this_thread::yield();
            cancel2 = true;
        });
        auto r2 = Generator(model).run(primer, 10.0, o, cb2, &cancel2);
        t.join();
        QVERIFY(r2.ok());
        QVERIFY(r2->cancelled);
    }

    void emptyPrimerWorks() {
        ContinueOptions o;
        o.sampling.lengthSeconds = 2;
        auto r = Generator(model).run({}, 0.0, o);
        QVERIFY(r.ok());
        QVERIFY(!r->tokens[0].empty());
    }

    void primedAheadStartsAtOnceWithTheSameMusic() {
        ContinueOptions o;
        o.sampling.lengthSeconds = 3;
        o.sampling.seed = Seed::fixed(99);
        o.sampling.variations = 2;
        auto cold = Generator(model).run(primer, 10.0, o);
        QVERIFY(cold.ok());
        QVERIFY(!cold->primedAhead);
        QVERIFY(cold->primeMilliseconds > 0);
        Generator g(model);
        QVERIFY(!g.isPrimed(primer, 10.0));
        auto ms = g.prime(primer, 10.0);
        QVERIFY(ms.ok());
        QVERIFY(ms.value() > 0);
        QVERIFY(g.isPrimed(primer, 10.0));
        QVERIFY(!g.isPrimed(primer, 11.0)); // another start is another primer
        QCOMPARE(g.prime(primer, 10.0).value(), 0.0);
        auto warm = g.run(primer, 10.0, o);
        QVERIFY(warm.ok());
        QVERIFY(warm->primedAhead);
        QCOMPARE(warm->primeMilliseconds, 0.0);
        QCOMPARE(warm->tokens, cold->tokens);
        // Sampling leaves the primed state as it was: the next run starts from it again.
        auto again = g.run(primer, 10.0, o);
        QVERIFY(again.ok());
        QVERIFY(again->primedAhead);
        QCOMPARE(again->tokens, cold->tokens);
        auto edited = primer;
        edited.back().pitch += 1;
        QVERIFY(!g.isPrimed(edited, 10.0));
        auto fresh = g.run(edited, 10.0, o);
        QVERIFY(fresh.ok());
        QVERIFY(!fresh->primedAhead);
        QVERIFY(g.isPrimed(edited, 10.0));
        g.forgetPrimed();
        QVERIFY(!g.isPrimed(edited, 10.0));
    }

    void settledPerformanceIsReadOnlyOnce() {
        // A player at the keyboard: at 5 s the notes so far are final up to the key struck at 5 s,
        // still held. Priming then keeps the state after them; the pause's request (all the
        // notes, silence to 10 s) reads only what follows, and samples what a cold run does.
        ContinueOptions o;
        o.sampling.lengthSeconds = 3;
        o.sampling.seed = Seed::fixed(7);
        auto cold = Generator(model).run(primer, 10.0, o);
        QVERIFY(cold.ok());
        std::vector<tokens::TimedNote> sofar;
        for (const auto& n : primer)
            if (n.end <= 5.0) sofar.push_back(n);
        Generator g(model);
        QVERIFY(g.prime(sofar, 5.0, -1, nullptr, 5.0).ok());
        auto warm = g.run(primer, 10.0, o);
        QVERIFY(warm.ok());
        QVERIFY(!warm->primedAhead);
        QCOMPARE(cold->primerTokensFedNow, cold->primerTokensFed);
        QCOMPARE(warm->primerTokensFed, cold->primerTokensFed); // the model heard the same
        // The second half of the notes and the silence after them, not the first half again.
        QVERIFY(warm->primerTokensFedNow > 0);
        QVERIFY2(warm->primerTokensFedNow < cold->primerTokensFed * 6 / 10,
                 qPrintable(QString("fed %1 after the settled part, %2 cold").arg(warm->primerTokensFedNow).arg(cold->primerTokensFed)));
        QCOMPARE(warm->tokens, cold->tokens);
        // A primer that does not begin with the settled events is read afresh.
        auto edited = primer;
        edited.front().pitch += 1;
        auto other = g.run(edited, 10.0, o);
        QVERIFY(other.ok());
        QCOMPARE(other->primerTokensFedNow, cold->primerTokensFed);
        // Settled time 0: nothing is kept, nothing goes wrong.
        Generator h(model);
        QVERIFY(h.prime(sofar, 5.0, -1, nullptr, 0.0).ok());
        auto plain = h.run(primer, 10.0, o);
        QVERIFY(plain.ok());
        QCOMPARE(plain->primerTokensFedNow, cold->primerTokensFed);
        QCOMPARE(plain->tokens, cold->tokens);
    }

    void liveEventsStreamInTimeOrderFromTheFirstNote() {
        // A jam answer: it begins with a note rather than more silence, and every key struck and
        // released reaches onEvent the moment it is sampled, in time order.
        ContinueOptions o;
        o.sampling.lengthSeconds = 4;
        o.startWithNote = true;
        for (std::uint64_t seed = 1; seed <= 4; ++seed) {
            o.sampling.seed = Seed::fixed(seed);
            std::vector<LiveNoteEvent> events;
            ContinueCallbacks callbacks;
            callbacks.onEvent = [&](int v, const LiveNoteEvent& e) {
                QCOMPARE(v, 0);
                events.push_back(e);
            };
            auto r = Generator(model).run(primer, 12.0, o, callbacks);
            QVERIFY(r.ok());
            for (int tok : r->tokens[0]) {
                if (tokens::typeOf(tok) == tokens::Type::NoteOn) break;
                QVERIFY2(tokens::typeOf(tok) == tokens::Type::Velocity, "silence or a release before the first note");
            }
            QVERIFY(!events.empty());
            QCOMPARE(events.front().seconds, 12.0); // at once, where the primer ends
            QVERIFY(events.front().velocity > 0);
            for (std::size_t i = 1; i < events.size(); ++i) QVERIFY(events[i].seconds >= events[i - 1].seconds);
            // Each note of the take was struck as an event at its start, with its velocity.
            for (const auto& n : r->variations[0]) {
                const bool struck = std::any_of(events.begin(), events.end(), [&](const LiveNoteEvent& e) {
                    return e.pitch == n.pitch && e.velocity == n.velocity && std::abs(e.seconds - n.start) < 1e-9;
                });
                QVERIFY2(struck, qPrintable(QString("note %1 at %2 s was not streamed").arg(n.pitch).arg(n.start)));
                QVERIFY(n.start < 16.0);
            }
            for (const auto& e : events) QVERIFY(e.seconds < 16.0);
        }
        // Without it, a run may well begin with silence or a release.
        o.startWithNote = false;
        int otherwise = 0;
        for (std::uint64_t seed = 1; seed <= 8; ++seed) {
            o.sampling.seed = Seed::fixed(seed);
            auto r = Generator(model).run(primer, 12.0, o);
            QVERIFY(r.ok());
            const auto first = r->tokens[0].empty() ? tokens::Type::Invalid : tokens::typeOf(r->tokens[0][0]);
            if (first == tokens::Type::TimeShift || first == tokens::Type::NoteOff) ++otherwise;
        }
        QVERIFY2(otherwise > 0, "the random model never begins with silence or a release: the mask above proves nothing");
    }

    void cancelledPrimeKeepsNoState() {
        Generator g(model);
        std::atomic<bool> cancel{true};
        QVERIFY(!g.prime(primer, 10.0, -1, &cancel).ok());
        QVERIFY(!g.isPrimed(primer, 10.0));
    }

    void longPrimerFeedsOnlyWhatTheModelCanSee() {
        // The test model's attention sees (64 + 32) + (16 + 32) = 144 tokens back.
        std::vector<tokens::TimedNote> longPrimer;
        for (int i = 0; i < 500; ++i) longPrimer.push_back({i * 0.1, i * 0.1 + 0.25, 40 + (i * 7) % 40, 60});
        ContinueOptions o;
        o.sampling.lengthSeconds = 1;
        o.sampling.seed = Seed::fixed(3);
        auto networkAlone = Model::load(dir.filePath("m.safetensors").toStdString(), {"cpu", 1, true, RecallOptions::off()});
        QVERIFY(networkAlone.ok());
        auto r = Generator(networkAlone.value()).run(longPrimer, 50.0, o);
        QVERIFY(r.ok());
        QVERIFY(r->primerTokens > 1500);
        QVERIFY2(r->primerTokensFed >= 144 && r->primerTokensFed < 144 + 32, qPrintable(QString::number(r->primerTokensFed)));
        // Recall reads further back than the attention: its entries are fed too, and no more.
        RecallOptions recall;
        recall.capacity = 512;
        auto recalling = Model::load(dir.filePath("m.safetensors").toStdString(), {"cpu", 1, true, recall});
        QVERIFY(recalling.ok());
        r = Generator(recalling.value()).run(longPrimer, 50.0, o);
        QVERIFY(r.ok());
        QVERIFY2(r->primerTokensFed >= 513 && r->primerTokensFed < 513 + 32, qPrintable(QString::number(r->primerTokensFed)));
        auto shortRun = Generator(model).run(primer, 10.0, o);
        QCOMPARE(shortRun->primerTokensFed, shortRun->primerTokens); // short primers are fed whole
    }

    void threadChoiceFollowsTheRequest() {
        ContinueOptions o;
        o.sampling.lengthSeconds = 1;
        o.threads = 2;
        auto fixed = Generator(model).run(primer, 10.0, o);
        QVERIFY(fixed.ok());
        QCOMPARE(fixed->prefillThreads, 2);
        QCOMPARE(fixed->decodeThreads, 2);
        o.threads = 0;
        auto automatic = Generator(model).run(primer, 10.0, o);
        QVERIFY(automatic.ok());
        QCOMPARE(automatic->decodeThreads, 1);
        QVERIFY(automatic->prefillThreads >= 1 && automatic->prefillThreads <= std::min(4, usableCores()));
        QVERIFY(automatic->threadChoice.find("automatic") != std::string::npos);
    }

    void idleMeterSeesBusyCores() {
        const int cores = usableCores();
        QVERIFY(cores >= 1);
        CpuIdleMeter meter;
#if defined(__linux__)
        // Keep every usable core busy while the meter measures a window of ~200 ms.
        std::atomic<bool> stop{false};
        std::vector<std::thread> spinners;
        for (int i = 1; i < cores; ++i)
            spinners.emplace_back([&] {
                volatile std::uint64_t x = 0;
                while (!stop.load(std::memory_order_relaxed)) x = x + 1;
            });
        meter.restart();
        volatile std::uint64_t x = 0;
        while (meter.elapsedMs() < 200) x = x + 1;
        const auto idle = meter.idleFractions();
        const double own = meter.ownCores();
        const int spare = meter.spareCores();
        stop = true;
        for (auto& t : spinners) t.join();
        QCOMPARE(int(idle.size()), cores);
        double mean = 0;
        for (double f : idle) {
            QVERIFY(f >= 0 && f <= 1);
            mean += f / cores;
        }
        QVERIFY2(mean < 0.5, qPrintable(QString::number(mean)));
        QVERIFY2(own > 0.1, qPrintable(QString::number(own))); // its share depends on what else runs
        QVERIFY(spare < cores);
        const ThreadChoice c = chooseThreads(0, meter);
        QCOMPARE(c.decode, 1);
        QVERIFY(c.prefill >= 1 && c.prefill <= cores);
#endif
        const ThreadChoice fixed = chooseThreads(3, meter);
        QVERIFY(!fixed.automatic);
        QCOMPARE(fixed.prefill, 3);
        QCOMPARE(fixed.decode, 3);
    }

    void infillRanksCandidatesByWhatFollows() {
        std::vector<tokens::TimedNote> before, after;
        for (const auto& n : primer) (n.start < 4.0 ? before : after).push_back(n);
        for (auto& n : after) n.start += 2.0, n.end += 2.0; // a gap of 2 s at 4..6 s
        InfillOptions o;
        o.sampling.variations = 3;
        o.sampling.seed = Seed::fixed(8);
        o.scoreSeconds = 4;
        Generator g(model);
        auto r = g.infill(before, 4.0, 6.0, after, o);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().c_str());
        QCOMPARE(int(r->candidates.size()), 3);
        QVERIFY(r->afterTokens > 0);
        std::set<int> indices;
        for (std::size_t i = 0; i < r->candidates.size(); ++i) {
            const auto& c = r->candidates[i];
            indices.insert(c.index);
            if (i > 0) QVERIFY(r->candidates[i - 1].afterNll <= c.afterNll);
            for (const auto& n : c.notes) QVERIFY(n.start >= 4.0 - 1e-9 && n.start < 6.0);
            // The score is the likelihood of the music after the gap read after this fill.
            std::vector<tokens::TimedNote> prefix = before;
            prefix.insert(prefix.end(), c.notes.begin(), c.notes.end());
            std::vector<tokens::TimedNote> following;
            for (auto n : after)
                if (n.start < 10.0) following.push_back({n.start - 6.0, std::min(n.end - 6.0, 4.0), n.pitch, n.velocity});
            int scored = 0;
            auto again = g.continuationNll(prefix, 6.0, following, &scored);
            QVERIFY(again.ok());
            QCOMPARE(scored, c.afterTokens);
            QVERIFY(std::abs(again.value() - c.afterNll) < 1e-9);
        }
        QCOMPARE(int(indices.size()), 3);
        // The same seed gives the same candidates, whether progress is reported or not: the
        // fraction only grows, sampling takes it to 0.9 and ranking the three candidates to 1.
        std::vector<ContinueProgress> progress;
        o.onProgress = [&progress](const ContinueProgress& p) { progress.push_back(p); };
        auto r2 = Generator(model).infill(before, 4.0, 6.0, after, o);
        QVERIFY(r2.ok());
        QCOMPARE(r2->candidates.front().index, r->candidates.front().index);
        QCOMPARE(r2->candidates.front().notes.size(), r->candidates.front().notes.size());
        QVERIFY(progress.size() > 3);
        for (std::size_t i = 1; i < progress.size(); ++i) QVERIFY(progress[i].fraction >= progress[i - 1].fraction);
        QVERIFY(progress[progress.size() - 4].fraction <= 0.9 + 1e-9);
        QVERIFY(progress[progress.size() - 4].tokens > 0);
        QCOMPARE(progress.back().fraction, 1.0);
        QVERIFY(!Generator(model).infill(before, 6.0, 4.0, after, o).ok());
    }

    void rejectsBadOptions() {
        ContinueOptions o;
        o.sampling.lengthSeconds = -1;
        QVERIFY(!Generator(model).run(primer, 10.0, o).ok());
        o.sampling.lengthSeconds = 1;
        o.sampling.temperature = 0;
        QVERIFY(!Generator(model).run(primer, 10.0, o).ok());
    }
};

QTEST_GUILESS_MAIN(TestGenerator)
#include "test_generator.moc"
