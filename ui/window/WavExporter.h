#pragma once
// Renders the piece to WAV through the audio library's offline renderer on a worker thread,
// reporting progress as queued signals; run() spins a local event loop so the window stays
// responsive (and the progress dialog can cancel).
#include "continuo/core/Sequence.h"

#include <QObject>
#include <QString>

#include <atomic>

namespace continuo::ui {

class WavExporter : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    static bool available();
    /// Returns an empty string on success, else what went wrong.
    QString run(const Sequence& sequence, const QString& path, const QString& soundFont, bool float32 = false);
    void cancel() { cancel_ = true; }

signals:
    void progress(double fraction);

private:
    std::atomic<bool> cancel_{false};
};

} // namespace continuo::ui
