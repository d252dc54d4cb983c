// Continuo desktop application.
//   continuo [file.continuo|file.mid] [--no-audio] [--no-model] [--random-model]
//            [--model PATH] [--recovery-dir DIR] [--restore] [--autosave-ms MS] [--no-settings]
//            [--take N] [--fit] [--select-all] [--select-bars A-B] [--continue] [--fill-gap]
//            [--command NAME]   (scripting and screenshots)
#include "document/Document.h"
#include "document/EditOperations.h"
#include "roll/PianoRollWidget.h"
#include "services/ThreadContinuationService.h"
#include "window/MainWindow.h"
#ifdef CONTINUO_HAVE_INFERENCE
#include "continuo/inference/BlasSetup.h"
#endif

#include <QAction>
#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QPalette>
#include <QStyleFactory>
#include <QTimer>

#include <cstdio>

namespace {

void applyDarkPalette(QApplication& app) {
    app.setStyle(QStyleFactory::create("Fusion"));
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x2a, 0x2e, 0x37));
    p.setColor(QPalette::WindowText, QColor(0xdc, 0xe1, 0xea));
    p.setColor(QPalette::Base, QColor(0x1f, 0x22, 0x2a));
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x2a, 0x33));
    p.setColor(QPalette::ToolTipBase, QColor(0x33, 0x38, 0x44));
    p.setColor(QPalette::ToolTipText, QColor(0xdc, 0xe1, 0xea));
    p.setColor(QPalette::Text, QColor(0xdc, 0xe1, 0xea));
    p.setColor(QPalette::Button, QColor(0x33, 0x38, 0x44));
    p.setColor(QPalette::ButtonText, QColor(0xdc, 0xe1, 0xea));
    p.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xb5));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::PlaceholderText, QColor(0x8a, 0x93, 0xa6));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x70, 0x76, 0x84));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x70, 0x76, 0x84));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x70, 0x76, 0x84));
    app.setPalette(p);
}

} // namespace

int main(int argc, char** argv) {
#ifdef CONTINUO_HAVE_INFERENCE
    // The app lives long and shares the machine with its audio thread and the musician's
    // other programs: OpenMP threads that wait must sleep, not spin.
    continuo::inference::preferFastBlasKernels(argv, true);
#endif
    QApplication app(argc, argv);
    QApplication::setOrganizationName("Continuo");
    QApplication::setApplicationName("Continuo");
    QApplication::setApplicationVersion(CONTINUO_VERSION_STRING);
    QApplication::setWindowIcon(QIcon(":/icons/continuo.svg"));
    applyDarkPalette(app);

    QCommandLineParser parser;
    parser.setApplicationDescription("Piano sketchpad with a long-memory music transformer");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("file", "A .continuo project or a MIDI file to open");
    QCommandLineOption noAudio("no-audio", "Do not open the audio engine");
    QCommandLineOption noModel("no-model", "Do not load the default model");
    QCommandLineOption randomModel("random-model", "Use a small untrained model (for trying the flow)");
    QCommandLineOption recoveryDir("recovery-dir", "Where autosaves go", "dir");
    QCommandLineOption restore("restore", "Restore an autosave without asking");
    QCommandLineOption autosave("autosave-ms", "Autosave interval in milliseconds", "ms", "60000");
    QCommandLineOption noSettings("no-settings", "Neither read nor write QSettings");
    QCommandLineOption model("model", "Model file to load", "path");
    QCommandLineOption take("take", "Audition take N (1-based) after opening", "n");
    QCommandLineOption fit("fit", "Zoom to fit the piece after opening");
    QCommandLineOption selectAll("select-all", "Select every note after opening");
    QCommandLineOption selectBars("select-bars", "Select the notes whose onsets lie in bars A to B (1-based) after opening", "A-B");
    QCommandLineOption runContinue("continue", "Press Continue once the model is loaded");
    QCommandLineOption runFillGap("fill-gap", "Press Fill Gap once the model is loaded (the selection's span, else the loop region)");
    QCommandLineOption command("command", "Trigger a menu command once started (e.g. audioSettings)", "name");
    parser.addOptions({noAudio, noModel, randomModel, model, recoveryDir, restore, autosave, noSettings,
                       take, fit, selectAll, selectBars, runContinue, runFillGap, command});
    parser.process(app);

    continuo::ui::MainWindowOptions options;
    options.openAudio = !parser.isSet(noAudio);
    options.loadDefaultModel = !parser.isSet(noModel) && !parser.isSet(randomModel) && !parser.isSet(model);
    options.recoveryDir = parser.value(recoveryDir);
    options.autosaveMs = std::max(100, parser.value(autosave).toInt());
    options.useSettings = !parser.isSet(noSettings);
    options.exampleMotif = parser.positionalArguments().isEmpty();
    continuo::ui::MainWindow window(options);
    window.show();

    if (parser.isSet(randomModel))
        if (auto* s = qobject_cast<continuo::ui::ThreadContinuationService*>(window.continuationService()))
            s->loadRandomModel(2, 64, 1);
    if (parser.isSet(model)) window.loadModel(parser.value(model));
    if (!window.offerRecovery(!parser.isSet(restore)) && !parser.positionalArguments().isEmpty())
        window.openFile(parser.positionalArguments().first());

    continuo::ui::Document* doc = window.document();
    const int takeIndex = parser.value(take).toInt() - 1;
    if (takeIndex >= 0 && takeIndex < int(doc->takes().size()))
        doc->view()->setCurrentTake(doc->takes()[std::size_t(takeIndex)].id);
    if (parser.isSet(selectAll)) continuo::ui::edit::selectAll(*doc);
    if (parser.isSet(selectBars)) {
        const QStringList bars = parser.value(selectBars).split('-');
        const int first = bars.value(0).toInt(), last = bars.value(1, bars.value(0)).toInt();
        continuo::ui::NoteIdSet ids;
        for (const continuo::Note& n : doc->notes()) {
            const int bar = int(doc->barAt(n.start).index) + 1;
            if (bar >= first && bar <= last) ids.insert(n.id);
        }
        doc->view()->setSelection(ids);
    }
    if (parser.isSet(fit)) window.pianoRoll()->zoomToFit();
    if (parser.isSet(runContinue)) {
        QObject::connect(window.continuationService(), &continuo::ui::ContinuationService::modelLoaded,
                         &window, [&window] { window.action("continue")->trigger(); },
                         Qt::QueuedConnection);
    }
    if (parser.isSet(runFillGap)) {
        QObject::connect(window.continuationService(), &continuo::ui::ContinuationService::modelLoaded,
                         &window, [&window] { window.action("fillGap")->trigger(); },
                         Qt::QueuedConnection);
    }
    if (parser.isSet(command)) {
        QAction* a = window.action(parser.value(command));
        if (!a) {
            std::fprintf(stderr, "continuo: no command '%s'; commands: %s\n", qPrintable(parser.value(command)),
                         qPrintable(window.actionNames().join(' ')));
            return 2;
        }
        QTimer::singleShot(0, a, &QAction::trigger);
    }
    return app.exec();
}
