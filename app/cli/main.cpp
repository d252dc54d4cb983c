// continuo-cli: the scriptable, headless face of Continuo.
#include "Command.h"

#ifdef CONTINUO_HAVE_INFERENCE
#include "continuo/inference/BlasSetup.h"
#endif

#include <QCoreApplication>
#ifdef CONTINUO_HAVE_QTGUI
#include <QGuiApplication>
#endif
#include <QTextStream>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace continuo::cli {

std::vector<Command>& commands() {
    static std::vector<Command> all;
    return all;
}

int fail(const char* name, const QString& message, int status) {
    QTextStream(stderr) << "continuo-cli " << name << ": " << message << Qt::endl;
    return status;
}

} // namespace continuo::cli

namespace {

void printHelp() {
    QTextStream out(stdout);
    out << "Usage: continuo-cli COMMAND [OPTIONS]\n\n"
           "Continuo's command-line tool: inspect MIDI files, continue a primer with the model,\n"
           "train and evaluate models, render to audio.\n\nCommands:\n";
    auto cmds = continuo::cli::commands();
    std::sort(cmds.begin(), cmds.end(), [](const auto& a, const auto& b) { return qstrcmp(a.name, b.name) < 0; });
    for (const auto& c : cmds) out << "  " << QString(c.name).leftJustified(10) << c.summary << "\n";
    out << "\n  --version     print the version\n  --help        this text\n\n"
           "Run 'continuo-cli COMMAND --help' for a command's options.\n";
}

} // namespace

namespace {
/// Whether this command will run parallel regions for long: training and evaluation (all
/// cores unless told), or any command given --threads above 1.
bool runsManyThreads(int argc, char** argv) {
    if (argc < 2) return false;
    if (qstrcmp(argv[1], "train") == 0 || qstrcmp(argv[1], "eval") == 0 || qstrcmp(argv[1], "bench") == 0) return true;
    for (int i = 2; i < argc; ++i) {
        const char* value = nullptr;
        if (qstrcmp(argv[i], "--threads") == 0 && i + 1 < argc) value = argv[i + 1];
        else if (qstrncmp(argv[i], "--threads=", 10) == 0) value = argv[i] + 10;
        if (value && std::atoi(value) > 1) return true;
    }
    return false;
}
} // namespace

int main(int argc, char** argv) {
#ifdef CONTINUO_HAVE_INFERENCE
    continuo::inference::preferFastBlasKernels(argv, runsManyThreads(argc, argv));
#endif
#if defined(__GLIBC__)
    // Training and evaluation allocate and free the same large activations every step. By
    // default glibc maps blocks of this size fresh from the kernel and unmaps them on free, so
    // each step faults its memory in again: a fifth of the CPU time on a small model went to
    // the kernel. Keeping freed blocks in the heap makes that a free-list reuse.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
#ifdef CONTINUO_HAVE_QTGUI
    // Commands that draw (training plots) need fonts, which need a GUI application; it runs
    // offscreen so no display is needed.
    const bool draws = argc > 1 && (qstrcmp(argv[1], "train") == 0 || qstrcmp(argv[1], "plot") == 0);
    if (draws && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    std::unique_ptr<QCoreApplication> holder(draws ? new QGuiApplication(argc, argv) : new QCoreApplication(argc, argv));
    QCoreApplication& app = *holder;
#else
    QCoreApplication app(argc, argv);
#endif
    QCoreApplication::setApplicationName("continuo-cli");
    QCoreApplication::setApplicationVersion(CONTINUO_VERSION);
    QCoreApplication::setOrganizationName("Continuo");
    const QStringList args = app.arguments();
    if (args.size() < 2 || args[1] == "--help" || args[1] == "-h" || args[1] == "help") {
        printHelp();
        return args.size() < 2 ? 2 : 0;
    }
    if (args[1] == "--version" || args[1] == "-V") {
        std::printf("continuo-cli %s\n", CONTINUO_VERSION);
        return 0;
    }
    for (const auto& c : continuo::cli::commands())
        if (args[1] == c.name) return c.run(args.mid(1));
    QTextStream(stderr) << "continuo-cli: unknown command '" << args[1] << "' (see continuo-cli --help)" << Qt::endl;
    return 2;
}
