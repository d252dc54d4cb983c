// train --nproc N: the ranks of a data-parallel job on this machine, as child processes.
#include "TrainLauncher.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTextStream>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <vector>

namespace continuo::cli {

namespace {

/// A TCP port on the loopback interface that nothing listens on now (0 if none).
int freeLoopbackPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(fd);
    return port;
}

/// `args` without --nproc (either spelling) and without --threads, which the launcher sets.
QStringList rankArguments(const QStringList& args) {
    QStringList out;
    for (int i = 0; i < args.size(); ++i) {
        const QString& a = args[i];
        if (a == "--nproc" || a == "--threads") {
            ++i;
            continue;
        }
        if (a.startsWith("--nproc=") || a.startsWith("--threads=")) continue;
        out << a;
    }
    return out;
}

QString lastCheckpointStep(const QString& outDir) {
    QFile f(outDir + "/checkpoint/state.json");
    if (!f.open(QIODevice::ReadOnly)) return {};
    const auto state = QJsonDocument::fromJson(f.readAll()).object();
    return state.contains("step") ? QString::number(state["step"].toInt()) : QString();
}

} // namespace

int launchTrainingRanks(const QStringList& trainArgs, int processes, int threadsPerProcess, const QString& outDir,
                        const std::atomic<bool>& stop) {
    QTextStream err(stderr);
    const int port = freeLoopbackPort();
    if (port == 0) {
        err << "continuo-cli train: no free TCP port on 127.0.0.1 for the job's rendezvous\n";
        return 1;
    }
    // trainArgs[0] is the command's own name.
    const QStringList args = rankArguments(trainArgs) + QStringList{"--threads", QString::number(threadsPerProcess)};
    std::vector<std::unique_ptr<QProcess>> ranks;
    QStringList pids;
    for (int r = 0; r < processes; ++r) {
        auto p = std::make_unique<QProcess>();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("RANK", QString::number(r));
        env.insert("WORLD_SIZE", QString::number(processes));
        env.insert("MASTER_ADDR", "127.0.0.1");
        env.insert("MASTER_PORT", QString::number(port));
        env.insert(kLaunchedRankVariable, "1");
        p->setProcessEnvironment(env);
        p->setProcessChannelMode(QProcess::ForwardedChannels);
        p->start(QCoreApplication::applicationFilePath(), args);
        if (!p->waitForStarted()) {
            err << "continuo-cli train: cannot start rank " << r << ": " << p->errorString() << "\n";
            for (auto& q : ranks) q->kill();
            for (auto& q : ranks) q->waitForFinished();
            return 1;
        }
        pids << QString("rank %1 pid %2").arg(r).arg(p->processId());
        ranks.push_back(std::move(p));
    }
    err << "data parallel: " << processes << " processes on 127.0.0.1:" << port << ", " << threadsPerProcess
        << " thread(s) each (" << pids.join(", ") << ")\n" << Qt::flush;

    // Wait for every rank; the first failure stops the others.
    std::vector<bool> done(ranks.size(), false);
    int remaining = processes, failedRank = -1;
    QString failure;
    bool stopPassedOn = false;
    const auto killed = [&](int q) { return ranks[std::size_t(q)]->exitStatus() == QProcess::CrashExit; };
    const auto failed = [&](int q) { return killed(q) || ranks[std::size_t(q)]->exitCode() != 0; };
    while (remaining > 0) {
        if (stop.load() && !stopPassedOn) {
            for (std::size_t r = 0; r < ranks.size(); ++r)
                if (!done[r]) ranks[r]->terminate(); // SIGTERM: the ranks agree to stop and checkpoint
            stopPassedOn = true;
        }
        for (std::size_t r = 0; r < ranks.size(); ++r) {
            if (done[r] || !ranks[r]->waitForFinished(100)) continue;
            done[r] = true;
            --remaining;
            if (failed(int(r)) && failedRank < 0) {
                // A rank that loses a peer ends too, often before this loop has looked at the peer: collect
                // every rank that has already ended, and name one that was killed before one that gave up.
                failedRank = int(r);
                for (std::size_t q = 0; q < ranks.size(); ++q) {
                    if (done[q] || !ranks[q]->waitForFinished(200)) continue;
                    done[q] = true;
                    --remaining;
                    if (killed(int(q)) && !killed(failedRank)) failedRank = int(q);
                }
                failure = killed(failedRank) ? QString("was killed")
                                             : QString("ended with exit status %1").arg(ranks[std::size_t(failedRank)]->exitCode());
                // The others cannot go on without it: stop them, then make sure they are gone.
                for (std::size_t q = 0; q < ranks.size(); ++q)
                    if (!done[q]) ranks[q]->terminate();
                QElapsedTimer grace;
                grace.start();
                for (std::size_t q = 0; q < ranks.size(); ++q) {
                    if (done[q]) continue;
                    if (!ranks[q]->waitForFinished(int(std::max<qint64>(100, 15000 - grace.elapsed())))) {
                        ranks[q]->kill();
                        ranks[q]->waitForFinished();
                    }
                    done[q] = true;
                    --remaining;
                }
            }
        }
    }
    if (failedRank >= 0) {
        const QString step = lastCheckpointStep(outDir);
        err << "continuo-cli train: rank " << failedRank << " " << failure << "; the job was stopped. "
            << (step.isEmpty() ? QString("No checkpoint was written yet.")
                               : QString("The same command with --resume continues from the checkpoint at step %1.").arg(step))
            << "\n";
        return 1;
    }
    return 0;
}

} // namespace continuo::cli
