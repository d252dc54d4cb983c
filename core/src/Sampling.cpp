#include "continuo/core/Sampling.h"

#include <charconv>
#include <cmath>
#include <random>
#include <sstream>

namespace continuo {

Seed Seed::resolve() const {
    if (!isRandom()) return *this;
    // Below 2^31: short enough to read off the panel and type again, exact everywhere.
    std::random_device device;
    return Seed::fixed(std::uint64_t(device()) & 0x7FFFFFFFu);
}

std::string Seed::toString() const {
    return isRandom() ? std::string("random") : std::to_string(*value_);
}

std::optional<Seed> Seed::parse(const std::string& text) {
    if (text.empty() || text == "random") return Seed::random();
    std::uint64_t v = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    return Seed::fixed(v);
}

namespace {
std::string number(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}
} // namespace

std::vector<std::string> SamplingSettings::validate() const {
    std::vector<std::string> problems;
    if (!(std::isfinite(lengthSeconds) && lengthSeconds > 0))
        problems.push_back("length " + number(lengthSeconds) + " s: it must be more than 0 seconds");
    if (!(std::isfinite(temperature) && temperature > 0))
        problems.push_back("temperature " + number(temperature) + ": it must be more than 0");
    if (!(topP > 0 && topP <= 1))
        problems.push_back("top-p " + number(topP) + ": it must lie in (0, 1] (1 keeps the whole distribution)");
    if (topK < 0) problems.push_back("top-k " + std::to_string(topK) + ": it must be 0 (off) or more");
    if (variations < 1 || variations > kMaxVariations)
        problems.push_back("variations " + std::to_string(variations) + ": it must be 1 to " +
                           std::to_string(kMaxVariations));
    if (!(recall >= 0 && recall <= 1))
        problems.push_back("recall " + number(recall) + ": it must lie in [0, 1] (0 is the network alone)");
    if (!(motif >= 0 && motif <= kMaxMotif))
        problems.push_back("motif " + number(motif) + ": it must lie in [0, " + number(kMaxMotif) + "] (0 is off)");
    for (std::string& p : steering.validate()) problems.push_back(std::move(p));
    return problems;
}

std::string SamplingSettings::validationMessage() const {
    std::string line;
    for (const std::string& p : validate()) line += (line.empty() ? "" : "; ") + p;
    return line;
}

} // namespace continuo
