#pragma once
// safetensors: 8-byte little-endian header length, a JSON header naming each tensor's dtype,
// shape and byte range, then raw little-endian data. Pure data: nothing in it can execute.
#include "continuo/core/Expected.h"

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace continuo::inference {

struct TensorEntry {
    std::string name;
    std::string dtype; ///< "F32" is all Continuo writes
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

struct TensorView {
    std::string name;
    std::vector<std::int64_t> shape;
    std::span<const float> values;
};
std::vector<std::uint8_t> buildSafetensors(const std::vector<TensorView>& tensors,
                                           const std::map<std::string, std::string>& metadata);

std::string sha256Hex(std::span<const std::uint8_t> bytes);

} // namespace continuo::inference
