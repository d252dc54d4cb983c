// Recording through JACK MIDI: an RtMidi virtual output port plays a known phrase (chord,
// sustain pedal, repeated notes) into MidiInput; the take must equal the phrase, each note and
// pedal at the time it was played. When it was played is a time on a clock the test moves
// itself, and the transport the take is placed on is one the test renders, buffer by buffer:
// the expected ticks are exact numbers, however late any thread runs.
#include "continuo/audio/AudioEngine.h"
#include "continuo/audio/Clock.h"
#include "continuo/audio/MidiInput.h"
#include "continuo/audio/Transport.h"

#include <QtTest>

#include <RtMidi.h>

#include <atomic>

using namespace continuo;
using namespace continuo::audio;

namespace {

/// A clock that moves only when the test moves it.
class ManualClock final : public Clock {
public:
    std::int64_t nowNs() const noexcept override { return ns_.load(std::memory_order_acquire); }
    void set(std::int64_t ns) { ns_.store(ns, std::memory_order_release); }

private:
    std::atomic<std::int64_t> ns_{0};
};

constexpr double kRate = 48000.0;
constexpr int kPeriod = 64;
constexpr int kLatencyFrames = 192; ///< input latency compensation: three periods

/// The manual clock's time at a frame of the test's transport (frame 0 at 0 ns).
std::int64_t nsAt(std::int64_t frame) { return frame * 1'000'000'000 / std::int64_t(kRate); }

struct Sent {
    int atMs; ///< after the phrase's first frame
    std::vector<unsigned char> bytes;
};

std::unique_ptr<RtMidiOut> virtualKeyboard(const std::string& client) {
    auto out = std::make_unique<RtMidiOut>(RtMidi::UNIX_JACK, client);
    out->openVirtualPort("out");
    return out;
}

int findPort(MidiInput& in, const std::string& client) {
    const auto ports = in.listInputs();
    for (std::size_t i = 0; i < ports.size(); ++i)
        if (ports[i].find(client) != std::string::npos) return int(i);
    return -1;
}

/// A transport rendered by the test, a period at a time, each buffer stamped on the manual
/// clock at its first frame, as an audio callback would.
struct HandDrivenTransport {
    ManualClock clock;
    Transport transport{kRate};
    std::vector<float> buffer = std::vector<float>(2 * kPeriod);
    std::int64_t rendered = 0;

    HandDrivenTransport() {
        transport.setClock(clock);
        transport.setInputLatencyCompensation(kLatencyFrames / kRate);
    }
    /// Renders up to the period holding `frame` and sets the clock to it: what is played now
    /// was played at `frame`, from the anchor of that period's first frame.
    void moveTo(std::int64_t frame) {
        while (rendered <= frame) {
            transport.process(buffer.data(), kPeriod, nsAt(rendered));
            rendered += kPeriod;
        }
        clock.set(nsAt(frame));
    }
};

} // namespace

class TestMidiRecord : public QObject {
    Q_OBJECT
    AudioEngine engine;

private slots:
    void initTestCase() {
        AudioOptions o;
        o.api = AudioApi::Jack;
        o.connectOutputs = false;
        QVERIFY2(engine.open(o), engine.statusMessage().c_str());
        engine.setSoundFont(SoundFontSearch{}); // thru is heard when a soundfont exists
    }

