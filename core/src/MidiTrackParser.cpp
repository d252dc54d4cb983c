// One track chunk of a Standard MIDI File, event by event: channel messages become notes and
// channel events, tempo and time signature meta events go to the file's maps, and the meta
// and sysex events it does not interpret are kept verbatim (RawEvent). What it tolerates
// (stray system messages, running status across them, notes left sounding, an event cut
// off by the end of the data) it reports as warnings naming the byte offset.
#include "MidiTrackParser.h"

#include <algorithm>

namespace continuo::midi_reader {

std::string hexByte(std::uint8_t b) {
    static const char digits[] = "0123456789ABCDEF";
    return std::string("0x") + digits[b >> 4] + digits[b & 0xF];
}

namespace {

/// The largest delta time (a 4-byte variable-length quantity).
constexpr std::uint32_t kLongestDelta = 0x0FFFFFFF;

/// Data bytes that follow a system-common or real-time status byte on the wire (MIDI 1.0,
/// table VI/VII); -1 for 0xF0, 0xF7 and 0xFF, which mean sysex and meta in a file.
int systemDataBytes(std::uint8_t status) {
    switch (status) {
    case 0xF1: // MTC quarter frame
    case 0xF3: // song select
        return 1;
    case 0xF2: // song position pointer
        return 2;
    case 0xF0:
    case 0xF7:
    case 0xFF:
        return -1;
    default: // 0xF4, 0xF5 (undefined), 0xF6 (tune request), 0xF8-0xFE (real time)
        return 0;
    }
}

/// Stray system messages of one kind in one track, reported once with a count: a file that
/// recorded the MIDI clock has thousands of them.
struct StraySystemMessages {
    std::size_t count = 0;
    std::size_t firstAt = 0;
};

/// Keeps a meta or sysex event the reader does not interpret, verbatim (RawEvent); one bigger
/// than kMaxRawEventBytes is dropped with a warning.
void keepRaw(TrackParse& out, RawEvent::Kind kind, int type, Tick tick, std::span<const std::uint8_t> data,
             std::size_t statusAt) {
    if (data.size() > kMaxRawEventBytes) {
        out.warnings.push_back("dropped a " + std::string(kind == RawEvent::Kind::Meta ? "meta" : "sysex") +
                               " event of " + std::to_string(data.size()) + " bytes (more than " +
                               std::to_string(kMaxRawEventBytes) + ") at byte " + std::to_string(statusAt));
        return;
    }
    RawEvent e;
    e.tick = tick;
    e.kind = kind;
    e.type = type;
    e.data.assign(data.begin(), data.end());
    out.track.rawEvents.push_back(std::move(e));
}

/// The state of reading one track: the tick, running status and what to report at its end.
class TrackReader {
  public:
    TrackReader(ByteReader& r, OpenNotes& open, TrackParse& out, Tick base)
        : r_(r), open_(open), out_(out), track_(out.track), base_(base), tick_(base),
          lastTick_(base), eventAt_(r.pos()) {
        track_.channel = -1;
        track_.program = -1;
    }

    /// Reads every event up to the end-of-track event or the end of the data, then ends the
    /// track (its stray messages, its notes still sounding, its defaults).
    void run() {
        try {
            while (!r_.atEnd())
                if (!readEvent()) break;
        } catch (const ParseError& e) {
            if (!e.endOfData) throw;
            out_.cutOff = true;
            out_.cutOffAt = eventAt_;
            out_.cutOffReason = e.what;
            tick_ = lastTick_;
        }
        reportStrayMessages();
        out_.endTick = tick_;
        closeSoundingNotes();
        if (track_.channel < 0) track_.channel = 0;
        if (track_.program < 0) track_.program = 0;
        track_.sort();
    }

  private:
    /// One event, its delta time first; false after the end-of-track event.
    bool readEvent() {
        eventAt_ = r_.pos();
        const std::uint32_t delta = r_.vlq("a delta time");
        tick_ += delta;
        const std::size_t statusAt = r_.pos();
        const std::uint8_t b = r_.u8("an event");
        if (b == 0xFF) return metaEvent(delta, statusAt);
        if (b == 0xF0 || b == 0xF7) {
            sysexEvent(b, statusAt);
            return true;
        }
        if (b > 0xF0) {
            strayMessage(b, statusAt);
            return true;
        }
        channelMessage(b, statusAt);
        return true;
    }

