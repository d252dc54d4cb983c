// Checkpoints go through the real save and load path; broken files are refused with a reason.
#include "continuo/core/MidiFile.h"
#include "continuo/inference/Engine.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cstring>

using namespace continuo;
using namespace continuo::inference;

namespace {
ModelConfig smallConfig() {
    ModelConfig c;
    c.layers = 2;
    c.dModel = 32;
    c.heads = 2;
    c.ffDim = 64;
    c.segment = 16;
    c.horizons = {32, 8};
    return c;
}
std::vector<std::uint8_t> bytesOf(const QString& path) { return readFileBytes(path.toStdString()).value(); }
void writeBytes(const QString& path, const std::vector<std::uint8_t>& b) { QVERIFY(writeFileAtomically(path.toStdString(), b).ok()); }
} // namespace

class TestCheckpoint : public QObject {
    Q_OBJECT
    QTemporaryDir dir;
    QString good;
private slots:
    void initTestCase() {
        QVERIFY(dir.isValid());
        good = dir.filePath("small.safetensors");
        auto m = Model::create(smallConfig(), 5, {"cpu", 1});
        QVERIFY(m.ok());
        QVERIFY(m.value()->save(good.toStdString(), {{"licence", "test"}, {"training_data", "none"}}).ok());
    }
    void roundTripKeepsWeightsAndMetadata() {
        auto m = Model::load(good.toStdString(), {"cpu", 1});
        QVERIFY2(m.ok(), m.error().c_str());
        const ModelInfo& info = m.value()->info();
        QCOMPARE(info.config.horizons, smallConfig().horizons);
        QCOMPARE(info.metadataValue("licence"), std::string("test"));
        QCOMPARE(info.sha256.size(), std::size_t(64));
        // Same weights: the same seed and primer give the same continuation from both.
        auto orig = Model::create(smallConfig(), 5, {"cpu", 1}).value();
        ContinueOptions o;
        o.seconds = 2;
        o.sampling.seed = 9;
        std::vector<tokens::TimedNote> primer{{0, 0.5, 60, 80}, {0.5, 1.0, 64, 80}};
        auto a = Generator(orig).run(primer, 1.0, o), b = Generator(m.value()).run(primer, 1.0, o);
        QVERIFY(a.ok() && b.ok());
        QCOMPARE(a->tokens, b->tokens);
    }
    void refusesBrokenFiles_data() {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QString>("message");
        QTest::newRow("truncated") << "truncate" << "truncated";
        QTest::newRow("header byte flipped") << "flip-header" << "";
        QTest::newRow("weight byte flipped") << "flip-data" << "checksum";
        QTest::newRow("empty") << "empty" << "too short";
        QTest::newRow("not a model") << "midi" << "header length";
        QTest::newRow("wrong vocabulary") << "vocabulary" << "vocabulary version";
        QTest::newRow("missing") << "missing" << "cannot open";
    }
    void refusesBrokenFiles() {
        QFETCH(QString, damage);
        QFETCH(QString, message);
        auto b = bytesOf(good);
        std::uint64_t headerLen;
        std::memcpy(&headerLen, b.data(), 8);
        QString path = dir.filePath(damage + ".safetensors");
        if (damage == "truncate") b.resize(b.size() - 100);
        else if (damage == "flip-header") b[8 + headerLen / 2] ^= 0x5A;
        else if (damage == "flip-data") b[b.size() - 17] ^= 0x01;
        else if (damage == "empty") b.clear();
        else if (damage == "midi") b = {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 1, 0, 1, 1, 224};
        else if (damage == "vocabulary") {
            std::string h(reinterpret_cast<char*>(b.data() + 8), headerLen);
            auto at = h.find("\"vocabulary_version\":\"1\"");
            QVERIFY(at != std::string::npos);
            b[8 + at + 22] = '7';
        } else if (damage == "missing") path = dir.filePath("does-not-exist.safetensors");
        if (damage != "missing") writeBytes(path, b);
        auto m = Model::load(path.toStdString(), {"cpu", 1});
        QVERIFY(!m.ok());
        QVERIFY2(QString::fromStdString(m.error()).contains(message), m.error().c_str());
        QVERIFY2(QString::fromStdString(m.error()).contains(path), "the message names the file");
    }
    void refusesShapeMismatch() {
        // A model saved with another width cannot pass for this config: edit the config in the header.
        auto other = smallConfig();
        other.ffDim = 128;
        QString path = dir.filePath("wide.safetensors");
        QVERIFY(Model::create(other, 1, {"cpu", 1}).value()->save(path.toStdString(), {}).ok());
        auto b = bytesOf(path);
        std::uint64_t headerLen;
        std::memcpy(&headerLen, b.data(), 8);
        std::string h(reinterpret_cast<char*>(b.data() + 8), headerLen);
        auto at = h.find("\\\"ff_dim\\\":128");
        QVERIFY(at != std::string::npos);
        std::memcpy(b.data() + 8 + at + 11, "064", 3); // ff_dim 064 parses as 64: the tensors no longer fit
        writeBytes(path, b);
        auto m = Model::load(path.toStdString(), {"cpu", 1});
        QVERIFY(!m.ok());
        QVERIFY2(QString::fromStdString(m.error()).contains("shape") || QString::fromStdString(m.error()).contains("JSON"),
                 m.error().c_str());
    }
    void refusesUnknownDevice() {
        auto m = Model::load(good.toStdString(), {"tpu", 1});
        QVERIFY(!m.ok());
        QVERIFY(QString::fromStdString(m.error()).contains("device"));
    }
};

QTEST_GUILESS_MAIN(TestCheckpoint)
#include "test_checkpoint.moc"
