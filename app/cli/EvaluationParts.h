#pragma once
// The two parts of the validation split (docs/evaluation.md): the tuning part, on which every
// choice is made, and the report part, which gives the headline numbers and nothing else.
// The tuning part is the first 20 pieces (those `eval --limit 20` reads) and the 8 the trainer
// validates on (`train --eval-pieces 8`: pieces i * n / 8 of the n, i = 0..7, as TrainCommand's
// spreadForValidation picks them); the report part is the rest. Both are frozen here as a rule on
// the sorted list that listMidiFiles gives: on MAESTRO v2's 137 validation pieces, the tuning part
// is pieces 0-19, 34, 51, 68, 85, 102 and 119 (26 pieces) and the report part the other 111.
#include <QString>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace continuo::cli {

enum class EvaluationPart { All, Tuning, Report };

inline constexpr std::size_t kTuningFirstPieces = 20;
inline constexpr std::size_t kTrainerValidationPieces = 8; ///< frozen: not read from TrainOptions

/// Whether piece `i` of a sorted list of `n` belongs to the tuning part.
inline bool inTuningPart(std::size_t i, std::size_t n) {
    if (i < kTuningFirstPieces) return true;
    const std::size_t k = std::min(n, kTrainerValidationPieces);
    for (std::size_t j = 0; j < k; ++j)
        if (i == j * n / k) return true;
    return false;
}

/// "all", "tuning" or "report"; nothing for anything else.
inline std::optional<EvaluationPart> parseEvaluationPart(const QString& name) {
    if (name == "all") return EvaluationPart::All;
    if (name == "tuning") return EvaluationPart::Tuning;
    if (name == "report") return EvaluationPart::Report;
    return std::nullopt;
}

/// The files of `part`, in their order.
inline std::vector<std::string> filesOfPart(const std::vector<std::string>& files, EvaluationPart part) {
    if (part == EvaluationPart::All) return files;
    std::vector<std::string> out;
    for (std::size_t i = 0; i < files.size(); ++i)
        if (inTuningPart(i, files.size()) == (part == EvaluationPart::Tuning)) out.push_back(files[i]);
    return out;
}

inline QString evaluationPartHelp() {
    return "Part of the split (docs/evaluation.md): all, tuning (the first 20 pieces and the trainer's 8) or "
           "report (the rest).";
}

} // namespace continuo::cli
