// Encode -> decode of real MAESTRO performances keeps every note.
#include "continuo/core/MidiFile.h"
#include "continuo/inference/Dataset.h"
#include "continuo/inference/Engine.h"
#include "continuo/inference/Tokenizer.h"

#include <QtTest>

#include <algorithm>
#include <deque>
#include <map>

using namespace continuo;
using namespace continuo::tokens;

class TestTokenizerMaestro : public QObject {
    Q_OBJECT
    static QString maestroCsv() {
        return QString(CONTINUO_SHARED_DATA) + "/maestro-v2/maestro-v2.0.0-train-validation.csv";
    }

private slots:
    void everyNoteSurvives() {
        if (!QFile::exists(maestroCsv()))
            QSKIP(qPrintable("MAESTRO is not at " + maestroCsv() +
                             " (set CONTINUO_SHARED_DATA to the folder holding maestro-v2/)"));
        auto list = inference::listMidiFiles(maestroCsv().toStdString(), "");
        QVERIFY(list.ok());
        // A fixed sample spread over the whole list (years and composers): every 40th file.
        std::int64_t totalNotes = 0, totalTokens = 0, sameStep = 0;
        double totalSeconds = 0;
        int files = 0;
        for (std::size_t f = 0; f < list->files.size(); f += 40, ++files) {
            auto midi = readMidiFile(list->files[f]);
            QVERIFY2(midi.ok(), midi.error().c_str());
            auto notes = performanceNotes(midi->sequence);
            auto toks = encode(notes);
            auto back = decode(toks);
            // Two strikes of one key inside one 10 ms step merge (the louder stays); count them.
            std::map<std::pair<int, long>, int> strikes;
            for (const auto& n : notes) ++strikes[{n.pitch, std::lround(n.start / kStepSeconds)}];
            std::int64_t merged = 0;
            for (auto& [k, c] : strikes) merged += c - 1;
            sameStep += merged;
            QCOMPARE(std::int64_t(back.size()), std::int64_t(notes.size()) - merged);
            // Match notes by (pitch, quantised onset): onset within 10 ms, velocity in its bin.
            std::multimap<std::pair<int, long>, const TimedNote*> original;
            for (const auto& n : notes) original.insert({{n.pitch, std::lround(n.start / kStepSeconds)}, &n});
            for (const auto& n : back) {
                auto it = original.find({n.pitch, std::lround(n.start / kStepSeconds)});
                QVERIFY2(it != original.end(), qPrintable(QString("pitch %1 at %2 s").arg(n.pitch).arg(n.start)));
                QVERIFY(std::abs(it->second->start - n.start) <= 0.010);
                const bool merged = strikes[{n.pitch, std::lround(n.start / kStepSeconds)}] > 1;
                QVERIFY(n.velocity / 4 == it->second->velocity / 4 || merged);
            }
            totalNotes += std::int64_t(notes.size());
            totalTokens += std::int64_t(toks.size());
            totalSeconds += notes.empty() ? 0 : notes.back().end;
        }
        QVERIFY(files >= 25);
        qInfo("%d files, %lld notes, %lld tokens, %.1f tokens per second of music, %.2f tokens per note, %lld same-step re-strikes merged",
              files, (long long)totalNotes, (long long)totalTokens, totalTokens / totalSeconds,
              double(totalTokens) / double(totalNotes), (long long)sameStep);
    }

    // A continuation stops at its length or at the token cap, whichever comes first. The default
    // cap must not be the one that stops it: the densest ten seconds of real performances (fast
    // passages with the pedal, every strike and release a token) must fit inside it.
    void defaultTokenCapFitsTheDensestPlaying() {
        if (!QFile::exists(maestroCsv()))
            QSKIP(qPrintable("MAESTRO is not at " + maestroCsv() +
                             " (set CONTINUO_SHARED_DATA to the folder holding maestro-v2/)"));
        auto list = inference::listMidiFiles(maestroCsv().toStdString(), "");
        QVERIFY(list.ok());
        constexpr double kWindow = 10.0;
        std::size_t densest = 0;
        std::string where;
        int files = 0;
        for (std::size_t f = 0; f < list->files.size(); f += 20, ++files) {
            auto midi = readMidiFile(list->files[f]);
            QVERIFY2(midi.ok(), midi.error().c_str());
            const auto toks = encode(performanceNotes(midi->sequence));
            StreamingDecoder clock;
            std::deque<double> window; // times of the tokens in the last kWindow seconds
            for (int t : toks) {
                clock.feed(t);
                window.push_back(clock.now());
                while (window.front() <= clock.now() - kWindow) window.pop_front();
                if (window.size() > densest) {
                    densest = window.size();
                    where = list->files[f] + " at " + std::to_string(int(clock.now())) + " s";
                }
            }
        }
        QVERIFY(files >= 50);
        const int cap = inference::defaultTokenCap(kWindow);
        qInfo("densest %.0f s over %d performances: %zu tokens (%.0f per second) in %s; default cap %d",
              kWindow, files, densest, double(densest) / kWindow, where.c_str(), cap);
        QVERIFY(densest > std::size_t(40 * kWindow)); // the old cap of 40 per second was too low
        QVERIFY(std::size_t(cap) >= densest);
        QCOMPARE(inference::defaultTokenCap(0.1), 64); // short requests still get room to start
    }
};

QTEST_GUILESS_MAIN(TestTokenizerMaestro)
#include "test_tokenizer_maestro.moc"
