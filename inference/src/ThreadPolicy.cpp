#include "continuo/inference/ThreadPolicy.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#if defined(__linux__)
#include <sched.h>
#include <sys/resource.h>
#endif

namespace continuo::inference {

namespace {
std::vector<int> usableCpuIds() {
    std::vector<int> ids;
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        for (int i = 0; i < CPU_SETSIZE; ++i)
            if (CPU_ISSET(i, &set)) ids.push_back(i);
#endif
    return ids;
}
} // namespace

int usableCores() {
    const auto ids = usableCpuIds();
    if (!ids.empty()) return int(ids.size());
    return int(std::max(1u, std::thread::hardware_concurrency()));
}

CpuIdleMeter::CpuIdleMeter() { restart(); }

void CpuIdleMeter::restart() {
    start_ = read();
    at_ = std::chrono::steady_clock::now();
}

double CpuIdleMeter::elapsedMs() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - at_).count();
}

CpuIdleMeter::Reading CpuIdleMeter::read() {
    Reading r;
#if defined(__linux__)
    const auto ids = usableCpuIds();
    std::ifstream stat("/proc/stat");
    std::string line;
    std::vector<std::pair<int, std::pair<std::uint64_t, std::uint64_t>>> cores; // id, (idle, total)
    while (std::getline(stat, line)) {
        // "cpuN user nice system idle iowait irq softirq steal guest guest_nice"
        if (line.size() < 4 || line.compare(0, 3, "cpu") != 0 || line[3] < '0' || line[3] > '9') continue;
        std::istringstream in(line.substr(3));
        int id = -1;
        in >> id;
        std::uint64_t v[8] = {};
        for (auto& x : v) in >> x;
        if (!in && !in.eof()) continue;
        const std::uint64_t idle = v[3] + v[4];
        std::uint64_t total = 0;
        for (auto x : v) total += x; // guest time is already inside user time
        cores.push_back({id, {idle, total}});
    }
    for (const auto& [id, it] : cores) {
        if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
        r.idle.push_back(it.first);
        r.total.push_back(it.second);
    }
    rusage u{};
    if (getrusage(RUSAGE_SELF, &u) == 0)
        r.ownSeconds = double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
#endif
    return r;
}

std::vector<double> CpuIdleMeter::fractionsSince(const Reading& start, const Reading& now) {
    std::vector<double> out;
    if (now.idle.size() != start.idle.size()) return out; // a core came or went: no answer
    for (std::size_t i = 0; i < now.idle.size(); ++i) {
        const double total = double(now.total[i] - start.total[i]);
        const double idle = double(now.idle[i] - start.idle[i]);
        out.push_back(total > 0 ? std::clamp(idle / total, 0.0, 1.0) : 0.0);
    }
    return out;
}

std::vector<double> CpuIdleMeter::idleFractions() const { return fractionsSince(start_, read()); }

int CpuIdleMeter::idleCores(double minIdle) const {
    const auto f = idleFractions();
    return int(std::count_if(f.begin(), f.end(), [&](double x) { return x >= minIdle; }));
}

double CpuIdleMeter::ownCores() const {
    const double ms = elapsedMs();
    return ms > 0 ? (read().ownSeconds - start_.ownSeconds) * 1000.0 / ms : 0.0;
}

int CpuIdleMeter::spareCores(double minIdle) const {
    // One reading for both: the idle cores and this process's own share of the same window.
    const double ms = elapsedMs();
    const Reading now = read();
    const auto f = fractionsSince(start_, now);
    const int idle = int(std::count_if(f.begin(), f.end(), [&](double x) { return x >= minIdle; }));
    const double own = ms > 0 ? (now.ownSeconds - start_.ownSeconds) * 1000.0 / ms : 0.0;
    return std::max(0, own >= 0.5 ? idle : idle - 1);
}

ThreadChoice chooseThreads(int requested, const CpuIdleMeter& meter, int maxPrefill) {
    ThreadChoice c;
    if (requested > 0) {
        c.automatic = false;
        c.prefill = c.decode = requested;
        return c;
    }
    c.idleCores = meter.spareCores();
    c.prefill = std::clamp(1 + c.idleCores, 1, std::max(1, std::min(maxPrefill, usableCores())));
    c.decode = 1;
    return c;
}

std::string ThreadChoice::describe() const {
    std::ostringstream s;
    if (!automatic) {
        s << prefill << (prefill == 1 ? " thread" : " threads") << " (fixed)";
        return s.str();
    }
    s << "automatic: primer on " << prefill << (prefill == 1 ? " thread" : " threads") << " (" << idleCores
      << (idleCores == 1 ? " spare core" : " spare cores") << "), decoding on " << decode;
    return s.str();
}

} // namespace continuo::inference
