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

#include <QComboBox>
#include <QSignalSpy>
#include <QtTest>

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

} // namespace continuo::test
