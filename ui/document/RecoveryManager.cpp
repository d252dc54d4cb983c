#include "document/RecoveryManager.h"

#include "document/Document.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTimer>
#include <QUndoStack>

#include <csignal>
#include <cerrno>
#include <sys/types.h>
#include <unistd.h>

namespace continuo::ui {

namespace {
bool processAlive(qint64 pid) {
    if (pid <= 0) return false;
    if (pid == qint64(::getpid())) return true;
    return ::kill(pid_t(pid), 0) == 0 || errno == EPERM;
}
} // namespace

RecoveryManager::RecoveryManager(Document* doc, const QString& directory, QObject* parent)
    : QObject(parent), doc_(doc), dir_(directory), timer_(new QTimer(this)) {
    QDir().mkpath(dir_);
    if (QFile::exists(recoveryPath())) {
        QFile lock(lockPath());
        orphaned_ = !lock.open(QIODevice::ReadOnly) || !processAlive(lock.readAll().trimmed().toLongLong());
    }
    connect(timer_, &QTimer::timeout, this, [this] { autosaveNow(); });
    auto markDirty = [this] { dirty_ = true; };
    connect(doc_, &Document::notesChanged, this, markDirty);
    connect(doc_, &Document::takesChanged, this, markDirty);
    connect(doc_, &Document::takeRenamed, this, markDirty);
    connect(doc_, &Document::tempoChanged, this, markDirty);
    connect(doc_->view(), &ViewState::loopChanged, this, markDirty);
}

RecoveryManager::~RecoveryManager() = default;

QString RecoveryManager::defaultDirectory() {
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + "/recovery";
}

QString RecoveryManager::recoveryPath() const { return dir_ + "/recovery.continuo"; }
QString RecoveryManager::lockPath() const { return dir_ + "/session.lock"; }

bool RecoveryManager::hasOrphanedRecovery() const { return orphaned_ && QFile::exists(recoveryPath()); }

Expected<bool> RecoveryManager::restore(PieceSettings* settings) {
    auto r = ProjectFile::load(recoveryPath(), *doc_, settings);
    if (!r) return r;
    orphaned_ = false;
    // The restored piece is unsaved work: mark it modified so that closing asks.
    doc_->undoStack()->resetClean();
    return true;
}

void RecoveryManager::discardRecovery() {
    orphaned_ = false;
    QFile::remove(recoveryPath());
}

void RecoveryManager::start(int intervalMs) {
    QSaveFile lock(lockPath());
    if (lock.open(QIODevice::WriteOnly)) {
        lock.write(QByteArray::number(qint64(::getpid())));
        lock.commit();
    }
    timer_->start(intervalMs);
}

void RecoveryManager::finish() {
    timer_->stop();
    QFile::remove(recoveryPath());
    QFile::remove(lockPath());
}

bool RecoveryManager::autosaveNow() {
    const int index = doc_->undoStack()->index();
    if (!dirty_ && index == lastSavedIndex_) return false;
    if (!doc_->isModified() && !QFile::exists(recoveryPath()) && lastSavedIndex_ < 0 && !dirty_)
        return false;
    const PieceSettings s = settings_ ? settings_() : PieceSettings{};
    if (!ProjectFile::save(recoveryPath(), *doc_, s)) return false;
    lastSavedIndex_ = index;
    dirty_ = false;
    emit autosaved(recoveryPath());
    return true;
}

} // namespace continuo::ui
