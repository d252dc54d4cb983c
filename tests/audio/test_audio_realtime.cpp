// The audio callback is real-time safe: while dense music plays through JACK (with note
// previews, MIDI thru, snapshot swaps, loop and metronome, and MIDI out to a virtual port
// beside the synth, the route switched while playing), the audio thread must not
// allocate, free or take a lock. This binary interposes malloc/free, operator new/delete
// and pthread mutex calls, and counts those made while the engine's callback is running.
#include "continuo/audio/AudioEngine.h"
#include "continuo/audio/MidiOutput.h"
#include "continuo/audio/Transport.h"
#include "continuo/core/MidiFile.h"

#include <QDir>
#include <QtTest>

#include <atomic>
#include <cstdlib>
#include <dlfcn.h>
#include <execinfo.h>
#include <unistd.h>
#include <mutex>
#include <new>
#include <pthread.h>

namespace {
thread_local bool tInCallback = false;
std::atomic<long> gAllocations{0};
std::atomic<long> gLocks{0};

std::atomic<bool> gTraced{false};
void* gTrace[32];
int gTraceDepth = 0;

void noteAllocation() {
    if (!tInCallback) return;
    gAllocations.fetch_add(1, std::memory_order_relaxed);
    // Keep the first offender's call stack for the failure message (backtrace() into a
    // static buffer; symbols are resolved later, off the audio thread).
    if (!gTraced.exchange(true)) {
        tInCallback = false;
        gTraceDepth = backtrace(gTrace, 32);
        tInCallback = true;
    }
}

void probe(bool entering) { tInCallback = entering; }
} // namespace

// ---- allocation interposers (glibc exports the real ones as __libc_*)
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void __libc_free(void*);

void* malloc(size_t n) {
    noteAllocation();
    return __libc_malloc(n);
}
void* calloc(size_t n, size_t size) {
    noteAllocation();
    return __libc_calloc(n, size);
}
void* realloc(void* p, size_t n) {
    noteAllocation();
    return __libc_realloc(p, n);
}
void free(void* p) {
    if (p) noteAllocation();
    __libc_free(p);
}

// ---- lock interposers
using MutexFn = int (*)(pthread_mutex_t*);
int pthread_mutex_lock(pthread_mutex_t* m) {
    static MutexFn real = reinterpret_cast<MutexFn>(dlsym(RTLD_NEXT, "pthread_mutex_lock"));
    if (tInCallback) gLocks.fetch_add(1, std::memory_order_relaxed);
    return real(m);
}
int pthread_mutex_trylock(pthread_mutex_t* m) {
    static MutexFn real = reinterpret_cast<MutexFn>(dlsym(RTLD_NEXT, "pthread_mutex_trylock"));
    if (tInCallback) gLocks.fetch_add(1, std::memory_order_relaxed);
    return real(m);
}
}

void* operator new(std::size_t n) {
    noteAllocation();
    if (void* p = __libc_malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, std::size_t) noexcept { free(p); }
void operator delete[](void* p, std::size_t) noexcept { free(p); }

using namespace continuo;
using namespace continuo::audio;

namespace {

Sequence denseMusic() {
    const QString root = QString(CONTINUO_SHARED_DATA) + "/maestro-v2/2004";
    const QStringList files = QDir(root).entryList({"*.midi", "*.mid"}, QDir::Files, QDir::Name);
    if (!files.isEmpty())
        if (auto m = readMidiFile((root + "/" + files.front()).toStdString())) return m->sequence;
    // No MAESTRO: ten-note chords every eighth note with the pedal down.
    Sequence s;
    Track t;
    for (int i = 0; i < 400; ++i)
        for (int k = 0; k < 10; ++k) t.notes.push_back(Note{0, 36 + k * 5 + (i % 7), 60 + k * 4, Tick(i) * 480, 900, 0});
    t.events.push_back({0, ChannelEvent::Kind::Controller, 0, 64, 127});
    t.sort();
    s.tracks.push_back(t);
    s.updateEndTick();
    return s;
}

} // namespace

class TestAudioRealtime : public QObject {
    Q_OBJECT
private slots:
    void interposersWork() {
        // Positive controls: otherwise the real test could pass without seeing anything.
        void* warm[4];
        backtrace(warm, 4); // loads libgcc's unwinder now, not on the audio thread
        tInCallback = true;
        void* volatile p = std::malloc(16); // volatile: the pair must not be optimised away
        std::free(p);
        int* volatile q = new int(3);
        delete q;
        std::mutex m;
        m.lock();
        m.unlock();
        tInCallback = false;
        QVERIFY(gAllocations.load() >= 4);
        QVERIFY(gLocks.load() >= 1);
        gAllocations = 0;
        gLocks = 0;
        gTraced = false;
    }

    void callbackNeitherAllocatesNorLocks() {
        AudioEngine engine;
        auto sf = engine.setSoundFont(SoundFontSearch{});
        if (!sf)
            QSKIP(qPrintable("no General MIDI soundfont, so the synth path would not be exercised: " +
                             QString::fromStdString(sf.error())));
        AudioOptions o;
        o.api = AudioApi::Jack;
        o.connectOutputs = false;
        o.realtimeProbe = &probe;
        QVERIFY2(engine.open(o), engine.statusMessage().c_str());
        // MIDI out beside the synth: the callback only queues and posts the sender's semaphore.
        MidiOutput out(MidiOutputApi::Jack, "continuo-rt-out");
        auto opened = out.openVirtual();
        QVERIFY2(opened, opened.error().c_str());
        out.attach(&engine);
        engine.setPlayThrough(ToBoth);
        const Sequence music = denseMusic();
        engine.setSnapshot(music);
        engine.setMetronome(true);
        engine.locate(music.tempo.tickAt(30.0)); // well inside the piece
        engine.play();
        QTRY_VERIFY(engine.isPlaying());
        auto& thru = engine.transport().thruQueue();
        for (int round = 0; round < 20; ++round) {
            const std::uint64_t seen = engine.transport().buffersProcessed();
            engine.previewNoteOn(60 + round, 100);
            thru.push({0x90, std::uint8_t(40 + round), 90});
            thru.push({0xB0, 64, std::uint8_t(round % 2 ? 127 : 0)});
            if (round % 5 == 0) engine.setSnapshot(music); // swap snapshots while playing
            if (round == 10) engine.setLoop(music.tempo.tickAt(30.0), music.tempo.tickAt(30.2), true);
            if (round == 14) engine.setPlayThrough(ToMidiOut); // the synth leaves, then comes back
            if (round == 16) engine.setPlayThrough(ToBoth);
            QTRY_VERIFY(engine.transport().buffersProcessed() > seen + 20);
            engine.previewNoteOff(60 + round);
            thru.push({0x80, std::uint8_t(40 + round), 0});
            engine.poll();
        }
        engine.panic();
        QTRY_VERIFY(!engine.isPlaying());
        const std::uint64_t buffers = engine.transport().buffersProcessed();
        QTRY_VERIFY(out.messagesSent() > 100); // the MIDI out path did run
        out.attach(static_cast<Transport*>(nullptr));
        engine.close();
        qInfo("%llu callbacks checked", (unsigned long long)buffers);
        QVERIFY(buffers > 400);
        if (gTraced) backtrace_symbols_fd(gTrace, gTraceDepth, STDERR_FILENO);
        QCOMPARE(gAllocations.load(), 0L);
        QCOMPARE(gLocks.load(), 0L);
    }
};

QTEST_GUILESS_MAIN(TestAudioRealtime)
#include "test_audio_realtime.moc"
