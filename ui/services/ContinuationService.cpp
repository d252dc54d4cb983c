#include "services/ContinuationService.h"

namespace continuo::ui {

void registerContinuationTypes() {
    qRegisterMetaType<GeneratedNote>();
    qRegisterMetaType<ContinuationProgress>();
    qRegisterMetaType<ModelDescription>();
    qRegisterMetaType<ContinuationTiming>();
    qRegisterMetaType<InfillResult>();
}

void ContinuationService::startInfill(const InfillRequest& request) {
    const quint64 id = request.id;
    QMetaObject::invokeMethod(this, [this, id] {
        emit infillFinished(id, {}, false, tr("this engine cannot fill gaps"));
    }, Qt::QueuedConnection);
}

} // namespace continuo::ui
