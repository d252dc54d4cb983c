// The engine's JSON (inference/src/Json.h) against Qt's QJsonDocument, which wrote and read
// every model file and checkpoint before it: the same text out, the same documents accepted.
#include "Json.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <bit>
#include <cmath>
#include <random>

using namespace continuo::inference;

namespace {
std::string qtText(const QJsonDocument& d, bool indented) {
    return d.toJson(indented ? QJsonDocument::Indented : QJsonDocument::Compact).toStdString();
}

/// Random doubles of every kind: any bit pattern, whole numbers around 2^53, short decimals.
std::vector<double> someDoubles(int count) {
    std::mt19937_64 rng(11);
    std::vector<double> out = {0.0, -0.0, 0.1, 0.5, 1.0 / 1024, 1e-4, 1e-5, 1e5, 1e15, 1e16, 1e21, 1e22,
                               9007199254740992.0, 9007199254740994.0, 5e-324, 1.7976931348623157e308};
    while (int(out.size()) < count) {
        const std::uint64_t u = rng();
        double d = std::bit_cast<double>(u);
        if (u % 3 == 1) d = std::ldexp(double(u % 100000), int(u % 90) - 30);
        if (u % 3 == 2) d = double(u % 10000000) / std::pow(10.0, double(u % 13));
        if (std::isfinite(d)) out.push_back(d);
    }
    return out;
}
} // namespace

class TestJson : public QObject {
    Q_OBJECT
private slots:
    void numbersAreWrittenAsQtWritesThem() {
        for (double d : someDoubles(20000)) {
            QJsonObject q{{"x", d}};
            const std::string mine = json::write(json::Value::object().set("x", json::Value(d)));
            QVERIFY2(mine == qtText(QJsonDocument(q), false), qPrintable(QString::number(d, 'g', 17)));
        }
        for (std::int64_t n : {std::int64_t(0), std::int64_t(-1), std::int64_t(1) << 62, INT64_MIN, INT64_MAX}) {
            QJsonObject q{{"n", qint64(n)}};
            QCOMPARE(json::write(json::Value::object().set("n", json::Value(n))), qtText(QJsonDocument(q), false));
        }
    }

    void documentsAreWrittenAsQtWritesThem() {
        std::string text;
        for (int c = 1; c < 128; ++c) text += char(c);
        text += "é–😀";
        QJsonObject q{{"text", QString::fromStdString(text)}, {"b", true}, {"z", QJsonValue()}, {"empty", QJsonObject()},
                      {"list", QJsonArray{1, 2.5, "three", QJsonArray()}}, {"a", QJsonObject{{"y", 1}, {"x", 2}}}};
        auto mine = json::Value::object();
        mine.set("text", text).set("b", true).set("z", json::Value()).set("empty", json::Value::object());
        mine.set("list", json::Value::array().append(1).append(2.5).append("three").append(json::Value::array()));
        mine.set("a", json::Value::object().set("y", 1).set("x", 2)); // keys come out sorted
        for (bool indented : {false, true}) QCOMPARE(json::write(mine, indented), qtText(QJsonDocument(q), indented));
    }

    void readsWhatQtReads_data() {
        QTest::addColumn<QByteArray>("text");
        for (const char* t : {"[064]", "[-.25]", "[1.e3]", "[1.]", "[.5]", "[.]", "[-]", "[1e]", "[+1]", "[01.5]", "[1.50]",
                              "[9223372036854775808]", "[-9223372036854775808]", "[1e400]", "[1e-400]", "[0x10]",
                              "[\"a\\qb\"]", "[\"\\u00zz\"]", "[\"\x01\"]", "[\"\xed\xa0\x80\"]", "[\"\xc0\x80\"]",
                              "[\"\xf4\x90\x80\x80\"]", "[\"\xef\xbf\xbf\"]", "[\"\\ud83d\\ude00\"]", "{\"a\":1,\"a\":2}",
                              "[1,]", "[1 2]", "{\"a\" 1}", "{,}", "[] x", "  [] \n", "1", "\"s\"", "[tru]", "{\"a\":1,}",
                              "[\"\\u0000\"]", "\xef\xbb\xbf[1]", "{\"k\":[{},[],null,false]}"})
            QTest::newRow(t) << QByteArray(t);
    }
    void readsWhatQtReads() {
        QFETCH(QByteArray, text);
        QJsonParseError error;
        const QJsonDocument q = QJsonDocument::fromJson(text, &error);
        const auto mine = json::parse({text.constData(), std::size_t(text.size())});
        QCOMPARE(mine.ok, error.error == QJsonParseError::NoError);
        if (mine.ok) QCOMPARE(json::write(mine.value), qtText(q, false));
    }

    void loneSurrogatesReadAsQtStringsConvertThem() {
        const QByteArray text = R"(["a\ud83db", "\ude00"])";
        const auto mine = json::parse({text.constData(), std::size_t(text.size())});
        QVERIFY(mine.ok);
        const QJsonArray q = QJsonDocument::fromJson(text).array();
        for (int i = 0; i < 2; ++i) QCOMPARE(mine.value.elements()[std::size_t(i)].toString(), q[i].toString().toStdString());
    }

    void nestingIsCappedAsQtCapsIt() {
        for (int depth : {1000, 1024, 1025, 1100, 100000}) {
            const QByteArray text = QByteArray(depth, '[') + QByteArray(depth, ']');
            QJsonParseError error;
            QJsonDocument::fromJson(text, &error);
            QCOMPARE(json::parse({text.constData(), std::size_t(text.size())}).ok, error.error == QJsonParseError::NoError);
        }
    }

    void valuesReadAsQtValuesDo() {
        const auto v = json::parse(R"({"i":7,"d":2.0,"f":2.5,"big":1e300,"s":"x","n":null,"t":true})").value;
        QCOMPARE(v["i"].toInt(), 7);
        QCOMPARE(v["d"].toInt(), 2);         // a whole double is an int
        QCOMPARE(v["f"].toInt(-1), -1);      // a fraction is not
        QCOMPARE(v["big"].toInt(-1), -1);    // nor one out of range
        QCOMPARE(v["s"].toInt(-1), -1);      // nor a string
        QCOMPARE(v["f"].toDouble(), 2.5);
        QCOMPARE(v["missing"].toDouble(-1), -1.0);
        QCOMPARE(v["s"].toString(), std::string("x"));
        QCOMPARE(v["i"].toString(), std::string());
        QVERIFY(v.contains("n") && !v.contains("missing"));
        QCOMPARE(json::parse(R"({"t":12345678901234})").value["t"].toInt64(), std::int64_t(12345678901234));
    }
};

QTEST_GUILESS_MAIN(TestJson)
#include "test_json.moc"
