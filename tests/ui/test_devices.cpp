// Audio and MIDI devices in the app, against a real JACK server (dummy driver) and a virtual
// MIDI keyboard (an RtMidi JACK client): the settings dialog lists JACK and its outputs,
// applying reopens the engine there, the next start opens the same devices, a device that is
// gone is remembered and named rather than silently replaced; and recording from the keyboard
// draws the notes while playing and commits them as one undo step, after the count-in bar.
// A MIDI output (a JACK client that listens, as an external synth would) is chosen in the
// dialog with "Play through: MIDI out", remembered, hears what the app plays, and when it is
// unplugged the app says so and falls back to the built-in synth.
// Timing is checked on the server's sample clock: the engine runs on its frame counter
// (JackTestClient), and the count-in on the transport's own sample count.
#include "JackTestClient.h"
#include "MainWindowFixture.h"
#include "document/Document.h"
#include "document/EditOperations.h"
#include "document/TakeCommands.h"
#include "panels/TransportBar.h"
#include "playback/PlaybackController.h"
#include "window/AudioSettingsDialog.h"
#include "window/MainWindow.h"

#include "continuo/audio/Transport.h"

#include <QAction>
#include <QComboBox>
#include <QSignalSpy>
#include <QSettings>
#include <QUndoStack>
#include <QtTest>

#include <RtMidi.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>

using namespace continuo::ui;

class TestDevices : public QObject {
    Q_OBJECT
    testutil::MainWindowFixture fx_; // settings in the test-mode folder, under "ContinuoTest"

    std::unique_ptr<MainWindow> makeWindow() { return fx_.makeWindow({.openAudio = true, .useSettings = true}); }

    /// Chooses the MIDI input of the JACK client `client` in `w`, and the engine's clock
    /// (nullptr: the steady clock); returns its port name (empty when the client is not listed).
    static QString useKeyboard(MainWindow& w, const QString& client, const continuo::audio::Clock* clock = nullptr) {
        QString port;
        for (const QString& m : w.playback()->midiInputs())
            if (m.contains(client)) port = m;
        if (port.isEmpty()) return port;
        AudioSetup s = w.playback()->setup();
        s.midiInput = port;
        s.clock = clock;
        w.applyAudioSetup(s);
        return port;
    }

private slots:
    void initTestCase() {
        if (qEnvironmentVariableIsEmpty("JACK_DEFAULT_SERVER"))
            QSKIP("JACK_DEFAULT_SERVER is not set: run it through CTest (ctest -R test_ui_devices), whose "
                  "fixture starts a JACK dummy server");
        QSettings().clear();
    }

