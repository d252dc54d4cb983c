#pragma once
// Hand-built Standard MIDI File bytes for tests: every byte is visible in the test that
// uses it, so a reader bug cannot hide in a shared fixture file.
#include <QByteArray>

#include <cstdint>
#include <initializer_list>

namespace smf {

inline QByteArray bytes(std::initializer_list<int> list) {
    QByteArray out;
    for (int b : list)
        out.append(char(std::uint8_t(b)));
    return out;
}

inline QByteArray be(std::uint64_t v, int n) {
    QByteArray out;
    for (int i = n - 1; i >= 0; --i)
        out.append(char(std::uint8_t(v >> (8 * i))));
    return out;
}

inline QByteArray le32(std::uint32_t v) {
    QByteArray out;
    for (int i = 0; i < 4; ++i)
        out.append(char(std::uint8_t(v >> (8 * i))));
    return out;
}

/// Variable-length quantity (7 bits per byte, high bit = more follows).
inline QByteArray vlq(std::uint32_t v) {
    QByteArray out;
    out.prepend(char(v & 0x7F));
    while (v >>= 7)
        out.prepend(char(0x80 | (v & 0x7F)));
    return out;
}

inline QByteArray chunk(const char* id, const QByteArray& body) {
    return QByteArray(id, 4) + be(std::uint32_t(body.size()), 4) + body;
}

/// "MThd", length 6, format, track count, division.
inline QByteArray header(int format, int tracks, int division) {
    return chunk("MThd", be(std::uint32_t(format), 2) + be(std::uint32_t(tracks), 2) +
                             be(std::uint32_t(division), 2));
}

inline QByteArray endOfTrack() {
    return bytes({0x00, 0xFF, 0x2F, 0x00});
}

/// A track chunk whose body is `events` followed by end-of-track.
inline QByteArray track(const QByteArray& events) {
    return chunk("MTrk", events + endOfTrack());
}

/// A format-0 file with one track.
inline QByteArray file0(const QByteArray& events, int division = 96) {
    return header(0, 1, division) + track(events);
}

} // namespace smf
