#pragma once
// One MIDI output through RtMidi: an external synth or a DAW hears what the transport plays
// (takes, playback, jam answers), instead of or beside the built-in synth. It opens one port:
// a device's (listOutputs()) or a virtual port of its own ("Continuo") that other programs
// connect to, where the MIDI system allows (ALSA and JACK do).
//
// Threads: every member function belongs to the UI thread, except the counters marked "any
// thread". The audio thread never calls RtMidi: the transport pushes each message into its
// MidiOutQueue (Transport::midiOut(); preallocated, lock-free) and posts a semaphore once per
// buffer; this class's sender thread waits on it, drains the queue in order and hands the
// bytes to RtMidi. The sender and the UI thread share the RtMidi object under a mutex that
// the audio thread never sees. One MidiOutput per transport (its queue has one consumer).
#include "continuo/audio/MidiInput.h"
#include "continuo/core/Expected.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace continuo::audio {

class AudioEngine;
class Transport;

using MidiOutputApi = MidiInputApi;

class MidiOutput {
public:
    /// The name of the virtual port (other programs see "<client>:Continuo").
    static constexpr const char* kVirtualPortName = "Continuo";

    /// Default tries ALSA, then JACK. Never throws; see available()/statusMessage().
    explicit MidiOutput(MidiOutputApi api = MidiOutputApi::Default, const std::string& clientName = "Continuo");
    /// Stops the sender thread, then closes the port.
    ~MidiOutput();
    MidiOutput(const MidiOutput&) = delete;
    MidiOutput& operator=(const MidiOutput&) = delete;

    bool available() const;
    std::string statusMessage() const;
    /// True where the MIDI system lets a program create a port of its own (ALSA, JACK).
    bool canOpenVirtual() const;

    /// Ports of other programs and devices that can receive MIDI (not this client's own).
    std::vector<std::string> listOutputs();
    Expected<bool> open(unsigned index);
    Expected<bool> open(const std::string& portName);
    /// Creates the virtual port `name`: nothing is connected to it until another program is.
    Expected<bool> openVirtual(const std::string& name = kVirtualPortName);
    void close();
    bool isOpen() const;
    bool isVirtual() const;
    /// The device port, or the virtual port's name; empty when closed.
    std::string portName() const;

    /// Starts the sender thread on `transport`'s queue (nullptr: stops it). The transport must
    /// outlive the attachment; what it pushes while no port is open is dropped.
    void attach(Transport* transport);
    void attach(AudioEngine* engine);

    /// Call from a UI timer (~1 s). When the open device port is gone from the list, or RtMidi
    /// reported that sending failed, the port is closed, the message says so and the
    /// disconnect callback fires (never from the sender thread). True when that happened.
    bool rescan();
    /// `why` is the message also in statusMessage().
    void setDisconnectCallback(std::function<void(const std::string& portName, const std::string& why)> callback);
    bool wasDisconnected() const;

    /// Messages handed to RtMidi since the output was made (any thread).
    std::uint64_t messagesSent() const;
    /// Messages dropped: the transport's queue or RtMidi's buffer full, no port open, or a
    /// failed send (UI thread).
    std::uint64_t messagesDropped() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace continuo::audio
