#pragma once
// The live engine the UI talks to: FluidSynth through RtAudio, transport, metronome,
// previews, panic. Without an audio device or server it runs a silent clock instead (the
// transport still moves, recording still works) and says why in statusMessage().
//
// All member functions belong to the thread that created the engine (the UI thread),
// except the read accessors marked "any thread". Nothing here blocks on the audio thread.
#include "continuo/audio/Clock.h"
#include "continuo/audio/SoundFontLocator.h"
#include "continuo/core/Expected.h"
#include "continuo/core/Sequence.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace continuo::audio {

class Transport;
class PlaybackSnapshot;

enum class AudioApi { Default, Jack, Pulse, Alsa };

struct AudioDevice {
    unsigned id = 0; ///< RtAudio index (valid until devices change)
    std::string name;
    unsigned outputChannels = 0;
    std::vector<unsigned> sampleRates;
    unsigned preferredSampleRate = 0;
    bool isDefault = false;
};

struct AudioOptions {
    AudioApi api = AudioApi::Default;
    std::string deviceName;      ///< empty: the API's default output
    unsigned sampleRate = 48000; ///< 0: the device's preferred rate (JACK: always the server's)
    unsigned bufferFrames = 256; ///< a request; JACK uses its own period
    std::string clientName = "Continuo";
    bool connectOutputs = true;  ///< JACK: connect to the system playback ports
    /// Test hook: called on the audio thread on entry (true) and exit (false) of each callback.
    void (*realtimeProbe)(bool entering) = nullptr;
    /// The clock each buffer and each MIDI message are stamped on (Transport::setClock);
    /// nullptr: steadyClock(). Tests give JACK's frame counter, so that when a key was played
    /// is a frame number. Must outlive the engine's use of the device; silent mode always
    /// runs on steadyClock().
    const Clock* clock = nullptr;
};

enum class EngineStatus {
    Closed,  ///< open() not called yet
    Running, ///< sound device running
    Silent,  ///< no device (or it went away): silent clock, everything else works
};

class AudioEngine {
public:
    AudioEngine();
    ~AudioEngine();
    AudioEngine(const AudioEngine&) = delete;
    AudioEngine& operator=(const AudioEngine&) = delete;

    static std::vector<AudioApi> availableApis();
    static std::string apiName(AudioApi api);
    /// Output devices of one API; empty (never throws) when its server is not running.
    static std::vector<AudioDevice> listOutputDevices(AudioApi api);

    /// Loads a soundfont (or finds one, see SoundFontLocator) and returns the path used.
    /// On failure the previous sound (if any) stays, and the message says why.
    Expected<std::string> setSoundFont(const SoundFontSearch& search);
    Expected<std::string> setSoundFont(const std::string& path);
    bool hasSoundFont() const;
    std::string soundFontPath() const;

    /// Opens the output. True when sound is running; false means silent mode (the reason is
    /// in statusMessage()). Either way the transport works afterwards.
    bool open(const AudioOptions& options);
    void close();
    EngineStatus status() const;
    /// One line for the status bar: device and rate, or why it is silent.
    std::string statusMessage() const;
    double sampleRate() const;
    unsigned bufferFrames() const;

    /// Call from a UI timer (every 100-500 ms): frees replaced snapshots, notices a device
    /// or server that went away (then: playback stops, silent mode). True if status changed.
    bool poll();

    // ---- what plays
    void setSnapshot(const Sequence& sequence);
    void setSnapshot(const std::vector<Track>& tracks, const TempoMap& tempo,
                     const std::vector<TimeSignature>& signatures, Tick endTick = 0);
    void setSnapshot(std::unique_ptr<PlaybackSnapshot> snapshot);
    /// A/B while looping: `sequence` plays from the loop start of the next pass, what plays now
    /// goes on to the loop end (at once when not looping; see Transport::setSnapshotAtLoop).
    void setSnapshotAtLoop(const Sequence& sequence);

    // ---- transport (ticks at the snapshot's resolution: 960 per quarter in a document)
    void play();
    /// Play with the count-in, and keep running past the end (for recording).
    void record();
    void stop();
    void locate(Tick tick);
    void setLoop(Tick start, Tick end, bool enabled);
    void setMetronome(bool on);
    void setCountInBars(int bars); ///< 0, 1 or 2
    /// Stop by itself at the end of the snapshot (default on; ignored while recording/looping).
    void setAutoStop(bool on);
    /// Stop and silence everything at once, sustain pedal included; with MIDI out in the
    /// route, the output gets all notes off, all sound off and sustain off on all 16 channels.
    void panic();
    /// Where the transport sounds what it plays: PlayThrough bits (ToSynth, ToMidiOut). Set
    /// ToMidiOut only while a MidiOutput is attached to this engine. Notes sounding on a
    /// destination that leaves are released there.
    void setPlayThrough(int playThrough);

    // ---- sounds without the transport (clicking the keyboard in the UI)
    void previewNoteOn(int pitch, int velocity, int channel = 0);
    void previewNoteOff(int pitch, int channel = 0);

    // ---- any thread
    Tick positionTick() const;
    bool isPlaying() const;
    bool isRecording() const;

    /// The real-time core (for MidiInput's thru queue, tests and benchmarks).
    Transport& transport();

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace continuo::audio
