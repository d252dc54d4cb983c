#pragma once
// How many CPU threads the engine uses, chosen from what the machine is doing now.
//
// A parallel region is only as fast as its slowest thread. When another program holds a
// core, a second thread on that core gets a time slice every few milliseconds, and every
// matrix product waits for it: two-thread decoding fell from ~2,500 to 11-46 tokens/s with
// one core busy. Single-query decoding of a model this size gains nothing from a second
// thread even on an idle machine, so it always runs on one. Batched work (the primer, a
// training step) does gain from more threads, but only from cores that are really free, so
// the automatic policy counts the cores that were idle over the last moments (from
// /proc/stat, among the cores this process may run on) and adds only those.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace continuo::inference {

/// Idle time of each usable core between a reading and now (Linux /proc/stat; elsewhere it
/// reports no idle cores, which makes the policy choose one thread).
class CpuIdleMeter {
public:
    CpuIdleMeter(); ///< takes the first reading
    /// Takes a new reading; later calls measure from here.
    void restart();
    /// Milliseconds since the reading.
    double elapsedMs() const;
    /// Per usable core, the fraction of the time since the reading that it was idle (0..1).
    /// The kernel counts in 10 ms ticks: over less than ~40 ms the answer is coarse.
    std::vector<double> idleFractions() const;
    /// Cores that were idle at least `minIdle` of the time since the reading.
    int idleCores(double minIdle = 0.8) const;
    /// CPU time this process used since the reading, in cores (1.0 = one core all along).
    double ownCores() const;
    /// Cores another thread of this process could use now: the idle cores, less the one the
    /// caller takes when it was not already running (its own core then shows as idle).
    int spareCores(double minIdle = 0.8) const;

private:
    struct Reading {
        std::vector<std::uint64_t> idle, total; ///< per usable core, in ticks
        double ownSeconds = 0;                  ///< user + system time of this process
    };
    static Reading read();
    static std::vector<double> fractionsSince(const Reading& start, const Reading& now);
    Reading start_;
    std::chrono::steady_clock::time_point at_;
};

/// Cores this process may run on (its affinity mask), at least 1.
int usableCores();

struct ThreadChoice {
    int prefill = 1;        ///< threads for batched work (the primer)
    int decode = 1;         ///< threads for one-token steps
    bool automatic = true;  ///< false when the user fixed the count
    int idleCores = 0;      ///< spare cores measured, when automatic
    /// "automatic: primer on 2 threads (1 spare core), decoding on 1", or "3 threads (fixed)".
    std::string describe() const;
};

/// `requested` > 0 fixes both counts (the user's --threads). 0 chooses: decoding on one
/// thread; the primer on one thread plus each core that `meter` saw idle (at most
/// `maxPrefill` in all, and no more than the usable cores).
ThreadChoice chooseThreads(int requested, const CpuIdleMeter& meter, int maxPrefill = 4);

} // namespace continuo::inference
