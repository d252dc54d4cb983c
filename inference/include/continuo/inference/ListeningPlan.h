#pragma once
// How far back the model hears a primer when a continuation starts: for each layer the earliest
// event it attends to, found by tokenising the primer exactly as the generator will read it.
// Torch-free: the app asks this instead of re-deriving the decoding schedule itself.
#include "continuo/inference/Tokenizer.h"

#include <vector>

namespace continuo::inference {

/// What the model is and how it is asked, as far as the reach of its hearing goes.
struct ListeningModel {
    std::vector<int> horizons; ///< per layer, events kept from earlier segments (all <= 0: no memory)
    int segment = 0;           ///< events per segment
    int recallCapacity = 0;    ///< events recall keeps (0: loaded without recall)
    bool recalling = false;    ///< the request uses recall (weight > 0)
};

/// Times are seconds from the primer's start; an event index past the primer maps to its end.
struct ListeningPlan {
    int events = 0;                        ///< events the primer tokenises to
    bool memoryless = false;               ///< no layer keeps memory: one window slides over the events
    int window = 0;                        ///< the model's segment length, in events
    double segmentStartSeconds = 0;        ///< the start of the segment the first written event opens or continues
    std::vector<double> layerStartSeconds; ///< per layer: the earliest event it attends to
    std::vector<int> layerEvents;          ///< per layer: how many events back that is
    int recallEvents = 0;                  ///< events recall can recognise (0: recall is off)
    double recallStartSeconds = 0;         ///< the earliest of them
};

/// The plan for continuing `primer` from `primerEndSeconds`. The first token written sits at
/// position n: it sees the segment it opens or continues (from the last multiple of the segment
/// length) and each layer's memory before that. A model without memory decodes as the generator
/// does: half a segment remembered, half new, so its window slides between S/2 and S - 1 events.
ListeningPlan listeningPlan(const std::vector<tokens::TimedNote>& primer, double primerEndSeconds,
                            const ListeningModel& model);

} // namespace continuo::inference