    /// A meta event (0xFF); false when it is the end of the track.
    bool metaEvent(std::uint32_t delta, std::size_t statusAt) {
        const std::uint8_t type = r_.u8("a meta event type");
        const std::uint32_t len = r_.vlq("a meta event length");
        auto data = r_.take(len, "meta event");
        lastTick_ = tick_;
        if (type == 0x2F) {
            out_.sawEndOfTrack = true;
            return false; // anything after end-of-track inside the chunk is ignored
        } else if (type == 0x51) {
            if (len < 3) {
                out_.warnings.push_back("ignored a tempo event with " + std::to_string(len) +
                                        " data bytes at byte " + std::to_string(statusAt));
                return true;
            }
            const std::uint32_t us =
                (std::uint32_t(data[0]) << 16) | (std::uint32_t(data[1]) << 8) | data[2];
            if (us > 0) out_.tempos.push_back({tick_, double(us)});
        } else if (type == 0x58) {
            if (len >= 2 && data[1] <= 6 && data[0] > 0)
                out_.timeSignatures.push_back({tick_, int(data[0]), 1 << data[1]});
            else
                out_.warnings.push_back("ignored a malformed time signature at byte " +
                                        std::to_string(statusAt));
        } else if (type == 0x03 && !named_ && tick_ == base_ && len > 0) {
            // The track's name: its first name event at its start. Any other one
            // (later, or a second name) is kept as it is.
            track_.name.assign(data.begin(), data.end());
            named_ = true;
        } else if (type == 0x01 && len == 0 && delta == kLongestDelta) {
            // An empty text event after the longest delta there is: how the writer
            // bridges a gap longer than one delta can say. Time, not an event.
        } else {
            keepRaw(out_, RawEvent::Kind::Meta, type, tick_, data, statusAt);
        }
        return true;
    }

    /// A sysex event (0xF0) or an escape (0xF7), kept as it is.
    void sysexEvent(std::uint8_t status, std::size_t statusAt) {
        const std::uint32_t len = r_.vlq("a sysex length");
        auto data = r_.take(len, "sysex event");
        lastTick_ = tick_;
        keepRaw(out_, status == 0xF0 ? RawEvent::Kind::Sysex : RawEvent::Kind::Escape, 0, tick_,
                data, statusAt);
    }

    /// A system-common or real-time message recorded into the track: skip it and its data
    /// bytes, and count it for the warning at the end of the track.
    void strayMessage(std::uint8_t status, std::size_t statusAt) {
        const int n = systemDataBytes(status);
        for (int i = 0; i < n; ++i)
            r_.dataByte("a system message");
        StraySystemMessages& st = stray_[status & 0x0F];
        if (st.count++ == 0) {
            st.firstAt = statusAt;
            strayOrder_.push_back(status);
        }
        if (status < 0xF8 && running_ && !cancelledBy_) {
            cancelledBy_ = status;
            cancelledAt_ = statusAt;
        }
        lastTick_ = tick_;
    }

    /// A channel message: its status byte `b`, or its first data byte under running status.
    void channelMessage(std::uint8_t b, std::size_t statusAt) {
        std::uint8_t status;
        std::uint8_t d1;
        if (b & 0x80) {
            status = b;
            running_ = b;
            cancelledBy_ = 0;
            d1 = r_.dataByte("a channel message");
        } else {
            status = continueRunningStatus(b, statusAt);
            d1 = b;
        }
        const int channel = status & 0x0F;
        const int kind = status & 0xF0;
        const bool twoBytes = kind != 0xC0 && kind != 0xD0;
        const std::uint8_t d2 = twoBytes ? r_.dataByte("a channel message") : 0;
        lastTick_ = tick_;
        if (track_.channel < 0) track_.channel = channel;
        storeChannelMessage(kind, channel, d1, d2);
    }

