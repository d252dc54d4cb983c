#include "Safetensors.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <bit>
#include <cstring>

namespace continuo::inference {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

std::string sha256Hex(std::span<const std::uint8_t> bytes) {
    return QCryptographicHash::hash(QByteArrayView(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size())),
                                    QCryptographicHash::Sha256)
        .toHex()
        .toStdString();
}

Expected<SafetensorsFile> parseSafetensors(std::vector<std::uint8_t> bytes) {
    if (bytes.size() < 8) return Error{"file is too short to be a safetensors model (" + std::to_string(bytes.size()) + " bytes)"};
    std::uint64_t headerLen = 0;
    std::memcpy(&headerLen, bytes.data(), 8);
    if (headerLen == 0 || headerLen > 100'000'000 || headerLen > bytes.size() - 8)
        return Error{"header length " + std::to_string(headerLen) + " does not fit the file (" +
                     std::to_string(bytes.size()) + " bytes): truncated or not a safetensors file"};
    QJsonParseError err;
    auto doc = QJsonDocument::fromJson(QByteArray(reinterpret_cast<const char*>(bytes.data() + 8), qsizetype(headerLen)), &err);
    if (!doc.isObject())
        return Error{"header is not valid JSON at offset " + std::to_string(8 + err.offset) + ": " +
                     err.errorString().toStdString()};
    SafetensorsFile f;
    f.dataStart = 8 + std::size_t(headerLen);
    const std::size_t dataBytes = bytes.size() - f.dataStart;
    auto root = doc.object();
    for (auto it = root.begin(); it != root.end(); ++it) {
        if (it.key() == "__metadata__") {
            auto m = it.value().toObject();
            for (auto mi = m.begin(); mi != m.end(); ++mi) {
                if (!mi.value().isString()) return Error{"metadata value '" + mi.key().toStdString() + "' is not a string"};
                f.metadata[mi.key().toStdString()] = mi.value().toString().toStdString();
            }
            continue;
        }
        auto o = it.value().toObject();
        TensorEntry e;
        e.name = it.key().toStdString();
        e.dtype = o["dtype"].toString().toStdString();
        auto shape = o["shape"].toArray();
        auto offsets = o["data_offsets"].toArray();
        if (e.dtype != "F32") return Error{"tensor '" + e.name + "' has dtype '" + e.dtype + "' (expected F32)"};
        if (offsets.size() != 2 || !o["shape"].isArray())
            return Error{"tensor '" + e.name + "' lacks shape or data_offsets"};
        std::uint64_t count = 1;
        for (auto d : shape) {
            double v = d.toDouble(-1);
            if (v < 0 || v > 1e9) return Error{"tensor '" + e.name + "' has an invalid shape"};
            e.shape.push_back(std::int64_t(v));
            count *= std::uint64_t(v);
            if (count > dataBytes) return Error{"tensor '" + e.name + "' is larger than the file"};
        }
        double b = offsets[0].toDouble(-1), en = offsets[1].toDouble(-1);
        if (b < 0 || en < b || en > double(dataBytes))
            return Error{"tensor '" + e.name + "' data range [" + std::to_string(std::int64_t(b)) + ", " +
                         std::to_string(std::int64_t(en)) + ") lies outside the " + std::to_string(dataBytes) +
                         " data bytes: the file is truncated or corrupt"};
        e.begin = std::size_t(b);
        e.end = std::size_t(en);
        if (e.end - e.begin != count * 4)
            return Error{"tensor '" + e.name + "' shape needs " + std::to_string(count * 4) + " bytes but its range holds " +
                         std::to_string(e.end - e.begin)};
        f.tensors.push_back(std::move(e));
    }
    std::sort(f.tensors.begin(), f.tensors.end(), [](const auto& a, const auto& b) { return a.begin < b.begin; });
    for (std::size_t i = 1; i < f.tensors.size(); ++i)
        if (f.tensors[i].begin < f.tensors[i - 1].end)
            return Error{"tensors '" + f.tensors[i - 1].name + "' and '" + f.tensors[i].name + "' overlap"};
    f.bytes = std::move(bytes);
    return f;
}

std::vector<std::uint8_t> buildSafetensors(const std::vector<TensorView>& tensors,
                                           const std::map<std::string, std::string>& metadata) {
    QJsonObject header;
    QJsonObject meta;
    for (const auto& [k, v] : metadata) meta[QString::fromStdString(k)] = QString::fromStdString(v);
    header["__metadata__"] = meta;
    std::size_t offset = 0;
    for (const TensorView& t : tensors) {
        QJsonObject o;
        o["dtype"] = "F32";
        QJsonArray shape;
        for (auto d : t.shape) shape.append(qint64(d));
        o["shape"] = shape;
        o["data_offsets"] = QJsonArray{qint64(offset), qint64(offset + t.values.size() * 4)};
        header[QString::fromStdString(t.name)] = o;
        offset += t.values.size() * 4;
    }
    QByteArray json = QJsonDocument(header).toJson(QJsonDocument::Compact);
    while (json.size() % 8) json.append(' ');
    std::vector<std::uint8_t> out(8 + std::size_t(json.size()) + offset);
    std::uint64_t len = std::uint64_t(json.size());
    std::memcpy(out.data(), &len, 8);
    std::memcpy(out.data() + 8, json.constData(), std::size_t(json.size()));
    std::size_t at = 8 + std::size_t(json.size());
    for (const TensorView& t : tensors) {
        std::memcpy(out.data() + at, t.values.data(), t.values.size() * 4);
        at += t.values.size() * 4;
    }
    return out;
}

} // namespace continuo::inference
