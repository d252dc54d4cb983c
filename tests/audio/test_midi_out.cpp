// MIDI out through JACK: the engine plays a take with the route set to the MIDI output, and an
// RtMidi input client of the test's own, connected to the output's port, must receive every
// note-on and note-off with its pitch and velocity, in the order the transport sounded them.
// Also: a jam answer (the live part) reaches the port; panic sends all notes off, all sound
// off and sustain off on all 16 channels; a device port that vanishes mid-play, or a port
// closed mid-play, is reported and crashes nothing.
#include "continuo/audio/AudioEngine.h"
#include "continuo/audio/MidiOutput.h"
#include "continuo/audio/PlaybackSnapshot.h"
#include "continuo/audio/Transport.h"

#include <QtTest>

#include <RtMidi.h>

#include <array>
#include <mutex>

using namespace continuo;
using namespace continuo::audio;

namespace {

using Bytes = std::array<unsigned char, 3>;

/// A program that listens to MIDI: an RtMidi JACK input client, its messages kept in order.
class Listener {
public:
    explicit Listener(const std::string& client) : in_(RtMidi::UNIX_JACK, client) {
        in_.ignoreTypes(true, true, true);
        in_.setCallback(&Listener::onMessage, this);
    }
    ~Listener() { in_.cancelCallback(); }

    /// Connects to the output port whose name contains `fragment`; false when none does.
    bool connectTo(const std::string& fragment) {
        for (unsigned i = 0; i < in_.getPortCount(); ++i)
            if (in_.getPortName(i).find(fragment) != std::string::npos) {
                in_.openPort(i, "in");
                return true;
            }
        return false;
    }
    /// A port of its own that others connect to (a device, as far as MidiOutput can tell).
    void openVirtual(const std::string& name) { in_.openVirtualPort(name); }

    std::vector<Bytes> received() {
        std::lock_guard lock(mutex_);
        return messages_;
    }
    void clear() {
        std::lock_guard lock(mutex_);
        messages_.clear();
    }
    std::size_t count(int type) {
        std::lock_guard lock(mutex_);
        return std::size_t(std::count_if(messages_.begin(), messages_.end(), [&](const Bytes& b) { return kind(b) == type; }));
    }
    /// 0x90 for a note-on, 0x80 for a note-off (either form), else the status's type.
    static int kind(const Bytes& b) {
        const int type = b[0] & 0xF0;
        if (type == 0x90 && b[2] == 0) return 0x80;
        return type;
    }

private:
    static void onMessage(double, std::vector<unsigned char>* bytes, void* user) {
        auto* self = static_cast<Listener*>(user);
        if (!bytes || bytes->empty()) return;
        Bytes b{};
        for (std::size_t i = 0; i < std::min<std::size_t>(3, bytes->size()); ++i) b[i] = (*bytes)[i];
        std::lock_guard lock(self->mutex_);
        self->messages_.push_back(b);
    }

    RtMidiIn in_;
    std::mutex mutex_;
    std::vector<Bytes> messages_;
};

/// A take of chords and runs, 48 notes over ~1.5 s at 120 BPM, velocities all different.
Sequence take() {
    Sequence s;
    Track t;
    int velocity = 20;
    for (int i = 0; i < 16; ++i) {
        const Tick at = Tick(i) * 80; // 80 ticks at 480 PPQ: ~83 ms
        for (int k = 0; k < 3; ++k) t.notes.push_back(Note{0, 48 + i + k * 7, velocity++, at, 70 + k * 40, 0});
    }
    t.sort();
    s.tracks.push_back(t);
    s.updateEndTick();
    return s;
}

/// The note messages the transport sounds for `sequence`, in order.
std::vector<Bytes> notesOf(const Sequence& sequence) {
    std::vector<Bytes> out;
    const auto snapshot = PlaybackSnapshot::build(sequence);
    for (const auto& m : snapshot->messages()) {
        const Bytes b{m.message.status, m.message.data1, m.message.data2};
        if (Listener::kind(b) == 0x90 || Listener::kind(b) == 0x80) out.push_back(b);
    }
    return out;
}

std::vector<Bytes> notesIn(const std::vector<Bytes>& all) {
    std::vector<Bytes> out;
    for (const Bytes& b : all)
        if (Listener::kind(b) == 0x90 || Listener::kind(b) == 0x80) out.push_back(b);
    return out;
}

} // namespace

class TestMidiOut : public QObject {
    Q_OBJECT
    AudioEngine engine;

private slots:
    void initTestCase() {
        AudioOptions o;
        o.api = AudioApi::Jack;
        o.connectOutputs = false;
        QVERIFY2(engine.open(o), engine.statusMessage().c_str());
    }

