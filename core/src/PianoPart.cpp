#include "continuo/core/PianoPart.h"

#include <algorithm>
#include <array>
#include <limits>
#include <set>

namespace continuo {

std::string gmFamily(int program) {
    static constexpr std::array<const char*, 16> kFamilies = {
        "Piano", "Chromatic percussion", "Organ", "Guitar", "Bass", "Strings", "Ensemble", "Brass",
        "Reed", "Pipe", "Synth lead", "Synth pad", "Synth effects", "Ethnic", "Percussive", "Sound effects"};
    return kFamilies[std::size_t(std::clamp(program, 0, 127) / 8)];
}

bool isPianoProgram(int program) { return program >= 0 && program < 8; }

Expected<Sequence> pianoPart(const Sequence& sequence) {
    constexpr int kDrumChannel = 9;
    // Each channel's first program change in time order (-1: none, so General MIDI's piano).
    std::array<int, 16> program;
    std::array<Tick, 16> programAt;
    program.fill(-1);
    programAt.fill(std::numeric_limits<Tick>::max());
    std::array<int, 16> notes{};
    for (const Track& t : sequence.tracks) {
        for (const ChannelEvent& e : t.events) {
            if (e.kind != ChannelEvent::Kind::Program || e.channel < 0 || e.channel > 15) continue;
            auto c = std::size_t(e.channel);
            if (e.tick < programAt[c]) {
                program[c] = e.number; // a program change's number is the program
                programAt[c] = e.tick;
            }
        }
        for (const Note& n : t.notes)
            if (n.channel >= 0 && n.channel <= 15) ++notes[std::size_t(n.channel)];
    }
    std::array<bool, 16> keep{};
    int kept = 0, drums = 0, total = 0;
    std::set<std::string> others;
    for (int c = 0; c < 16; ++c) {
        const int count = notes[std::size_t(c)];
        total += count;
        if (count == 0) continue;
        const int p = program[std::size_t(c)];
        if (c == kDrumChannel) {
            drums += count;
        } else if (p < 0 || isPianoProgram(p)) {
            keep[std::size_t(c)] = true;
            kept += count;
        } else {
            others.insert(gmFamily(p));
        }
    }
    if (total == 0) return Error{"no notes"};
    if (kept == 0) {
        if (others.empty()) return Error{"drums only (channel 10)"};
        std::string list;
        for (const std::string& f : others) list += (list.empty() ? "" : ", ") + f;
        return Error{"no piano part (it holds " + list + (drums ? ", drums" : "") + ")"};
    }
    Sequence out = sequence;
    for (Track& t : out.tracks) {
        std::erase_if(t.notes, [&](const Note& n) { return n.channel < 0 || n.channel > 15 || !keep[std::size_t(n.channel)]; });
        std::erase_if(t.events, [&](const ChannelEvent& e) { return e.channel < 0 || e.channel > 15 || !keep[std::size_t(e.channel)]; });
    }
    std::erase_if(out.tracks, [](const Track& t) { return t.notes.empty() && t.events.empty() && t.rawEvents.empty(); });
    return out;
}

} // namespace continuo
