// libFuzzer target for the Standard MIDI File reader. Any input must give either a file or
// an error naming an offset inside the input; a file's warnings must each name an offset
// inside the input too, and the file must survive write -> read with the same notes.
// Anything else (crash, sanitizer report, hang, huge allocation) is a finding.
#include "continuo/core/MidiFile.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

[[noreturn]] void finding(const char* what, const std::string& detail) {
    std::fprintf(stderr, "fuzz_midi_reader: %s: %s\n", what, detail.c_str());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto file = continuo::readMidi({data, size});
    if (!file) {
        const std::string& e = file.error();
        if (e.rfind("byte ", 0) != 0) finding("error without an offset", e);
        const unsigned long long offset = std::strtoull(e.c_str() + 5, nullptr, 10);
        if (offset > size) finding("error offset past the end of the input", e);
        return 0;
    }
    const auto& warnings = file->info.warnings;
    if (warnings.size() > 100) finding("more than 100 warnings", std::to_string(warnings.size()));
    for (std::size_t i = 0; i < warnings.size(); ++i) {
        const std::string& w = warnings[i];
        if (i == 99 && w.rfind("and ", 0) == 0) continue; // "and N more warnings"
        const std::size_t at = w.find("byte ");
        if (at == std::string::npos) finding("warning without an offset", w);
        const unsigned long long offset = std::strtoull(w.c_str() + at + 5, nullptr, 10);
        if (offset > size) finding("warning offset past the end of the input", w);
    }
    const continuo::Sequence& seq = file->sequence;
    auto bytes = continuo::writeMidi(seq, {1, seq.ticksPerQuarter});
    auto back = continuo::readMidi(bytes);
    if (!back) finding("cannot read what was written", back.error());
    if (back->sequence.allNotes() != seq.allNotes())
        finding("notes changed through write -> read", "");
    // Meta and sysex events kept from the file come back on their tracks, byte for byte.
    if (back->sequence.conductorName != seq.conductorName || back->sequence.conductorEvents != seq.conductorEvents)
        finding("conductor track changed through write -> read", "");
    if (back->sequence.tracks.size() != seq.tracks.size()) finding("tracks lost or added through write -> read", "");
    for (std::size_t i = 0; i < seq.tracks.size(); ++i)
        if (back->sequence.tracks[i].name != seq.tracks[i].name ||
            back->sequence.tracks[i].rawEvents != seq.tracks[i].rawEvents)
            finding("a track's name or raw events changed through write -> read", std::to_string(i));
    return 0;
}
