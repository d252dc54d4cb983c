#include "continuo/core/Steering.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <sstream>

namespace continuo {

namespace {

struct ScaleInfo {
    ScaleKind kind;
    const char* name;
    std::initializer_list<int> steps;
};

const std::array<ScaleInfo, 14>& scales() {
    static const std::array<ScaleInfo, 14> table{{
        {ScaleKind::Major, "major", {0, 2, 4, 5, 7, 9, 11}},
        {ScaleKind::NaturalMinor, "minor", {0, 2, 3, 5, 7, 8, 10}},
        {ScaleKind::HarmonicMinor, "harmonic minor", {0, 2, 3, 5, 7, 8, 11}},
        {ScaleKind::TonalMinor, "minor with leading tone", {0, 2, 3, 5, 7, 8, 10, 11}},
        {ScaleKind::Dorian, "dorian", {0, 2, 3, 5, 7, 9, 10}},
        {ScaleKind::Phrygian, "phrygian", {0, 1, 3, 5, 7, 8, 10}},
        {ScaleKind::Lydian, "lydian", {0, 2, 4, 6, 7, 9, 11}},
        {ScaleKind::Mixolydian, "mixolydian", {0, 2, 4, 5, 7, 9, 10}},
        {ScaleKind::Locrian, "locrian", {0, 1, 3, 5, 6, 8, 10}},
        {ScaleKind::MajorPentatonic, "major pentatonic", {0, 2, 4, 7, 9}},
        {ScaleKind::MinorPentatonic, "minor pentatonic", {0, 3, 5, 7, 10}},
        {ScaleKind::Blues, "blues", {0, 3, 5, 6, 7, 10}},
        {ScaleKind::WholeTone, "whole-tone", {0, 2, 4, 6, 8, 10}},
        {ScaleKind::Chromatic, "chromatic", {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
    }};
    return table;
}

const ScaleInfo& info(ScaleKind kind) {
    for (const ScaleInfo& s : scales())
        if (s.kind == kind) return s;
    return scales().front();
}

constexpr const char* kTonicNames[12] = {"C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"};

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

std::string trim(const std::string& s) {
    const auto a = s.find_first_not_of(" \t");
    if (a == std::string::npos) return {};
    return s.substr(a, s.find_last_not_of(" \t") + 1 - a);
}

/// "C", "c#", "Db", "bb": semitones above C (-1 for Cb .. 12 for B#) and how many characters
/// it took (0: none).
std::pair<int, std::size_t> parseLetter(const std::string& s) {
    static constexpr int kLetters[7] = {9, 11, 0, 2, 4, 5, 7}; // a..g
    if (s.empty()) return {0, 0};
    const char c = char(std::tolower(static_cast<unsigned char>(s[0])));
    if (c < 'a' || c > 'g') return {0, 0};
    int pc = kLetters[c - 'a'];
    std::size_t used = 1;
    if (s.size() > 1 && (s[1] == '#' || s[1] == 'b')) {
        // "b" after a letter is a flat unless it starts the next word ("B blues" is read as B + blues).
        const bool flat = s[1] == 'b' && (s.size() == 2 || s[2] == ' ' || s[2] == '-' || std::isdigit(static_cast<unsigned char>(s[2])));
        if (s[1] == '#') pc += 1, used = 2;
        else if (flat) pc -= 1, used = 2;
    }
    return {pc, used};
}

/// parseLetter as a pitch class 0..11.
std::pair<int, std::size_t> parseTonic(const std::string& s) {
    const auto [semitones, used] = parseLetter(s);
    return {(semitones + 12) % 12, used};
}

std::string number(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

/// "LOW-HIGH" split at the dash that separates two values (a value may itself start with '-').
std::optional<std::pair<std::string, std::string>> splitRange(const std::string& text) {
    for (std::size_t i = 1; i + 1 < text.size(); ++i)
        if (text[i] == '-' && text[i - 1] != '-') return std::make_pair(trim(text.substr(0, i)), trim(text.substr(i + 1)));
    return std::nullopt;
}

std::optional<int> parseInt(const std::string& s) {
    int v = 0;
    const char* end = s.data() + s.size();
    auto [ptr, ec] = std::from_chars(s.data(), end, v);
    if (ec != std::errc() || ptr != end || s.empty()) return std::nullopt;
    return v;
}

} // namespace

std::uint16_t Scale::pitchClasses() const {
    std::uint16_t bits = 0;
    for (int step : info(kind).steps) bits |= std::uint16_t(1u << ((tonic + step) % 12));
    return bits;
}

std::string Scale::name() const {
    if (kind == ScaleKind::Chromatic) return "chromatic";
    return std::string(kTonicNames[((tonic % 12) + 12) % 12]) + " " + info(kind).name;
}

std::optional<Scale> Scale::parse(const std::string& text) {
    std::string s = trim(text);
    if (lower(s) == "chromatic") return Scale{0, ScaleKind::Chromatic};
    const auto [tonic, used] = parseTonic(s);
    if (used == 0) return std::nullopt;
    std::string rest = lower(trim(s.substr(used)));
    if (rest.empty()) return Scale{tonic, ScaleKind::Major};
    static const std::pair<const char*, ScaleKind> kAliases[] = {
        {"natural minor", ScaleKind::NaturalMinor}, {"ionian", ScaleKind::Major},
        {"aeolian", ScaleKind::NaturalMinor}, {"pentatonic", ScaleKind::MajorPentatonic},
        {"whole tone", ScaleKind::WholeTone}, {"wholetone", ScaleKind::WholeTone},
        {"harmonic", ScaleKind::HarmonicMinor}, {"chromatic", ScaleKind::Chromatic}};
    for (const auto& [alias, kind] : kAliases)
        if (rest == alias) return Scale{kind == ScaleKind::Chromatic ? 0 : tonic, kind};
    for (const ScaleInfo& si : scales())
        if (rest == si.name) return Scale{tonic, si.kind};
    return std::nullopt;
}

std::string Scale::acceptedForms() {
    std::string forms = "a tonic (C, F#, Bb, ...) and a scale: ";
    for (const ScaleInfo& si : scales())
        if (si.kind != ScaleKind::Chromatic) forms += std::string(si.name) + ", ";
    return forms + "natural minor, pentatonic; or chromatic (for example \"D minor\", \"F# dorian\")";
}

std::optional<KeyEstimate> detectKey(const std::vector<std::pair<int, double>>& notes, KeyProfiles profiles) {
    // Bellman-Budge (pitch-class counts in a corpus of tonal art music): on MAESTRO's validation
    // pieces they name the key a 20 s continuation stays in more often than Krumhansl-Kessler's
    // probe-tone ratings (docs/steering.md, "Which key is detected").
    static constexpr double kBellmanMajor[12] = {16.80, 0.86, 12.95, 1.41, 13.49, 11.93, 1.25, 20.28, 1.80, 8.04, 0.62, 10.57};
    static constexpr double kBellmanMinor[12] = {18.16, 0.69, 12.99, 13.34, 1.07, 11.15, 1.38, 21.07, 7.49, 1.53, 0.92, 10.21};
    static constexpr double kKrumhanslMajor[12] = {6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88};
    static constexpr double kKrumhanslMinor[12] = {6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17};
    const bool bellman = profiles == KeyProfiles::BellmanBudge;
    const double* kMajor = bellman ? kBellmanMajor : kKrumhanslMajor;
    const double* kMinor = bellman ? kBellmanMinor : kKrumhanslMinor;
    double histogram[12] = {};
    double total = 0;
    for (const auto& [pitch, seconds] : notes) {
        const double w = std::max(seconds, 0.01);
        histogram[((pitch % 12) + 12) % 12] += w;
        total += w;
    }
    if (total <= 0) return std::nullopt;
    auto correlate = [&](const double* profile, int tonic) {
        double mx = 0, my = 0;
        for (int k = 0; k < 12; ++k) mx += histogram[k], my += profile[k];
        mx /= 12, my /= 12;
        double sxy = 0, sxx = 0, syy = 0;
        for (int k = 0; k < 12; ++k) {
            const double x = histogram[(k + tonic) % 12] - mx, y = profile[k] - my;
            sxy += x * y, sxx += x * x, syy += y * y;
        }
        return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0.0;
    };
    KeyEstimate best{{0, ScaleKind::Major}, -2};
    for (int tonic = 0; tonic < 12; ++tonic) {
        const double major = correlate(kMajor, tonic), minor = correlate(kMinor, tonic);
        if (major > best.correlation) best = {{tonic, ScaleKind::Major}, major};
        if (minor > best.correlation) best = {{tonic, ScaleKind::NaturalMinor}, minor};
    }
    return best;
}

std::string noteName(int pitch) {
    pitch = std::clamp(pitch, 0, 127);
    return std::string(kTonicNames[pitch % 12]) + std::to_string(pitch / 12 - 1);
}

std::optional<int> parseNoteName(const std::string& text) {
    const std::string s = trim(text);
    if (auto n = parseInt(s)) return *n >= 0 && *n <= 127 ? n : std::nullopt;
    const auto [semitones, used] = parseLetter(s);
    if (used == 0) return std::nullopt;
    const auto octave = parseInt(s.substr(used));
    if (!octave) return std::nullopt;
    const int pitch = (*octave + 1) * 12 + semitones; // B#3 is C4, Cb4 is B3
    if (pitch < 0 || pitch > 127) return std::nullopt;
    return pitch;
}

std::vector<std::string> Steering::validate() const {
    std::vector<std::string> problems;
    if (rangeLow < 0 || rangeHigh > 127 || rangeLow > rangeHigh)
        problems.push_back("range " + std::to_string(rangeLow) + "-" + std::to_string(rangeHigh) +
                           ": it must lie in 0-127 with the low end first");
    if (!(std::isfinite(densityFactor) && densityFactor > 0 && densityFactor <= 8))
        problems.push_back("density factor " + number(densityFactor) + ": it must be more than 0, up to 8");
    if (!(std::isfinite(density) && density >= 0 && density <= 60))
        problems.push_back("density " + number(density) + ": it must be 0 (off) to 60 notes per second");
    if (polyphony < 0 || polyphony > 16) problems.push_back("polyphony " + std::to_string(polyphony) + ": it must be 0 (off) to 16");
    if (velocityLow < 1 || velocityHigh > 127 || velocityLow > velocityHigh)
        problems.push_back("velocity " + std::to_string(velocityLow) + "-" + std::to_string(velocityHigh) +
                           ": it must lie in 1-127 with the low end first");
    if (keyLocked() && rangeLimited()) {
        const Scale scale = keyMode == KeyMode::Fixed ? key : Scale{0, ScaleKind::Chromatic};
        bool any = false;
        for (int p = rangeLow; p <= rangeHigh && !any; ++p) any = scale.contains(p);
        if (!any) problems.push_back("no note of " + key.name() + " lies in the range " + noteName(rangeLow) + "-" + noteName(rangeHigh));
    }
    return problems;
}

std::string Steering::describe() const {
    std::vector<std::string> parts;
    if (keyMode == KeyMode::Fixed) parts.push_back("key " + key.name());
    if (keyMode == KeyMode::Detected) parts.push_back("key of the primer");
    if (rangeLimited()) parts.push_back("range " + noteName(rangeLow) + "-" + noteName(rangeHigh));
    if (densityLikePrimer && densityFactor == 1.0) parts.push_back("density like the primer");
    else if (densityLikePrimer) parts.push_back("density " + number(densityFactor) + "x the primer's");
    else if (density > 0) parts.push_back("density " + number(density) + "/s");
    if (polyphony > 0) parts.push_back("polyphony " + std::to_string(polyphony));
    if (dynamics == Dynamics::Softer) parts.push_back("softer than the primer");
    if (dynamics == Dynamics::Louder) parts.push_back("louder than the primer");
    if (dynamics == Dynamics::Range && velocityLimited())
        parts.push_back("velocity " + std::to_string(velocityLow) + "-" + std::to_string(velocityHigh));
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
    return out;
}

std::string Steering::parseKey(const std::string& text) {
    const std::string s = lower(trim(text));
    if (s == "off" || s.empty()) return keyMode = KeyMode::Off, "";
    if (s == "auto") return keyMode = KeyMode::Detected, "";
    const auto scale = Scale::parse(text);
    if (!scale) return "--key takes " + Scale::acceptedForms() + ", 'auto' (the primer's key) or 'off'; not \"" + text + "\"";
    keyMode = KeyMode::Fixed;
    key = *scale;
    return "";
}

std::string Steering::parseRange(const std::string& text) {
    const std::string bad = "--range takes LOW-HIGH as MIDI numbers (36-84) or note names (C2-C6, middle C is C4), or 'off'; not \"" + text + "\"";
    if (lower(trim(text)) == "off") return rangeLow = 0, rangeHigh = 127, "";
    const auto parts = splitRange(trim(text));
    if (!parts) return bad;
    const auto low = parseNoteName(parts->first), high = parseNoteName(parts->second);
    if (!low || !high || *low > *high) return bad;
    rangeLow = *low;
    rangeHigh = *high;
    return "";
}

std::string Steering::parseDensity(const std::string& text) {
    const std::string s = lower(trim(text));
    if (s == "off") return density = 0, densityLikePrimer = false, densityFactor = 1, "";
    if (s == "primer") return density = 0, densityLikePrimer = true, densityFactor = 1, "";
    const bool factor = !s.empty() && s.back() == 'x';
    const std::string digits = factor ? s.substr(0, s.size() - 1) : s;
    char* end = nullptr;
    const double v = std::strtod(digits.c_str(), &end);
    const bool good = !digits.empty() && end == digits.c_str() + digits.size() && v > 0 && (factor ? v <= 8 : v <= 60);
    if (!good)
        return "--density takes notes per second (more than 0, up to 60), a multiple of the primer's (0.5x, 2x; up "
               "to 8x), 'primer' (1x) or 'off'; not \"" + text + "\"";
    density = factor ? 0 : v;
    densityLikePrimer = factor;
    densityFactor = factor ? v : 1;
    return "";
}

std::string Steering::parsePolyphony(const std::string& text) {
    const std::string s = lower(trim(text));
    if (s == "off") return polyphony = 0, "";
    const auto n = parseInt(s);
    if (!n || *n < 1 || *n > 16) return "--polyphony takes the most notes sounding at once, 1-16, or 'off'; not \"" + text + "\"";
    polyphony = *n;
    return "";
}

std::string Steering::parseVelocity(const std::string& text) {
    const std::string s = lower(trim(text));
    if (s == "off") return dynamics = Dynamics::Range, velocityLow = 1, velocityHigh = 127, "";
    if (s == "softer") return dynamics = Dynamics::Softer, "";
    if (s == "louder") return dynamics = Dynamics::Louder, "";
    const auto parts = splitRange(s);
    const auto low = parts ? parseInt(parts->first) : std::nullopt;
    const auto high = parts ? parseInt(parts->second) : std::nullopt;
    if (!low || !high || *low < 1 || *high > 127 || *low > *high)
        return "--velocity takes LOW-HIGH in 1-127 (40-90), 'softer' or 'louder' (than the primer), or 'off'; not \"" + text + "\"";
    dynamics = Dynamics::Range;
    velocityLow = *low;
    velocityHigh = *high;
    return "";
}

} // namespace continuo
