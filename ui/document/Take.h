#pragma once
// A generated continuation and what made it: the project's take (continuo/project), named
// here for the app's document code.
#include "continuo/project/Project.h"

namespace continuo::ui {

using project::Take;
using project::TakeId;
using project::TakeProvenance;

} // namespace continuo::ui
