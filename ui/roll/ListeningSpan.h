#pragma once
// What the model will hear when Continue starts: the span of the sketch inside each layer's
// reach, in ticks, for the roll to shade.
#include "continuo/core/Note.h"

#include <QMetaType>

#include <vector>

namespace continuo::ui {

struct ListeningSpan {
    Tick from = 0;                 ///< where Continue starts writing
    Tick primerStart = 0;          ///< where the primer begins
    Tick segmentStart = 0;         ///< the start of the segment being written into
    std::vector<Tick> layerStarts; ///< per layer: the earliest tick it attends to
    std::vector<int> layerEvents;  ///< per layer: how many events back that is
    bool memoryless = false;       ///< no layer keeps memory: one window slides over the events
    int window = 0;                ///< the model's segment length, in events
    int recallEvents = 0;          ///< events recall can recognise (0: recall is off)
    Tick recallStart = 0;          ///< the earliest of them
    bool valid() const { return !layerStarts.empty() && from > 0; }
    bool operator==(const ListeningSpan&) const = default;
};

} // namespace continuo::ui

Q_DECLARE_METATYPE(continuo::ui::ListeningSpan)
