#pragma once
// The recall options (continuo/inference/Recall.h) as command-line flags, shared by the
// commands that load a model to write or score music.
#include "continuo/inference/Recall.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QList>
#include <QString>

namespace continuo::cli {

inline QList<QCommandLineOption> recallFlags() {
    const continuo::inference::RecallOptions d;
    return {
        {"recall", "Share of probability recall of the piece's own history may take (0 = the network alone).", "w",
         QString::number(d.weight)},
        {"recall-sharpness", "Sharpness of recall's similarity softmax.", "x", QString::number(d.sharpness)},
        {"recall-threshold", "Cosine similarity at which a recalled moment counts as much as the network.", "c",
         QString::number(d.threshold)},
        {"recall-distance", "Recall only events at least this many events back.", "n", QString::number(d.minDistance)},
        {"recall-capacity", "Events recall remembers.", "n", QString::number(d.capacity)},
    };
}

/// Reads the flags; on a bad value returns false and says why in `error`.
inline bool parseRecallFlags(const QCommandLineParser& p, continuo::inference::RecallOptions* out, QString* error) {
    bool ok[5] = {};
    continuo::inference::RecallOptions o;
    o.weight = p.value("recall").toDouble(&ok[0]);
    o.sharpness = p.value("recall-sharpness").toDouble(&ok[1]);
    o.threshold = p.value("recall-threshold").toDouble(&ok[2]);
    o.minDistance = p.value("recall-distance").toInt(&ok[3]);
    o.capacity = p.value("recall-capacity").toInt(&ok[4]);
    if (!ok[0] || !(o.weight >= 0 && o.weight <= 1)) return *error = "--recall takes a share from 0 to 1", false;
    if (!ok[1] || !(o.sharpness > 0)) return *error = "--recall-sharpness takes a positive number", false;
    if (!ok[2] || !(o.threshold >= -1 && o.threshold <= 1)) return *error = "--recall-threshold takes a cosine from -1 to 1", false;
    if (!ok[3] || o.minDistance < 0) return *error = "--recall-distance takes a number of events (0 or more)", false;
    if (!ok[4] || o.capacity < 0 || o.capacity > 1 << 20)
        return *error = "--recall-capacity takes a number of events (0 to 1048576)", false;
    *out = o;
    return true;
}

} // namespace continuo::cli
