// TempoMap: ticks <-> seconds across tempo changes, editing, and rescaling resolutions.
#include "continuo/core/TempoMap.h"

#include <QTest>

using namespace continuo;

Q_DECLARE_METATYPE(continuo::Tick)

namespace {

/// 480 PPQ: 120 BPM from 0, 60 BPM from 960, 240 BPM from 1920, 100 BPM from 4800.
/// Seconds at the changes: 0, 1, 3, 4.5.
TempoMap fourTempos() {
    TempoMap m(480);
    m.setTempo(4800, 600000.0);
    m.setTempo(960, 1000000.0);
    m.setTempo(1920, 250000.0);
    return m;
}

} // namespace

class TestTempoMap : public QObject {
    Q_OBJECT
  private slots:
    void defaultIs120Bpm();
    void ticksToSeconds_data();
    void ticksToSeconds();
    void secondsToTicks_data();
    void secondsToTicks();
    void setTempoReplacesAndKeepsOrder();
    void rejectsNonPositiveTempo();
    void rescaledKeepsSeconds_data();
    void rescaledKeepsSeconds();
    void rescaleMergesChangesOnOneTick();
    void rescaleTick_data();
    void rescaleTick();
};

void TestTempoMap::defaultIs120Bpm() {
    TempoMap m(960);
    QCOMPARE(m.changes().size(), std::size_t(1));
    QCOMPARE(m.bpmAt(123456), 120.0);
    QCOMPARE(m.secondsAt(960), 0.5);
    QCOMPARE(m.tickAt(0.5), Tick(960));
}

void TestTempoMap::ticksToSeconds_data() {
    QTest::addColumn<Tick>("tick");
    QTest::addColumn<double>("seconds");
    QTest::addColumn<double>("bpm");
    QTest::newRow("start") << Tick(0) << 0.0 << 120.0;
    QTest::newRow("inside the first tempo") << Tick(480) << 0.5 << 120.0;
    QTest::newRow("at the second change") << Tick(960) << 1.0 << 60.0;
    QTest::newRow("inside the second") << Tick(1440) << 2.0 << 60.0;
    QTest::newRow("at the third change") << Tick(1920) << 3.0 << 240.0;
    QTest::newRow("inside the third") << Tick(2880) << 3.5 << 240.0;
    QTest::newRow("at the last change") << Tick(4800) << 4.5 << 100.0;
    QTest::newRow("after the last change") << Tick(4800 + 4800) << 10.5 << 100.0;
}

void TestTempoMap::ticksToSeconds() {
    QFETCH(Tick, tick);
    QFETCH(double, seconds);
    QFETCH(double, bpm);
    const TempoMap m = fourTempos();
    QVERIFY(qAbs(m.secondsAt(tick) - seconds) < 1e-12);
    QVERIFY(qAbs(m.bpmAt(tick) - bpm) < 1e-9);
}

void TestTempoMap::secondsToTicks_data() {
    QTest::addColumn<double>("seconds");
    QTest::addColumn<Tick>("tick");
    QTest::newRow("zero") << 0.0 << Tick(0);
    QTest::newRow("first tempo") << 0.25 << Tick(240);
    QTest::newRow("exactly a change") << 3.0 << Tick(1920);
    QTest::newRow("third tempo") << 3.5 << Tick(2880);
    QTest::newRow("rounded to nearest") << 1.0 + 1.6 / 480 << Tick(962);
    QTest::newRow("past the end") << 9.0 << Tick(4800 + 3600);
}

void TestTempoMap::secondsToTicks() {
    QFETCH(double, seconds);
    QFETCH(Tick, tick);
    const TempoMap m = fourTempos();
    QCOMPARE(m.tickAt(seconds), tick);
    // And back: every tick survives ticks -> seconds -> ticks.
    QCOMPARE(m.tickAt(m.secondsAt(tick)), tick);
}

