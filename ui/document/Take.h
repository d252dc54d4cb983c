#pragma once
// A generated continuation and what made it. Value type; lives in Document.
#include "continuo/core/Note.h"

#include <QDateTime>
#include <QString>

#include <cstdint>
#include <vector>

namespace continuo::ui {

using TakeId = std::uint64_t;

/// Everything needed to say where a take came from and to make it again.
struct TakeProvenance {
    Tick primerStart = 0;      ///< first tick of the primer (document ticks)
    Tick primerEnd = 0;        ///< where the continuation begins
    QString primerSource;      ///< "sketch", "selection", "playhead", "take: <name>"
    QString modelName;
    QString modelHash;         ///< sha256 of the model file
    QString device;            ///< "cpu", "cuda"
    std::uint64_t seed = 0;
    double temperature = 1.0;
    double topP = 0.95;
    double lengthSeconds = 15.0;
    int variation = 0;         ///< index within its Continue request
    bool stopped = false;      ///< cancelled before the requested length: a partial take
    QDateTime created;
    bool operator==(const TakeProvenance&) const = default;
};

struct Take {
    TakeId id = 0;
    QString name;
    std::vector<Note> notes; ///< absolute document ticks, sorted by noteLess
    TakeProvenance provenance;
    bool generating = false; ///< still streaming (never saved, never on the undo stack)

    Tick endTick() const;
    bool operator==(const Take&) const = default;
};

} // namespace continuo::ui
