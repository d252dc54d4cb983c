#pragma once
// Standard MIDI Files: a bounds-checked reader (formats 0, 1 and 2, liberal about damage it
// can repair, with a warning for each repair) and a writer for formats 0 and 1.
#include "continuo/core/Expected.h"
#include "continuo/core/Sequence.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace continuo {

struct MidiFileInfo {
    int format = 1;
    int declaredTracks = 0; ///< ntrks in the header
    int trackChunks = 0;    ///< MTrk chunks actually found
    int division = 0;       ///< raw division word
    bool smpte = false;     ///< SMPTE time division (converted: one quarter = one nominal second)
    std::size_t bytes = 0;
    /// What was tolerated or repaired, each naming its byte offset: unknown chunks, missing
    /// tracks, stray system messages, a truncated last track, notes without a note-off.
    std::vector<std::string> warnings;
};

struct MidiFile {
    MidiFileInfo info;
    Sequence sequence; ///< at the file's own resolution (info about SMPTE: see MidiFileInfo)
};

/// Parses a Standard MIDI File. Never throws, never reads past `bytes`, and never allocates
/// more than a small multiple of the input size. Errors name the byte offset and what was
/// expected there. Format 2 patterns are laid one after another on one timeline.
Expected<MidiFile> readMidi(std::span<const std::uint8_t> bytes);
Expected<MidiFile> readMidiFile(const std::string& path);

struct MidiWriteOptions {
    int format = 1;             ///< 0 (one track) or 1 (conductor track + one per part)
    int ticksPerQuarter = 480;  ///< resolution written to the file
};

std::vector<std::uint8_t> writeMidi(const Sequence& sequence, const MidiWriteOptions& options = {});
/// Writes atomically (temporary file, then rename). Returns an error message on failure.
Expected<bool> writeMidiFile(const std::string& path, const Sequence& sequence,
                             const MidiWriteOptions& options = {});

/// Reads a whole file into memory; error names the path and the reason.
Expected<std::vector<std::uint8_t>> readFileBytes(const std::string& path, std::size_t maxBytes = 256u << 20);
/// Writes via a temporary file and rename, so readers never see a half-written file.
Expected<bool> writeFileAtomically(const std::string& path, std::span<const std::uint8_t> bytes);

} // namespace continuo