    void chooseRememberAndLose() {
        // A MIDI keyboard: a JACK MIDI client with one output port.
        auto keyboard = std::make_unique<RtMidiOut>(RtMidi::UNIX_JACK, "continuo-test-keyboard");
        keyboard->openVirtualPort("keys");

        auto w = makeWindow();
        PlaybackController* playback = w->playback();
        QCOMPARE(playback->setup().system, QString("JACK")); // the server named in the environment
        w->action("audioSettings")->trigger();
        AudioSettingsDialog* d = w->audioSettings();
        QVERIFY(d);
        QVERIFY(d->isVisible());
        QVERIFY(d->systemBox()->findData("JACK") >= 0);
        d->systemBox()->setCurrentIndex(d->systemBox()->findData("JACK"));
        // "Default output" plus the server's own output.
        QVERIFY2(d->deviceBox()->count() >= 2, "JACK lists no output device");
        d->deviceBox()->setCurrentIndex(1);
        const QString device = d->deviceBox()->currentData().toString();
        QVERIFY(!device.isEmpty());
        int keys = -1;
        for (int i = 0; i < d->midiBox()->count(); ++i)
            if (d->midiBox()->itemData(i).toString().contains("keys")) keys = i;
        QVERIFY2(keys >= 0, "the virtual keyboard is not listed");
        d->midiBox()->setCurrentIndex(keys);
        const AudioSetup chosen = d->setup();
        d->accept();

        QCOMPARE(playback->setup(), chosen);
        QVERIFY2(playback->statusLine().contains(device), qPrintable(playback->statusLine()));
        QVERIFY2(playback->statusLine().startsWith("Jack"), qPrintable(playback->statusLine())); // RtAudio's label
        QVERIFY(playback->hasSound());
        QCOMPARE(playback->midiInputName(), chosen.midiInput);
        QSettings s;
        QCOMPARE(s.value("audio/system").toString(), QString("JACK"));
        QCOMPARE(s.value("audio/device").toString(), device);
        QCOMPARE(s.value("audio/midiInput").toString(), chosen.midiInput);

        // The next start opens the same devices.
        w.reset();
        w = makeWindow();
        QCOMPARE(w->playback()->setup(), chosen);
        QCOMPARE(w->playback()->midiInputName(), chosen.midiInput);
        QVERIFY(w->playback()->statusLine().contains(device));

        // The keyboard goes away: the choice is kept (it comes back when plugged in again) and
        // the dialog says it is not connected instead of quietly choosing something else.
        w.reset();
        keyboard.reset();
        w = makeWindow();
        QVERIFY(w->playback()->midiInputName().isEmpty());
        QCOMPARE(w->playback()->setup().midiInput, chosen.midiInput);
        w->action("audioSettings")->trigger();
        d = w->audioSettings();
        QVERIFY(d);
        QVERIFY2(d->midiBox()->currentText().contains("not connected"), qPrintable(d->midiBox()->currentText()));
        QCOMPARE(d->setup(), chosen);
        d->reject();

        // A device that does not exist: silent, with a message that names it.
        AudioSetup missing = chosen;
        missing.device = "no-such-output";
        missing.midiInput.clear();
        w->applyAudioSetup(missing);
        QVERIFY(!w->playback()->hasSound());
        QVERIFY2(w->playback()->statusLine().contains("no-such-output"), qPrintable(w->playback()->statusLine()));
        QCOMPARE(QSettings().value("audio/device").toString(), QString("no-such-output"));
    }

    void midiOutChosenHeardAndUnplugged() {
        // An external synth: a JACK MIDI client with one input port, counting the notes it hears.
        struct Heard {
            std::atomic<int> noteOns{0};
            static void on(double, std::vector<unsigned char>* b, void* self) {
                if (b && b->size() == 3 && ((*b)[0] & 0xF0) == 0x90 && (*b)[2] > 0)
                    static_cast<Heard*>(self)->noteOns.fetch_add(1);
            }
        } heard;
        auto synth = std::make_unique<RtMidiIn>(RtMidi::UNIX_JACK, "continuo-test-synth");
        synth->setCallback(&Heard::on, &heard);
        synth->openVirtualPort("midi in");

        auto w = makeWindow();
        PlaybackController* playback = w->playback();
        w->action("audioSettings")->trigger();
        AudioSettingsDialog* d = w->audioSettings();
        QVERIFY(d);
        QCOMPARE(d->midiOutBox()->itemData(0).toString(), QString()); // None
        QVERIFY(d->midiOutBox()->findData(PlaybackController::virtualMidiOutput()) >= 0);
        int port = -1;
        for (int i = 0; i < d->midiOutBox()->count(); ++i)
            if (d->midiOutBox()->itemData(i).toString().contains("continuo-test-synth")) port = i;
        QVERIFY2(port >= 0, "the external synth is not listed");
        d->midiOutBox()->setCurrentIndex(port);
        d->playThroughBox()->setCurrentIndex(d->playThroughBox()->findData("midi"));
        const AudioSetup chosen = d->setup();
        QCOMPARE(chosen.playThrough, PlayThrough::MidiOut);
        d->accept();
        QVERIFY(playback->midiOutActive());
        QCOMPARE(playback->midiOutputName(), chosen.midiOutput);
        QVERIFY2(playback->statusLine().contains("MIDI out"), qPrintable(playback->statusLine()));
        QCOMPARE(QSettings().value("audio/midiOutput").toString(), chosen.midiOutput);
        QCOMPARE(QSettings().value("audio/playThrough").toString(), QString("midi"));

        // What the app plays reaches it (a note previewed from the roll's keyboard).
        playback->previewNote(64, 100, true);
        QTRY_COMPARE(heard.noteOns.load(), 1);
        playback->previewNote(64, 0, false);

        // Unplugged: a message, the built-in synth plays, and the choice is remembered.
        QSignalSpy messages(playback, &PlaybackController::message);
        synth.reset();
        QTRY_VERIFY_WITH_TIMEOUT(!playback->midiOutActive(), 5000);
        QTRY_VERIFY(std::any_of(messages.begin(), messages.end(), [](const QList<QVariant>& m) {
            const QString text = m.front().toString();
            return text.contains("continuo-test-synth") && text.contains("disconnected") && text.contains("built-in synth");
        }));
        QVERIFY(!playback->statusLine().contains("MIDI out"));
        QCOMPARE(playback->setup().midiOutput, chosen.midiOutput);
        playback->previewNote(65, 100, true); // no crash without the device
        playback->previewNote(65, 0, false);

        // The virtual port instead: other programs connect to "<client>:Continuo".
        AudioSetup virt = chosen;
        virt.midiOutput = PlaybackController::virtualMidiOutput();
        w->applyAudioSetup(virt);
        QVERIFY(playback->midiOutActive());
        QCOMPARE(playback->midiOutputName(), PlaybackController::virtualMidiOutput());
        AudioSetup none = virt;
        none.midiOutput.clear();
        none.playThrough = PlayThrough::Synth;
        w->applyAudioSetup(none);
        QVERIFY(!playback->midiOutActive());
    }

