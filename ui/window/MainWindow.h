#pragma once
// The main window: piano roll in the centre, transport bar on top, Continue panel and takes
// timeline docked at the right, status bar with engine, model and messages. Menus, shortcuts
// and tooltips come from one table of actions (MainWindowActions.cpp); file commands are in
// MainWindowFiles.cpp; models and teaching in MainWindowModels.cpp.
#include "document/ProjectFile.h"
#include "document/Take.h"

#include <QHash>
#include <QMainWindow>
#include <QPointer>

class QAction;
class QDockWidget;
class QLabel;
class QActionGroup;
class QMenu;

namespace continuo::ui {

class AudioSettingsDialog;
struct AudioSetup;
class ContinuationService;
class ContinueController;
class JamController;
class ContinuePanel;
class Document;
class FillGapController;
class GenerationController;
class FillGapPanel;
class FineTuneJob;
class ModelLibrary;
class ModelsDialog;
class TeachingPanel;
class TeachStyleDialog;
struct TeachRequest;
struct ModelDescription;
class PianoRollWidget;
class PlaybackController;
class RecoveryManager;
class TakesPanel;
class TracksPanel;
class TransportBar;

struct MainWindowOptions {
    bool openAudio = true;           ///< open the audio engine (tests: false)
    bool loadDefaultModel = true;    ///< load inference::defaultModelPath() at start
    bool exampleMotif = true;        ///< first start: a short motif in the roll
    bool useSettings = true;         ///< restore geometry, devices and model from QSettings
    QString recoveryDir;             ///< empty: RecoveryManager::defaultDirectory()
    QString dataDir;                 ///< the user's models/ and jobs/; empty: ModelLibrary::defaultDataDir()
    bool resumeJobs = true;          ///< resume a Teach Your Style job the last run left running
    int autosaveMs = 60'000;
    ContinuationService* service = nullptr; ///< injected worker (the window takes ownership)
};

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(const MainWindowOptions& options = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    Document* document() const { return doc_; }
    PianoRollWidget* pianoRoll() const { return roll_; }
    ContinuePanel* continuePanel() const { return continuePanel_; }
    TakesPanel* takesPanel() const { return takesPanel_; }
    TracksPanel* tracksPanel() const { return tracksPanel_; }
    TransportBar* transportBar() const { return transport_; }
    ContinueController* continueController() const { return controller_; }
    JamController* jam() const { return jam_; }
    FillGapController* fillGapController() const { return fillGap_; }
    FillGapPanel* fillGapPanel() const { return fillGapPanel_; }
    ContinuationService* continuationService() const { return service_; }
    PlaybackController* playback() const { return playback_; }
    RecoveryManager* recovery() const { return recovery_; }
    /// Every command by name ("continue", "undo", "keepTake", ...), for tests and scripting.
    QAction* action(const QString& name) const { return actions_.value(name); }
    QStringList actionNames() const { return actions_.keys(); }

    // ---- files (MainWindowFiles.cpp)
    bool openFile(const QString& path);      ///< .continuo or .mid/.midi
    bool saveTo(const QString& path);
    bool exportMidi(const QString& path, int format, int ppq);
    QString currentPath() const { return path_; }
    /// Whether closing would lose something: the piece's edits, or, for a piece saved as a
    /// project, its settings (sampling, steering, grid or model) changed since it was opened or
    /// saved.
    bool hasUnsavedChanges() const;
    void loadExampleMotif();
    /// Asks (unless `ask` is false) and restores an orphaned recovery file.
    bool offerRecovery(bool ask = true);
    void loadModel(const QString& path);
    /// Reopens audio and MIDI with these devices and remembers them for the next start.
    void applyAudioSetup(const AudioSetup& setup);
    /// The Audio and MIDI Settings dialog while it is open (tests), else null.
    AudioSettingsDialog* audioSettings() const;

    // ---- models and Teach Your Style (MainWindowModels.cpp)
    ModelLibrary* modelLibrary() const { return library_; }
    /// The Teach Your Style job shown in the Teaching panel (null: none).
    FineTuneJob* fineTuneJob() const;
    TeachingPanel* teachingPanel() const { return teachPanel_; }
    /// The dialogs while they are open (tests), else null.
    TeachStyleDialog* teachStyleDialog() const;
    ModelsDialog* modelsDialog() const;
    /// Starts teaching as the dialog asked; false (and a message) when it cannot.
    bool startTeaching(const TeachRequest& request);
    /// Loads the model at `path` and makes it the project's model.
    void useModel(const QString& path);
    /// The model the project names (saved with it); empty until one is chosen or saved.
    project::ModelChoice projectModel() const { return projectModel_; }

protected:
    void closeEvent(QCloseEvent* e) override;

private:
    void createActions();
    // The table of actions, one group per function, in menu order (MainWindowActions.cpp).
    void createFileActions();
    void createUndoActions();
    void createNoteActions();
    void createToolActions();
    void createViewActions();
    void createTransportActions();
    void createGenerateActions();
    void createTakeActions();
    void createModelActions();
    void createMenus();
    void createDocks();
    /// Generate > Fill Gap: its action, panel, controller and their wiring (MainWindowFillGap.cpp).
    void createFillGap();
    void startFillGap();
    /// The model library, the Teaching dock, and a job the last run left (MainWindowModels.cpp).
    void createTeaching();
    void restoreTeaching();
    void adoptJob(FineTuneJob* job);
    void teachStyle();
    void showModels();
    /// The piece's settings as saved: the Continue panel's and the project's model.
    PieceSettings pieceSettings() const;
    /// A project opened or restored names `choice`: loads it from the library, or says it is missing.
    void applyProjectModel(const project::ModelChoice& choice);
    void onModelLoaded(const ModelDescription& model);
    void createStatusBar();
    void connectServices();
    void restoreSettings();
    void saveSettings();
    void updateTitle();
    void updateActions();
    void showMessage(const QString& text, int ms = 6000);

    QAction* makeAction(const QString& name, const QString& text, const QList<QKeySequence>& keys,
                        const QString& tip, void (MainWindow::*slot)() = nullptr);
    // Commands.
    void newFile();
    void openDialog();
    void importDialog();
    void save();
    void saveAsDialog();
    void exportMidiDialog();
    void exportWavDialog();
    /// Edit > Copy as MIDI: the selected notes, or else the auditioned take, as a MIDI file on
    /// the clipboard (MidiTransfer).
    void copyAsMidi();
    void chooseModelDialog();
    void audioSettingsDialog();
    void startContinue();
    void auditionTake();
    void nextTake();
    void previousTake();
    void keepTake();
    /// Keeps the auditioned take on `track` (0: a track of its own), in one undo step.
    void keepTakeInto(project::TrackId track);
    void discardTake();
    void renameTake();
    void continueFromTake();
    void quantize();
    void paste();
    void duplicate();
    void moveLeft();
    void moveRight();
    void record();
    void toggleJam();
    void rebuildJamMenu();
    void togglePlay();
    void stopAndPanic();
    void rebuildMidiMenu();
    void rebuildKeepIntoMenu();
    bool maybeSave();

    MainWindowOptions options_;
    Document* doc_;
    PianoRollWidget* roll_;
    TransportBar* transport_;
    ContinuePanel* continuePanel_;
    TakesPanel* takesPanel_;
    TracksPanel* tracksPanel_;
    ContinuationService* service_;
    GenerationController* generation_;
    ContinueController* controller_;
    JamController* jam_;
    QMenu* jamMenu_ = nullptr;
    FillGapController* fillGap_ = nullptr;
    FillGapPanel* fillGapPanel_ = nullptr;
    PlaybackController* playback_;
    RecoveryManager* recovery_;
    QHash<QString, QAction*> actions_;
    QMenu* midiMenu_ = nullptr;
    QMenu* keepIntoMenu_ = nullptr;
    QPointer<AudioSettingsDialog> audioDialog_;
    int modelThreads_ = 0;         ///< 0 = automatic
    QString lastThreadChoice_;     ///< how the last Continue chose, in words
    QLabel* engineLabel_;
    QLabel* modelLabel_;
    QLabel* hint_;
    QString path_;
    bool modelOk_ = false;
    ModelLibrary* library_ = nullptr;
    QPointer<FineTuneJob> job_;
    TeachingPanel* teachPanel_ = nullptr;
    QDockWidget* teachDock_ = nullptr;
    QPointer<TeachStyleDialog> teachDialog_;
    QPointer<ModelsDialog> modelsDialog_;
    project::ModelChoice projectModel_;
    /// The panel's settings and the model as the project file holds them (after open or save).
    project::PieceSettings savedSettings_;
    project::ModelChoice savedModel_;
    void rememberSavedSettings();
    bool settingsChangedSinceSave() const;
    /// The model being loaded becomes the project's when it has loaded (a choice, not the
    /// model the app starts with).
    QString modelForProject_;
};

} // namespace continuo::ui
