#pragma once
// continuo-cli subcommands. Each lives in its own file and registers itself with
// CONTINUO_CLI_COMMAND; main() dispatches on the first argument.
#include "continuo/core/Sequence.h"

#include <QStringList>

#include <functional>
#include <vector>

namespace continuo::cli {

struct Command {
    const char* name;
    const char* summary;
    /// args[0] is the subcommand's name; returns the process exit status
    /// (0 ok, 1 failure, 2 bad input/usage).
    std::function<int(const QStringList& args)> run;
};

std::vector<Command>& commands();

struct Registrar {
    explicit Registrar(Command c) { commands().push_back(std::move(c)); }
};

/// The first `seconds` of a piece as a primer (all of it when <= 0): notes cut at the
/// boundary, controllers after it dropped (so the pedal is folded as the piece had it there).
Sequence cutPrimer(const Sequence& full, double seconds);

/// Prints to stderr "continuo-cli NAME: message" and returns `status`.
int fail(const char* name, const QString& message, int status = 1);

} // namespace continuo::cli

#define CONTINUO_CLI_CAT2(a, b) a##b
#define CONTINUO_CLI_CAT(a, b) CONTINUO_CLI_CAT2(a, b)
#define CONTINUO_CLI_COMMAND(NAME, SUMMARY, FN)                                                    \
    static ::continuo::cli::Registrar CONTINUO_CLI_CAT(continuoCliRegistrar_, __LINE__)({NAME, SUMMARY, FN})