    /// The status a data byte `b` in place of a status byte continues; an error when there is
    /// none, a warning when a system message came between.
    std::uint8_t continueRunningStatus(std::uint8_t b, std::size_t statusAt) {
        if (!running_)
            throw ParseError{statusAt, "expected a status byte, found data byte " + hexByte(b) +
                                           " with no running status"};
        if (cancelledBy_) {
            out_.warnings.push_back("data bytes at byte " + std::to_string(statusAt) +
                                    " continue the running status " + hexByte(running_) +
                                    " across system message " + hexByte(cancelledBy_) +
                                    " at byte " + std::to_string(cancelledAt_));
            cancelledBy_ = 0;
        }
        return running_;
    }

    /// A note opens or closes; any other channel message becomes a channel event.
    void storeChannelMessage(int kind, int channel, std::uint8_t d1, std::uint8_t d2) {
        switch (kind) {
        case 0x90:
            if (d2 > 0) {
                open_.open(channel, d1, {tick_, d2});
                break;
            }
            [[fallthrough]]; // note-on with velocity 0 is a note-off
        case 0x80:
            open_.close(channel, d1, tick_, track_); // a note-off with no open note is ignored
            break;
        case 0xA0:
            track_.events.push_back({tick_, ChannelEvent::Kind::PolyPressure, channel, d1, d2});
            break;
        case 0xB0:
            track_.events.push_back({tick_, ChannelEvent::Kind::Controller, channel, d1, d2});
            break;
        case 0xC0:
            if (track_.program < 0) track_.program = d1;
            track_.events.push_back({tick_, ChannelEvent::Kind::Program, channel, d1, 0});
            break;
        case 0xD0:
            track_.events.push_back({tick_, ChannelEvent::Kind::ChannelPressure, channel, 0, d1});
            break;
        case 0xE0:
            track_.events.push_back(
                {tick_, ChannelEvent::Kind::PitchBend, channel, 0, d1 | (d2 << 7)});
            break;
        }
    }

    /// One warning per kind of stray system message, in the order they first appeared.
    void reportStrayMessages() {
        for (std::uint8_t b : strayOrder_) {
            const StraySystemMessages& st = stray_[b & 0x0F];
            out_.warnings.push_back("skipped " + std::to_string(st.count) +
                                    " stray system message(s) " + hexByte(b) + " (first at byte " +
                                    std::to_string(st.firstAt) + ")");
        }
    }

    /// Notes still sounding at the end of the track end there.
    void closeSoundingNotes() {
        const std::size_t endAt = out_.cutOff ? out_.cutOffAt : r_.pos();
        if (std::size_t n = open_.closeAll(tick_, track_))
            out_.warnings.push_back(std::to_string(n) + " note(s) without a note-off end at tick " +
                                    std::to_string(tick_) + ", the end of the track (byte " +
                                    std::to_string(endAt) + ")");
    }

    ByteReader& r_;
    OpenNotes& open_;
    TrackParse& out_;
    Track& track_;
    const Tick base_;
    Tick tick_;
    Tick lastTick_; ///< tick of the last event read completely
    // Running status. The standard says meta and sysex events cancel it; files in the wild
    // rely on it surviving them, and a data byte there has no other reading, so keep it.
    std::uint8_t running_ = 0;
    // A system-common message (0xF1-0xF6) cancels running status on the wire; a real-time
    // one (0xF8-0xFE) may come between any two bytes and leaves it alone. In a file either
    // is stray, and data bytes after a system-common one have no reading other than the
    // running status from before it, so keep it, and warn where a file relies on that.
    std::uint8_t cancelledBy_ = 0;
    std::size_t cancelledAt_ = 0;
    StraySystemMessages stray_[16]; // by the low nibble of 0xF0-0xFF
    std::vector<std::uint8_t> strayOrder_;
    std::size_t eventAt_; ///< first byte (delta time) of the event being read
    bool named_ = false;
};

} // namespace

void parseTrack(ByteReader& r, OpenNotes& open, TrackParse& out, Tick base) {
    TrackReader(r, open, out, base).run();
}

} // namespace continuo::midi_reader
