#include "continuo/audio/AudioEngine.h"

#include "SilentClock.h"
#include "continuo/audio/PlaybackSnapshot.h"
#include "continuo/audio/Synth.h"
#include "continuo/audio/Transport.h"

#include <RtAudio.h>

#include <thread>

namespace continuo::audio {

namespace {

using SteadyTime = std::chrono::steady_clock;

RtAudio::Api toRtApi(AudioApi api) {
    switch (api) {
    case AudioApi::Jack: return RtAudio::UNIX_JACK;
    case AudioApi::Pulse: return RtAudio::LINUX_PULSE;
    case AudioApi::Alsa: return RtAudio::LINUX_ALSA;
    case AudioApi::Default: break;
    }
    return RtAudio::UNSPECIFIED;
}

// RtAudio reports stream errors through a callback without user data; device loss is
// detected from the callback heartbeat instead, so this only keeps RtAudio from printing.
void ignoreRtAudioError(RtAudioError::Type, const std::string&) {}

} // namespace

struct AudioEngine::Impl {
    Transport transport;
    std::unique_ptr<RtAudio> rt;
    std::unique_ptr<SilentClock> silentClock;
    EngineStatus status = EngineStatus::Closed;
    std::string message = "Audio not opened yet.";
    std::string apiLabel;
    std::string soundFontPath;
    std::string soundFontError;
    double synthRate = 0.0; ///< rate of the synth last handed to the transport
    unsigned frames = 256;
    void (*probe)(bool) = nullptr;
    const Clock* clock = &steadyClock(); ///< what the callback stamps buffers with
    std::uint64_t lastHeartbeat = 0;
    SteadyTime::time_point lastHeartbeatTime{};

    static int callback(void* out, void*, unsigned int frames, double, RtAudioStreamStatus, void* user) {
        auto* self = static_cast<Impl*>(user);
        if (self->probe) self->probe(true);
        self->transport.process(static_cast<float*>(out), int(frames), self->clock->nowNs());
        if (self->probe) self->probe(false);
        return 0;
    }

    Expected<std::string> loadSynth(const std::string& path, double rate) {
        SynthSettings settings;
        settings.sampleRate = rate;
        settings.soundFont = path;
        auto synth = Synth::create(settings);
        if (!synth) return Error{synth.error()};
        transport.setSynth(std::move(synth.value()));
        synthRate = rate;
        soundFontPath = path;
        soundFontError.clear();
        return path;
    }

    void goSilent(std::string why) {
        silentClock.reset();
        clock = &steadyClock(); // the silent clock stamps its buffers with it
        transport.setClock(*clock);
        transport.prepare(48000.0);
        transport.setInputLatencyCompensation(0.0);
        frames = 256;
        silentClock = std::make_unique<SilentClock>(transport, int(frames));
        status = EngineStatus::Silent;
        message = std::move(why);
    }

