#include "services/FineTuneScan.h"

#include "services/FineTuneJob.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

namespace continuo::ui {

FineTuneScan::FineTuneScan(QObject* parent) : QObject(parent) {}

FineTuneScan::~FineTuneScan() { stop(); }

FineTuneScanResult FineTuneScan::parse(const QJsonObject& json) {
    FineTuneScanResult r;
    r.folder = json["folder"].toString();
    for (const QJsonValue& v : json["pieces"].toArray()) {
        const QJsonObject o = v.toObject();
        r.pieces.push_back({o["path"].toString(), o["seconds"].toDouble(), o["notes"].toInt()});
    }
    for (const QJsonValue& v : json["skipped"].toArray()) {
        const QJsonObject o = v.toObject();
        r.skipped.push_back({o["path"].toString(), o["reason"].toString()});
    }
    r.totalSeconds = json["total_seconds"].toDouble();
    r.totalNotes = json["total_notes"].toInt();
    return r;
}

void FineTuneScan::start(const QString& folder) {
    stop();
    auto* p = new QProcess(this);
    process_ = p;
    connect(p, &QProcess::finished, this, [this, p](int exitCode) { onFinished(p, exitCode); });
    connect(p, &QProcess::errorOccurred, this, [this, p](QProcess::ProcessError e) {
        if (e != QProcess::FailedToStart || process_ != p) return;
        process_ = nullptr;
        p->deleteLater();
        emit failed(tr("Cannot run %1: %2").arg(FineTuneJob::cliPath(), p->errorString()));
    });
    p->start(FineTuneJob::cliPath(), {QStringLiteral("finetune"), folder, QStringLiteral("--scan"), QStringLiteral("--json")});
}

void FineTuneScan::stop() {
    if (QProcess* p = process_.data()) {
        process_ = nullptr;
        p->disconnect(this);
        p->kill();
        p->waitForFinished(2000); // a scan holds nothing worth a clean stop
        p->deleteLater();
    }
}

void FineTuneScan::onFinished(QProcess* p, int exitCode) {
    if (process_ != p) return; // stopped: a newer scan runs
    process_ = nullptr;
    p->deleteLater();
    const QByteArray out = p->readAllStandardOutput();
    const QString err = QString::fromUtf8(p->readAllStandardError()).trimmed();
    QJsonParseError parseError;
    const QJsonDocument json = QJsonDocument::fromJson(out, &parseError);
    if (exitCode != 0 || !json.isObject()) {
        emit failed(!err.isEmpty() ? err
                                   : tr("continuo-cli finetune --scan ended with status %1 and no list of pieces.").arg(exitCode));
        return;
    }
    emit finished(parse(json.object()));
}

} // namespace continuo::ui