void TestTempoMap::setTempoReplacesAndKeepsOrder() {
    TempoMap m = fourTempos();
    m.setTempo(960, 500000.0); // replace
    m.setTempo(0, 1000000.0);  // replace the initial one
    m.setTempo(100, 400000.0); // insert between
    QCOMPARE(m.changes().size(), std::size_t(5));
    const std::vector<Tick> ticks{0, 100, 960, 1920, 4800};
    for (std::size_t i = 0; i < ticks.size(); ++i)
        QCOMPARE(m.changes()[i].tick, ticks[i]);
    QCOMPARE(m.changes()[2].microsPerQuarter, 500000.0);
    // 100 ticks at 60 BPM, 860 at 150 BPM, 960 at 120 BPM.
    QVERIFY(qAbs(m.secondsAt(1920) - (100.0 / 480 + 860.0 / 480 * 0.4 + 960.0 / 480 * 0.5)) <
            1e-12);
    m.clear();
    QCOMPARE(m.changes().size(), std::size_t(1));
    QCOMPARE(m.secondsAt(480), 0.5);
}

void TestTempoMap::rejectsNonPositiveTempo() {
    TempoMap m(480);
    m.setTempo(480, 0.0);
    m.setTempo(480, -5.0);
    QCOMPARE(m.changes().size(), std::size_t(1));
    m.clear(0.0);
    QCOMPARE(m.bpmAt(0), 120.0);
}

void TestTempoMap::rescaledKeepsSeconds_data() {
    QTest::addColumn<int>("ppq");
    QTest::newRow("to 960") << 960;
    QTest::newRow("to 96") << 96;
    QTest::newRow("to 384") << 384;
    QTest::newRow("to 1000") << 1000;
}

void TestTempoMap::rescaledKeepsSeconds() {
    QFETCH(int, ppq);
    const TempoMap m = fourTempos();
    const TempoMap r = m.rescaled(ppq);
    QCOMPARE(r.ticksPerQuarter(), ppq);
    QCOMPARE(r.changes().size(), m.changes().size());
    // All four changes sit on whole quarters, so they land on exact ticks at any resolution.
    for (Tick quarter = 0; quarter <= 20; ++quarter)
        QVERIFY(qAbs(r.secondsAt(quarter * ppq) - m.secondsAt(quarter * 480)) < 1e-9);
}

void TestTempoMap::rescaleMergesChangesOnOneTick() {
    TempoMap m(960);
    m.setTempo(960, 400000.0);
    m.setTempo(961, 300000.0); // lands on the same tick as 960 at 96 PPQ: the later wins
    const TempoMap r = m.rescaled(96);
    QCOMPARE(r.changes().size(), std::size_t(2));
    QCOMPARE(r.changes()[1], (TempoChange{96, 300000.0}));
    QCOMPARE(r.tickAt(r.secondsAt(96)), Tick(96));
}

void TestTempoMap::rescaleTick_data() {
    QTest::addColumn<Tick>("tick");
    QTest::addColumn<int>("from");
    QTest::addColumn<int>("to");
    QTest::addColumn<Tick>("expected");
    QTest::newRow("same") << Tick(12345) << 480 << 480 << Tick(12345);
    QTest::newRow("double") << Tick(12345) << 480 << 960 << Tick(24690);
    QTest::newRow("half, exact") << Tick(1000) << 960 << 480 << Tick(500);
    QTest::newRow("half rounds up") << Tick(1001) << 960 << 480 << Tick(501);
    QTest::newRow("third rounds down") << Tick(1) << 960 << 320 << Tick(0);
    QTest::newRow("2.5x rounds half away from zero") << Tick(1) << 384 << 960 << Tick(3);
    QTest::newRow("negative half away from zero") << Tick(-1) << 960 << 480 << Tick(-1);
    QTest::newRow("2^60 ticks") << (Tick(1) << 60) << 480 << 960 << (Tick(1) << 61);
}

void TestTempoMap::rescaleTick() {
    QFETCH(Tick, tick);
    QFETCH(int, from);
    QFETCH(int, to);
    QFETCH(Tick, expected);
    QCOMPARE(continuo::rescaleTick(tick, from, to), expected);
}

QTEST_GUILESS_MAIN(TestTempoMap)
#include "test_tempo_map.moc"
