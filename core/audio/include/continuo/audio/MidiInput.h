#pragma once
// A MIDI keyboard through RtMidi: list and open inputs, notice when they come and go, play
// what is played through the engine at once (thru), and record it onto the transport's tick
// timeline as played.
//
// Threads: every member function belongs to the UI thread. RtMidi delivers messages on its
// own thread; they reach the engine (thru) and the recording through lock-free queues.
// One MidiInput per AudioEngine (the engine's thru queue has a single producer).
#include "continuo/audio/RecordingBuffer.h"
#include "continuo/core/Expected.h"
#include "continuo/core/TempoMap.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace continuo::audio {

class AudioEngine;
class Transport;

enum class MidiInputApi { Default, Jack, Alsa };

class MidiInput {
public:
    /// Default tries ALSA, then JACK. Never throws; see available()/statusMessage().
    explicit MidiInput(MidiInputApi api = MidiInputApi::Default, const std::string& clientName = "Continuo");
    ~MidiInput();
    MidiInput(const MidiInput&) = delete;
    MidiInput& operator=(const MidiInput&) = delete;

    bool available() const;
    std::string statusMessage() const;

    std::vector<std::string> listInputs();
    Expected<bool> open(unsigned index);
    Expected<bool> open(const std::string& portName);
    void close();
    bool isOpen() const;
    std::string portName() const;

    /// Thru and timestamps go through `engine` (nullptr: no thru, recording on a wall clock
    /// starting at startRecording()). The engine must outlive the attachment.
    void attach(AudioEngine* engine);
    /// The same with a transport driven by its owner (offline, tests): messages are stamped on
    /// its clock() and placed on its timeline. Attach while not recording.
    void attach(Transport* transport);
    void setThru(bool on);

    /// Re-reads the port list (call from a UI timer, ~1 s). True when it changed. If the open
    /// port is gone: the take so far is kept (held keys end now), the port is closed and the
    /// disconnect callback fires; if it comes back under the same name it is reopened.
    bool rescan();
    void setDisconnectCallback(std::function<void(const std::string& portName)> callback);
    bool wasDisconnected() const;

    /// Starts a take; ticks follow `tempo` (its resolution is the take's).
    void startRecording(const TempoMap& tempo = TempoMap{});
    bool isRecording() const;
    /// Notes finished and events recorded since the last call (for drawing the take live).
    RecordedTake drainRecorded();
    /// Ends the take: everything recorded, held keys closed now.
    RecordedTake stopRecording();

    /// While recording: what the player is doing now (keys held, pedal, the last message), with
    /// everything received so far taken in. Jam mode reads it to hear the player pause.
    InputActivity activity();
    /// The transport time now, the clock messages are placed on (seconds).
    double nowSeconds() const;

    /// Messages received since the input was created (diagnostics, tests).
    std::uint64_t messagesReceived() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace continuo::audio