    void recordFromKeyboard() {
        QSettings().clear();
        // The keyboard is a JACK client that reports the frame each message was written at;
        // it is also the engine's clock, so a note is stamped with the first frame of the
        // server cycle it arrived in.
        continuo::test::JackTestClient keyboard("continuo-test-player");
        QVERIFY2(keyboard.ok(), "cannot open a JACK client on the fixture's server");
        auto w = makeWindow();
        PlaybackController* playback = w->playback();
        const QString port = useKeyboard(*w, "continuo-test-player", &keyboard);
        QVERIFY2(!port.isEmpty(), qPrintable(playback->midiInputs().join(", ")));
        QCOMPARE(playback->midiInputName(), port);
        QVERIFY(playback->hasSound());
        w->transportBar()->countInBox()->setCurrentIndex(0); // straight in
        Document* doc = w->document();
        QVERIFY(doc->notes().empty());
        const int steps = doc->undoStack()->count();
        continuo::audio::Transport* transport = playback->transport();
        QVERIFY(transport);

        w->action("record")->trigger();
        QVERIFY(playback->isRecording());
        QTRY_VERIFY(playback->position() > continuo::kTicksPerQuarter / 4); // rolling
        // C, E, G, each held while the transport moves on, released, and drawn at once.
        const std::vector<int> pitches{60, 64, 67};
        for (std::size_t i = 0; i < pitches.size(); ++i) {
            const auto pitch = static_cast<unsigned char>(pitches[i]);
            QVERIFY(keyboard.send({0x90, pitch, 90}));
            QTRY_COMPARE(keyboard.sentFrames().size(), 2 * i + 1); // written in a server cycle
            const continuo::Tick afterOn = playback->position();
            QTRY_VERIFY(playback->position() > afterOn + continuo::kTicksPerQuarter / 4);
            QVERIFY(keyboard.send({0x80, pitch, 0}));
            QTRY_COMPARE(keyboard.sentFrames().size(), 2 * i + 2);
            QTRY_COMPARE(doc->view()->liveNotes().size(), i + 1); // visible while still recording
            QVERIFY(doc->notes().empty());
        }
        // Where the transport was at each message's frame, less the input latency compensation
        // (what a note played then must be stamped with), while the take still rolls.
        const std::vector<std::uint32_t> frames = keyboard.sentFrames();
        std::vector<continuo::Tick> expected;
        for (const std::uint32_t f : frames)
            expected.push_back(doc->tempo().tickAt(
                transport->transportSecondsAt(keyboard.framesToNs(f, keyboard.sampleRate()))));
        QVERIFY(playback->isRecording());
        w->action("record")->trigger(); // R again stops
        QVERIFY(!playback->isRecording());
        QVERIFY(doc->view()->liveNotes().empty());
        QCOMPARE(doc->notes().size(), pitches.size());
        for (std::size_t i = 0; i < pitches.size(); ++i) {
            const continuo::Note& n = doc->notes()[i];
            QCOMPARE(n.pitch, pitches[i]);
            QCOMPARE(n.velocity, 90);
            // Pressed and released at the frames the keyboard wrote them at.
            QCOMPARE(n.start, expected[2 * i]);
            QCOMPARE(n.end(), expected[2 * i + 1]);
            // The same on the server's frame counter alone: held for as many frames as the
            // keyboard held it (a tick of rounding at each end).
            const double held = double(frames[2 * i + 1] - frames[2 * i]) / keyboard.sampleRate();
            const auto heldTicks = doc->tempo().tickAt(held);
            QVERIFY2(std::abs(n.length - heldTicks) <= 1,
                     qPrintable(QString("note %1 lasts %2 ticks, held %3").arg(i).arg(n.length).arg(heldTicks)));
            if (i > 0) QVERIFY(n.start >= doc->notes()[i - 1].end()); // played one after another
        }
        // One undo step for the whole take.
        QCOMPARE(doc->undoStack()->count(), steps + 1);
        doc->undoStack()->undo();
        QVERIFY(doc->notes().empty());
        doc->undoStack()->redo();
        QCOMPARE(doc->notes().size(), pitches.size());
    }

