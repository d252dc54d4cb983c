#include "continuo/inference/ListeningPlan.h"

#include <algorithm>

namespace continuo::inference {

ListeningPlan listeningPlan(const std::vector<tokens::TimedNote>& primer, double primerEndSeconds,
                            const ListeningModel& model) {
    ListeningPlan plan;
    std::vector<double> at;
    const std::vector<int> toks = tokens::primerTokens(primer, primerEndSeconds, &at);
    plan.events = int(toks.size());
    plan.memoryless = std::all_of(model.horizons.begin(), model.horizons.end(), [](int h) { return h <= 0; });
    plan.window = model.segment;
    std::vector<int> horizons = model.horizons;
    int segment = model.segment;
    if (plan.memoryless && model.segment >= 2) {
        std::fill(horizons.begin(), horizons.end(), model.segment / 2);
        segment = model.segment - model.segment / 2;
    }
    const std::size_t n = toks.size(), S = std::size_t(std::max(1, segment)), segmentStart = n - n % S;
    auto secondsOf = [&](std::size_t i) { return i >= n || i >= at.size() ? primerEndSeconds : at[i]; };
    plan.segmentStartSeconds = secondsOf(segmentStart);
    for (int h : horizons) {
        const std::size_t back = std::size_t(std::max(0, h));
        const std::size_t first = segmentStart > back ? segmentStart - back : 0;
        plan.layerStartSeconds.push_back(secondsOf(first));
        plan.layerEvents.push_back(int(n - first));
    }
    // Recall keeps an entry for each event read, the newest `recallCapacity` of them.
    if (model.recalling && model.recallCapacity > 0) {
        plan.recallEvents = int(std::min(n, std::size_t(model.recallCapacity)));
        plan.recallStartSeconds = secondsOf(n - std::size_t(plan.recallEvents));
    }
    return plan;
}

} // namespace continuo::inference