    void releaseDeadStream() {
        // RtAudio's JACK backend closes a stream whose server died from a thread of its own;
        // give it a moment, and if it is still busy leave the object alone rather than race it.
        const auto deadline = SteadyTime::now() + std::chrono::seconds(1);
        while (rt->isStreamOpen() && SteadyTime::now() < deadline) std::this_thread::yield();
        if (rt->isStreamOpen()) (void)rt.release(); // deliberately leaked: safer than a race
        rt.reset();
    }
};

AudioEngine::AudioEngine() : d(std::make_unique<Impl>()) {}

AudioEngine::~AudioEngine() { close(); }

std::vector<AudioApi> AudioEngine::availableApis() {
    std::vector<RtAudio::Api> compiled;
    RtAudio::getCompiledApi(compiled);
    std::vector<AudioApi> out;
    for (AudioApi a : {AudioApi::Jack, AudioApi::Pulse, AudioApi::Alsa})
        for (RtAudio::Api c : compiled)
            if (c == toRtApi(a)) out.push_back(a);
    return out;
}

std::string AudioEngine::apiName(AudioApi api) {
    switch (api) {
    case AudioApi::Jack: return "JACK";
    case AudioApi::Pulse: return "PulseAudio";
    case AudioApi::Alsa: return "ALSA";
    case AudioApi::Default: break;
    }
    return "Default";
}

std::vector<AudioDevice> AudioEngine::listOutputDevices(AudioApi api) {
    std::vector<AudioDevice> out;
    try {
        RtAudio rt(toRtApi(api));
        rt.showWarnings(false);
        const unsigned count = rt.getDeviceCount();
        for (unsigned i = 0; i < count; ++i) {
            RtAudio::DeviceInfo info = rt.getDeviceInfo(i);
            if (!info.probed || info.outputChannels == 0) continue;
            out.push_back({i, info.name, info.outputChannels, info.sampleRates, info.preferredSampleRate,
                           info.isDefaultOutput});
        }
    } catch (const RtAudioError&) {
        // No server or no driver: no devices.
    }
    return out;
}

Expected<std::string> AudioEngine::setSoundFont(const SoundFontSearch& search) {
    auto path = SoundFontLocator::locate(search);
    if (!path) {
        d->soundFontError = path.error();
        return Error{path.error()};
    }
    return setSoundFont(path.value());
}

Expected<std::string> AudioEngine::setSoundFont(const std::string& path) {
    auto result = d->loadSynth(path, d->transport.sampleRate());
    if (!result) d->soundFontError = result.error();
    return result;
}

bool AudioEngine::hasSoundFont() const { return !d->soundFontPath.empty(); }
std::string AudioEngine::soundFontPath() const { return d->soundFontPath; }

bool AudioEngine::open(const AudioOptions& options) {
    close();
    d->probe = options.realtimeProbe;
    const std::string label = apiName(options.api);
    try {
        d->rt = std::make_unique<RtAudio>(toRtApi(options.api));
        d->rt->showWarnings(false);
        if (d->rt->getCurrentApi() == RtAudio::RTAUDIO_DUMMY) {
            d->rt.reset();
            d->goSilent("No audio support compiled into RtAudio: running silently.");
            return false;
        }
        d->apiLabel = RtAudio::getApiDisplayName(d->rt->getCurrentApi());
        const unsigned count = d->rt->getDeviceCount();
        int device = -1;
        RtAudio::DeviceInfo info;
        for (unsigned i = 0; i < count; ++i) {
            RtAudio::DeviceInfo candidate = d->rt->getDeviceInfo(i);
            if (!candidate.probed || candidate.outputChannels < 1) continue;
            const bool wanted = options.deviceName.empty() ? (device < 0 || candidate.isDefaultOutput)
                                                           : candidate.name == options.deviceName;
            if (wanted) {
                device = int(i);
                info = candidate;
                if (!options.deviceName.empty() || candidate.isDefaultOutput) break;
            }
        }
        if (device < 0) {
            d->rt.reset();
            std::string why = options.deviceName.empty()
                                  ? "No audio output found (" + d->apiLabel + "): is the audio server running?"
                                  : "Audio output \"" + options.deviceName + "\" not found (" + d->apiLabel + ").";
            d->goSilent(why + " Running silently; everything else works.");
            return false;
        }
        unsigned rate = options.sampleRate ? options.sampleRate : info.preferredSampleRate;
        bool supported = info.sampleRates.empty();
        for (unsigned r : info.sampleRates) supported = supported || r == rate;
        if (!supported || rate == 0) rate = info.preferredSampleRate ? info.preferredSampleRate : 48000;

        RtAudio::StreamParameters params;
        params.deviceId = unsigned(device);
        params.nChannels = 2;
        params.firstChannel = 0;
        RtAudio::StreamOptions streamOptions;
        streamOptions.flags = RTAUDIO_MINIMIZE_LATENCY | RTAUDIO_SCHEDULE_REALTIME;
        if (!options.connectOutputs) streamOptions.flags |= RTAUDIO_JACK_DONT_CONNECT;
        streamOptions.streamName = options.clientName;
        unsigned frames = options.bufferFrames ? options.bufferFrames : 256;
        d->transport.prepare(double(rate));
        d->rt->openStream(&params, nullptr, RTAUDIO_FLOAT32, rate, &frames, &Impl::callback, d.get(),
                          &streamOptions, &ignoreRtAudioError);
        const double actual = double(d->rt->getStreamSampleRate());
        if (actual > 0 && actual != double(rate)) d->transport.prepare(actual);
        d->frames = frames;
        const double sr = d->transport.sampleRate();
        if (!d->soundFontPath.empty() && d->synthRate != sr) (void)d->loadSynth(d->soundFontPath, sr);
        const long latency = d->rt->getStreamLatency();
        d->transport.setInputLatencyCompensation(double(latency > 0 ? latency : long(frames)) / sr);
        d->clock = options.clock ? options.clock : &steadyClock();
        d->transport.setClock(*d->clock);
        d->rt->startStream();
        d->lastHeartbeat = d->transport.buffersProcessed();
        d->lastHeartbeatTime = SteadyTime::now();
        d->status = EngineStatus::Running;
        d->message = d->apiLabel + ": " + info.name + ", " + std::to_string(int(sr)) + " Hz, " +
                     std::to_string(frames) + " frames" +
                     (d->soundFontPath.empty() ? " (no soundfont: silent)" : "");
        return true;
    } catch (const RtAudioError& e) {
        if (d->rt) {
            try {
                if (d->rt->isStreamOpen()) d->rt->closeStream();
            } catch (const RtAudioError&) {
            }
            d->rt.reset();
        }
        d->goSilent("Audio output (" + label + ") could not be opened: " + e.getMessage() +
                    " Running silently; everything else works.");
        return false;
    }
}

void AudioEngine::close() {
    d->silentClock.reset();
    if (d->rt) {
        try {
            if (d->rt->isStreamRunning()) d->rt->stopStream();
            if (d->rt->isStreamOpen()) d->rt->closeStream();
        } catch (const RtAudioError&) {
        }
        d->rt.reset();
    }
    // A clock given with the options need not outlive the device; MIDI input still attached
    // stamps on the steady clock from now on.
    d->clock = &steadyClock();
    d->transport.setClock(*d->clock);
    d->transport.collect();
    if (d->status != EngineStatus::Closed) d->message = "Audio closed.";
    d->status = EngineStatus::Closed;
}

EngineStatus AudioEngine::status() const { return d->status; }

std::string AudioEngine::statusMessage() const {
    if (!d->soundFontError.empty()) return d->message + " — " + d->soundFontError;
    return d->message;
}

double AudioEngine::sampleRate() const { return d->transport.sampleRate(); }
unsigned AudioEngine::bufferFrames() const { return d->frames; }

bool AudioEngine::poll() {
    d->transport.collect();
    if (d->status != EngineStatus::Running) return false;
    const std::uint64_t beat = d->transport.buffersProcessed();
    const auto now = SteadyTime::now();
    if (beat != d->lastHeartbeat) {
        d->lastHeartbeat = beat;
        d->lastHeartbeatTime = now;
        return false;
    }
    if (now - d->lastHeartbeatTime < std::chrono::milliseconds(1000)) return false;
    // No callback for a second: the server or device is gone. The transport state is intact;
    // stop playback and carry on with the silent clock.
    d->releaseDeadStream();
    TransportCommand stop;
    stop.type = TransportCommand::Type::Stop;
    d->transport.post(stop);
    d->goSilent("The audio output (" + d->apiLabel +
                ") stopped responding: playback stopped, nothing was lost. Running silently; reopen "
                "the audio device in the settings.");
    return true;
}

void AudioEngine::setSnapshot(const Sequence& sequence) { setSnapshot(PlaybackSnapshot::build(sequence)); }

void AudioEngine::setSnapshot(const std::vector<Track>& tracks, const TempoMap& tempo,
                              const std::vector<TimeSignature>& signatures, Tick endTick) {
    setSnapshot(PlaybackSnapshot::build(tracks, tempo, signatures, endTick));
}

void AudioEngine::setSnapshotAtLoop(const Sequence& sequence) {
    d->transport.setSnapshotAtLoop(PlaybackSnapshot::build(sequence));
}

void AudioEngine::setSnapshot(std::unique_ptr<PlaybackSnapshot> snapshot) {
    d->transport.setSnapshot(std::move(snapshot));
}

namespace {
TransportCommand command(TransportCommand::Type type, Tick a = 0, Tick b = 0, bool flag = false) {
    TransportCommand c;
    c.type = type;
    c.a = a;
    c.b = b;
    c.flag = flag;
    return c;
}
} // namespace

using Cmd = TransportCommand::Type;
void AudioEngine::play() { d->transport.post(command(Cmd::Play)); }
void AudioEngine::record() { d->transport.post(command(Cmd::Record)); }
void AudioEngine::stop() { d->transport.post(command(Cmd::Stop)); }
void AudioEngine::locate(Tick tick) { d->transport.post(command(Cmd::Locate, tick)); }
void AudioEngine::setLoop(Tick start, Tick end, bool enabled) {
    d->transport.post(command(Cmd::SetLoop, start, end, enabled));
}
void AudioEngine::setMetronome(bool on) { d->transport.post(command(Cmd::Metronome, 0, 0, on)); }
void AudioEngine::setCountInBars(int bars) { d->transport.post(command(Cmd::CountIn, bars)); }
void AudioEngine::setAutoStop(bool on) { d->transport.post(command(Cmd::AutoStop, 0, 0, on)); }
void AudioEngine::panic() { d->transport.post(command(Cmd::Panic)); }
void AudioEngine::setPlayThrough(int playThrough) { d->transport.post(command(Cmd::Route, playThrough & ToBoth)); }

void AudioEngine::previewNoteOn(int pitch, int velocity, int channel) {
    TransportCommand c = command(Cmd::Midi);
    c.midi = MidiMessage::noteOn(channel, pitch, velocity);
    d->transport.post(c);
}

void AudioEngine::previewNoteOff(int pitch, int channel) {
    TransportCommand c = command(Cmd::Midi);
    c.midi = MidiMessage::noteOff(channel, pitch);
    d->transport.post(c);
}

Tick AudioEngine::positionTick() const { return d->transport.positionTick(); }
bool AudioEngine::isPlaying() const { return d->transport.isPlaying(); }
bool AudioEngine::isRecording() const { return d->transport.isRecording(); }


Transport& AudioEngine::transport() { return d->transport; }

} // namespace continuo::audio
