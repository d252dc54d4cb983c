#include "services/ModelLibrary.h"

#ifdef CONTINUO_HAVE_INFERENCE
#include "continuo/inference/Engine.h"
#endif

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QThread>

#include <algorithm>

namespace continuo::ui {

namespace {
constexpr qint64 kMaxHeaderBytes = 100 << 20; // the safetensors format's own limit

/// The `__metadata__` of a safetensors file: 8 bytes of header length (little-endian), then
/// the header's JSON. Only the header is read.
Expected<QJsonObject> readMetadata(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return Error{QStringLiteral("cannot read %1: %2").arg(path, f.errorString()).toStdString()};
    const QByteArray lengthBytes = f.read(8);
    if (lengthBytes.size() != 8) return Error{QStringLiteral("%1 is not a model file (too short)").arg(path).toStdString()};
    quint64 length = 0;
    for (int i = 7; i >= 0; --i) length = (length << 8) | quint8(lengthBytes[i]);
    if (length == 0 || length > quint64(kMaxHeaderBytes) || qint64(length) + 8 > f.size())
        return Error{QStringLiteral("%1 is not a safetensors model file (its header length is impossible)").arg(path).toStdString()};
    QJsonParseError err;
    const QJsonDocument header = QJsonDocument::fromJson(f.read(qint64(length)), &err);
    if (!header.isObject())
        return Error{QStringLiteral("%1 is not a safetensors model file (its header is not JSON: %2)")
                         .arg(path, err.errorString())
                         .toStdString()};
    return header.object()["__metadata__"].toObject();
}

double number(const QJsonObject& meta, const char* key) {
    bool ok = false;
    const double v = meta[key].toString().toDouble(&ok);
    return ok ? v : -1;
}

/// "My Style!" -> "my-style".
QString slug(const QString& name) {
    QString s = name.toLower();
    s.replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("-"));
    s.remove(QRegularExpression(QStringLiteral("^-+|-+$")));
    return s.isEmpty() ? QStringLiteral("model") : s.left(60);
}

/// Copies `from` to `to` through a temporary file, so that a half-copied model never appears.
Expected<bool> copyFile(const QString& from, const QString& to) {
    const QString partial = to + QStringLiteral(".partial");
    QFile::remove(partial);
    if (!QFile::copy(from, partial))
        return Error{QStringLiteral("cannot copy %1 to %2").arg(from, QFileInfo(to).absolutePath()).toStdString()};
    QFile::remove(to);
    if (!QFile::rename(partial, to)) {
        QFile::remove(partial);
        return Error{QStringLiteral("cannot write %1").arg(to).toStdString()};
    }
    return true;
}

/// Worker thread: what is wrong with `path` as a model (empty: it loads).
QString checkLoads(const QString& path) {
#ifdef CONTINUO_HAVE_INFERENCE
    auto loaded = inference::Model::load(path.toStdString(), inference::RuntimeOptions{.device = "cpu", .threads = 1});
    return loaded ? QString() : QString::fromStdString(loaded.error());
#else
    // Without the engine only the header can be read.
    auto meta = readMetadata(path);
    if (!meta) return QString::fromStdString(meta.error());
    if (meta.value()["format"].toString() != QStringLiteral("continuo-dsmr"))
        return QStringLiteral("%1 is not a Continuo model").arg(path);
    return {};
#endif
}
} // namespace

QString ModelEntry::fileName() const { return QFileInfo(path).fileName(); }

ModelLibrary::ModelLibrary(const QString& dataDir, const QString& bundledPath, QObject* parent)
    : QObject(parent), dataDir_(dataDir.isEmpty() ? defaultDataDir() : dataDir), bundledPath_(bundledPath) {}

ModelLibrary::~ModelLibrary() {
    // An import's check still running: let it end (a model loads in well under a second).
    for (QThread* t : std::as_const(imports_)) {
        t->wait();
        delete t;
    }
}

QString ModelLibrary::defaultDataDir() { return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation); }
QString ModelLibrary::modelsDir() const { return dataDir_ + QStringLiteral("/models"); }
QString ModelLibrary::jobsDir() const { return dataDir_ + QStringLiteral("/jobs"); }

QString ModelLibrary::cardPathFor(const QString& modelPath) {
    QString card = modelPath;
    if (card.endsWith(QStringLiteral(".safetensors"))) card.chop(int(qstrlen(".safetensors")));
    return card + QStringLiteral(".md");
}

QString ModelLibrary::hashOf(const QString& path) const {
    const QFileInfo info(path);
    const qint64 modified = info.lastModified().toMSecsSinceEpoch();
    auto it = hashes_.constFind(info.absoluteFilePath());
    if (it != hashes_.constEnd() && it->size == info.size() && it->modified == modified) return it->sha256;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&f);
    const QString sha = QString::fromLatin1(hash.result().toHex());
    hashes_.insert(info.absoluteFilePath(), {info.size(), modified, sha});
    return sha;
}

