#include "continuo/audio/MidiOutput.h"

#include "continuo/audio/AudioEngine.h"
#include "continuo/audio/MidiOutQueue.h"
#include "continuo/audio/Transport.h"

#include <RtMidi.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <ctime>
#include <mutex>
#include <thread>

namespace continuo::audio {

bool MidiOutQueue::wait(int timeoutMs) noexcept {
    timespec until{};
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeoutMs / 1000;
    until.tv_nsec += long(timeoutMs % 1000) * 1'000'000L;
    if (until.tv_nsec >= 1'000'000'000L) {
        until.tv_sec += 1;
        until.tv_nsec -= 1'000'000'000L;
    }
    while (sem_clockwait(&ready_, CLOCK_MONOTONIC, &until) != 0)
        if (errno != EINTR) return false;
    return true;
}

namespace {

/// Bytes in a channel message with this status (program change and channel pressure: 2).
std::size_t messageSize(std::uint8_t status) {
    const int type = status & 0xF0;
    return (type == 0xC0 || type == 0xD0) ? 2 : 3;
}

} // namespace

struct MidiOutput::Impl {
    // Shared by the UI thread and the sender thread under `mutex`: the RtMidi object (all its
    // calls, so its error callback too) and what the callback writes.
    std::mutex mutex;
    std::unique_ptr<RtMidiOut> out;
    bool portOpen = false;
    std::string sendError; ///< the first failure reported while sending (empty: none)

    // UI thread.
    std::string message;
    std::string clientName;
    std::string openName;
    bool virtualPort = false;
    bool disconnected = false;
    RtMidi::Api api = RtMidi::UNSPECIFIED;
    std::function<void(const std::string&, const std::string&)> onDisconnect;

    // The sender thread.
    std::thread sender;
    std::atomic<bool> stop{false};
    Transport* transport = nullptr; ///< set while the sender runs
    bool sending = false;           ///< inside sendMessage (the error callback's context)

    std::atomic<std::uint64_t> sent{0};
    std::atomic<std::uint64_t> dropped{0};
    std::atomic<bool> failed{false};

