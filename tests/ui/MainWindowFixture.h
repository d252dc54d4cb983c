#pragma once
// The main window as the UI tests build it, set up in one place. A MainWindowFixture (a member
// of the test class, so made once per test executable, after QApplication) keeps the tests
// away from the musician's own settings and files: QStandardPaths' test mode (QSettings and
// data under ~/.qttest), an organisation of its own ("ContinuoTest"; the application name
// stays the executable's), and a temporary folder for recovery files and whatever a test
// writes. makeWindow() builds a MainWindow with audio off, no model loaded, settings neither
// read nor written, an empty roll, its recovery folder and its models and jobs folder (data/)
// in the temporary folder, and a FakeContinuationService, and shows it; WindowOptions say what
// a test wants otherwise (an injected real service, the example motif, a size, audio and
// settings for the JACK tests).
// Waiting for the window to be exposed or active stays in the tests: those are checks.
#include "FakeContinuationService.h"
#include "window/MainWindow.h"

#include <QCoreApplication>
#include <QSize>
#include <QStandardPaths>
#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace continuo::ui::testutil {

/// What differs from the usual test window. Fields in declaration order, so that designated
/// initializers can name any of them: makeWindow({.service = fake, .exampleMotif = true}).
struct WindowOptions {
    ContinuationService* service = nullptr; ///< taken over by the window; nullptr: a FakeContinuationService()
    bool exampleMotif = false;              ///< the first-start motif and hint in the roll
    QSize size;                             ///< resized to this before show(); invalid: the window's own size
    bool show = true;
    QString recoveryDir;                    ///< empty: "recovery" in the fixture's temporary folder
    bool openAudio = false;                 ///< the real audio engine (the JACK tests)
    bool useSettings = false;               ///< read and write QSettings (in the test-mode folder)
    bool loadDefaultModel = false;
    QString dataDir;                        ///< the user's models and jobs; empty: "data" in the fixture's temporary folder
    bool resumeJobs = true;                 ///< resume a Teach Your Style job left running in dataDir
};

class MainWindowFixture {
public:
    MainWindowFixture() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("ContinuoTest"));
    }

    /// The temporary folder could be made.
    bool isValid() const { return dir_.isValid(); }
    /// `name` in the temporary folder (removed with the fixture).
    QString filePath(const QString& name) const { return dir_.filePath(name); }

    std::unique_ptr<MainWindow> makeWindow(const WindowOptions& options = {}) const {
        MainWindowOptions o;
        o.openAudio = options.openAudio;
        o.loadDefaultModel = options.loadDefaultModel;
        o.exampleMotif = options.exampleMotif;
        o.useSettings = options.useSettings;
        o.recoveryDir = options.recoveryDir.isEmpty() ? filePath(QStringLiteral("recovery")) : options.recoveryDir;
        o.dataDir = options.dataDir.isEmpty() ? filePath(QStringLiteral("data")) : options.dataDir;
        o.resumeJobs = options.resumeJobs;
        o.service = options.service ? options.service : new FakeContinuationService;
        auto w = std::make_unique<MainWindow>(o);
        if (options.size.isValid()) w->resize(options.size);
        if (options.show) w->show();
        return w;
    }

private:
    QTemporaryDir dir_;
};

} // namespace continuo::ui::testutil
