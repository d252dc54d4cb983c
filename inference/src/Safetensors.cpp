#include "Safetensors.h"

#include "Json.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>

namespace continuo::inference {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

namespace {

// SHA-256 (FIPS 180-4).
constexpr std::array<std::uint32_t, 64> kSha256Rounds = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

void sha256Block(std::array<std::uint32_t, 8>& h, const std::uint8_t* block) {
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i)
        w[i] = std::uint32_t(block[4 * i]) << 24 | std::uint32_t(block[4 * i + 1]) << 16 |
               std::uint32_t(block[4 * i + 2]) << 8 | std::uint32_t(block[4 * i + 3]);
    for (int i = 16; i < 64; ++i) {
        const std::uint32_t s0 = std::rotr(w[i - 15], 7) ^ std::rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        const std::uint32_t s1 = std::rotr(w[i - 2], 17) ^ std::rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int i = 0; i < 64; ++i) {
        const std::uint32_t t1 = k + (std::rotr(e, 6) ^ std::rotr(e, 11) ^ std::rotr(e, 25)) + ((e & f) ^ (~e & g)) +
                                 kSha256Rounds[std::size_t(i)] + w[i];
        const std::uint32_t t2 = (std::rotr(a, 2) ^ std::rotr(a, 13) ^ std::rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    const std::uint32_t v[8] = {a, b, c, d, e, f, g, k};
    for (int i = 0; i < 8; ++i) h[std::size_t(i)] += v[i];
}

} // namespace

std::string sha256Hex(std::span<const std::uint8_t> bytes) {
    std::array<std::uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const std::size_t whole = bytes.size() / 64 * 64;
    for (std::size_t at = 0; at < whole; at += 64) sha256Block(h, bytes.data() + at);
    // The tail, a 1 bit, zeros and the length in bits (big-endian) fill one or two blocks.
    std::uint8_t tail[128] = {};
    const std::size_t rest = bytes.size() - whole;
    if (rest) std::memcpy(tail, bytes.data() + whole, rest);
    tail[rest] = 0x80;
    const std::size_t blocks = rest + 9 <= 64 ? 1 : 2;
    const std::uint64_t bits = std::uint64_t(bytes.size()) * 8;
    for (int i = 0; i < 8; ++i) tail[blocks * 64 - 1 - std::size_t(i)] = std::uint8_t(bits >> (8 * i));
    for (std::size_t b = 0; b < blocks; ++b) sha256Block(h, tail + 64 * b);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (std::uint32_t word : h)
        for (int shift = 28; shift >= 0; shift -= 4) out += hex[(word >> shift) & 15];
    return out;
}

namespace {

/// A JSON number that is a whole number in [0, max]; -1 otherwise. JSON numbers are
/// doubles: a shape of 1.5, -1 or 1e300 must not pass as a size.
std::int64_t wholeNumber(const json::Value& v, double max) {
    if (!v.isNumber()) return -1;
    const double d = v.toDouble();
    if (!(d >= 0 && d <= max) || d != std::floor(d)) return -1;
    return std::int64_t(d);
}

} // namespace

std::size_t dtypeBytes(const std::string& dtype) {
    if (dtype == "F32") return 4;
    if (dtype == "BF16") return 2;
    return 0;
}

std::uint16_t floatToBfloat16(float value) {
    std::uint32_t u;
    std::memcpy(&u, &value, sizeof u);
    // Round to nearest, ties to even: add 0x7FFF plus the lowest kept bit, then truncate.
    u += 0x7FFFu + ((u >> 16) & 1u);
    return std::uint16_t(u >> 16);
}

Expected<SafetensorsFile> parseSafetensors(std::vector<std::uint8_t> bytes) {
    if (bytes.size() < 8) return Error{"file is too short to be a safetensors model (" + std::to_string(bytes.size()) + " bytes)"};
    std::uint64_t headerLen = 0;
    std::memcpy(&headerLen, bytes.data(), 8);
    // Checked before anything is allocated for the header: a stranger's file cannot make us
    // copy or parse more than kMaxSafetensorsHeader bytes of JSON.
    if (headerLen > kMaxSafetensorsHeader)
        return Error{"header length " + std::to_string(headerLen) + " is above the " +
                     std::to_string(kMaxSafetensorsHeader >> 20) + " MB limit: not a safetensors file, or not one for Continuo"};
    if (headerLen < 2 || headerLen > bytes.size() - 8)
        return Error{"header length " + std::to_string(headerLen) + " does not fit the file (" +
                     std::to_string(bytes.size()) + " bytes): truncated or not a safetensors file"};
    const auto doc = json::parse({reinterpret_cast<const char*>(bytes.data() + 8), std::size_t(headerLen)});
    if (!doc.ok || !doc.value.isObject())
        return Error{"header is not a valid JSON object (byte " + std::to_string(8 + doc.errorOffset) + ": " +
                     (doc.ok ? std::string("not an object") : doc.error) + ")"};
    SafetensorsFile f;
    f.dataStart = 8 + std::size_t(headerLen);
    const std::size_t dataBytes = bytes.size() - f.dataStart;
    for (const auto& [key, value] : doc.value.members()) {
        if (key == "__metadata__") {
            if (!value.isObject()) return Error{"__metadata__ is not an object"};
            for (const auto& [name, text] : value.members()) {
                if (!text.isString()) return Error{"metadata value '" + name + "' is not a string"};
                f.metadata[name] = text.toString();
            }
            continue;
        }
        TensorEntry e;
        e.name = key;
        if (!value.isObject()) return Error{"tensor '" + e.name + "' is not described by an object"};
        const json::Value& o = value;
        e.dtype = o["dtype"].toString();
        const std::size_t width = dtypeBytes(e.dtype);
        if (width == 0) return Error{"tensor '" + e.name + "' has dtype '" + e.dtype + "' (expected F32 or BF16)"};
        const auto& offsets = o["data_offsets"].elements();
        if (offsets.size() != 2 || !o["shape"].isArray())
            return Error{"tensor '" + e.name + "' lacks shape or data_offsets"};
        // Element count, kept at most the data size at every step so that it cannot overflow.
        std::uint64_t count = 1;
        for (const json::Value& d : o["shape"].elements()) {
            const std::int64_t v = wholeNumber(d, 1e12);
            if (v < 0) return Error{"tensor '" + e.name + "' has an invalid shape (dimensions must be whole numbers >= 0)"};
            e.shape.push_back(v);
            if (v != 0 && count > dataBytes / std::uint64_t(v)) return Error{"tensor '" + e.name + "' is larger than the file"};
            count *= std::uint64_t(v);
        }
        const std::int64_t b = wholeNumber(offsets[0], 1e18), en = wholeNumber(offsets[1], 1e18);
        if (b < 0 || en < b || std::uint64_t(en) > dataBytes)
            return Error{"tensor '" + e.name + "' data range [" + std::to_string(b) + ", " + std::to_string(en) +
                         ") lies outside the " + std::to_string(dataBytes) + " data bytes: the file is truncated or corrupt"};
        e.begin = std::size_t(b);
        e.end = std::size_t(en);
        if (e.end - e.begin != count * width)
            return Error{"tensor '" + e.name + "' shape needs " + std::to_string(count * width) + " bytes but its range holds " +
                         std::to_string(e.end - e.begin)};
        f.tensors.push_back(std::move(e));
    }
    std::sort(f.tensors.begin(), f.tensors.end(), [](const auto& a, const auto& b) { return a.begin < b.begin; });
    for (std::size_t i = 1; i < f.tensors.size(); ++i)
        if (f.tensors[i].begin < f.tensors[i - 1].end)
            return Error{"tensors '" + f.tensors[i - 1].name + "' and '" + f.tensors[i].name + "' overlap"};
    // A NaN or infinite weight poisons every output; refuse it here, naming the tensor,
    // rather than generating silence or noise later. memcpy: the data need not be aligned.
    for (const TensorEntry& e : f.tensors) {
        const std::uint8_t* p = bytes.data() + f.dataStart + e.begin;
        const std::size_t width = dtypeBytes(e.dtype);
        for (std::size_t i = 0; i < (e.end - e.begin) / width; ++i) {
            float v;
            if (width == 2) {
                std::uint16_t bits;
                std::memcpy(&bits, p + 2 * i, 2);
                v = bfloat16ToFloat(bits);
            } else {
                std::memcpy(&v, p + 4 * i, 4);
            }
            if (!std::isfinite(v))
                return Error{"tensor '" + e.name + "' holds " + (std::isnan(v) ? "NaN" : "an infinite value") +
                             " at element " + std::to_string(i) + ": the weights are corrupt"};
        }
    }
    f.bytes = std::move(bytes);
    return f;
}

std::vector<std::uint8_t> buildSafetensors(const std::vector<TensorView>& tensors,
                                           const std::map<std::string, std::string>& metadata, bool bf16) {
    const std::size_t width = bf16 ? 2 : 4;
    auto header = json::Value::object();
    auto meta = json::Value::object();
    for (const auto& [k, v] : metadata) meta.set(k, v);
    header.set("__metadata__", std::move(meta));
    std::size_t offset = 0;
    for (const TensorView& t : tensors) {
        auto o = json::Value::object();
        o.set("dtype", bf16 ? "BF16" : "F32");
        auto shape = json::Value::array();
        for (auto d : t.shape) shape.append(std::int64_t(d));
        o.set("shape", std::move(shape));
        const std::size_t end = offset + t.values.size() * width;
        o.set("data_offsets", json::Value::array().append(std::int64_t(offset)).append(std::int64_t(end)));
        header.set(t.name, std::move(o));
        offset = end;
    }
    std::string json = json::write(header);
    while (json.size() % 8) json += ' ';
    std::vector<std::uint8_t> out(8 + std::size_t(json.size()) + offset);
    std::uint64_t len = std::uint64_t(json.size());
    std::memcpy(out.data(), &len, 8);
    std::memcpy(out.data() + 8, json.data(), json.size());
    std::size_t at = 8 + std::size_t(json.size());
    for (const TensorView& t : tensors) {
        if (bf16) {
            for (float v : t.values) {
                const std::uint16_t bits = floatToBfloat16(v);
                std::memcpy(out.data() + at, &bits, 2);
                at += 2;
            }
        } else {
            std::memcpy(out.data() + at, t.values.data(), t.values.size() * 4);
            at += t.values.size() * 4;
        }
    }
    return out;
}

} // namespace continuo::inference
