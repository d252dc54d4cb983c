// Crash recovery: a child process edits with autosave on and is killed with SIGKILL; a new
// start finds the orphaned recovery file and restores the edits. A clean exit leaves none.
#include "MainWindowFixture.h"
#include "document/Document.h"
#include "document/RecoveryManager.h"
#include "window/MainWindow.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace continuo;
using namespace continuo::ui;

class TestRecovery : public QObject {
    Q_OBJECT
    testutil::MainWindowFixture fx_;

private slots:
    void killedChildIsRestored() {
        QTemporaryDir dir;
        const QString recoveryDir = dir.filePath("recovery");
        QProcess child;
        child.start(QStringLiteral(CONTINUO_BINARY_DIR "/tests/ui/recovery_child"), {recoveryDir});
        QVERIFY2(child.waitForStarted(10000), qPrintable(child.errorString()));
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += child.readAllStandardOutput()).contains("ready") ||
                                     child.state() != QProcess::Running, 20000);
        QVERIFY2(child.state() == QProcess::Running, child.readAllStandardError().constData());
        ::kill(pid_t(child.processId()), SIGKILL);
        QVERIFY(child.waitForFinished(10000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);

        // "Restart": a new window with the same recovery folder.
        const auto window = fx_.makeWindow({.exampleMotif = true, .show = false, .recoveryDir = recoveryDir});
        MainWindow& w = *window;
        QVERIFY(w.recovery()->hasOrphanedRecovery());
        QVERIFY(w.offerRecovery(false));
        Document* doc = w.document();
        QCOMPARE(doc->notes().size(), 12u);
        QCOMPARE(doc->notes().front().pitch, 62); // the transpose was restored too
        QCOMPARE(doc->notes().back().velocity, 95);
        QCOMPARE(doc->bpm(), 88.0);
        QVERIFY(doc->isModified());
        // This window now owns the lock: the file is not orphaned any more.
        QVERIFY(!w.recovery()->hasOrphanedRecovery());
    }

    void cleanExitLeavesNothing() {
        QTemporaryDir dir;
        const QString recoveryDir = dir.filePath("recovery");
        {
            Document doc;
            RecoveryManager r(&doc, recoveryDir);
            r.start(60000);
            doc.setBpm(100);
            QVERIFY(r.autosaveNow());
            QVERIFY(QFile::exists(r.recoveryPath()));
            r.finish();
        }
        Document doc;
        RecoveryManager r(&doc, recoveryDir);
        QVERIFY(!r.hasOrphanedRecovery());
    }
};

QTEST_MAIN(TestRecovery)
#include "test_recovery.moc"
