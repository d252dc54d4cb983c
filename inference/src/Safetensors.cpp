#include "Safetensors.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace continuo::inference {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

std::string sha256Hex(std::span<const std::uint8_t> bytes) {
    return QCryptographicHash::hash(QByteArrayView(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size())),
                                    QCryptographicHash::Sha256)
        .toHex()
        .toStdString();
}

namespace {

/// A JSON number that is a whole number in [0, max]; -1 otherwise. JSON numbers are
/// doubles: a shape of 1.5, -1 or 1e300 must not pass as a size.
std::int64_t wholeNumber(const QJsonValue& v, double max) {
    if (!v.isDouble()) return -1;
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
    QJsonParseError err;
    auto doc = QJsonDocument::fromJson(QByteArray(reinterpret_cast<const char*>(bytes.data() + 8), qsizetype(headerLen)), &err);
    if (!doc.isObject())
        return Error{"header is not a valid JSON object (byte " + std::to_string(8 + err.offset) + ": " +
                     err.errorString().toStdString() + ")"};
    SafetensorsFile f;
    f.dataStart = 8 + std::size_t(headerLen);
    const std::size_t dataBytes = bytes.size() - f.dataStart;
    auto root = doc.object();
    for (auto it = root.begin(); it != root.end(); ++it) {
        if (it.key() == "__metadata__") {
            if (!it.value().isObject()) return Error{"__metadata__ is not an object"};
            auto m = it.value().toObject();
            for (auto mi = m.begin(); mi != m.end(); ++mi) {
                if (!mi.value().isString()) return Error{"metadata value '" + mi.key().toStdString() + "' is not a string"};
                f.metadata[mi.key().toStdString()] = mi.value().toString().toStdString();
            }
            continue;
        }
        TensorEntry e;
        e.name = it.key().toStdString();
        if (!it.value().isObject()) return Error{"tensor '" + e.name + "' is not described by an object"};
        auto o = it.value().toObject();
        e.dtype = o["dtype"].toString().toStdString();
        const std::size_t width = dtypeBytes(e.dtype);
        if (width == 0) return Error{"tensor '" + e.name + "' has dtype '" + e.dtype + "' (expected F32 or BF16)"};
        auto offsets = o["data_offsets"].toArray();
        if (offsets.size() != 2 || !o["shape"].isArray())
            return Error{"tensor '" + e.name + "' lacks shape or data_offsets"};
        // Element count, kept at most the data size at every step so that it cannot overflow.
        std::uint64_t count = 1;
        for (auto d : o["shape"].toArray()) {
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
    QJsonObject header;
    QJsonObject meta;
    for (const auto& [k, v] : metadata) meta[QString::fromStdString(k)] = QString::fromStdString(v);
    header["__metadata__"] = meta;
    std::size_t offset = 0;
    for (const TensorView& t : tensors) {
        QJsonObject o;
        o["dtype"] = bf16 ? "BF16" : "F32";
        QJsonArray shape;
        for (auto d : t.shape) shape.append(qint64(d));
        o["shape"] = shape;
        o["data_offsets"] = QJsonArray{qint64(offset), qint64(offset + t.values.size() * width)};
        header[QString::fromStdString(t.name)] = o;
        offset += t.values.size() * width;
    }
    QByteArray json = QJsonDocument(header).toJson(QJsonDocument::Compact);
    while (json.size() % 8) json.append(' ');
    std::vector<std::uint8_t> out(8 + std::size_t(json.size()) + offset);
    std::uint64_t len = std::uint64_t(json.size());
    std::memcpy(out.data(), &len, 8);
    std::memcpy(out.data() + 8, json.constData(), std::size_t(json.size()));
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
