#pragma once
// A player at a virtual keyboard for the jam tests and benchmark: a JACK client of the test's
// own (JackTestClient) whose MIDI output is the window's MIDI input and whose frame counter is
// the engine's clock. Notes are held for a number of the server's frames, waited for on the
// server's clock rather than slept for; what the transport sounds is read from its event log.
#include "JackTestClient.h"
#include "MainWindowFixture.h"
#include "panels/TransportBar.h"
#include "playback/PlaybackController.h"
#include "services/ContinuationService.h"
#include "services/ThreadContinuationService.h"
#include "window/MainWindow.h"

#include "continuo/audio/SpscQueue.h"
#include "continuo/audio/Transport.h"
#include "continuo/core/MidiFile.h"

#include <QFile>
#include <QTextStream>

#include <QComboBox>
#include <QSignalSpy>
#include <QtTest>

#include <algorithm>
#include <memory>
#include <vector>

namespace continuo::test {

class JamPlayer {
public:
    explicit JamPlayer(JackTestClient& keys) : keys_(keys) {}

    /// Sends one message and waits until the server has written it; returns its frame.
    std::uint32_t send(unsigned char status, unsigned char data1, unsigned char data2) {
        const std::size_t before = keys_.sentFrames().size();
        if (!keys_.send({status, data1, data2})) return 0;
        if (!waitFor([&] { return keys_.sentFrames().size() > before; }, 5000)) return 0;
        return keys_.sentFrames().back();
    }
    /// Waits until the server's frame counter reaches `frame` (the UI keeps running).
    bool waitUntilFrame(std::uint32_t frame, int timeoutMs = 20000) {
        return waitFor([&] { return std::int32_t(keys_.frame() - frame) >= 0; }, timeoutMs);
    }
    /// Plays `notes` (pitch, velocity, start and end in seconds from now) at their times on
    /// the server's clock; returns the frame of the first note-on.
    struct Note {
        double start, end;
        int pitch, velocity;
    };
    std::uint32_t play(const std::vector<Note>& notes) {
        struct Message {
            double at;
            unsigned char status, data1, data2;
        };
        std::vector<Message> messages;
        for (const Note& n : notes) {
            messages.push_back({n.start, 0x90, (unsigned char)n.pitch, (unsigned char)n.velocity});
            messages.push_back({n.end, 0x80, (unsigned char)n.pitch, 0});
        }
        std::stable_sort(messages.begin(), messages.end(), [](const Message& a, const Message& b) {
            return a.at != b.at ? a.at < b.at : a.status < b.status; // releases first
        });
        const std::uint32_t origin = keys_.frame();
        std::uint32_t first = 0;
        for (const Message& m : messages) {
            if (!waitUntilFrame(origin + std::uint32_t(m.at * keys_.sampleRate()))) return 0;
            const std::uint32_t f = send(m.status, m.data1, m.data2);
            if (first == 0 && m.status == 0x90) first = f;
        }
        return first;
    }

