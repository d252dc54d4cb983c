#include "window/WavExporter.h"

#include <QEventLoop>
#include <QThread>

#ifdef CONTINUO_HAVE_AUDIO
#include "continuo/audio/OfflineRenderer.h"
#include "continuo/audio/SoundFontLocator.h"
#endif

namespace continuo::ui {

bool WavExporter::available() {
#ifdef CONTINUO_HAVE_AUDIO
    return true;
#else
    return false;
#endif
}

QString WavExporter::run(const Sequence& sequence, const QString& path, const QString& soundFont, bool float32) {
#ifdef CONTINUO_HAVE_AUDIO
    audio::RenderOptions options;
    options.format = float32 ? audio::SampleFormat::Float32 : audio::SampleFormat::Pcm16;
    if (!soundFont.isEmpty()) options.synth.soundFont = soundFont.toStdString();
    else {
        audio::SoundFontSearch search;
        search.executableDir = audio::SoundFontLocator::currentExecutableDir();
        auto found = audio::SoundFontLocator::locate(search);
        if (!found) return QString::fromStdString(found.error());
        options.synth.soundFont = found.value();
    }
    options.progress = [this](double f) {
        QMetaObject::invokeMethod(this, [this, f] { emit progress(f); }, Qt::QueuedConnection);
        return !cancel_.load();
    };
    QString error;
    QEventLoop loop;
    QThread* worker = QThread::create([&] {
        auto r = audio::OfflineRenderer::renderToWav(sequence, path.toStdString(), options);
        if (!r) error = QString::fromStdString(r.error());
    });
    connect(worker, &QThread::finished, &loop, &QEventLoop::quit);
    worker->start();
    loop.exec();
    worker->wait();
    delete worker;
    if (cancel_ && error.isEmpty()) error = tr("Cancelled.");
    return error;
#else
    Q_UNUSED(sequence);
    Q_UNUSED(path);
    Q_UNUSED(soundFont);
    Q_UNUSED(float32);
    return tr("This build has no offline renderer.");
#endif
}

} // namespace continuo::ui
