#include "services/ContinuationService.h"

namespace continuo::ui {

void registerContinuationTypes() {
    qRegisterMetaType<GeneratedNote>();
    qRegisterMetaType<ContinuationProgress>();
    qRegisterMetaType<ModelDescription>();
    qRegisterMetaType<ContinuationTiming>();
}

} // namespace continuo::ui