    void cleanup() {
        engine.stop();
        engine.setPlayThrough(ToSynth);
        QTRY_VERIFY(!engine.isPlaying());
        // The route has changed (its releases are queued) before the next test's output attaches.
        const std::uint64_t buffers = engine.transport().buffersProcessed();
        QTRY_VERIFY(engine.transport().buffersProcessed() > buffers + 2);
    }

    void takeReachesTheVirtualPort() {
        MidiOutput out(MidiOutputApi::Jack, "continuo-out");
        QVERIFY2(out.available(), out.statusMessage().c_str());
        QVERIFY(out.canOpenVirtual());
        auto opened = out.openVirtual();
        QVERIFY2(opened, opened.error().c_str());
        QVERIFY(out.isVirtual());
        QCOMPARE(out.portName(), std::string("Continuo"));
        out.attach(&engine);
        Listener daw("continuo-daw");
        QTRY_VERIFY(daw.connectTo("continuo-out:Continuo"));

        const Sequence music = take();
        const std::vector<Bytes> expected = notesOf(music);
        QCOMPARE(expected.size(), std::size_t(96));
        engine.setPlayThrough(ToMidiOut);
        engine.setSnapshot(music);
        engine.locate(0);
        engine.play();
        QTRY_VERIFY_WITH_TIMEOUT(notesIn(daw.received()).size() >= expected.size(), 15000);
        QTRY_VERIFY(!engine.isPlaying()); // auto-stop at the end
        const std::vector<Bytes> got = notesIn(daw.received());
        QCOMPARE(got.size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            QCOMPARE(Listener::kind(got[i]), Listener::kind(expected[i]));
            QCOMPARE(int(got[i][1]), int(expected[i][1])); // pitch
            if (Listener::kind(got[i]) == 0x90) QCOMPARE(int(got[i][2]), int(expected[i][2])); // velocity
        }
        QVERIFY(out.messagesSent() >= expected.size());
        QCOMPARE(out.messagesDropped(), std::uint64_t(0));
    }

    void synthOnlySendsNothingOut() {
        MidiOutput out(MidiOutputApi::Jack, "continuo-out-quiet");
        QVERIFY(out.openVirtual());
        out.attach(&engine);
        Listener daw("continuo-daw-quiet");
        QTRY_VERIFY(daw.connectTo("continuo-out-quiet:Continuo"));
        engine.setPlayThrough(ToSynth);
        engine.setSnapshot(take());
        engine.locate(0);
        engine.play();
        QTRY_VERIFY(engine.isPlaying());
        QTRY_VERIFY_WITH_TIMEOUT(!engine.isPlaying(), 15000);
        const std::uint64_t buffers = engine.transport().buffersProcessed();
        QTRY_VERIFY(engine.transport().buffersProcessed() > buffers + 10);
        QCOMPARE(out.messagesSent(), std::uint64_t(0));
        QVERIFY(daw.received().empty());
    }

    void jamAnswerReachesThePort() {
        MidiOutput out(MidiOutputApi::Jack, "continuo-out-live");
        QVERIFY(out.openVirtual());
        out.attach(&engine);
        Listener daw("continuo-daw-live");
        QTRY_VERIFY(daw.connectTo("continuo-out-live:Continuo"));
        engine.setPlayThrough(ToBoth);
        Transport& t = engine.transport();
        const std::uint32_t answer = t.liveEndedAnswer() + t.liveCutAnswer() + 100;
        t.openLive(answer);
        const std::int64_t now = t.clock().nowNs();
        const std::int64_t ms = 1'000'000;
        QVERIFY(t.liveQueue().push({now + 20 * ms, answer, false, MidiMessage::noteOn(0, 70, 91)}));
        QVERIFY(t.liveQueue().push({now + 40 * ms, answer, false, MidiMessage::noteOn(0, 74, 92)}));
        QVERIFY(t.liveQueue().push({now + 60 * ms, answer, false, MidiMessage::noteOff(0, 70)}));
        QVERIFY(t.liveQueue().push({now + 80 * ms, answer, true, {}})); // the end releases 74
        QTRY_COMPARE(notesIn(daw.received()).size(), std::size_t(4));
        const std::vector<Bytes> got = notesIn(daw.received());
        QCOMPARE(got[0], (Bytes{0x90, 70, 91}));
        QCOMPARE(got[1], (Bytes{0x90, 74, 92}));
        QCOMPARE(Listener::kind(got[2]), 0x80);
        QCOMPARE(int(got[2][1]), 70);
        QCOMPARE(Listener::kind(got[3]), 0x80);
        QCOMPARE(int(got[3][1]), 74);
    }

