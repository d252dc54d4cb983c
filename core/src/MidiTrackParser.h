#pragma once
// Private to the MIDI reader (MidiReader.cpp): the bounds-checked byte reader, the notes
// still sounding, and the parser of one track chunk's events (MidiTrackParser.cpp).
#include "continuo/core/Note.h"
#include "continuo/core/TempoMap.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <sstream>
#include <string>
#include <vector>

namespace continuo::midi_reader {

struct ParseError {
    std::size_t offset;
    std::string what;
    bool endOfData = false; ///< the data ran out (as opposed to bytes that make no sense)
};

std::string hexByte(std::uint8_t b);

class ByteReader {
  public:
    ByteReader(std::span<const std::uint8_t> bytes, std::size_t begin, std::size_t end)
        : bytes_(bytes), pos_(begin), end_(end) {}

    std::size_t pos() const { return pos_; }
    std::size_t remaining() const { return end_ - pos_; }
    bool atEnd() const { return pos_ >= end_; }

    std::uint8_t u8(const char* what) {
        if (pos_ >= end_)
            throw ParseError{pos_, std::string("unexpected end of data, expected ") + what, true};
        return bytes_[pos_++];
    }
    std::uint32_t be(int n, const char* what) {
        if (remaining() < std::size_t(n))
            throw ParseError{pos_, std::string("unexpected end of data, expected ") + what, true};
        std::uint32_t v = 0;
        for (int i = 0; i < n; ++i)
            v = (v << 8) | bytes_[pos_++];
        return v;
    }
    std::uint32_t le32(const char* what) {
        if (remaining() < 4)
            throw ParseError{pos_, std::string("unexpected end of data, expected ") + what, true};
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i)
            v |= std::uint32_t(bytes_[pos_++]) << (8 * i);
        return v;
    }
    /// Variable-length quantity: at most 4 bytes (28 bits), as the standard requires.
    std::uint32_t vlq(const char* what) {
        std::size_t start = pos_;
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) {
            std::uint8_t b = u8(what);
            v = (v << 7) | (b & 0x7F);
            if (!(b & 0x80)) return v;
        }
        throw ParseError{start,
                         std::string("variable-length quantity longer than 4 bytes in ") + what};
    }
    void skip(std::size_t n, const char* what) {
        if (remaining() < n) {
            std::ostringstream s;
            s << what << " claims " << n << " bytes but only " << remaining() << " remain";
            throw ParseError{pos_, s.str(), true};
        }
        pos_ += n;
    }
    std::span<const std::uint8_t> take(std::size_t n, const char* what) {
        std::size_t at = pos_;
        skip(n, what);
        return bytes_.subspan(at, n);
    }
    std::uint8_t dataByte(const char* what) {
        std::size_t at = pos_;
        std::uint8_t b = u8(what);
        if (b & 0x80)
            throw ParseError{at, std::string("expected a data byte (< 0x80) for ") + what +
                                     ", found " + hexByte(b)};
        return b;
    }

  private:
    std::span<const std::uint8_t> bytes_;
    std::size_t pos_;
    std::size_t end_;
};

struct OpenNote {
    Tick start;
    int velocity;
};

/// Notes still sounding, per (channel, key). Same-pitch overlaps pair first-in first-out:
/// a second note-on of a key that is sounding opens a second note, and the next note-off
/// closes the oldest one. FIFO pairing keeps the note-offs of one key in the order of
/// their note-ons, so the writer's output pairs back to exactly the same notes.
///
/// One instance serves every track of a file; only the keys a track touched are reset, so
/// a file made of many tiny tracks costs nothing per empty track.
class OpenNotes {
  public:
    void open(int channel, int key, OpenNote note) {
        Queue& q = queues_[index(channel, key)];
        if (!q.listed) {
            q.listed = true;
            touched_.push_back(index(channel, key));
        }
        q.notes.push_back(note);
    }
    /// Closes the oldest open note of (channel, key) at `at`; false if none is open.
    bool close(int channel, int key, Tick at, Track& track) {
        Queue& q = queues_[index(channel, key)];
        if (q.head == q.notes.size()) return false;
        const OpenNote on = q.notes[q.head++];
        if (q.head == q.notes.size()) {
            q.notes.clear();
            q.head = 0;
        }
        Note n;
        n.pitch = key;
        n.velocity = on.velocity;
        n.start = on.start;
        n.length = at - on.start;
        n.channel = channel;
        track.notes.push_back(n);
        return true;
    }
    /// Ends every note still sounding at `at` (the end of the track); returns how many.
    std::size_t closeAll(Tick at, Track& track) {
        std::size_t closed = 0;
        std::sort(touched_.begin(), touched_.end());
        for (std::size_t i : touched_) {
            while (close(int(i / 128), int(i % 128), at, track))
                ++closed;
            queues_[i].listed = false;
        }
        touched_.clear();
        return closed;
    }

  private:
    struct Queue {
        std::vector<OpenNote> notes;
        std::size_t head = 0;
        bool listed = false; ///< in touched_
    };
    static std::size_t index(int channel, int key) {
        return std::size_t(channel) * 128 + std::size_t(key);
    }
    std::vector<Queue> queues_ = std::vector<Queue>(16 * 128);
    std::vector<std::size_t> touched_; ///< keys that may hold open notes
};

struct TrackParse {
    Track track;
    std::vector<TempoChange> tempos;
    std::vector<TimeSignature> timeSignatures;
    std::vector<std::string> warnings;
    Tick endTick = 0;
    bool sawEndOfTrack = false;
    /// Set when the chunk (or the file) ends inside an event: the track ends at the last
    /// event read completely, and the cut-off one starts at byte cutOffAt.
    bool cutOff = false;
    std::size_t cutOffAt = 0;
    std::string cutOffReason;
};

/// Reads one track's events from `r`, starting at tick `base`. An event cut off by the end
/// of the data (a chunk length too short, or a file cut short) ends the track at the last
/// event read completely; bytes that make no sense are an error.
void parseTrack(ByteReader& r, OpenNotes& open, TrackParse& out, Tick base = 0);

} // namespace continuo::midi_reader
