#include "playback/PlaybackController.h"

#include "document/Document.h"
#include "document/EditNotesCommand.h"

#include <QFileInfo>
#include <QTimer>
#include <QUndoStack>

#include <utility>

#ifdef CONTINUO_HAVE_AUDIO
#include "continuo/audio/AudioEngine.h"
#include "continuo/audio/MidiInput.h"
#include "continuo/audio/MidiOutput.h"
#include "continuo/audio/Transport.h"
#endif

namespace continuo::ui {

struct PlaybackController::Engine {
#ifdef CONTINUO_HAVE_AUDIO
    audio::AudioEngine engine;
    std::unique_ptr<audio::MidiInput> midi;
    std::unique_ptr<audio::MidiOutput> out; ///< destroyed first: its sender reads the transport
#endif
};

PlaybackController::PlaybackController(Document* doc, QObject* parent)
    : QObject(parent), doc_(doc), timer_(new QTimer(this)), snapshotTimer_(new QTimer(this)) {
    timer_->setInterval(30); // ~33 playhead updates per second
    connect(timer_, &QTimer::timeout, this, &PlaybackController::tick);
    snapshotTimer_->setSingleShot(true);
    snapshotTimer_->setInterval(20);
    connect(snapshotTimer_, &QTimer::timeout, this, &PlaybackController::rebuildSnapshot);
    connect(doc_, &Document::notesChanged, this, &PlaybackController::scheduleSnapshot);
    connect(doc_, &Document::tempoChanged, this, &PlaybackController::scheduleSnapshot);
    connect(doc_, &Document::tracksChanged, this, &PlaybackController::scheduleSnapshot); // mute, solo, programs
    connect(doc_, &Document::trackEventsChanged, this, &PlaybackController::scheduleSnapshot); // the pedal
    connect(doc_->view(), &ViewState::currentTakeChanged, this, [this] {
        takeSwitched_ = true;
        scheduleSnapshot();
    });
    connect(doc_, &Document::takeNotesChanged, this, [this](TakeId id) {
        if (id == doc_->view()->currentTake()) scheduleSnapshot();
    });
    connect(doc_->view(), &ViewState::loopChanged, this, [this] {
#ifdef CONTINUO_HAVE_AUDIO
        if (engine_) engine_->engine.setLoop(doc_->view()->loopStart(), doc_->view()->loopEnd(), doc_->view()->loopEnabled());
#endif
    });
    status_ = tr("Silent: this build has no audio engine");
}

PlaybackController::~PlaybackController() = default;

#ifdef CONTINUO_HAVE_AUDIO
namespace {
audio::AudioApi apiNamed(const QString& name) {
    for (audio::AudioApi a : audio::AudioEngine::availableApis())
        if (QString::fromStdString(audio::AudioEngine::apiName(a)) == name) return a;
    return audio::AudioApi::Default;
}
} // namespace
#endif

QStringList PlaybackController::audioSystems() {
    QStringList out;
#ifdef CONTINUO_HAVE_AUDIO
    for (audio::AudioApi a : audio::AudioEngine::availableApis()) out << QString::fromStdString(audio::AudioEngine::apiName(a));
#endif
    return out;
}

QStringList PlaybackController::outputDevices(const QString& system) {
    QStringList out;
#ifdef CONTINUO_HAVE_AUDIO
    const audio::AudioApi api = apiNamed(system);
    if (api != audio::AudioApi::Default)
        for (const audio::AudioDevice& d : audio::AudioEngine::listOutputDevices(api)) out << QString::fromStdString(d.name);
#else
    Q_UNUSED(system);
#endif
    return out;
}

QString PlaybackController::open(const AudioSetup& setup) {
    const bool wasPlaying = playing_;
    if (recording_ || playing_) stop();
    setup_ = setup;
#ifdef CONTINUO_HAVE_AUDIO
    const Tick at = position();
    engine_.reset(); // closes the old stream and MIDI port first
    midiName_.clear();
    engine_ = std::make_unique<Engine>();
    audio::AudioEngine& e = engine_->engine;
    audio::SoundFontSearch search;
    search.userSetting = setup.soundFont.toStdString();
    search.executableDir = audio::SoundFontLocator::currentExecutableDir();
    auto sf = e.setSoundFont(search);
    QString sfLine;
    if (sf) {
        soundFont_ = QString::fromStdString(sf.value());
        sfLine = QFileInfo(soundFont_).fileName();
    } else {
        sfLine = tr("no soundfont (%1)").arg(QString::fromStdString(sf.error()));
    }
    audio::AudioOptions options;
    options.api = apiNamed(setup.system);
    options.deviceName = setup.device.toStdString();
    options.sampleRate = setup.sampleRate;
    options.bufferFrames = setup.bufferFrames;
    options.clock = setup.clock;
    sound_ = e.open(options) && sf.ok();
    e.setLoop(doc_->view()->loopStart(), doc_->view()->loopEnd(), doc_->view()->loopEnabled());
    e.setMetronome(metronome_);
    e.setCountInBars(countIn_);
    status_ = QString::fromStdString(e.statusMessage()) + QStringLiteral(" · ") + sfLine;
    engine_->midi = std::make_unique<audio::MidiInput>(options.api == audio::AudioApi::Jack ? audio::MidiInputApi::Jack
                                                                                            : audio::MidiInputApi::Default);
    engine_->midi->attach(&e);
    if (!setup.midiInput.isEmpty()) openMidiInput(setup.midiInput);
    engine_->out = std::make_unique<audio::MidiOutput>(options.api == audio::AudioApi::Jack ? audio::MidiOutputApi::Jack
                                                                                            : audio::MidiOutputApi::Default);
    engine_->out->attach(&e);
    if (!setup.midiOutput.isEmpty()) openMidiOutput(setup.midiOutput);
    applyRoute();
    const QString outLine = QStringLiteral(" · ") + tr("MIDI out: %1").arg(midiOutputName());
    if (midiOutActive()) status_ += outLine;
    engine_->out->setDisconnectCallback([this, outLine](const std::string&, const std::string& why) {
        applyRoute(); // back to the built-in synth
        status_.remove(outLine);
        emit statusChanged(status_);
        emit message(tr("%1 Playing through the built-in synth.").arg(QString::fromStdString(why)));
        emit stateChanged();
    });
    rebuildSnapshot();
    locate(at);
    // The engine wants a poll now and then (frees old snapshots, notices lost devices).
    if (!poll_) {
        poll_ = new QTimer(this);
        connect(poll_, &QTimer::timeout, this, [this] {
            if (engine_ && engine_->engine.poll()) {
                status_ = QString::fromStdString(engine_->engine.statusMessage());
                emit statusChanged(status_);
            }
            if (engine_ && engine_->midi) engine_->midi->rescan();
            if (engine_ && engine_->out) engine_->out->rescan();
        });
        poll_->start(500);
    }
#else
    Q_UNUSED(setup);
    status_ = tr("Silent: this build has no audio engine");
#endif
    emit statusChanged(status_);
    emit stateChanged();
    if (wasPlaying) play();
    return status_;
}

void PlaybackController::scheduleSnapshot() {
    if (snapshotFrozen_) {
        snapshotStale_ = true;
        return;
    }
    if (!snapshotTimer_->isActive()) snapshotTimer_->start();
}

void PlaybackController::setSnapshotFrozen(bool frozen) {
    snapshotFrozen_ = frozen;
    if (!frozen && std::exchange(snapshotStale_, false)) scheduleSnapshot();
}

void PlaybackController::rebuildSnapshot() {
#ifdef CONTINUO_HAVE_AUDIO
    const bool takeSwitched = std::exchange(takeSwitched_, false);
    if (!engine_) return;
    // The tracks that sound (mute/solo) with their programs, pedal and controllers.
    const Sequence sequence = doc_->toSequence(true, true);
    audio::AudioEngine& e = engine_->engine;
    audio::Transport& transport = e.transport();
    const bool looping = playing_ && e.isPlaying() && doc_->view()->loopEnabled() && doc_->view()->loopEnd() > doc_->view()->loopStart();
    if (takeSwitched && looping) {
        // A/B in a loop: the take heard now plays to the loop end, the new one from the loop
        // start of the next pass (on the engine's sample clock, without a gap).
        e.setSnapshotAtLoop(sequence);
        loopSwitchesBefore_ = transport.loopSwitches();
        loopSwitchPending_ = true;
        return;
    }
    e.setSnapshot(sequence);
    // An edit while a switch waits for the boundary: what takes over there must have it too.
    if (loopSwitchPending_ && transport.loopSwitches() == loopSwitchesBefore_) e.setSnapshotAtLoop(sequence);
    else loopSwitchPending_ = false;
#else
    takeSwitched_ = false;
#endif
}

Tick PlaybackController::clockPosition() const {
    if (!playing_) return position_;
    const TempoMap& tempo = doc_->tempo();
    Tick t = tempo.tickAt(tempo.secondsAt(startTick_) + clock_.nsecsElapsed() / 1e9);
    if (doc_->view()->loopEnabled() && !recording_ && doc_->view()->loopEnd() > doc_->view()->loopStart() && t >= doc_->view()->loopEnd()) {
        const Tick len = doc_->view()->loopEnd() - doc_->view()->loopStart();
        t = doc_->view()->loopStart() + (t - doc_->view()->loopStart()) % len;
    }
    return t;
}

Tick PlaybackController::position() const {
#ifdef CONTINUO_HAVE_AUDIO
    if (engine_) return std::max<Tick>(0, engine_->engine.positionTick());
#endif
    return clockPosition();
}

void PlaybackController::play() {
    if (playing_) return;
#ifdef CONTINUO_HAVE_AUDIO
    if (engine_) {
        rebuildSnapshot();
        engine_->engine.play();
    }
#endif
    startTick_ = position_;
    clock_.start();
    playing_ = true;
    timer_->start();
    emit stateChanged();
}

void PlaybackController::stop() {
    if (!playing_) {
        // Stop while stopped returns to the start (as in most sequencers).
        locate(0);
        return;
    }
    if (recording_) finishRecording();
#ifdef CONTINUO_HAVE_AUDIO
    if (engine_) engine_->engine.stop();
#endif
    position_ = position();
    playing_ = false;
    timer_->stop();
    emit positionChanged(position_);
    emit stateChanged();
}

void PlaybackController::locate(Tick tick) {
    tick = std::max<Tick>(0, tick);
#ifdef CONTINUO_HAVE_AUDIO
    if (engine_) engine_->engine.locate(tick);
#endif
    position_ = tick;
    startTick_ = tick;
    clock_.restart();
    emit positionChanged(tick);
}

void PlaybackController::panic() {
#ifdef CONTINUO_HAVE_AUDIO
    if (engine_) engine_->engine.panic();
#endif
    if (playing_) stop();
}

void PlaybackController::setMetronome(bool on) {
    metronome_ = on;
#ifdef CONTINUO_HAVE_AUDIO
    if (engine_) engine_->engine.setMetronome(on);
#endif
}

void PlaybackController::setCountInBars(int bars) {
    countIn_ = std::clamp(bars, 0, 2);
#ifdef CONTINUO_HAVE_AUDIO
    if (engine_) engine_->engine.setCountInBars(countIn_);
#endif
}

QStringList PlaybackController::midiInputs() const {
    QStringList out;
#ifdef CONTINUO_HAVE_AUDIO
    if (engine_ && engine_->midi)
        for (const std::string& s : engine_->midi->listInputs()) out << QString::fromStdString(s);
#endif
    return out;
}

bool PlaybackController::openMidiInput(const QString& name) {
#ifdef CONTINUO_HAVE_AUDIO
    if (engine_ && engine_->midi) {
        auto r = engine_->midi->open(name.toStdString());
        if (r) {
            midiName_ = name;
            emit message(tr("MIDI input: %1").arg(name));
            return true;
        }
        emit message(tr("Cannot open MIDI input %1: %2").arg(name, QString::fromStdString(r.error())));
    }
#else
    Q_UNUSED(name);
#endif
    return false;
}

QString PlaybackController::virtualMidiOutput() { return QStringLiteral("Continuo (virtual port)"); }

QString PlaybackController::playThroughKey(PlayThrough p) {
    switch (p) {
    case PlayThrough::MidiOut: return QStringLiteral("midi");
    case PlayThrough::Both: return QStringLiteral("both");
    case PlayThrough::Synth: break;
    }
    return QStringLiteral("synth");
}

PlayThrough PlaybackController::playThroughFromKey(const QString& key) {
    if (key == QLatin1String("midi")) return PlayThrough::MidiOut;
    if (key == QLatin1String("both")) return PlayThrough::Both;
    return PlayThrough::Synth;
}

QStringList PlaybackController::midiOutputs() const {
    QStringList out;
#ifdef CONTINUO_HAVE_AUDIO
    if (engine_ && engine_->out) {
        if (engine_->out->canOpenVirtual()) out << virtualMidiOutput();
        for (const std::string& s : engine_->out->listOutputs()) out << QString::fromStdString(s);
    }
#endif
    return out;
}

bool PlaybackController::openMidiOutput(const QString& name) {
    setup_.midiOutput = name;
#ifdef CONTINUO_HAVE_AUDIO
    if (!engine_ || !engine_->out) return false;
    audio::MidiOutput& out = *engine_->out;
    if (name.isEmpty()) {
        out.close();
        applyRoute();
        return true;
    }
    auto r = name == virtualMidiOutput() ? out.openVirtual() : out.open(name.toStdString());
    applyRoute();
    if (r) {
        emit message(tr("MIDI output: %1").arg(name));
        return true;
    }
    emit message(tr("Cannot open MIDI output %1: %2 Playing through the built-in synth.")
                     .arg(name, QString::fromStdString(r.error())));
#endif
    return false;
}

QString PlaybackController::midiOutputName() const {
#ifdef CONTINUO_HAVE_AUDIO
    if (engine_ && engine_->out && engine_->out->isOpen())
        return engine_->out->isVirtual() ? virtualMidiOutput() : QString::fromStdString(engine_->out->portName());
#endif
    return {};
}

bool PlaybackController::midiOutActive() const {
#ifdef CONTINUO_HAVE_AUDIO
    return engine_ && engine_->out && engine_->out->isOpen() && setup_.playThrough != PlayThrough::Synth;
#else
    return false;
#endif
}

void PlaybackController::setPlayThrough(PlayThrough p) {
    setup_.playThrough = p;
    applyRoute();
}

void PlaybackController::applyRoute() {
#ifdef CONTINUO_HAVE_AUDIO
    if (!engine_) return;
    // Without an open output everything plays through the synth, whatever the setting says.
    int to = audio::ToSynth;
    if (engine_->out && engine_->out->isOpen()) {
        if (setup_.playThrough == PlayThrough::MidiOut) to = audio::ToMidiOut;
        else if (setup_.playThrough == PlayThrough::Both) to = audio::ToBoth;
    }
    engine_->engine.setPlayThrough(to);
#endif
}

bool PlaybackController::record() {
    if (recording_) {
        stop();
        return false;
    }
#ifdef CONTINUO_HAVE_AUDIO
    if (engine_ && engine_->midi && engine_->midi->isOpen()) {
        if (playing_) stop();
        rebuildSnapshot();
        engine_->midi->startRecording(doc_->tempo());
        engine_->engine.record();
        recorded_.clear();
        committed_.clear();
        recording_ = true;
        playing_ = true;
        startTick_ = position_;
        clock_.start();
        timer_->start();
        emit stateChanged();
        emit message(tr("Recording from %1 — press Space or R to stop").arg(midiName_));
        return true;
    }
#endif
    emit message(tr("No MIDI input is open: choose one in Transport ▸ MIDI Input, or draw notes with the pencil (D)."));
    return false;
}

void PlaybackController::finishRecording() {
    recording_ = false;
#ifdef CONTINUO_HAVE_AUDIO
    if (engine_ && engine_->midi) {
        audio::RecordedTake take = engine_->midi->stopRecording();
        recorded_ = take.notes;
        // What commitRecorded() made part of the piece already is not recorded twice.
        std::erase_if(recorded_, [this](const Note& n) { return committed_.count({n.start, n.pitch, n.length}) > 0; });
    }
    committed_.clear();
#endif
    doc_->view()->setLiveNotes({});
    if (recorded_.empty()) {
        emit message(tr("Nothing was recorded."));
        return;
    }
    for (Note& n : recorded_) n.id = doc_->allocateNoteId();
    auto* cmd = new EditNotesCommand(doc_, tr("Record %n notes", nullptr, int(recorded_.size())), {},
                                     recorded_);
    cmd->setSelectAfter(true);
    doc_->undoStack()->push(cmd);
    emit message(tr("Recorded %n notes (one undo step).", nullptr, int(recorded_.size())));
    recorded_.clear();
}

void PlaybackController::tick() {
    const Tick t = position();
#ifdef CONTINUO_HAVE_AUDIO
    if (engine_) {
        drainRecorded();
        if (!engine_->engine.isPlaying() && playing_ && !recording_) {
            playing_ = false;
            position_ = t;
            timer_->stop();
            emit stateChanged();
        }
        emit positionChanged(t);
        return;
    }
#endif
    // Silent clock: stop at the end of the piece unless looping.
    Tick end = doc_->endTick();
    if (const Take* take = doc_->take(doc_->view()->currentTake())) end = std::max(end, take->endTick());
    if (!doc_->view()->loopEnabled() && t > end + doc_->ticksPerBeat()) {
        position_ = t;
        stop();
        return;
    }
    emit positionChanged(t);
}

void PlaybackController::drainRecorded() {
#ifdef CONTINUO_HAVE_AUDIO
    if (!recording_ || !engine_ || !engine_->midi) return;
    audio::RecordedTake part = engine_->midi->drainRecorded();
    if (!part.notes.empty()) {
        recorded_.insert(recorded_.end(), part.notes.begin(), part.notes.end());
        doc_->view()->setLiveNotes(recorded_);
    }
#endif
}

PlayerActivity PlaybackController::playerActivity() {
    PlayerActivity a;
#ifdef CONTINUO_HAVE_AUDIO
    if (!recording_ || !engine_ || !engine_->midi) return a;
    drainRecorded();
    const audio::InputActivity in = engine_->midi->activity();
    a.valid = true;
    a.heldKeys = in.heldKeys;
    a.pedalDown = in.pedalDown;
    a.lastSeconds = in.lastSeconds;
    a.lastNoteOnSeconds = in.lastNoteOnSeconds;
    a.earliestHeldSeconds = in.earliestHeldSeconds;
    a.nowSeconds = engine_->midi->nowSeconds();
#endif
    return a;
}

int PlaybackController::commitRecorded(const QString& label) {
    drainRecorded();
    if (recorded_.empty()) return 0;
    const int n = int(recorded_.size());
    for (Note& note : recorded_) {
        note.id = doc_->allocateNoteId();
        committed_.insert({note.start, note.pitch, note.length});
    }
    doc_->undoStack()->push(new EditNotesCommand(doc_, label, {}, recorded_));
    recorded_.clear();
    doc_->view()->setLiveNotes({});
    return n;
}

audio::Transport* PlaybackController::transport() const {
#ifdef CONTINUO_HAVE_AUDIO
    if (engine_) return &engine_->engine.transport();
#endif
    return nullptr;
}

unsigned PlaybackController::bufferFrames() const {
#ifdef CONTINUO_HAVE_AUDIO
    if (engine_) return engine_->engine.bufferFrames();
#endif
    return 0;
}

void PlaybackController::previewNote(int pitch, int velocity, bool on) {
#ifdef CONTINUO_HAVE_AUDIO
    if (!engine_) return;
    if (on) engine_->engine.previewNoteOn(pitch, velocity);
    else engine_->engine.previewNoteOff(pitch);
#else
    Q_UNUSED(pitch);
    Q_UNUSED(velocity);
    Q_UNUSED(on);
#endif
}

} // namespace continuo::ui
