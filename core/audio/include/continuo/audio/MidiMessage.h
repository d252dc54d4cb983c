#pragma once
// A short (channel voice) MIDI message as it travels through the engine's queues.
#include <cstdint>

namespace continuo::audio {

struct MidiMessage {
    std::uint8_t status = 0; ///< 0x80..0xEF (channel in the low nibble)
    std::uint8_t data1 = 0;
    std::uint8_t data2 = 0;

    int type() const { return status & 0xF0; }
    int channel() const { return status & 0x0F; }
    bool isNoteOn() const { return type() == 0x90 && data2 > 0; }
    bool isNoteOff() const { return type() == 0x80 || (type() == 0x90 && data2 == 0); }

    static MidiMessage noteOn(int channel, int pitch, int velocity) {
        return {std::uint8_t(0x90 | (channel & 15)), std::uint8_t(pitch & 127), std::uint8_t(velocity & 127)};
    }
    static MidiMessage noteOff(int channel, int pitch) {
        return {std::uint8_t(0x80 | (channel & 15)), std::uint8_t(pitch & 127), 0};
    }
    static MidiMessage controller(int channel, int number, int value) {
        return {std::uint8_t(0xB0 | (channel & 15)), std::uint8_t(number & 127), std::uint8_t(value & 127)};
    }
    static MidiMessage program(int channel, int program) {
        return {std::uint8_t(0xC0 | (channel & 15)), std::uint8_t(program & 127), 0};
    }
};

} // namespace continuo::audio
