#pragma once
// The musician's models: the bundled one and those in the user's models folder (models taught
// with Models ▸ Teach Your Style, or imported), each a .safetensors file with its card (.md)
// beside it. Reads what a model file says about itself from its safetensors header (name,
// what it was trained on, the held-out NLL before and after fine-tuning) without loading the
// network; an import is checked by loading the model for real on a thread of its own, so that
// a broken file or a model of another vocabulary is refused with a message before it is copied.
// Lives on the UI thread; its signals arrive there.
#include "continuo/core/Expected.h"
#include "continuo/project/Project.h"

#include <QHash>
#include <QMetaType>
#include <QObject>
#include <QString>

#include <optional>
#include <vector>

class QThread;

namespace continuo::ui {

/// One model of the library, as its file describes it.
struct ModelEntry {
    QString path;         ///< the .safetensors file
    QString cardPath;     ///< its card beside it (empty: it has none)
    QString name;         ///< its metadata's name, else the file's base name
    qint64 fileBytes = 0;
    QString sha256;       ///< of the whole file, as takes' provenance names it
    QString trainingData; ///< "12 pieces, 48.3 minutes of music from <folder>"
    QString baseModel;    ///< what it was fine-tuned from (empty: trained from scratch)
    double nllBefore = -1; ///< held-out NLL (nats/token) of the base model on the musician's pieces (< 0: not fine-tuned)
    double nllAfter = -1;  ///< ... of this model
    int finetuneSteps = 0;
    QString licence;
    bool bundled = false;  ///< shipped with Continuo (never removed)

    QString fileName() const;
    bool isFineTuned() const { return nllAfter >= 0; }
    /// How a project names it.
    project::ModelChoice choice() const { return {name, sha256, fileName()}; }
};

class ModelLibrary : public QObject {
    Q_OBJECT
public:
    /// `dataDir` holds models/ and jobs/ (made when needed); `bundledPath` is the shipped model
    /// (may be empty or missing: then the library lists only the user's models).
    ModelLibrary(const QString& dataDir, const QString& bundledPath, QObject* parent = nullptr);
    ~ModelLibrary() override;

    /// QStandardPaths::AppDataLocation: where the app keeps the user's models and jobs.
    static QString defaultDataDir();
    QString dataDir() const { return dataDir_; }
    QString modelsDir() const;
    QString jobsDir() const;
    QString bundledPath() const { return bundledPath_; }

    /// The bundled model first, then the user's by name. Reads the folder each time (hashes are
    /// kept while a file's size and time stay the same).
    std::vector<ModelEntry> models() const;
    /// The library's model a project names: by hash, else by file name. None: it is missing.
    std::optional<ModelEntry> find(const project::ModelChoice& choice) const;
    /// A model file described as the library describes its own (any folder).
    Expected<ModelEntry> describe(const QString& path) const;
    /// The card of `modelPath`: the same name with .md in place of .safetensors.
    static QString cardPathFor(const QString& modelPath);
    /// A file name in the models folder for a new model called `name` ("My style" ->
    /// my-style.safetensors, my-style-2... when taken); `reserved` are taken too (a job's output).
    QString newModelPath(const QString& name, const QStringList& reserved = {}) const;

    /// Checks that `path` loads as a Continuo model (on a thread of its own), then copies it and
    /// its card into the models folder. Answers with imported() or importFailed().
    void importModel(const QString& path);
    bool isImporting() const { return !imports_.isEmpty(); }
    /// Copies the model to `targetPath` and its card beside it.
    Expected<bool> exportModel(const ModelEntry& model, const QString& targetPath) const;
    /// Deletes a user model and its card (the bundled model is refused).
    Expected<bool> removeModel(const ModelEntry& model);
    /// A model appeared in the folder from outside (a job finished): says changed().
    void refresh() { emit changed(); }

signals:
    /// A model was added or removed.
    void changed();
    void imported(const continuo::ui::ModelEntry& model);
    void importFailed(const QString& path, const QString& message);

private:
    /// The file's sha256, computed once per size and modification time.
    QString hashOf(const QString& path) const;
    void finishImport(const QString& path, const QString& error);

    QString dataDir_;
    QString bundledPath_;
    struct Hashed {
        qint64 size = 0;
        qint64 modified = 0;
        QString sha256;
    };
    mutable QHash<QString, Hashed> hashes_;
    QList<QThread*> imports_;
};

} // namespace continuo::ui

Q_DECLARE_METATYPE(continuo::ui::ModelEntry)
