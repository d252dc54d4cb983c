#pragma once
#include <QString>
#include <QStringList>

#include <atomic>

namespace continuo::cli {

/// `train --nproc N`: runs N copies of this program's `train` on this machine as the ranks of
/// one data-parallel job (RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1 and a free MASTER_PORT in
/// their environment), with `trainArgs` ("train" and its options) less --nproc. Their output goes to ours. When a rank
/// ends with an error or is killed, the others are stopped and the job fails with a message
/// that names the rank; `stop` (Ctrl+C, SIGTERM) is passed on to the ranks, which agree to
/// stop, checkpoint and end. Returns the exit status for the command.
int launchTrainingRanks(const QStringList& trainArgs, int processes, int threadsPerProcess, const QString& outDir,
                        const std::atomic<bool>& stop);

/// The environment variable that tells a rank it was started by launchTrainingRanks (it then
/// leaves the progress output to rank 0).
inline constexpr const char* kLaunchedRankVariable = "CONTINUO_TRAIN_LAUNCHED";

} // namespace continuo::cli