    static void onError(RtMidiError::Type type, const std::string& text, void* user) {
        auto* self = static_cast<Impl*>(user);
        if (!self->sending) return; // open/close report through their exceptions
        // RtMidi's JACK buffer full: that message is lost, the port is fine.
        if (type == RtMidiError::WARNING && text.find("full") != std::string::npos) {
            self->dropped.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        if (self->sendError.empty()) self->sendError = text;
        self->failed.store(true, std::memory_order_release);
    }

    bool createClient(RtMidi::Api which) {
        try {
            out = std::make_unique<RtMidiOut>(which, clientName);
            out->setErrorCallback(&Impl::onError, this);
            api = out->getCurrentApi();
            return true;
        } catch (const RtMidiError& e) {
            out.reset();
            message = e.getMessage();
            return false;
        }
    }

    /// Every port but this program's own (its input and output ports).
    std::vector<std::string> ports() {
        std::vector<std::string> names;
        std::lock_guard lock(mutex);
        if (!out) return names;
        try {
            const unsigned n = out->getPortCount();
            for (unsigned i = 0; i < n; ++i) {
                std::string name = out->getPortName(i);
                if (name.rfind(clientName + ":", 0) == 0) continue;
                names.push_back(std::move(name));
            }
        } catch (const RtMidiError&) {
        }
        return names;
    }

    void run() {
        OutgoingMidi m;
        while (!stop.load(std::memory_order_acquire)) {
            transport->midiOut().wait(250);
            std::lock_guard lock(mutex);
            while (transport->midiOut().pop(m)) {
                if (!portOpen || failed.load(std::memory_order_relaxed)) {
                    dropped.fetch_add(1, std::memory_order_relaxed);
                    continue;
                }
                const unsigned char bytes[3] = {m.message.status, m.message.data1, m.message.data2};
                sending = true;
                try {
                    out->sendMessage(bytes, messageSize(m.message.status));
                    sent.fetch_add(1, std::memory_order_release);
                } catch (const RtMidiError& e) {
                    if (sendError.empty()) sendError = e.getMessage();
                    failed.store(true, std::memory_order_release);
                    dropped.fetch_add(1, std::memory_order_relaxed);
                }
                sending = false;
            }
        }
    }

    void stopSender() {
        if (!sender.joinable()) return;
        stop.store(true, std::memory_order_release);
        transport->midiOut().interrupt();
        sender.join();
        transport = nullptr;
    }
};

MidiOutput::MidiOutput(MidiOutputApi api, const std::string& clientName) : d(std::make_unique<Impl>()) {
    d->clientName = clientName;
    bool ok = false;
    if (api == MidiOutputApi::Alsa || api == MidiOutputApi::Default) ok = d->createClient(RtMidi::LINUX_ALSA);
    if (!ok && (api == MidiOutputApi::Jack || api == MidiOutputApi::Default)) ok = d->createClient(RtMidi::UNIX_JACK);
    d->message = ok ? "MIDI output ready." : "No MIDI system available (" + d->message + "); MIDI out is off.";
}

MidiOutput::~MidiOutput() {
    d->stopSender();
    close();
}

bool MidiOutput::available() const { return d->out != nullptr; }
std::string MidiOutput::statusMessage() const { return d->message; }
bool MidiOutput::canOpenVirtual() const {
    return d->out && (d->api == RtMidi::LINUX_ALSA || d->api == RtMidi::UNIX_JACK || d->api == RtMidi::MACOSX_CORE);
}

std::vector<std::string> MidiOutput::listOutputs() { return d->ports(); }

Expected<bool> MidiOutput::open(unsigned index) {
    if (!d->out) return Error{d->message};
    close();
    std::string name;
    {
        std::lock_guard lock(d->mutex);
        try {
            // The index among all ports, this client's own included (RtMidi's numbering).
            const unsigned n = d->out->getPortCount();
            std::vector<std::string> all;
            for (unsigned i = 0; i < n; ++i) all.push_back(d->out->getPortName(i));
            const auto own = [&](const std::string& p) { return p.rfind(d->clientName + ":", 0) == 0; };
            unsigned seen = 0, rt = n;
            for (unsigned i = 0; i < n; ++i) {
                if (own(all[i])) continue;
                if (seen++ == index) {
                    rt = i;
                    break;
                }
            }
            if (rt == n)
                return Error{"MIDI output " + std::to_string(index) + " does not exist (" + std::to_string(seen) +
                             " outputs)."};
            name = all[rt];
            d->out->openPort(rt, "out");
        } catch (const RtMidiError& e) {
            return Error{"Could not open MIDI output \"" + name + "\": " + e.getMessage()};
        }
        d->portOpen = true;
        d->sendError.clear();
        d->failed.store(false);
    }
    d->openName = name;
    d->virtualPort = false;
    d->disconnected = false;
    d->message = "MIDI output: " + name;
    return true;
}

Expected<bool> MidiOutput::open(const std::string& portName) {
    const auto names = d->ports();
    auto it = std::find(names.begin(), names.end(), portName);
    if (it == names.end()) return Error{"MIDI output \"" + portName + "\" is not connected."};
    return open(unsigned(it - names.begin()));
}

Expected<bool> MidiOutput::openVirtual(const std::string& name) {
    if (!d->out) return Error{d->message};
    if (!canOpenVirtual()) return Error{"This MIDI system cannot create a virtual port: choose an output device."};
    close();
    {
        std::lock_guard lock(d->mutex);
        try {
            d->out->openVirtualPort(name);
        } catch (const RtMidiError& e) {
            return Error{"Could not create the virtual MIDI port \"" + name + "\": " + e.getMessage()};
        }
        d->portOpen = true;
        d->sendError.clear();
        d->failed.store(false);
    }
    d->openName = name;
    d->virtualPort = true;
    d->disconnected = false;
    d->message = "MIDI output: virtual port \"" + name + "\"";
    return true;
}

void MidiOutput::close() {
    std::lock_guard lock(d->mutex);
    if (d->out && d->portOpen) {
        try {
            d->out->closePort();
        } catch (const RtMidiError&) {
        }
    }
    d->portOpen = false;
    d->openName.clear();
    d->virtualPort = false;
}

bool MidiOutput::isOpen() const { return !d->openName.empty(); }
bool MidiOutput::isVirtual() const { return d->virtualPort; }
std::string MidiOutput::portName() const { return d->openName; }

void MidiOutput::attach(AudioEngine* engine) { attach(engine ? &engine->transport() : nullptr); }

void MidiOutput::attach(Transport* transport) {
    if (transport == d->transport) return;
    d->stopSender();
    if (!transport) return;
    // What an earlier sender left in the queue is not this port's business (the queue has no
    // consumer but this thread now).
    OutgoingMidi stale;
    while (transport->midiOut().pop(stale)) {
    }
    d->stop.store(false, std::memory_order_release);
    d->transport = transport;
    d->sender = std::thread([impl = d.get()] { impl->run(); });
}

bool MidiOutput::rescan() {
    if (d->openName.empty()) return false;
    std::string why;
    if (d->failed.load(std::memory_order_acquire)) {
        std::string error;
        {
            std::lock_guard lock(d->mutex);
            error = d->sendError;
        }
        why = "MIDI output \"" + d->openName + "\" stopped working (" + error + ").";
    } else if (!d->virtualPort) {
        const auto names = d->ports();
        if (std::find(names.begin(), names.end(), d->openName) == names.end())
            why = "MIDI output \"" + d->openName + "\" was disconnected.";
    }
    if (why.empty()) return false;
    const std::string gone = d->openName;
    close();
    d->disconnected = true;
    d->message = why;
    if (d->onDisconnect) d->onDisconnect(gone, why);
    return true;
}

void MidiOutput::setDisconnectCallback(std::function<void(const std::string&, const std::string&)> callback) {
    d->onDisconnect = std::move(callback);
}

bool MidiOutput::wasDisconnected() const { return d->disconnected; }
std::uint64_t MidiOutput::messagesSent() const { return d->sent.load(std::memory_order_acquire); }
std::uint64_t MidiOutput::messagesDropped() const {
    return d->dropped.load(std::memory_order_relaxed) + (d->transport ? d->transport->midiOut().dropped() : 0);
}

} // namespace continuo::audio
