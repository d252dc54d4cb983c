// Encode -> decode of real MAESTRO performances keeps every note.
#include "continuo/core/MidiFile.h"
#include "continuo/inference/Dataset.h"
#include "continuo/inference/Tokenizer.h"

#include <QtTest>

#include <map>

using namespace continuo;
using namespace continuo::tokens;

class TestTokenizerMaestro : public QObject {
    Q_OBJECT
private slots:
    void everyNoteSurvives() {
        const QString csv = QString(CONTINUO_SHARED_DATA) + "/maestro-v2/maestro-v2.0.0-train-validation.csv";
        if (!QFile::exists(csv)) QSKIP("MAESTRO is not available beside the checkout (../shared/data/maestro-v2)");
        auto list = inference::listMidiFiles(csv.toStdString(), "");
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
};

QTEST_GUILESS_MAIN(TestTokenizerMaestro)
#include "test_tokenizer_maestro.moc"
