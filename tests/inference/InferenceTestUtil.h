#pragma once
// Helpers shared by the inference tests: where the bundled model and the MAESTRO list are, a
// real primer cut from a MAESTRO performance, and recall's options in one call.
#include "continuo/core/MidiFile.h"
#include "continuo/inference/Recall.h"
#include "continuo/inference/Tokenizer.h"

#include <QString>

#include <algorithm>
#include <string>
#include <vector>

namespace continuo::testutil {

inline const QString kBundledModel = QStringLiteral(CONTINUO_SOURCE_DIR "/resources/models/continuo-default.safetensors");
inline const QString kMaestroCsv = QStringLiteral(CONTINUO_SHARED_DATA "/maestro-v2/maestro-v2.0.0-train-validation.csv");

/// A performance's notes from 30 s to 50 s, moved to start at 0 (empty when it cannot be read).
inline std::vector<tokens::TimedNote> primerOf(const std::string& path) {
    auto midi = readMidiFile(path);
    if (!midi) return {};
    std::vector<tokens::TimedNote> out;
    for (tokens::TimedNote n : tokens::performanceNotes(midi->sequence))
        if (n.start >= 30 && n.start < 50) {
            n.start -= 30;
            n.end = std::min(n.end - 30, 20.0);
            out.push_back(n);
        }
    return out;
}

inline inference::RecallOptions recallOptions(double weight, double sharpness, double threshold, int minDistance,
                                              int capacity) {
    inference::RecallOptions o;
    o.weight = weight;
    o.sharpness = sharpness;
    o.threshold = threshold;
    o.minDistance = minDistance;
    o.capacity = capacity;
    return o;
}

} // namespace continuo::testutil
