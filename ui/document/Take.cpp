#include "document/Take.h"

#include <algorithm>

namespace continuo::ui {

Tick Take::endTick() const {
    Tick end = provenance.primerEnd;
    for (const Note& n : notes) end = std::max(end, n.end());
    return end;
}

} // namespace continuo::ui
