// Checkpoints go through the real save and load path; broken files are refused with a reason.
#include "continuo/core/MidiFile.h"
#include "continuo/inference/Engine.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <limits>
#include <map>

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

/// A safetensors file by hand: 8-byte little-endian header length (the JSON's own length
/// when `headerLength` is -1, else that number as unsigned), the JSON header, then `data`.
std::vector<std::uint8_t> safetensors(const QByteArray& json, const QByteArray& data, qint64 headerLength = -1) {
    const std::uint64_t len = headerLength == -1 ? std::uint64_t(json.size()) : std::uint64_t(headerLength);
    std::vector<std::uint8_t> out(8);
    std::memcpy(out.data(), &len, 8);
    out.insert(out.end(), json.begin(), json.end());
    out.insert(out.end(), data.begin(), data.end());
    return out;
}
/// Every tensor of a float32 safetensors file, by name (the header read here, independently of
/// the engine's reader).
std::map<QString, std::vector<float>> readF32Tensors(const std::vector<std::uint8_t>& b) {
    std::uint64_t len = 0;
    std::memcpy(&len, b.data(), 8);
    const QJsonObject header =
        QJsonDocument::fromJson(QByteArray(reinterpret_cast<const char*>(b.data() + 8), qsizetype(len))).object();
    std::map<QString, std::vector<float>> out;
    for (auto it = header.begin(); it != header.end(); ++it) {
        if (it.key() == "__metadata__") continue;
        const QJsonObject o = it.value().toObject();
        const QJsonArray range = o["data_offsets"].toArray();
        const std::size_t begin = std::size_t(range[0].toInteger()), end = std::size_t(range[1].toInteger());
        std::vector<float> v((end - begin) / 4);
        std::memcpy(v.data(), b.data() + 8 + len + begin, end - begin);
        out[it.key()] = v;
    }
    return out;
}
/// The nearest bfloat16 to `v` (ties to even), as a float: the reference for the writer.
float nearestBfloat16(float v) {
    std::uint32_t u;
    std::memcpy(&u, &v, 4);
    const std::uint32_t lower = u & 0xFFFFu, kept = u & 0xFFFF0000u;
    std::uint32_t r = kept;
    if (lower > 0x8000u || (lower == 0x8000u && (kept & 0x10000u))) r = kept + 0x10000u;
    float f;
    std::memcpy(&f, &r, 4);
    return f;
}
QByteArray floats(std::initializer_list<float> values) {
    QByteArray out;
    for (float v : values) out.append(reinterpret_cast<const char*>(&v), 4);
    return out;
}
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
        o.sampling.lengthSeconds = 2;
        o.sampling.seed = Seed::fixed(9);
        std::vector<tokens::TimedNote> primer{{0, 0.5, 60, 80}, {0.5, 1.0, 64, 80}};
        auto a = Generator(orig).run(primer, 1.0, o), b = Generator(m.value()).run(primer, 1.0, o);
        QVERIFY(a.ok() && b.ok());
        QCOMPARE(a->tokens, b->tokens);
    }
    void bf16KeepsEachWeightToItsNearestBfloat16() {
        // A run in progress commits its weights as bfloat16: half the file, each weight the
        // nearest bfloat16, and load() reads them back as float32.
        auto orig = Model::load(good.toStdString(), {"cpu", 1});
        QVERIFY(orig.ok());
        const QString half = dir.filePath("small-bf16.safetensors"), back = dir.filePath("small-back.safetensors");
        QVERIFY(orig.value()->save(half.toStdString(), orig.value()->info().metadata, true).ok());
        const std::vector<std::uint8_t> halfBytes = bytesOf(half), fullBytes = bytesOf(good);
        QVERIFY(QByteArray(reinterpret_cast<const char*>(halfBytes.data()), qsizetype(std::min<std::size_t>(halfBytes.size(), 4096)))
                    .contains("\"BF16\""));
        const std::size_t params = std::size_t(orig.value()->info().parameters);
        QVERIFY2(fullBytes.size() - halfBytes.size() >= 2 * params - 64,
                 qPrintable(QString("f32 %1 bytes, bf16 %2, %3 parameters").arg(fullBytes.size()).arg(halfBytes.size()).arg(params)));
        auto loaded = Model::load(half.toStdString(), {"cpu", 1});
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().c_str());
        QCOMPARE(loaded.value()->info().metadataValue("licence"), std::string("test"));
        QCOMPARE(loaded.value()->info().config.horizons, smallConfig().horizons);
        // Written again as float32, every weight is the bfloat16 nearest to the original.
        QVERIFY(loaded.value()->save(back.toStdString(), loaded.value()->info().metadata).ok());
        const auto want = readF32Tensors(fullBytes), got = readF32Tensors(bytesOf(back));
        QCOMPARE(got.size(), want.size());
        std::size_t changed = 0, count = 0;
        for (const auto& [name, values] : want) {
            const std::vector<float>& g = got.at(name);
            QCOMPARE(g.size(), values.size());
            for (std::size_t i = 0; i < values.size(); ++i, ++count) {
                QCOMPARE(g[i], nearestBfloat16(values[i]));
                changed += g[i] != values[i];
            }
        }
        QCOMPARE(count, params);
        QVERIFY(changed > count / 2); // random float32 weights almost never are bfloat16 already
    }

    void refusesBrokenBf16Tensors() {
        // A NaN stored as bfloat16, and a range that holds float32 bytes for a BF16 shape.
        const QByteArray nan("\xc0\x7f", 2);
        auto bad = Model::load([&] {
            const QString path = dir.filePath("nan-bf16.safetensors");
            writeBytes(path, safetensors(R"({"x":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}})", nan));
            return path.toStdString();
        }(), {"cpu", 1});
        QVERIFY(!bad.ok());
        QVERIFY2(QString::fromStdString(bad.error()).contains("NaN"), bad.error().c_str());
        const QString wide = dir.filePath("wide-bf16.safetensors");
        writeBytes(wide, safetensors(R"({"x":{"dtype":"BF16","shape":[2],"data_offsets":[0,8]}})", floats({1, 2})));
        auto mismatch = Model::load(wide.toStdString(), {"cpu", 1});
        QVERIFY(!mismatch.ok());
        QVERIFY2(QString::fromStdString(mismatch.error()).contains("needs 4 bytes"), mismatch.error().c_str());
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
    // A model file from a stranger: each lie in the layout is refused with a reason, without
    // reading outside the file or allocating what the header claims.
    void refusesHostileFiles_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<qint64>("headerLength");
        QTest::addColumn<QString>("message");
        const QByteArray w2 = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
        QTest::newRow("header length near 2^64") << w2 << floats({1, 2}) << qint64(-2) << "header length 18446744073709551614 is above the 16 MB limit";
        QTest::newRow("header length past the end") << w2 << floats({1, 2}) << qint64(1000) << "header length 1000 does not fit the file (70 bytes)";
        QTest::newRow("header of 100 MB claimed") << w2 << floats({1, 2}) << qint64(100'000'000) << "header length 100000000 is above the 16 MB limit";
        QTest::newRow("header not JSON") << QByteArray("{\"w\":") << QByteArray() << qint64(-1) << "header is not a valid JSON object";
        QTest::newRow("tensor past the end") << w2 << floats({1}) << qint64(-1) << "tensor 'w' data range [0, 8) lies outside the 4 data bytes";
        QTest::newRow("overlapping tensors")
            << QByteArray(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})")
            << floats({1, 2, 3}) << qint64(-1) << "tensors 'a' and 'b' overlap";
        QTest::newRow("wrong dtype") << QByteArray(R"({"w":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}})") << floats({1, 2}) << qint64(-1)
                                     << "tensor 'w' has dtype 'F16' (expected F32 or BF16)";
        QTest::newRow("shape needs more bytes than the range") << QByteArray(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})")
                                                               << floats({1, 2, 3}) << qint64(-1) << "tensor 'w' shape needs 12 bytes but its range holds 8";
        QTest::newRow("fractional dimension") << QByteArray(R"({"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})") << floats({1})
                                              << qint64(-1) << "tensor 'w' has an invalid shape";
        QTest::newRow("shape whose product overflows") << QByteArray(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,0]}})")
                                                       << floats({1}) << qint64(-1) << "tensor 'w' is larger than the file";
        QTest::newRow("NaN weight") << w2 << floats({1, std::numeric_limits<float>::quiet_NaN()}) << qint64(-1) << "tensor 'w' holds NaN at element 1";
        QTest::newRow("infinite weight") << w2 << floats({-std::numeric_limits<float>::infinity(), 1}) << qint64(-1)
                                         << "tensor 'w' holds an infinite value at element 0";
    }
    void refusesHostileFiles() {
        QFETCH(QByteArray, json);
        QFETCH(QByteArray, data);
        QFETCH(qint64, headerLength);
        QFETCH(QString, message);
        const QString path = dir.filePath("hostile.safetensors");
        writeBytes(path, safetensors(json, data, headerLength));
        auto m = Model::load(path.toStdString(), {"cpu", 1});
        QVERIFY(!m.ok());
        QVERIFY2(QString::fromStdString(m.error()).startsWith(path + ": not a usable model file: " + message), m.error().c_str());
    }
    void refusesHeaderAboveTheCap() {
        // A header that really is 17 MB (valid JSON padded with spaces, as the format allows):
        // refused by its length, before it is parsed.
        QByteArray json = R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
        json.append(QByteArray(17 << 20, ' '));
        const QString path = dir.filePath("huge-header.safetensors");
        writeBytes(path, safetensors(json, floats({1})));
        auto m = Model::load(path.toStdString(), {"cpu", 1});
        QVERIFY(!m.ok());
        QVERIFY2(QString::fromStdString(m.error()).contains("header length 17825846 is above the 16 MB limit"), m.error().c_str());
    }
    void refusesConfigLargerThanTheFile() {
        // The largest config the validator allows (128 layers, d_model 16384, ff_dim 65536)
        // would take terabytes to build: refused by what the file holds, before building.
        auto b = bytesOf(good);
        std::uint64_t headerLen;
        std::memcpy(&headerLen, b.data(), 8);
        QJsonObject header = QJsonDocument::fromJson(QByteArray(reinterpret_cast<const char*>(b.data() + 8), qsizetype(headerLen))).object();
        QJsonObject meta = header["__metadata__"].toObject();
        QJsonObject config = QJsonDocument::fromJson(meta["config"].toString().toUtf8()).object();
        config["layers"] = 128;
        config["d_model"] = 16384;
        config["ff_dim"] = 65536;
        QJsonArray horizons;
        for (int i = 0; i < 128; ++i) horizons.append(32);
        config["horizons"] = horizons;
        config.remove("layouts");
        meta["config"] = QString::fromUtf8(QJsonDocument(config).toJson(QJsonDocument::Compact));
        header["__metadata__"] = meta;
        const QByteArray json = QJsonDocument(header).toJson(QJsonDocument::Compact);
        const QByteArray data(reinterpret_cast<const char*>(b.data() + 8 + headerLen), qsizetype(b.size() - 8 - headerLen));
        const QString path = dir.filePath("huge-config.safetensors");
        writeBytes(path, safetensors(json, data));
        auto m = Model::load(path.toStdString(), {"cpu", 1});
        QVERIFY(!m.ok());
        QVERIFY2(QString::fromStdString(m.error()).contains("the model config needs at least 309244051456 weights, the file holds"), m.error().c_str());
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