    template <class Condition> static bool waitFor(Condition condition, int timeoutMs) {
        QElapsedTimer t;
        t.start();
        while (!condition()) {
            if (t.elapsed() > timeoutMs) return false;
            QCoreApplication::processEvents(QEventLoop::AllEvents, 1);
            QTest::qWait(1);
        }
        return true;
    }

private:
    JackTestClient& keys_;
};

/// The notes of the `index`-th validation performance of the shared MAESTRO data, in seconds,
/// sorted by onset (empty when the data is absent); its file name in `name`.
inline std::vector<JamPlayer::Note> performance(QString* name, int index = 0) {
    const QString root = QStringLiteral(CONTINUO_SHARED_DATA "/maestro-v2/");
    QFile csv(root + "maestro-v2.0.0-train-validation.csv");
    if (!csv.open(QIODevice::ReadOnly)) return {};
    QTextStream in(&csv);
    int seen = 0;
    while (!in.atEnd()) {
        const QStringList f = in.readLine().split(',');
        if (f.size() < 6 || f[f.size() - 4] != "validation") continue;
        if (seen++ < index) continue;
        auto midi = readMidiFile((root + f[f.size() - 2]).toStdString());
        if (!midi) continue;
        *name = f[f.size() - 2];
        std::vector<JamPlayer::Note> notes;
        const TempoMap& tempo = midi->sequence.tempo;
        for (const Track& t : midi->sequence.tracks)
            for (const Note& n : t.notes)
                notes.push_back({tempo.secondsAt(n.start), tempo.secondsAt(n.end()), n.pitch, n.velocity});
        std::sort(notes.begin(), notes.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
        return notes;
    }
    return {};
}

/// The phrase [from, from + seconds) of `notes`, moved to start at 0 and released by its end,
/// up to its first rest longer than `longestRest` seconds (every key up): a player who rests
/// longer than the answer gap has ended the call there, and is answered. Every note lasts at
/// least 10 ms, as a key does: a note-off at its own onset would reach the keyboard before the
/// note-on and leave the key down.
inline std::vector<JamPlayer::Note> phrase(const std::vector<JamPlayer::Note>& notes, double from, double seconds,
                                           double longestRest = 0.2) {
    std::vector<JamPlayer::Note> out;
    double lastUp = -1;
    for (auto n : notes)
        if (n.start >= from && n.start < from + seconds) {
            n.start -= from;
            n.end = std::max(std::min(n.end - from, seconds), n.start + 0.01);
            if (!out.empty() && n.start - lastUp > longestRest) break;
            lastUp = std::max(lastUp, n.end);
            out.push_back(n);
        }
    return out;
}

/// Everything the transport logged so far, appended to `into`.
inline void drainLog(audio::SpscQueue<audio::TransportEvent>& log, std::vector<audio::TransportEvent>& into) {
    audio::TransportEvent e;
    while (log.pop(e)) into.push_back(e);
}

/// Chooses the MIDI input of the JACK client `client` in `w`, with the engine on `clock`.
inline QString useKeyboard(ui::MainWindow& w, const QString& client, const audio::Clock* clock) {
    QString port;
    for (const QString& m : w.playback()->midiInputs())
        if (m.contains(client)) port = m;
    if (port.isEmpty()) return port;
    ui::AudioSetup s = w.playback()->setup();
    s.midiInput = port;
    s.clock = clock;
    w.applyAudioSetup(s);
    return port;
}

/// The bundled model on a real worker thread; true once it is loaded.
inline bool loadBundledModel(ui::ThreadContinuationService& service) {
    QSignalSpy loaded(&service, &ui::ContinuationService::modelLoaded);
    service.loadModel(ui::ThreadContinuationService::defaultModelPath());
    return loaded.wait(60000);
}

/// Why a jam test cannot run here (empty: it can): it needs the JACK fixture's server and the
/// inference engine. `test` is its CTest name, for the message.
inline QString jamPrerequisitesMissing(const char* test) {
    if (qEnvironmentVariableIsEmpty("JACK_DEFAULT_SERVER"))
        return QStringLiteral("JACK_DEFAULT_SERVER is not set: run it through CTest (ctest -R %1), whose fixture "
                              "starts a JACK dummy server")
            .arg(QLatin1String(test));
    if (!ui::ThreadContinuationService::available())
        return QStringLiteral("built without the inference engine: configure with -DCONTINUO_WITH_TORCH=ON (needs libtorch-dev)");
    return {};
}

/// The jam tests' set-up: a virtual keyboard (the JACK client `client`, also the engine's
/// clock), the window with the audio engine, the bundled model on a real worker thread, the
/// keyboard as its MIDI input, no count-in. `problem` says what failed (empty: ready).
struct JamRig {
    JackTestClient keyboard;
    std::unique_ptr<ui::MainWindow> window;
    audio::Transport* transport = nullptr;
    QString problem;

    JamRig(const ui::testutil::MainWindowFixture& fx, const char* client) : keyboard(client) {
        if (!keyboard.ok()) {
            problem = QStringLiteral("cannot open a JACK client on the fixture's server");
            return;
        }
        auto* service = new ui::ThreadContinuationService;
        window = fx.makeWindow({.service = service, .openAudio = true});
        if (!loadBundledModel(*service)) {
            problem = QStringLiteral("the bundled model did not load");
            return;
        }
        if (useKeyboard(*window, QLatin1String(client), &keyboard).isEmpty()) {
            problem = QStringLiteral("the window does not list the keyboard's MIDI port");
            return;
        }
        window->transportBar()->countInBox()->setCurrentIndex(0);
        transport = window->playback()->transport();
        if (!transport) problem = QStringLiteral("the audio engine did not open: ") + window->playback()->statusLine();
    }
};

/// The process's resident memory, in MB.
inline double residentMb() {
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly)) return 0;
    for (const QByteArray& line : status.readAll().split('\n'))
        if (line.startsWith("VmRSS:")) return line.mid(6).trimmed().split(' ').value(0).toDouble() / 1024.0;
    return 0;
}

} // namespace continuo::test
