#pragma once
// The sampling settings (continuo/core/Sampling.h) as command-line flags, shared by the
// commands that write music: one set of names, one parse, SamplingSettings::validate()'s
// messages for bad values.
#include "continuo/core/Sampling.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QList>
#include <QString>

namespace continuo::cli {

/// Which flags a command offers beside --temperature, --top-p, --top-k and --seed: the length
/// (--seconds) and the count, named `countFlag` ("variations", "candidates"; empty: none).
struct SamplingFlagSet {
    bool length = true;
    QString countFlag = QStringLiteral("variations");
    QString countHelp = QStringLiteral("Variations from one primer (1-8).");
    bool recall = true; ///< the command offers recallFlags(): --recall is recall's weight
};

inline QList<QCommandLineOption> samplingFlags(const SamplingSettings& defaults, const SamplingFlagSet& set = {}) {
    QList<QCommandLineOption> flags{
        {"temperature", "Sampling temperature (more than 0).", "t", QString::number(defaults.temperature)},
        {"top-p", "Nucleus sampling mass in (0, 1] (1 = off: the whole distribution, which keeps the piece's pace).",
         "p", QString::number(defaults.topP)},
        {"top-k", "Keep the K most likely tokens (0 = off).", "k", QString::number(defaults.topK)},
        {"seed", "Random seed: a number, or 'random' (a fresh one, printed).", "n",
         QString::fromStdString(defaults.seed.toString())},
    };
    if (set.length) flags << QCommandLineOption("seconds", "Seconds of music to write.", "s", QString::number(defaults.lengthSeconds));
    if (!set.countFlag.isEmpty()) flags << QCommandLineOption(set.countFlag, set.countHelp, "n", QString::number(defaults.variations));
    return flags;
}

/// Reads the flags samplingFlags() offered, and recall's weight from --recall (RecallFlags.h)
/// when the command offers it. On a bad value returns false and says why in `error`.
inline bool parseSamplingFlags(const QCommandLineParser& p, SamplingSettings* out, QString* error,
                               const SamplingFlagSet& set = {}) {
    SamplingSettings s = *out;
    bool ok = true;
    auto number = [&](const char* name, double* v) {
        bool good = false;
        const double x = p.value(name).toDouble(&good);
        if (!good) {
            *error = QStringLiteral("--%1 takes a number, not \"%2\"").arg(name, p.value(name));
            ok = false;
        } else {
            *v = x;
        }
    };
    auto integer = [&](const QString& name, int* v) {
        bool good = false;
        const int x = p.value(name).toInt(&good);
        if (!good) {
            *error = QStringLiteral("--%1 takes a whole number, not \"%2\"").arg(name, p.value(name));
            ok = false;
        } else {
            *v = x;
        }
    };
    number("temperature", &s.temperature);
    number("top-p", &s.topP);
    integer("top-k", &s.topK);
    if (set.length) number("seconds", &s.lengthSeconds);
    if (!set.countFlag.isEmpty()) integer(set.countFlag, &s.variations);
    if (set.recall) number("recall", &s.recall);
    if (!ok) return false;
    const auto seed = Seed::parse(p.value("seed").toStdString());
    if (!seed) {
        *error = QStringLiteral("--seed takes a number or 'random', not \"%1\"").arg(p.value("seed"));
        return false;
    }
    s.seed = *seed;
    if (const std::string problems = s.validationMessage(); !problems.empty()) {
        *error = QString::fromStdString(problems);
        return false;
    }
    *out = s;
    return true;
}

} // namespace continuo::cli
