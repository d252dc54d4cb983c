#pragma once
// What Debian's midicsv, an independent reader, says about a MIDI file: header fields, notes
// (paired first-in first-out per track, channel and key), channel events and the duration
// in seconds from its own tempo events. Shared by the MAESTRO tests that compare with it.
#include "continuo/core/Note.h"

#include <QByteArray>
#include <QString>

#include <algorithm>
#include <charconv>
#include <deque>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

namespace midicsv {

using namespace continuo;

/// One order for channel events compared as multisets (tracks aside).
inline bool eventLess(const ChannelEvent& a, const ChannelEvent& b) {
    return std::tuple(a.tick, a.channel, int(a.kind), a.number, a.value) <
           std::tuple(b.tick, b.channel, int(b.kind), b.number, b.value);
}

/// What midicsv says about one file.
struct CsvFacts {
    int format = -1;
    int tracks = -1;
    int division = -1;
    std::size_t noteOns = 0; ///< note-ons with velocity > 0
    std::vector<Note> notes; ///< paired here, independently of the reader under test
    /// Controllers, program changes, pitch bend and pressure, sorted by eventKey.
    std::vector<ChannelEvent> events;
    std::size_t sustainEvents = 0; ///< controller 64
    double seconds = 0.0;
    Tick endTick = 0;
    QString error;
};

/// One CSV line split at commas into at most 7 trimmed fields (the rest of the line, e.g. a
/// quoted text, stays in the last). Views into the CSV buffer: no copies.
struct Fields {
    std::string_view v[7];
    int count = 0;
};

inline Fields split(std::string_view line) {
    Fields f;
    auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\r'))
            s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\r'))
            s.remove_suffix(1);
        return s;
    };
    while (f.count < 6) {
        const std::size_t comma = line.find(',');
        if (comma == std::string_view::npos) break;
        f.v[f.count++] = trim(line.substr(0, comma));
        line.remove_prefix(comma + 1);
    }
    f.v[f.count++] = trim(line);
    return f;
}

template <class T> inline T number(std::string_view s) {
    T value{};
    std::from_chars(s.data(), s.data() + s.size(), value);
    return value;
}

