#pragma once
// A piece laid out as the POP909 data set lays out its songs: three tracks named MELODY,
// BRIDGE and PIANO on channels 1..3, at 480 PPQ, the piano with its sustain pedal. Four
// bars of I-vi-IV-V in C at 96 BPM, 4/4 then 2/4 for the last bar. Made here, not copied.
#include "continuo/core/Sequence.h"

namespace continuo::test {

inline Sequence pop909Piece() {
    constexpr Tick Q = 480;
    Sequence s;
    s.ticksPerQuarter = int(Q);
    s.tempo = TempoMap(int(Q));
    s.tempo.setTempo(0, 625000); // 96 BPM
    s.timeSignatures = {{0, 4, 4}, {12 * Q, 2, 4}};
    auto note = [](int pitch, Tick start, Tick length, int velocity, int channel) {
        Note n;
        n.pitch = pitch;
        n.start = start;
        n.length = length;
        n.velocity = velocity;
        n.channel = channel;
        return n;
    };
    Track melody, bridge, piano;
    melody.name = "MELODY";
    melody.channel = 0;
    bridge.name = "BRIDGE";
    bridge.channel = 1;
    bridge.program = 48; // strings under the tune (POP909 itself is all piano)
    bridge.events.push_back({0, ChannelEvent::Kind::Program, 1, 48, 0});
    piano.name = "PIANO";
    piano.channel = 2;
    const int tune[] = {76, 74, 72, 74, 76, 76, 76, 77, 79, 77, 76, 74, 72, 74, 72, 71};
    for (int i = 0; i < 16; ++i) melody.notes.push_back(note(tune[i], i * Q, Q - 40, 90 - (i % 4) * 6, 0));
    const int roots[] = {48, 45, 41, 43};
    const int thirds[] = {4, 3, 4, 4};
    for (int bar = 0; bar < 4; ++bar) {
        const Tick at = bar * 4 * Q;
        const int r = roots[bar];
        bridge.notes.push_back(note(r + 12 + thirds[bar], at, 2 * Q - 20, 58, 1));
        bridge.notes.push_back(note(r + 19, at + 2 * Q, 2 * Q - 20, 54, 1));
        for (int i = 0; i < 4; ++i) {
            piano.notes.push_back(note(r - 12, at + i * Q, Q / 2, 64, 2));
            piano.notes.push_back(note(r + 7 + (i % 2) * 5, at + i * Q + Q / 2, Q / 2 - 20, 50, 2));
        }
        piano.events.push_back({at + 10, ChannelEvent::Kind::Controller, 2, kSustainController, 100});
        piano.events.push_back({at + 4 * Q - 30, ChannelEvent::Kind::Controller, 2, kSustainController, 0});
    }
    for (Track* t : {&melody, &bridge, &piano}) {
        t->sort();
        s.tracks.push_back(*t);
    }
    s.updateEndTick();
    return s;
}

} // namespace continuo::test