    void recordsThePhraseAtTheTimesPlayed() {
        const std::string client = "continuo-keys";
        auto keys = virtualKeyboard(client);
        HandDrivenTransport hand; // outlives the input attached to it
        MidiInput in(MidiInputApi::Jack, "continuo-rec");
        QVERIFY2(in.available(), in.statusMessage().c_str());
        int port = -1;
        QTRY_VERIFY((port = findPort(in, client)) >= 0);
        auto opened = in.open(unsigned(port));
        QVERIFY2(opened, opened.error().c_str());
        in.attach(&hand.transport);
        in.setThru(true);
        QVERIFY(hand.transport.post({TransportCommand::Type::Record, 0, 0, false, {}}));
        hand.moveTo(0);
        QVERIFY(hand.transport.isRecording());
        in.startRecording(TempoMap{});

        const std::vector<Sent> phrase = {
            {0, {0x90, 60, 80}},    {0, {0x90, 64, 90}},    {0, {0x90, 67, 100}}, // C major
            {100, {0xB0, 64, 127}},                                                  // pedal down
            {300, {0x80, 60, 0}},   {300, {0x80, 64, 0}},   {300, {0x90, 67, 0}},
            {400, {0x90, 72, 50}},  {450, {0x80, 72, 0}},                            // repeated C5
            {500, {0x90, 72, 70}},  {550, {0x80, 72, 0}},
            {600, {0x90, 72, 90}},  {650, {0x80, 72, 0}},
            {800, {0xB0, 64, 0}},                                                    // pedal up
            {900, {0x90, 48, 64}},  {1100, {0x80, 48, 0}},
        };
        // Off the period grid, so that stamps between two buffer starts are checked too.
        const std::int64_t first = 12'345;
        auto frameOf = [&](std::size_t i) { return first + std::int64_t(phrase[i].atMs) * 48; };
        for (std::size_t i = 0; i < phrase.size(); ++i) {
            hand.moveTo(frameOf(i));
            keys->sendMessage(&phrase[i].bytes);
            // Handled (stamped) before the clock may move on.
            QTRY_COMPARE(in.messagesReceived(), std::uint64_t(i + 1));
        }
        const RecordedTake take = in.stopRecording();
        QVERIFY(!take.interrupted);

        // Each message lands where the transport was at its frame, less the latency compensation.
        const TempoMap tempo;
        auto tickOf = [&](std::size_t i) { return tempo.tickAt(double(frameOf(i) - kLatencyFrames) / kRate); };
        struct Expect {
            int pitch, velocity;
            std::size_t sentIndex, releasedIndex;
        };
        const std::vector<Expect> expected = {{60, 80, 0, 4},   {64, 90, 1, 5},   {67, 100, 2, 6},
                                              {72, 50, 7, 8},   {72, 70, 9, 10},  {72, 90, 11, 12},
                                              {48, 64, 14, 15}};
        QCOMPARE(take.notes.size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            const Note& n = take.notes[i];
            QCOMPARE(n.pitch, expected[i].pitch);
            QCOMPARE(n.velocity, expected[i].velocity);
            QCOMPARE(n.start, tickOf(expected[i].sentIndex));
            // Held as played: the pedal does not lengthen a note.
            QCOMPARE(n.end(), tickOf(expected[i].releasedIndex));
        }
        QCOMPARE(take.events.size(), std::size_t(2));
        QCOMPARE(take.events[0].number, kSustainController);
        QCOMPARE(take.events[0].value, 127);
        QCOMPARE(take.events[0].tick, tickOf(3));
        QCOMPARE(take.events[1].value, 0);
        QCOMPARE(take.events[1].tick, tickOf(13));
    }

    void unpluggedKeyboardKeepsTheTake() {
        const std::string client = "continuo-unplug";
        auto keys = virtualKeyboard(client);
        MidiInput in(MidiInputApi::Jack, "continuo-rec2");
        int port = -1;
        QTRY_VERIFY((port = findPort(in, client)) >= 0);
        QVERIFY(in.open(unsigned(port)));
        QString told;
        in.setDisconnectCallback([&](const std::string& name) { told = QString::fromStdString(name); });
        in.attach(&engine);
        engine.record();
        in.startRecording();
        const std::vector<unsigned char> a{0x90, 62, 77}, aOff{0x80, 62, 0}, b{0x90, 65, 88};
        keys->sendMessage(&a);
        keys->sendMessage(&aOff);
        keys->sendMessage(&b); // still held when the cable goes
        QTRY_COMPARE(in.messagesReceived(), std::uint64_t(3));
        keys.reset(); // unplugged
        QTRY_VERIFY(([&] { in.rescan(); return in.wasDisconnected(); }()));
        QVERIFY(told.contains(QString::fromStdString(client)));
        QVERIFY(QString::fromStdString(in.statusMessage()).contains("take so far is kept"));
        const RecordedTake take = in.stopRecording();
        engine.stop();
        QVERIFY(take.interrupted);
        QCOMPARE(take.notes.size(), std::size_t(2));
        QCOMPARE(take.notes[0].pitch, 62);
        QCOMPARE(take.notes[1].pitch, 65);
        QCOMPARE(take.notes[1].velocity, 88);
        QVERIFY(!in.isOpen());

        // Plugged in again under the same name: reopened by the next rescan.
        keys = virtualKeyboard(client);
        QTRY_VERIFY(([&] { in.rescan(); return in.isOpen(); }()));
    }

    void noServerMeansNoInputsNotACrash() {
        const QByteArray server = qgetenv("JACK_DEFAULT_SERVER");
        qputenv("JACK_DEFAULT_SERVER", "continuo-no-such-server");
        MidiInput in(MidiInputApi::Jack, "continuo-none");
        const auto ports = in.listInputs();
        qputenv("JACK_DEFAULT_SERVER", server);
        QVERIFY(ports.empty());
        QVERIFY(!in.open(0u));
    }
};

QTEST_GUILESS_MAIN(TestMidiRecord)
#include "test_midi_record.moc"
