#pragma once
// safetensors: 8-byte little-endian header length, a JSON header naming each tensor's dtype,
// shape and byte range, then raw little-endian data. Pure data: nothing in it can execute.
#include "continuo/core/Expected.h"

#include <cstdint>
#include <cstring>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace continuo::inference {

struct TensorEntry {
    std::string name;
    std::string dtype; ///< "F32", or "BF16" (bfloat16: weights of runs in progress, kept small)
    std::vector<std::int64_t> shape;
    std::size_t begin = 0, end = 0; ///< byte range inside the data section
};

struct SafetensorsFile {
    std::vector<TensorEntry> tensors;
    std::map<std::string, std::string> metadata;
    std::vector<std::uint8_t> bytes;
    std::size_t dataStart = 0;
    const std::uint8_t* data(const TensorEntry& e) const { return bytes.data() + dataStart + e.begin; }
};

/// Largest JSON header accepted. Continuo's own headers are a few kB; the length is checked
/// before the header is copied or parsed.
inline constexpr std::uint64_t kMaxSafetensorsHeader = std::uint64_t(16) << 20;

/// Validates the whole layout: header length, JSON, dtypes, shapes against byte ranges, ranges
/// inside the file and not overlapping, every weight finite. Errors say what is wrong. Works on
/// untrusted bytes: never reads outside them, never allocates more than their size again.
Expected<SafetensorsFile> parseSafetensors(std::vector<std::uint8_t> bytes);

/// Bytes per element of a dtype Continuo reads (0: one it does not).
std::size_t dtypeBytes(const std::string& dtype);

/// The value `bits` stores as a bfloat16 (the upper half of a float32).
inline float bfloat16ToFloat(std::uint16_t bits) {
    const std::uint32_t u = std::uint32_t(bits) << 16;
    float f;
    static_assert(sizeof f == sizeof u);
    std::memcpy(&f, &u, sizeof f);
    return f;
}
/// `value` rounded to the nearest bfloat16 (ties to even), for finite values.
std::uint16_t floatToBfloat16(float value);

struct TensorView {
    std::string name;
    std::vector<std::int64_t> shape;
    std::span<const float> values;
};
/// Writes float32 tensors, or bfloat16 ones (each value rounded to the nearest) with `bf16`.
std::vector<std::uint8_t> buildSafetensors(const std::vector<TensorView>& tensors,
                                           const std::map<std::string, std::string>& metadata, bool bf16 = false);

std::string sha256Hex(std::span<const std::uint8_t> bytes);

} // namespace continuo::inference
