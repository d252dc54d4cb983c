#pragma once
// A JACK client of the test's own, on the server the CTest fixture starts. It is two things:
// - a Clock (continuo/audio/Clock.h) that reads the server's frame counter: the first frame of
//   the current process cycle (jack_last_frame_time), the same for every client during one
//   cycle. Given to the engine (AudioOptions::clock), it makes the transport's anchor and the
//   MIDI input's timestamps frame numbers, so that timing is checked against the server's
//   sample clock rather than against when the test's threads happened to run;
// - a MIDI keyboard: send() queues a message, the next process cycle writes it at the cycle's
//   first frame and records which frame that was (sentFrame()). A port connected from it is
//   read in the same cycle (JACK runs a writer before its readers).
#include "continuo/audio/Clock.h"
#include "continuo/audio/SpscQueue.h"

#include <jack/jack.h>
#include <jack/midiport.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace continuo::test {

class JackTestClient final : public audio::Clock {
public:
    using Message = std::array<unsigned char, 3>;

    /// Opens and activates the client `name` with one MIDI output port, "keys", on the server
    /// named by JACK_DEFAULT_SERVER; ok() says whether that worked.
    explicit JackTestClient(const char* name) {
        client_ = jack_client_open(name, JackNoStartServer, nullptr);
        if (!client_) return;
        rate_ = double(jack_get_sample_rate(client_));
        port_ = jack_port_register(client_, "keys", JACK_DEFAULT_MIDI_TYPE, JackPortIsOutput, 0);
        jack_set_process_callback(client_, &JackTestClient::process, this);
        jack_set_xrun_callback(client_, &JackTestClient::xrun, this);
        active_ = port_ && jack_activate(client_) == 0;
    }
    ~JackTestClient() override {
        if (!client_) return;
        if (active_) jack_deactivate(client_);
        jack_client_close(client_);
    }
    JackTestClient(const JackTestClient&) = delete;
    JackTestClient& operator=(const JackTestClient&) = delete;

    bool ok() const { return active_; }
    double sampleRate() const { return rate_; }
    unsigned periodFrames() const { return unsigned(jack_get_buffer_size(client_)); }

    /// The first frame of the current cycle. JACK documents it for process callbacks; JACK 2
    /// reads the server's shared frame timer, so any thread sees the cycle in progress.
    std::uint32_t frame() const noexcept { return jack_last_frame_time(client_); }
    static std::int64_t framesToNs(std::int64_t frames, double rate) {
        return frames * 1'000'000'000 / std::int64_t(rate);
    }
    std::int64_t nowNs() const noexcept override { return framesToNs(frame(), rate_); }

    /// Drop-outs the server reported since the client opened (its xrun callback).
    int xruns() const { return xruns_.load(); }

    /// Queues a message for the next process cycle.
    bool send(const Message& message) { return pending_.push(message); }
    /// The cycle's first frame for every message written so far, in order (UI thread).
    const std::vector<std::uint32_t>& sentFrames() {
        std::uint32_t f = 0;
        while (written_.pop(f)) sent_.push_back(f);
        return sent_;
    }

private:
    static int xrun(void* self) {
        static_cast<JackTestClient*>(self)->xruns_.fetch_add(1);
        return 0;
    }
    static int process(jack_nframes_t frames, void* self) {
        auto* c = static_cast<JackTestClient*>(self);
        void* buffer = jack_port_get_buffer(c->port_, frames);
        jack_midi_clear_buffer(buffer);
        const std::uint32_t first = jack_last_frame_time(c->client_);
        Message m{};
        while (c->pending_.pop(m)) {
            if (jack_midi_event_write(buffer, 0, m.data(), m.size()) != 0) break;
            c->written_.push(first);
        }
        return 0;
    }

    jack_client_t* client_ = nullptr;
    jack_port_t* port_ = nullptr;
    bool active_ = false;
    std::atomic<int> xruns_{0};
    double rate_ = 48000.0; ///< the server's, once open
    audio::SpscQueue<Message> pending_{256};
    audio::SpscQueue<std::uint32_t> written_{256};
    std::vector<std::uint32_t> sent_;
};

} // namespace continuo::test