inline CsvFacts parseCsv(const QByteArray& csv) {
    CsvFacts f;
    // Open notes per (track, channel, key).
    std::unordered_map<int, std::deque<std::pair<Tick, int>>> open;
    std::vector<std::pair<Tick, double>> tempos;
    std::string_view rest(csv.constData(), std::size_t(csv.size()));
    while (!rest.empty()) {
        const std::size_t eol = rest.find('\n');
        const std::string_view line = rest.substr(0, eol);
        rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
        if (line.empty()) continue;
        const Fields v = split(line);
        if (v.count < 3) {
            f.error = "short line: " + QString::fromLatin1(line.data(), qsizetype(line.size()));
            return f;
        }
        const int track = number<int>(v.v[0]);
        const Tick tick = number<Tick>(v.v[1]);
        const std::string_view type = v.v[2];
        f.endTick = std::max(f.endTick, tick);
        if (type == "Note_on_c" || type == "Note_off_c") {
            const int ch = number<int>(v.v[3]), key = number<int>(v.v[4]),
                      vel = number<int>(v.v[5]);
            auto& q = open[track * 2048 + ch * 128 + key];
            if (type == "Note_on_c" && vel > 0) {
                ++f.noteOns;
                q.push_back({tick, vel});
            } else if (!q.empty()) {
                Note n;
                n.channel = ch;
                n.pitch = key;
                n.start = q.front().first;
                n.velocity = q.front().second;
                n.length = tick - n.start;
                f.notes.push_back(n);
                q.pop_front();
            }
        } else if (type == "Control_c" || type == "Program_c" || type == "Pitch_bend_c" ||
                   type == "Channel_aftertouch_c" || type == "Poly_aftertouch_c") {
            ChannelEvent e;
            e.tick = tick;
            e.channel = number<int>(v.v[3]);
            if (type == "Control_c") {
                e.kind = ChannelEvent::Kind::Controller;
                e.number = number<int>(v.v[4]);
                e.value = number<int>(v.v[5]);
                if (e.number == kSustainController) ++f.sustainEvents;
            } else if (type == "Program_c") {
                e.kind = ChannelEvent::Kind::Program;
                e.number = number<int>(v.v[4]);
            } else if (type == "Pitch_bend_c") {
                e.kind = ChannelEvent::Kind::PitchBend;
                e.value = number<int>(v.v[4]);
            } else if (type == "Channel_aftertouch_c") {
                e.kind = ChannelEvent::Kind::ChannelPressure;
                e.value = number<int>(v.v[4]);
            } else {
                e.kind = ChannelEvent::Kind::PolyPressure;
                e.number = number<int>(v.v[4]);
                e.value = number<int>(v.v[5]);
            }
            f.events.push_back(e);
        } else if (type == "Tempo") {
            tempos.push_back({tick, number<double>(v.v[3])});
        } else if (type == "End_track") {
            for (auto& [k, q] : open) {
                if (k / 2048 != track) continue;
                for (const auto& [start, vel] : q) {
                    Note n;
                    n.channel = k % 2048 / 128;
                    n.pitch = k % 128;
                    n.start = start;
                    n.velocity = vel;
                    n.length = tick - start;
                    f.notes.push_back(n);
                }
                q.clear();
            }
        } else if (type == "Header") {
            f.format = number<int>(v.v[3]);
            f.tracks = number<int>(v.v[4]);
            f.division = number<int>(v.v[5]);
        }
    }
    if (f.division <= 0 || f.division >= 0x8000) {
        f.error = "expected a PPQ division in the header, got " + QString::number(f.division);
        return f;
    }
    // Seconds: integrate midicsv's tempo events (all tracks; at one tick the last one wins).
    std::stable_sort(tempos.begin(), tempos.end(),
                     [](auto& a, auto& b) { return a.first < b.first; });
    double us = 500000.0;
    Tick at = 0;
    for (const auto& [tick, value] : tempos) {
        f.seconds += double(tick - at) * us / (1e6 * f.division);
        at = tick;
        us = value;
    }
    f.seconds += double(f.endTick - at) * us / (1e6 * f.division);
    std::sort(f.notes.begin(), f.notes.end(), noteLess);
    std::sort(f.events.begin(), f.events.end(), eventLess);
    return f;
}

/// midicsv's records of meta and sysex events (every record but the header, track starts
/// and ends, the end of file and channel messages), sorted: a multiset of "track, tick, type,
/// values..." lines to compare two files by.
inline std::vector<std::string> metaAndSysexRecords(const QByteArray& csv) {
    static const std::string_view skip[] = {"Header",    "Start_track",  "End_track",    "End_of_file",
                                            "Note_on_c", "Note_off_c",   "Control_c",    "Program_c",
                                            "Pitch_bend_c", "Channel_aftertouch_c", "Poly_aftertouch_c"};
    std::vector<std::string> out;
    std::string_view rest(csv.constData(), std::size_t(csv.size()));
    while (!rest.empty()) {
        const std::size_t eol = rest.find('\n');
        std::string_view line = rest.substr(0, eol);
        rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
        while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;
        const Fields v = split(line);
        if (v.count < 3 || std::find(std::begin(skip), std::end(skip), v.v[2]) != std::end(skip)) continue;
        out.emplace_back(line);
    }
    std::sort(out.begin(), out.end());
    return out;
}

/// How many tracks midicsv found (its Start_track records).
inline int trackCount(const QByteArray& csv) {
    int n = 0;
    const std::string_view all(csv.constData(), std::size_t(csv.size()));
    for (std::size_t at = all.find(", Start_track"); at != std::string_view::npos; at = all.find(", Start_track", at + 1))
        ++n;
    return n;
}

} // namespace midicsv
