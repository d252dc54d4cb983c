// libFuzzer target for the safetensors loader (a model file from a stranger). Any input
// must give either a parsed file whose every tensor lies inside the input, is F32, has as
// many bytes as its shape needs and holds finite values, or an error message. Anything
// else (crash, sanitizer report, hang, huge allocation) is a finding.
#include "Safetensors.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

[[noreturn]] void finding(const char* what, const std::string& detail) {
    std::fprintf(stderr, "fuzz_safetensors: %s: %s\n", what, detail.c_str());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace continuo::inference;
    auto parsed = parseSafetensors(std::vector<std::uint8_t>(data, data + size));
    if (!parsed) {
        if (parsed.error().empty()) finding("error without a message", "");
        return 0;
    }
    const SafetensorsFile& f = parsed.value();
    if (f.bytes.size() != size || f.dataStart > size) finding("data section outside the input", "");
    std::size_t previousEnd = 0;
    for (const TensorEntry& e : f.tensors) {
        if (e.dtype != "F32") finding("accepted dtype", e.dtype);
        if (e.begin > e.end || e.end > size - f.dataStart)
            finding("range outside the data", e.name);
        if (e.begin < previousEnd) finding("overlapping tensors accepted", e.name);
        previousEnd = e.end;
        std::uint64_t count = 1;
        for (std::int64_t d : e.shape) {
            if (d < 0) finding("negative dimension", e.name);
            count *= std::uint64_t(d);
        }
        if (count * 4 != e.end - e.begin) finding("shape does not match the byte range", e.name);
        // Read every weight through the accessor the model loader uses.
        const std::uint8_t* p = f.data(e);
        for (std::uint64_t i = 0; i < count; ++i) {
            float v;
            std::memcpy(&v, p + 4 * i, 4);
            if (!std::isfinite(v)) finding("non-finite weight accepted", e.name);
        }
    }
    return 0;
}
