#pragma once
// What a folder of MIDI files holds for teaching: `continuo-cli finetune FOLDER --scan --json`
// run as a child process, so that a large folder never blocks the UI. One scan at a time: a
// new start() stops the one before, whose answer never arrives.
#include <QJsonObject>
#include <QMetaType>
#include <QObject>
#include <QPointer>
#include <QString>

#include <vector>

class QProcess;

namespace continuo::ui {

struct ScannedPiece {
    QString path;
    double seconds = 0;
    int notes = 0;
};

struct SkippedFile {
    QString path;
    QString reason; ///< as the CLI says it ("drums only", "no piano part", ...)
};

struct FineTuneScanResult {
    QString folder;
    std::vector<ScannedPiece> pieces;
    std::vector<SkippedFile> skipped;
    double totalSeconds = 0;
    int totalNotes = 0;
};

class FineTuneScan : public QObject {
    Q_OBJECT
public:
    explicit FineTuneScan(QObject* parent = nullptr);
    ~FineTuneScan() override;

    /// Starts scanning `folder` (stops a scan still running).
    void start(const QString& folder);
    void stop();
    bool isRunning() const { return !process_.isNull(); }
    /// Parses the CLI's scan object (its --json output, or an "event":"scan" line).
    static FineTuneScanResult parse(const QJsonObject& json);

signals:
    void finished(const continuo::ui::FineTuneScanResult& result);
    void failed(const QString& message);

private:
    void onFinished(QProcess* process, int exitCode);
    QPointer<QProcess> process_;
};

} // namespace continuo::ui

Q_DECLARE_METATYPE(continuo::ui::FineTuneScanResult)
