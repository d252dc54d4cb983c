// A test for the test harness (check_skip_reporting.sh), not for Continuo: one function that
// always runs, and one whose prerequisite CONTINUO_SKIP_PROBE takes away.
//   unset              both pass
//   "missing"          the second is skipped, saying why
//   "missing+failing"  the second is skipped and the first fails
#include <QtTest>

class TestSkipProbe : public QObject {
    Q_OBJECT
    QByteArray mode = qgetenv("CONTINUO_SKIP_PROBE");

private slots:
    void alwaysRuns() { QVERIFY2(mode != "missing+failing", "failing on purpose (CONTINUO_SKIP_PROBE)"); }

    void needsAPrerequisite() {
        if (mode.startsWith("missing"))
            QSKIP("the probe's prerequisite is missing (unset CONTINUO_SKIP_PROBE to provide it)");
        QCOMPARE(1 + 1, 2);
    }
};

QTEST_GUILESS_MAIN(TestSkipProbe)
#include "test_skip_probe.moc"