Expected<ModelEntry> ModelLibrary::describe(const QString& path) const {
    auto meta = readMetadata(path);
    if (!meta) return Error{meta.error()};
    const QJsonObject& m = meta.value();
    const QFileInfo info(path);
    ModelEntry e;
    e.path = info.absoluteFilePath();
    const QString card = cardPathFor(e.path);
    if (QFileInfo::exists(card)) e.cardPath = card;
    e.name = m["name"].toString();
    if (e.name.isEmpty()) e.name = info.completeBaseName();
    e.fileBytes = info.size();
    e.sha256 = hashOf(path);
    e.trainingData = m["training_data"].toString();
    e.baseModel = m["base_model"].toString();
    e.nllBefore = number(m, "finetune_heldout_nll_before");
    e.nllAfter = number(m, "finetune_heldout_nll_after");
    e.finetuneSteps = int(std::max(0.0, number(m, "finetune_steps")));
    e.licence = m["licence"].toString();
    e.bundled = !bundledPath_.isEmpty() && info.absoluteFilePath() == QFileInfo(bundledPath_).absoluteFilePath();
    return e;
}

std::vector<ModelEntry> ModelLibrary::models() const {
    std::vector<ModelEntry> out;
    if (!bundledPath_.isEmpty() && QFileInfo::exists(bundledPath_))
        if (auto e = describe(bundledPath_)) out.push_back(e.value());
    std::vector<ModelEntry> user;
    const QFileInfoList files = QDir(modelsDir()).entryInfoList({QStringLiteral("*.safetensors")}, QDir::Files);
    for (const QFileInfo& f : files)
        if (auto e = describe(f.absoluteFilePath())) user.push_back(e.value()); // an unreadable file is not listed
    std::sort(user.begin(), user.end(), [](const ModelEntry& a, const ModelEntry& b) {
        return a.name.localeAwareCompare(b.name) < 0;
    });
    out.insert(out.end(), user.begin(), user.end());
    return out;
}

std::optional<ModelEntry> ModelLibrary::find(const project::ModelChoice& choice) const {
    if (choice.isEmpty()) return std::nullopt;
    const std::vector<ModelEntry> all = models();
    if (!choice.sha256.isEmpty())
        for (const ModelEntry& e : all)
            if (e.sha256 == choice.sha256) return e;
    // A file of that name whose hash differs is another model: only a choice without a hash
    // (written by hand) is found by its name.
    if (choice.sha256.isEmpty())
        for (const ModelEntry& e : all)
            if (e.fileName() == choice.fileName) return e;
    return std::nullopt;
}

QString ModelLibrary::newModelPath(const QString& name, const QStringList& reserved) const {
    const QString base = modelsDir() + '/' + slug(name);
    for (int n = 1;; ++n) {
        const QString path = base + (n == 1 ? QString() : QStringLiteral("-%1").arg(n)) + QStringLiteral(".safetensors");
        if (!QFileInfo::exists(path) && !QFileInfo::exists(cardPathFor(path)) && !reserved.contains(path)) return path;
    }
}

void ModelLibrary::importModel(const QString& path) {
    QThread* thread = QThread::create([this, path] {
        const QString error = checkLoads(path);
        // Back on the UI thread (dropped if the library is gone by then).
        QMetaObject::invokeMethod(this, [this, path, error] { finishImport(path, error); }, Qt::QueuedConnection);
    });
    imports_ << thread;
    connect(thread, &QThread::finished, this, [this, thread] {
        imports_.removeOne(thread);
        thread->deleteLater();
    });
    thread->start();
}

void ModelLibrary::finishImport(const QString& path, const QString& error) {
    if (!error.isEmpty()) {
        emit importFailed(path, error);
        return;
    }
    auto source = describe(path);
    if (!source) {
        emit importFailed(path, QString::fromStdString(source.error()));
        return;
    }
    for (const ModelEntry& e : models())
        if (e.sha256 == source->sha256) {
            emit importFailed(path, tr("%1 is already in your models as \"%2\".").arg(QFileInfo(path).fileName(), e.name));
            return;
        }
    QDir().mkpath(modelsDir());
    // The file keeps its name unless one of the library's has it already.
    QString target = modelsDir() + '/' + QFileInfo(path).fileName();
    if (!target.endsWith(QStringLiteral(".safetensors"))) target += QStringLiteral(".safetensors");
    if (QFileInfo::exists(target) || QFileInfo::exists(cardPathFor(target)))
        target = newModelPath(QFileInfo(path).completeBaseName());
    if (auto copied = copyFile(path, target); !copied) {
        emit importFailed(path, QString::fromStdString(copied.error()));
        return;
    }
    if (!source->cardPath.isEmpty()) copyFile(source->cardPath, cardPathFor(target));
    auto added = describe(target);
    if (!added) {
        emit importFailed(path, QString::fromStdString(added.error()));
        return;
    }
    emit changed();
    emit imported(added.value());
}

Expected<bool> ModelLibrary::exportModel(const ModelEntry& model, const QString& targetPath) const {
    if (QFileInfo(targetPath).absoluteFilePath() == QFileInfo(model.path).absoluteFilePath()) return true;
    auto copied = copyFile(model.path, targetPath);
    if (!copied) return copied;
    if (!model.cardPath.isEmpty()) return copyFile(model.cardPath, cardPathFor(targetPath));
    return true;
}

Expected<bool> ModelLibrary::removeModel(const ModelEntry& model) {
    if (model.bundled || QFileInfo(model.path).absolutePath() != QFileInfo(modelsDir()).absoluteFilePath())
        return Error{tr("Only your own models can be removed; %1 came with Continuo.").arg(model.name).toStdString()};
    if (!QFile::remove(model.path)) return Error{tr("Cannot remove %1.").arg(model.path).toStdString()};
    if (!model.cardPath.isEmpty()) QFile::remove(model.cardPath);
    hashes_.remove(model.path);
    emit changed();
    return true;
}

} // namespace continuo::ui