    void countInDelaysTheRecording() {
        QSettings().clear();
        auto keyboard = std::make_unique<RtMidiOut>(RtMidi::UNIX_JACK, "continuo-test-counting");
        keyboard->openVirtualPort("keys");
        auto w = makeWindow();
        PlaybackController* playback = w->playback();
        QVERIFY(!useKeyboard(*w, "continuo-test-counting").isEmpty());
        continuo::audio::Transport* transport = playback->transport();
        QVERIFY(transport);
        Document* doc = w->document();
        doc->setBpm(240); // one 4/4 bar = 1 s
        continuo::Note downbeat;
        downbeat.pitch = 72;
        downbeat.start = 0;
        downbeat.length = continuo::kTicksPerQuarter;
        downbeat.velocity = 80;
        edit::addNotes(*doc, {downbeat}, "downbeat");
        w->transportBar()->countInBox()->setCurrentIndex(1); // one bar

        using continuo::audio::TransportEvent;
        auto log = std::make_unique<continuo::audio::SpscQueue<TransportEvent>>(1 << 12);
        std::vector<TransportEvent> events;
        auto drain = [&] {
            TransportEvent e;
            while (log->pop(e)) events.push_back(e);
        };
        auto find = [&](auto pred) { return std::find_if(events.begin(), events.end(), pred); };
        auto isDownbeat = [](const TransportEvent& e) {
            return e.kind == TransportEvent::Kind::Message && e.message.isNoteOn() && e.message.data1 == 72;
        };
        transport->setEventLog(log.get());
        w->action("record")->trigger();
        QVERIFY(playback->isRecording());
        QTRY_VERIFY_WITH_TIMEOUT((drain(), find(isDownbeat) != events.end()), 10000);
        w->action("record")->trigger();
        QVERIFY(!playback->isRecording());
        transport->setEventLog(nullptr);
        const std::uint64_t buffers = transport->buffersProcessed();
        QTRY_VERIFY(transport->buffersProcessed() > buffers + 1); // the audio thread let go of the log
        drain();

        // On the engine's sample clock: the take started a bar before the piece, and its first
        // note sounded exactly one bar of samples later, at the piece's start.
        const auto bar = std::int64_t(std::llround(doc->tempo().secondsAt(doc->ticksPerBar()) * transport->sampleRate()));
        const auto start = find([](const TransportEvent& e) { return e.kind == TransportEvent::Kind::Start; });
        QVERIFY(start != events.end());
        QCOMPARE(start->frame, -bar);
        const auto first = find(isDownbeat);
        QVERIFY(first != events.end());
        QCOMPARE(first->frame, std::int64_t(0));
        QCOMPARE(first->sample - start->sample, bar);
    }