    void panicSilencesEveryChannel() {
        MidiOutput out(MidiOutputApi::Jack, "continuo-out-panic");
        QVERIFY(out.openVirtual());
        out.attach(&engine);
        Listener daw("continuo-daw-panic");
        QTRY_VERIFY(daw.connectTo("continuo-out-panic:Continuo"));
        engine.setPlayThrough(ToMidiOut);
        engine.setSnapshot(take());
        engine.locate(0);
        engine.play();
        QTRY_VERIFY(daw.count(0x90) >= 3); // sounding
        daw.clear();
        engine.panic();
        // 16 channels × (sustain off, all notes off, all sound off).
        auto has = [&](int channel, int controller, int value) {
            const auto got = daw.received();
            return std::any_of(got.begin(), got.end(), [&](const Bytes& b) {
                return b[0] == (0xB0 | channel) && b[1] == controller && b[2] == value;
            });
        };
        QTRY_VERIFY(daw.count(0xB0) >= 48);
        for (int ch = 0; ch < 16; ++ch) {
            QVERIFY2(has(ch, 123, 0), qPrintable(QString("all notes off, channel %1").arg(ch + 1)));
            QVERIFY2(has(ch, 120, 0), qPrintable(QString("all sound off, channel %1").arg(ch + 1)));
            QVERIFY2(has(ch, 64, 0), qPrintable(QString("sustain off, channel %1").arg(ch + 1)));
        }
        QTRY_VERIFY(!engine.isPlaying());
        // Nothing sounds after the panic: no note-on follows its last message.
        const auto got = daw.received();
        std::size_t last = 0;
        for (std::size_t i = 0; i < got.size(); ++i)
            if (got[i][0] == 0xBF && got[i][1] == 120) last = i;
        for (std::size_t i = last; i < got.size(); ++i) QVERIFY(Listener::kind(got[i]) != 0x90);
    }

    void unpluggedDeviceIsReported() {
        auto device = std::make_unique<Listener>("continuo-synth-box");
        device->openVirtual("midi in");
        MidiOutput out(MidiOutputApi::Jack, "continuo-out-dev");
        std::string port;
        QTRY_VERIFY(([&] {
            for (const std::string& p : out.listOutputs())
                if (p.find("continuo-synth-box") != std::string::npos) port = p;
            return !port.empty();
        }()));
        auto opened = out.open(port);
        QVERIFY2(opened, opened.error().c_str());
        QVERIFY(!out.isVirtual());
        std::string told, why;
        out.setDisconnectCallback([&](const std::string& name, const std::string& message) {
            told = name;
            why = message;
        });
        out.attach(&engine);
        engine.setPlayThrough(ToMidiOut);
        const Sequence music = take();
        engine.setSnapshot(music); // looped, so that it is still playing when the cable goes
        engine.setLoop(0, music.endTick, true);
        engine.locate(0);
        engine.play();
        QTRY_VERIFY(device->count(0x90) >= 3);
        QVERIFY(!out.rescan()); // still there

        device.reset(); // unplugged, mid-play
        QTRY_VERIFY(([&] { out.rescan(); return out.wasDisconnected(); }()));
        QCOMPARE(told, port);
        QVERIFY2(QString::fromStdString(why).contains("disconnected"), why.c_str());
        QCOMPARE(out.statusMessage(), why);
        QVERIFY(!out.isOpen());
        // The transport plays on; what it still sends out is dropped, not a crash.
        const std::uint64_t dropped = out.messagesDropped();
        QTRY_VERIFY(out.messagesDropped() > dropped);
        QVERIFY(engine.isPlaying());
        engine.setLoop(0, 0, false);
    }

    void closedMidPlayIsHarmless() {
        MidiOutput out(MidiOutputApi::Jack, "continuo-out-close");
        QVERIFY(out.openVirtual());
        out.attach(&engine);
        Listener daw("continuo-daw-close");
        QTRY_VERIFY(daw.connectTo("continuo-out-close:Continuo"));
        engine.setPlayThrough(ToMidiOut);
        const Sequence music = take();
        engine.setSnapshot(music);
        engine.setLoop(0, music.endTick, true);
        engine.locate(0);
        engine.play();
        QTRY_VERIFY(daw.count(0x90) >= 3);
        out.close();
        QVERIFY(!out.isOpen());
        const std::uint64_t sent = out.messagesSent();
        const std::uint64_t dropped = out.messagesDropped();
        QTRY_VERIFY(out.messagesDropped() > dropped);
        QCOMPARE(out.messagesSent(), sent);
        QVERIFY(engine.isPlaying());
        // Reopened: it sends again.
        QVERIFY(out.openVirtual());
        QTRY_VERIFY(out.messagesSent() > sent);
        engine.setLoop(0, 0, false);
    }
};

QTEST_GUILESS_MAIN(TestMidiOut)
#include "test_midi_out.moc"
