#include "continuo/audio/MidiInput.h"

#include "continuo/audio/AudioEngine.h"
#include "continuo/audio/Clock.h"
#include "continuo/audio/SpscQueue.h"
#include "continuo/audio/Transport.h"

#include <RtMidi.h>

#include <algorithm>
#include <atomic>
#include <optional>

namespace continuo::audio {

namespace {

struct Timestamped {
    double seconds;
    MidiMessage message;
};

void quietRtMidiError(RtMidiError::Type, const std::string&, void*) {}

} // namespace

struct MidiInput::Impl {
    std::unique_ptr<RtMidiIn> in;
    std::string message;
    std::string clientName;
    std::string openName;
    std::string lostName; ///< port that vanished, reopened if it returns
    std::vector<std::string> lastList;
    std::function<void(const std::string&)> onDisconnect;
    bool disconnected = false;

    // Shared with the RtMidi thread.
    std::atomic<Transport*> transport{nullptr};
    std::atomic<bool> thru{true};
    std::atomic<bool> recording{false};
    std::atomic<std::int64_t> recordStartNs{0};
    std::atomic<std::uint64_t> received{0};
    SpscQueue<Timestamped> queue{16384};

    // RtMidi thread only: turns RtMidi's delta times into steady-clock times.
    MidiArrival arrival;

    std::optional<RecordingBuffer> take;
    bool takeInterrupted = false;

    static void onMessage(double delta, std::vector<unsigned char>* bytes, void* user) {
        auto* self = static_cast<Impl*>(user);
        if (!bytes || bytes->empty()) return;
        const std::uint8_t status = (*bytes)[0];
        if (status < 0x80 || status >= 0xF0) return; // system messages are not recorded
        MidiMessage m{status, bytes->size() > 1 ? (*bytes)[1] : std::uint8_t(0),
                      bytes->size() > 2 ? (*bytes)[2] : std::uint8_t(0)};

        // Stamped on the transport's clock, the one its anchor was stamped on; the driver's
        // delta times refine the stamp when that clock follows them (the steady clock).
        Transport* transport = self->transport.load(std::memory_order_acquire);
        const Clock& clock = transport ? transport->clock() : steadyClock();
        const std::int64_t now = clock.nowNs();
        const std::int64_t at = clock.followsDriverTime() ? self->arrival.stamp(delta, now) : now;

        if (transport && m.isNoteOn()) transport->notePlayed(); // the player interrupts a live answer
        if (transport && self->thru.load(std::memory_order_relaxed)) transport->thruQueue().push(m);
        if (self->recording.load(std::memory_order_acquire)) {
            const double seconds = transport ? transport->transportSecondsAt(at)
                                             : double(at - self->recordStartNs.load()) * 1e-9;
            self->queue.push({seconds, m});
        }
        // Counted once handled: whoever waits for the count may then move the clock on.
        self->received.fetch_add(1, std::memory_order_release);
    }

    void drain() {
        Timestamped t;
        while (queue.pop(t))
            if (take) take->add(t.seconds, t.message);
    }

    double nowSeconds() const {
        Transport* transport = this->transport.load();
        return transport ? transport->transportSecondsAt(transport->clock().nowNs())
                         : double(steadyClock().nowNs() - recordStartNs.load()) * 1e-9;
    }

    bool createClient(RtMidi::Api api) {
        try {
            in = std::make_unique<RtMidiIn>(api, clientName, 1000);
            in->setErrorCallback(&quietRtMidiError, nullptr);
            in->ignoreTypes(true, true, true);
            in->setCallback(&Impl::onMessage, this);
            return true;
        } catch (const RtMidiError& e) {
            in.reset();
            message = e.getMessage();
            return false;
        }
    }

