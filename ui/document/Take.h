#pragma once
// A generated continuation and what made it: the project's take (continuo/project), named
// here for the app's document code.
#include "continuo/project/Project.h"

#include <set>
#include <utility>
#include <vector>

namespace continuo::ui {

using project::Take;
using project::TakeId;
using project::TakeProvenance;

/// The notes of `take` that its parent (in the takes tree) did not have: what it added after
/// the take it continued from. A note counts as the parent's when a note of the same pitch
/// starts at the same tick there. With no parent (continued from the sketch) every note is new.
inline std::vector<continuo::Note> notesAddedAfterParent(const Take& take, const Take* parent) {
    if (!parent) return take.notes;
    std::set<std::pair<continuo::Tick, int>> had;
    for (const continuo::Note& n : parent->notes) had.emplace(n.start, n.pitch);
    std::vector<continuo::Note> added;
    for (const continuo::Note& n : take.notes)
        if (!had.count({n.start, n.pitch})) added.push_back(n);
    return added;
}

} // namespace continuo::ui
