#pragma once
// Finds a General MIDI soundfont. Search order: the user's setting, the CONTINUO_SOUNDFONT
// environment variable, the install's share/continuo/soundfonts (relative to the executable),
// then Debian's /usr/share/sounds/sf2 (default-GM, FluidR3_GM, TimGM6mb).
#include "continuo/core/Expected.h"

#include <string>
#include <vector>

namespace continuo::audio {

struct SoundFontSearch {
    std::string userSetting;     ///< a path the user chose; empty = none
    std::string executableDir;   ///< folder of the running executable; empty = skip that step
    bool useEnvironment = true;  ///< consult CONTINUO_SOUNDFONT
    bool useSystemFolders = true; ///< consult /usr/share/sounds/sf2
};

class SoundFontLocator {
public:
    /// Every place looked at, in order (existing or not), for messages and the settings UI.
    static std::vector<std::string> candidates(const SoundFontSearch& search);
    /// The first candidate that is a readable SoundFont 2 file. An explicit choice (user
    /// setting or environment) that is missing or unreadable is an error naming it, not a
    /// silent fall-through, so a typo in a setting is noticed.
    static Expected<std::string> locate(const SoundFontSearch& search);
    /// Checks that `path` exists, is readable, and has a RIFF/sfbk header.
    static Expected<bool> validate(const std::string& path);
    /// The folder holding the running executable ("" if unknown; Linux /proc/self/exe).
    static std::string currentExecutableDir();
};

} // namespace continuo::audio
