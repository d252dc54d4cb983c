#pragma once
// Autosave to a recovery file and crash detection. While the app runs, a lock file holds its
// process id; a clean exit removes both files. On the next start, a recovery file whose lock
// names a process that no longer exists means the app died: offer to restore it.
#include "continuo/core/Expected.h"
#include "document/ProjectFile.h"

#include <QObject>
#include <QString>

#include <functional>

class QTimer;

namespace continuo::ui {

class Document;

class RecoveryManager : public QObject {
    Q_OBJECT
public:
    /// `directory`: where recovery.continuo and session.lock live (created when missing).
    RecoveryManager(Document* doc, const QString& directory, QObject* parent = nullptr);
    ~RecoveryManager() override;

    static QString defaultDirectory();

    QString recoveryPath() const;
    QString lockPath() const;
    /// A recovery file left behind by a process that is gone (decided when this object was
    /// created, before start() takes the lock).
    bool hasOrphanedRecovery() const;
    Expected<bool> restore(PieceSettings* settings = nullptr);
    void discardRecovery();

    /// Takes the lock and starts the timer (default one minute).
    void start(int intervalMs = 60'000);
    /// Removes the recovery file and the lock (clean exit).
    void finish();
    /// Writes the recovery file now when the document changed since the last write.
    bool autosaveNow();
    void setSettingsProvider(std::function<PieceSettings()> provider) { settings_ = std::move(provider); }

signals:
    void autosaved(const QString& path);

private:
    Document* doc_;
    QString dir_;
    QTimer* timer_;
    std::function<PieceSettings()> settings_;
    int lastSavedIndex_ = -1;
    bool dirty_ = true;
    bool orphaned_ = false;
};

} // namespace continuo::ui
