#pragma once
#include <QString>

namespace continuo::cli {
/// Draws the training curve (loss and validation NLL against tokens) from log.csv into a PNG.
/// Returns an empty string on success, else why not.
QString writeTrainingPlot(const QString& csvPath, const QString& pngPath);
} // namespace continuo::cli
