#include "services/ContinuationService.h"

namespace continuo::ui {

void registerContinuationTypes() {
    qRegisterMetaType<GeneratedNote>();
    qRegisterMetaType<ContinuationProgress>();
    qRegisterMetaType<ModelDescription>();
    qRegisterMetaType<ContinuationTiming>();
    qRegisterMetaType<GenerationResult>();
}

} // namespace continuo::ui