    void switchTakesWhilePlaying() {
        QSettings().clear();
        auto w = makeWindow();
        PlaybackController* playback = w->playback();
        QVERIFY(playback->hasSound());
        Document* doc = w->document();
        constexpr continuo::Tick Q = continuo::kTicksPerQuarter;
        continuo::Note primer;
        primer.pitch = 60;
        primer.start = 0;
        primer.length = 4 * Q;
        primer.velocity = 80;
        edit::addNotes(*doc, {primer}, "primer");
        std::vector<Take> takes;
        for (int t = 0; t < 2; ++t) {
            Take take;
            take.id = doc->allocateTakeId();
            take.name = QString("Take %1").arg(t + 1);
            take.provenance.primerEnd = 4 * Q;
            for (int i = 0; i < 32; ++i) {
                continuo::Note n;
                n.id = doc->allocateNoteId();
                n.pitch = 64 + t * 3 + i % 5;
                n.start = 4 * Q + i * Q / 2;
                n.length = Q / 2;
                n.velocity = 70;
                take.notes.push_back(n);
            }
            takes.push_back(take);
        }
        doc->undoStack()->push(new AddTakesCommand(doc, takes));
        doc->view()->setCurrentTake(takes[0].id);
        w->action("auditionTake")->trigger();
        QVERIFY(playback->isPlaying());
        QTRY_VERIFY(playback->position() > Q / 2);
        // A/B: the other take, while playing, without stopping or going back.
        const continuo::Tick before = playback->position();
        w->action("nextTake")->trigger();
        QCOMPARE(doc->view()->currentTake(), takes[1].id);
        QVERIFY(playback->isPlaying());
        QTRY_VERIFY(playback->position() > before + Q / 4);
        QVERIFY(playback->isPlaying());
        w->action("previousTake")->trigger();
        QCOMPARE(doc->view()->currentTake(), takes[0].id);
        QVERIFY(playback->isPlaying());
        w->action("stop")->trigger();
        QVERIFY(!playback->isPlaying());
    }

