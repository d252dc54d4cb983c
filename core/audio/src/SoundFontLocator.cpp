#include "continuo/audio/SoundFontLocator.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace continuo::audio {

namespace fs = std::filesystem;

namespace {

const char* const kSystemFonts[] = {
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/sounds/sf2/TimGM6mb.sf2",
};

std::string envSoundFont() {
    const char* v = std::getenv("CONTINUO_SOUNDFONT");
    return v ? std::string(v) : std::string();
}

void addFolder(std::vector<std::string>& out, const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return;
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::string ext = entry.path().extension().string();
        for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
        if (ext == ".sf2") found.push_back(entry.path().string());
    }
    std::sort(found.begin(), found.end()); // deterministic choice
    out.insert(out.end(), found.begin(), found.end());
}

} // namespace

std::vector<std::string> SoundFontLocator::candidates(const SoundFontSearch& search) {
    std::vector<std::string> out;
    if (!search.userSetting.empty()) out.push_back(search.userSetting);
    if (search.useEnvironment)
        if (std::string env = envSoundFont(); !env.empty()) out.push_back(env);
    if (!search.executableDir.empty())
        addFolder(out, fs::path(search.executableDir) / CONTINUO_SOUNDFONT_RELDIR);
    if (search.useSystemFolders)
        for (const char* p : kSystemFonts) out.emplace_back(p);
    return out;
}

Expected<bool> SoundFontLocator::validate(const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return Error{"Soundfont " + path + " does not exist."};
    if (fs::is_directory(path, ec)) return Error{"Soundfont " + path + " is a folder, not a file."};
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{"Soundfont " + path + " cannot be read (permissions?)."};
    std::array<char, 12> header{};
    in.read(header.data(), header.size());
    if (in.gcount() < 12 || std::memcmp(header.data(), "RIFF", 4) != 0 ||
        std::memcmp(header.data() + 8, "sfbk", 4) != 0)
        return Error{"Soundfont " + path + " is not a SoundFont 2 file (no RIFF/sfbk header at byte 0)."};
    return true;
}

Expected<std::string> SoundFontLocator::locate(const SoundFontSearch& search) {
    // An explicit choice that fails is reported as such rather than silently replaced.
    if (!search.userSetting.empty()) {
        if (auto ok = validate(search.userSetting); !ok) return Error{ok.error()};
        return search.userSetting;
    }
    if (search.useEnvironment)
        if (std::string env = envSoundFont(); !env.empty()) {
            if (auto ok = validate(env); !ok) return Error{ok.error() + " (from CONTINUO_SOUNDFONT)"};
            return env;
        }
    std::string looked;
    for (const std::string& c : candidates(search)) {
        if (validate(c)) return c;
        looked += "\n  " + c;
    }
    return Error{"No General MIDI soundfont found; playback is silent. Install fluid-soundfont-gm, "
                 "set CONTINUO_SOUNDFONT, or choose a .sf2 file in the settings. Looked at:" +
                 (looked.empty() ? std::string(" (nowhere)") : looked)};
}

std::string SoundFontLocator::currentExecutableDir() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : exe.parent_path().string();
}

} // namespace continuo::audio
