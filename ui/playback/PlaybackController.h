#pragma once
// Playback, previews and recording for the UI thread. Uses the audio engine when the build
// has it (CONTINUO_HAVE_AUDIO); otherwise, or when no device can be opened, a silent clock
// keeps the transport moving so everything but the sound works. What plays is the piece
// plus the auditioned take; switching the take while playing swaps the engine's snapshot
// without stopping (A/B): at once, or, playing in a loop, at the next loop boundary (the old
// take plays to the loop end, the new one from the loop start, sample-exact).
#include "continuo/core/Note.h"

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <memory>
#include <set>
#include <tuple>

class QTimer;

namespace continuo::audio {
class Clock;
class Transport;
}

namespace continuo::ui {

class Document;

/// Where playback, takes, previews and jam answers sound.
enum class PlayThrough { Synth, MidiOut, Both };

struct AudioSetup {
    QString soundFont;  ///< empty: find one (SoundFontLocator)
    QString system;     ///< "JACK", "PulseAudio", "ALSA"; empty: the first that works
    QString device;     ///< empty: the system's default output
    QString midiInput;  ///< empty: none
    QString midiOutput; ///< empty: none; PlaybackController::virtualMidiOutput(): a port of our own
    PlayThrough playThrough = PlayThrough::Synth; ///< with no MIDI output open: the synth
    unsigned sampleRate = 48000;   ///< JACK always runs at the server's rate
    unsigned bufferFrames = 256;
    /// Not a setting: the clock the engine stamps buffers and MIDI input on (nullptr: the
    /// steady clock). The JACK tests give the server's frame counter (AudioOptions::clock).
    const audio::Clock* clock = nullptr;
    bool operator==(const AudioSetup&) const = default;
};

/// What the player is doing at the keyboard while recording (jam mode listens for the pause).
struct PlayerActivity {
    bool valid = false;            ///< recording from a MIDI input with an engine
    int heldKeys = 0;
    bool pedalDown = false;
    double lastSeconds = -1;       ///< transport time of the last message (< 0: none yet)
    double lastNoteOnSeconds = -1; ///< of the last key struck
    double earliestHeldSeconds = -1; ///< when the longest-held key still down was struck
    double nowSeconds = 0;         ///< the transport time now, on the same clock
};

class PlaybackController : public QObject {
    Q_OBJECT
public:
    explicit PlaybackController(Document* doc, QObject* parent = nullptr);
    ~PlaybackController() override;

    /// Audio systems this build can use ("JACK", "PulseAudio", "ALSA").
    static QStringList audioSystems();
    /// Output devices of one system; empty when its server is not running.
    static QStringList outputDevices(const QString& system);

    /// Opens (or reopens, with other devices) the audio output, the soundfont and the MIDI
    /// input. Never fails hard: returns the status line.
    QString open(const AudioSetup& setup);
    AudioSetup setup() const { return setup_; }
    QString statusLine() const { return status_; }
    QString soundFontPath() const { return soundFont_; }
    bool hasSound() const { return sound_; }

    bool isPlaying() const { return playing_; }
    bool isRecording() const { return recording_; }
    Tick position() const;
    void play();
    void stop();
    void togglePlay() { isPlaying() ? stop() : play(); }
    void locate(Tick tick);
    void panic();
    void setMetronome(bool on);
    void setCountInBars(int bars);
    bool metronome() const { return metronome_; }
    int countInBars() const { return countIn_; }

    /// Arms and starts recording from the playhead (count-in when set). The notes are drawn
    /// live and become one undoable step when recording stops.
    bool record();
    QStringList midiInputs() const;
    bool openMidiInput(const QString& name);
    QString midiInputName() const { return midiName_; }
    /// The MIDI input to remember (chosen from the menu rather than the settings dialog).
    void setRememberedMidiInput(const QString& name) { setup_.midiInput = name; }

    /// The MIDI output choice that creates Continuo's own virtual port ("Continuo"), which a DAW
    /// or an external synth connects to.
    static QString virtualMidiOutput();
    static QString playThroughKey(PlayThrough p);                   ///< "synth", "midi", "both"
    static PlayThrough playThroughFromKey(const QString& key);      ///< unknown: Synth
    /// The virtual port (where the MIDI system allows one), then the ports that receive MIDI.
    QStringList midiOutputs() const;
    /// Opens a MIDI output (virtualMidiOutput() or a port name; empty closes it) and routes
    /// through it as setup().playThrough says. False (with a message) when it cannot be opened:
    /// then the synth plays.
    bool openMidiOutput(const QString& name);
    QString midiOutputName() const;
    /// True while a MIDI output is open and the route uses it.
    bool midiOutActive() const;
    void setPlayThrough(PlayThrough p);
    PlayThrough playThrough() const { return setup_.playThrough; }

    /// While recording: the player's keys, pedal and last message, with what was played so far
    /// drawn (valid false without a recording MIDI input).
    PlayerActivity playerActivity();
    /// While recording: the notes recorded so far become one undoable step named `label` now,
    /// and recording goes on. Returns how many notes.
    int commitRecorded(const QString& label);
    /// While frozen, edits do not replace what the engine plays (a new snapshot while playing
    /// releases every sounding note: a jam answer would be cut); unfreezing catches up.
    void setSnapshotFrozen(bool frozen);

    void previewNote(int pitch, int velocity, bool on);
    /// The engine's real-time transport (its sample clock and event log, for tests); nullptr
    /// without an engine.
    audio::Transport* transport() const;
    /// Frames per audio period of the open device (0 without one).
    unsigned bufferFrames() const;

signals:
    void positionChanged(continuo::Tick tick);
    void stateChanged();
    void statusChanged(const QString& line);
    void message(const QString& text);

private:
    void tick();
    void rebuildSnapshot();
    void scheduleSnapshot();
    void finishRecording();
    void drainRecorded();
    Tick clockPosition() const;
    void applyRoute();

    Document* doc_;
    QTimer* timer_;
    QTimer* snapshotTimer_;
    QString status_;
    AudioSetup setup_;
    QTimer* poll_ = nullptr;
    QString soundFont_;
    QString midiName_;
    bool sound_ = false;
    bool playing_ = false;
    bool recording_ = false;
    bool metronome_ = false;
    bool takeSwitched_ = false;       ///< the auditioned take changed since the last snapshot
    bool snapshotFrozen_ = false;
    bool snapshotStale_ = false;      ///< an edit came while frozen
    bool loopSwitchPending_ = false;  ///< a snapshot waits for the loop boundary
    std::uint64_t loopSwitchesBefore_ = 0;
    int countIn_ = 1;
    // Silent clock (no engine): position = startTick_ + elapsed, in seconds on the tempo map.
    QElapsedTimer clock_;
    Tick startTick_ = 0;
    Tick position_ = 0;
    std::vector<Note> recorded_;
    std::set<std::tuple<Tick, int, Tick>> committed_; ///< start, pitch, length of notes commitRecorded() kept
    struct Engine;
    std::unique_ptr<Engine> engine_;
};

} // namespace continuo::ui
