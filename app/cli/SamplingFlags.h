#pragma once
// The sampling settings (continuo/core/Sampling.h) as command-line flags, shared by the
// commands that write music: one set of names, one parse, SamplingSettings::validate()'s
// messages for bad values.
#include "continuo/core/Sampling.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QList>
#include <QString>
#include <QStringList>

#include <string>
#include <utility>

namespace continuo::cli {

/// Which flags a command offers beside --temperature, --top-p, --top-k and --seed: the length
/// (--seconds) and the count, named `countFlag` ("variations", "candidates"; empty: none).
struct SamplingFlagSet {
    bool length = true;
    QString countFlag = QStringLiteral("variations");
    QString countHelp = QStringLiteral("Variations from one primer (1-8).");
    bool recall = true; ///< the command offers recallFlags(): --recall is recall's weight
    bool steering = true; ///< --key, --range, --density, --polyphony, --velocity
};

inline QList<QCommandLineOption> samplingFlags(const SamplingSettings& defaults, const SamplingFlagSet& set = {}) {
    QList<QCommandLineOption> flags{
        {"temperature", "Sampling temperature (more than 0).", "t", QString::number(defaults.temperature)},
        {"top-p", "Nucleus sampling mass in (0, 1] (1 = off: the whole distribution, which keeps the piece's pace).",
         "p", QString::number(defaults.topP)},
        {"top-k", "Keep the K most likely tokens (0 = off).", "k", QString::number(defaults.topK)},
        {"seed", "Random seed: a number, or 'random' (a fresh one, printed).", "n",
         QString::fromStdString(defaults.seed.toString())},
        {"motif", "How strongly the take develops the primer's figures, in nats (0 = off, up to 8; docs/motif.md).", "nats",
         QString::number(defaults.motif)},
    };
    if (set.length) flags << QCommandLineOption("seconds", "Seconds of music to write.", "s", QString::number(defaults.lengthSeconds));
    if (!set.countFlag.isEmpty()) flags << QCommandLineOption(set.countFlag, set.countHelp, "n", QString::number(defaults.variations));
    if (set.steering)
        flags << QCommandLineOption("key", "Lock notes to a scale: \"D minor\", \"F# dorian\", ..., or auto (the primer's key).", "name", "off")
              << QCommandLineOption("range", "Keep notes in LOW-HIGH (MIDI numbers or names, C2-C6).", "low-high", "off")
              << QCommandLineOption("density", "Aim at N notes per second, or 'primer' (the primer's density).", "n", "off")
              << QCommandLineOption("polyphony", "At most N notes sounding at once (pedal-held included).", "n", "off")
              << QCommandLineOption("velocity", "Velocities in LOW-HIGH (1-127), or softer/louder than the primer.", "low-high", "off");
    return flags;
}

/// Reads the steering flags into `steering`; the first bad one's message (which lists the
/// accepted forms) goes to `error`.
inline bool parseSteeringFlags(const QCommandLineParser& p, Steering* steering, QString* error) {
    using Parse = std::string (Steering::*)(const std::string&);
    const std::pair<const char*, Parse> flags[] = {{"key", &Steering::parseKey},
                                                    {"range", &Steering::parseRange},
                                                    {"density", &Steering::parseDensity},
                                                    {"polyphony", &Steering::parsePolyphony},
                                                    {"velocity", &Steering::parseVelocity}};
    for (const auto& [name, parse] : flags) {
        const std::string message = (steering->*parse)(p.value(name).toStdString());
        if (!message.empty()) {
            *error = QString::fromStdString(message);
            return false;
        }
    }
    return true;
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
    number("motif", &s.motif);
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
    if (set.steering && !parseSteeringFlags(p, &s.steering, error)) return false;
    if (const std::string problems = s.validationMessage(); !problems.empty()) {
        *error = QString::fromStdString(problems);
        return false;
    }
    *out = s;
    return true;
}

/// One line of what a take reached: "100 % in D minor, C3-C6, 4.1 notes/s, up to 3 at once,
/// velocity 62; the controls masked 2.1 % of the model's probability".
inline QString describeReport(const SteeringReport& r) {
    QStringList parts;
    if (r.inKeyShare >= 0) parts << QStringLiteral("%1 % in %2").arg(100 * r.inKeyShare, 0, 'f', 1).arg(QString::fromStdString(r.key));
    if (r.lowestPitch >= 0)
        parts << QString::fromStdString(noteName(r.lowestPitch) + "-" + noteName(r.highestPitch));
    parts << (r.densityTarget > 0 ? QStringLiteral("%1 notes/s (aimed at %2)").arg(r.density, 0, 'f', 2).arg(r.densityTarget, 0, 'f', 2)
                                  : QStringLiteral("%1 notes/s").arg(r.density, 0, 'f', 2))
          << QStringLiteral("up to %1 at once").arg(r.maxPolyphony)
          << QStringLiteral("velocity %1").arg(r.meanVelocity, 0, 'f', 0);
    return parts.join(", ") + QStringLiteral("; the controls masked %1 % of the model's probability").arg(100 * r.removedMass, 0, 'f', 1);
}

} // namespace continuo::cli