    void switchTakesAtTheLoopBoundary() {
        QSettings().clear();
        auto w = makeWindow();
        PlaybackController* playback = w->playback();
        QVERIFY(playback->hasSound());
        continuo::audio::Transport* transport = playback->transport();
        QVERIFY(transport);
        Document* doc = w->document();
        constexpr continuo::Tick Q = continuo::kTicksPerQuarter;
        const continuo::Tick bar = doc->ticksPerBar();
        // Two takes filling a one-bar loop with eighths: A low (60..), B high (84..), both
        // starting at the loop start.
        std::vector<Take> takes;
        for (int t = 0; t < 2; ++t) {
            Take take;
            take.id = doc->allocateTakeId();
            take.name = QString(t == 0 ? "A" : "B");
            for (continuo::Tick at = 0, i = 0; at < bar; at += Q / 2, ++i) {
                continuo::Note n;
                n.id = doc->allocateNoteId();
                n.pitch = int((t == 0 ? 60 : 84) + i);
                n.start = at;
                n.length = Q / 2;
                n.velocity = 80;
                take.notes.push_back(n);
            }
            takes.push_back(take);
        }
        const int lastOfA = takes[0].notes.back().pitch;
        auto isA = [](const continuo::audio::MidiMessage& m) { return m.isNoteOn() && m.data1 < 80; };
        auto isB = [](const continuo::audio::MidiMessage& m) { return m.isNoteOn() && m.data1 >= 84; };
        doc->undoStack()->push(new AddTakesCommand(doc, takes));
        doc->view()->setLoop(0, bar);
        doc->view()->setLoopEnabled(true);
        doc->view()->setCurrentTake(takes[0].id);

        using continuo::audio::TransportEvent;
        auto log = std::make_unique<continuo::audio::SpscQueue<TransportEvent>>(1 << 15);
        std::vector<TransportEvent> events;
        auto drain = [&] {
            TransportEvent e;
            while (log->pop(e)) events.push_back(e);
        };
        transport->setEventLog(log.get());
        playback->locate(0);
        w->action("play")->trigger();
        QVERIFY(playback->isPlaying());
        // Mid-way through a pass of A, switch to B (the B key).
        QTRY_VERIFY(playback->position() > Q && playback->position() < bar - Q);
        const std::uint64_t switchesBefore = transport->loopSwitches();
        w->action("nextTake")->trigger();
        QCOMPARE(doc->view()->currentTake(), takes[1].id);
        QTRY_VERIFY_WITH_TIMEOUT(transport->loopSwitches() > switchesBefore, 10000);
        QTRY_VERIFY_WITH_TIMEOUT((drain(), std::any_of(events.begin(), events.end(), [&](const TransportEvent& e) {
                                     return e.kind == TransportEvent::Kind::Message && isB(e.message);
                                 })),
                                 10000);
        QVERIFY(playback->isPlaying()); // never stopped
        w->action("stop")->trigger();
        transport->setEventLog(nullptr);
        const std::uint64_t buffers = transport->buffersProcessed();
        QTRY_VERIFY(transport->buffersProcessed() > buffers + 1); // the audio thread let go of the log
        drain();

        // On the engine's sample clock: the switch happened at a loop wrap; up to it only A
        // played, through its last note of the pass; from it B, its first note at once.
        const auto sw = std::find_if(events.begin(), events.end(),
                                     [](const TransportEvent& e) { return e.kind == TransportEvent::Kind::LoopSwitch; });
        QVERIFY(sw != events.end());
        QVERIFY(sw != events.begin());
        QVERIFY((sw - 1)->kind == TransportEvent::Kind::LoopWrap);
        QCOMPARE((sw - 1)->sample, sw->sample);
        const std::int64_t wrapSample = sw->sample;
        const TransportEvent* lastA = nullptr;
        for (auto it = events.begin(); it != sw; ++it) {
            if (it->kind != TransportEvent::Kind::Message) continue;
            QVERIFY2(!isB(it->message), "B sounded before the loop boundary");
            if (isA(it->message)) lastA = &*it;
        }
        QVERIFY(lastA);
        QCOMPARE(int(lastA->message.data1), lastOfA); // A played to the end of its pass
        const auto firstB = std::find_if(sw, events.end(), [&](const TransportEvent& e) {
            return e.kind == TransportEvent::Kind::Message && isB(e.message);
        });
        QVERIFY(firstB != events.end());
        QCOMPARE(int(firstB->message.data1), 84); // B from its first note, at the loop start
        for (auto it = sw; it != firstB; ++it)
            QVERIFY2(!(it->kind == TransportEvent::Kind::Message && isA(it->message)), "A sounded after the switch");
        const double rate = transport->sampleRate();
        const std::int64_t loopStartFrame = 0;
        const std::int64_t eighth = std::llround(rate * doc->tempo().secondsAt(Q / 2));
        // The last A note began one eighth before the loop end; B's first note is at the loop
        // start of the next pass. The gap is what lies between them beyond that eighth.
        const std::int64_t gap = (firstB->sample - wrapSample) - (firstB->frame - loopStartFrame);
        const std::int64_t aToEnd = wrapSample - lastA->sample;
        qInfo("A/B at the loop boundary: A's last note %lld samples before the loop end (an eighth is %lld); "
              "B's first note %lld samples after it; gap %lld samples (period %u)",
              qlonglong(aToEnd), qlonglong(eighth), qlonglong(firstB->sample - wrapSample), qlonglong(gap),
              playback->bufferFrames());
        QVERIFY2(std::llabs(aToEnd - eighth) <= 1, qPrintable(QString("A's last note %1 samples before the end").arg(aToEnd)));
        QVERIFY2(std::llabs(gap) <= std::int64_t(std::max(1u, playback->bufferFrames())),
                 qPrintable(QString("gap of %1 samples").arg(gap)));
    }
};

QTEST_MAIN(TestDevices)
#include "test_devices.moc"