    std::vector<std::string> ports() {
        std::vector<std::string> out;
        if (!in) return out;
        try {
            const unsigned n = in->getPortCount();
            for (unsigned i = 0; i < n; ++i) out.push_back(in->getPortName(i));
        } catch (const RtMidiError&) {
        }
        return out;
    }
};

MidiInput::MidiInput(MidiInputApi api, const std::string& clientName) : d(std::make_unique<Impl>()) {
    d->clientName = clientName;
    bool ok = false;
    if (api == MidiInputApi::Alsa || api == MidiInputApi::Default) ok = d->createClient(RtMidi::LINUX_ALSA);
    if (!ok && (api == MidiInputApi::Jack || api == MidiInputApi::Default)) ok = d->createClient(RtMidi::UNIX_JACK);
    d->message = ok ? "MIDI input ready." : "No MIDI system available (" + d->message + "); recording is off.";
    d->lastList = d->ports();
}

MidiInput::~MidiInput() {
    // Stop callbacks before the members they touch go away.
    if (d->in) {
        try {
            d->in->cancelCallback();
            d->in->closePort();
        } catch (const RtMidiError&) {
        }
    }
}

bool MidiInput::available() const { return d->in != nullptr; }
std::string MidiInput::statusMessage() const { return d->message; }
std::vector<std::string> MidiInput::listInputs() { return d->lastList = d->ports(); }

Expected<bool> MidiInput::open(unsigned index) {
    if (!d->in) return Error{d->message};
    close();
    const auto names = d->ports();
    if (index >= names.size())
        return Error{"MIDI input " + std::to_string(index) + " does not exist (" + std::to_string(names.size()) +
                     " inputs)."};
    try {
        d->arrival.reset(); // no callback can run while no port is open
        d->in->openPort(index, "keyboard in");
    } catch (const RtMidiError& e) {
        return Error{"Could not open MIDI input \"" + names[index] + "\": " + e.getMessage()};
    }
    d->openName = names[index];
    d->lostName.clear();
    d->disconnected = false;
    d->message = "MIDI input: " + d->openName;
    return true;
}

Expected<bool> MidiInput::open(const std::string& portName) {
    const auto names = d->ports();
    auto it = std::find(names.begin(), names.end(), portName);
    if (it == names.end()) return Error{"MIDI input \"" + portName + "\" is not connected."};
    return open(unsigned(it - names.begin()));
}

void MidiInput::close() {
    if (d->in && d->in->isPortOpen()) {
        try {
            d->in->closePort();
        } catch (const RtMidiError&) {
        }
    }
    d->openName.clear();
}

bool MidiInput::isOpen() const { return !d->openName.empty(); }
std::string MidiInput::portName() const { return d->openName; }

void MidiInput::attach(AudioEngine* engine) { attach(engine ? &engine->transport() : nullptr); }

void MidiInput::attach(Transport* transport) { d->transport.store(transport, std::memory_order_release); }

void MidiInput::setThru(bool on) { d->thru.store(on); }

bool MidiInput::rescan() {
    auto names = d->ports();
    const bool changed = names != d->lastList;
    d->lastList = names;
    if (!d->openName.empty() && std::find(names.begin(), names.end(), d->openName) == names.end()) {
        const std::string gone = d->openName;
        d->drain();
        if (d->take) {
            d->take->closeHeld(d->nowSeconds());
            d->takeInterrupted = true;
        }
        close();
        d->lostName = gone;
        d->disconnected = true;
        d->message = "MIDI input \"" + gone + "\" was disconnected" +
                     (d->take ? std::string("; the take so far is kept.") : std::string("."));
        if (d->onDisconnect) d->onDisconnect(gone);
    } else if (d->openName.empty() && !d->lostName.empty() &&
               std::find(names.begin(), names.end(), d->lostName) != names.end()) {
        const std::string back = d->lostName;
        if (open(back)) d->message = "MIDI input \"" + back + "\" reconnected.";
    }
    return changed;
}

void MidiInput::setDisconnectCallback(std::function<void(const std::string&)> callback) {
    d->onDisconnect = std::move(callback);
}

bool MidiInput::wasDisconnected() const { return d->disconnected; }

void MidiInput::startRecording(const TempoMap& tempo) {
    d->recording.store(false);
    d->drain();
    d->take.emplace(tempo);
    d->takeInterrupted = false;
    d->recordStartNs.store(steadyClock().nowNs()); // the clock used when no transport is attached
    d->recording.store(true, std::memory_order_release);
}

bool MidiInput::isRecording() const { return d->recording.load(); }

RecordedTake MidiInput::drainRecorded() {
    d->drain();
    if (!d->take) return {};
    RecordedTake out = d->take->takeNew();
    out.interrupted = d->takeInterrupted;
    return out;
}

RecordedTake MidiInput::stopRecording() {
    const double end = d->nowSeconds();
    d->recording.store(false, std::memory_order_release);
    d->drain();
    if (!d->take) return {};
    RecordedTake out = d->take->finish(end);
    out.interrupted = d->takeInterrupted;
    d->take.reset();
    return out;
}

InputActivity MidiInput::activity() {
    d->drain();
    return d->take ? d->take->activity() : InputActivity{};
}

double MidiInput::nowSeconds() const { return d->nowSeconds(); }

std::uint64_t MidiInput::messagesReceived() const { return d->received.load(std::memory_order_acquire); }

} // namespace continuo::audio
