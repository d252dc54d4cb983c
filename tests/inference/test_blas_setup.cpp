// The model's matrix products never run on OpenBLAS's oldest (SSE3 "Prescott") kernels on a
// CPU that has AVX2: when OpenBLAS falls back to them, continuo-cli restarts itself with a
// kernel family that fits the CPU.
#include "continuo/inference/BlasSetup.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QtTest>

using namespace continuo::inference;

class TestBlasSetup : public QObject {
    Q_OBJECT
private slots:
    void onlyTheFallbackIsReplaced() {
        QVERIFY(betterBlasCore(nullptr) == nullptr);
        QVERIFY(betterBlasCore("Haswell") == nullptr);
        QVERIFY(betterBlasCore("SkylakeX") == nullptr);
        QVERIFY(betterBlasCore("Zen") == nullptr);
#if defined(__x86_64__) && defined(__GNUC__)
        __builtin_cpu_init();
        const char* better = betterBlasCore("Prescott");
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) QVERIFY(better != nullptr);
        else QVERIFY(better == nullptr);
        if (better && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
            QCOMPARE(QByteArray(better), QByteArray("SkylakeX"));
#endif
    }

    void cliRunsOnFittingKernels() {
        const QString cli = QStringLiteral(CONTINUO_BINARY_DIR "/app/continuo-cli");
        if (!QFile::exists(cli)) QSKIP(qPrintable("continuo-cli is not at " + cli + " (build the continuo-cli target)"));
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove("OPENBLAS_CORETYPE");
        env.remove("CONTINUO_BLAS_RESTARTED");
        env.insert("OPENBLAS_VERBOSE", "2"); // OpenBLAS prints "Core: NAME" as it loads
        p.setProcessEnvironment(env);
        p.start(cli, {"--version"});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        const QString out = QString::fromLocal8Bit(p.readAllStandardOutput() + p.readAllStandardError());
        QVERIFY(out.contains("continuo-cli"));
        QString last;
        for (const auto& m : QRegularExpression("Core: (\\w+)").globalMatch(out)) last = m.captured(1);
        if (last.isEmpty())
            QSKIP("continuo-cli does not run on OpenBLAS (no \"Core:\" line with OPENBLAS_VERBOSE=2): packaging/setup.sh "
                  "installs libopenblas0-openmp and selects it with update-alternatives");
        qInfo("OpenBLAS kernels in use: %s", qPrintable(last));
        if (last.compare("Prescott", Qt::CaseInsensitive) == 0)
            QVERIFY2(betterBlasCore("Prescott") == nullptr, "running on SSE3 kernels although the CPU has AVX2");
    }

    void longRunningCommandsLetWaitingThreadsSleep() {
        const QString cli = QStringLiteral(CONTINUO_BINARY_DIR "/app/continuo-cli");
        if (!QFile::exists(cli)) QSKIP(qPrintable("continuo-cli is not at " + cli + " (build the continuo-cli target)"));
        auto policyOf = [&](const QString& preset) {
            QProcess p;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.remove("CONTINUO_BLAS_RESTARTED");
            env.remove("GOMP_SPINCOUNT");
            if (preset.isEmpty()) env.remove("OMP_WAIT_POLICY");
            else env.insert("OMP_WAIT_POLICY", preset);
            p.setProcessEnvironment(env);
            p.start(cli, {"bench", "--model", QStringLiteral(CONTINUO_SOURCE_DIR "/resources/models/continuo-default.safetensors"),
                          "--only", "attention", "--attention-length", "32", "--json"});
            if (!p.waitForFinished(120000) || p.exitCode() != 0) return QStringLiteral("(failed: %1)").arg(QString(p.readAllStandardError()));
            return QJsonDocument::fromJson(p.readAllStandardOutput()).object().value("omp_wait_policy").toString();
        };
        // bench runs parallel regions: it restarts once so that GNU OpenMP sleeps while waiting.
        QCOMPARE(policyOf(QString()), QStringLiteral("PASSIVE"));
        // The user's own choice stands.
        QCOMPARE(policyOf(QStringLiteral("ACTIVE")), QStringLiteral("ACTIVE"));
    }
};

QTEST_MAIN(TestBlasSetup)
#include "test_blas_setup.moc"
