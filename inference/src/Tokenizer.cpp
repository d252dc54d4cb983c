#include "continuo/inference/Tokenizer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

namespace continuo::tokens {

Type typeOf(int t) {
    if (t == kPad) return Type::Pad;
    if (t == kBos) return Type::Bos;
    if (t == kEos) return Type::Eos;
    if (t >= kNoteOn && t < kNoteOff) return Type::NoteOn;
    if (t >= kNoteOff && t < kTimeShift) return Type::NoteOff;
    if (t >= kTimeShift && t < kVelocity) return Type::TimeShift;
    if (t >= kVelocity && t < kVocabSize) return Type::Velocity;
    return Type::Invalid;
}

int valueOf(int t) {
    switch (typeOf(t)) {
    case Type::NoteOn: return t - kNoteOn;
    case Type::NoteOff: return t - kNoteOff;
    case Type::TimeShift: return t - kTimeShift + 1;
    case Type::Velocity: return t - kVelocity;
    default: return -1;
    }
}

std::string describe(int t) {
    switch (typeOf(t)) {
    case Type::Pad: return "PAD";
    case Type::Bos: return "BOS";
    case Type::Eos: return "EOS";
    case Type::NoteOn: return "NOTE_ON " + std::to_string(valueOf(t));
    case Type::NoteOff: return "NOTE_OFF " + std::to_string(valueOf(t));
    case Type::TimeShift: return "TIME_SHIFT " + std::to_string(valueOf(t) * 10) + "ms";
    case Type::Velocity: return "VELOCITY " + std::to_string(valueOf(t));
    default: return "INVALID " + std::to_string(t);
    }
}

std::vector<TimedNote> performanceNotes(const Sequence& seq, bool foldSustain) {
    std::vector<TimedNote> out;
    for (const Track& track : seq.tracks) {
        if (track.channel == 9) continue; // GM drums are not piano
        // Pedal-down intervals per channel, in ticks.
        std::array<std::vector<std::pair<Tick, Tick>>, 16> pedal;
        if (foldSustain) {
            std::array<Tick, 16> downAt;
            downAt.fill(-1);
            for (const ChannelEvent& e : track.events) {
                if (e.kind != ChannelEvent::Kind::Controller || e.number != kSustainController) continue;
                auto ch = std::size_t(e.channel & 15);
                if (e.value >= 64 && downAt[ch] < 0) downAt[ch] = e.tick;
                else if (e.value < 64 && downAt[ch] >= 0) {
                    pedal[ch].push_back({downAt[ch], e.tick});
                    downAt[ch] = -1;
                }
            }
            Tick end = std::max(seq.endTick, track.endTick());
            for (std::size_t ch = 0; ch < 16; ++ch)
                if (downAt[ch] >= 0) pedal[ch].push_back({downAt[ch], end});
        }
        // Notes grouped per (channel, key), in onset order.
        std::map<int, std::vector<const Note*>> byKey;
        for (const Note& n : track.notes) {
            if (n.channel == 9) continue;
            byKey[n.channel * 128 + n.pitch].push_back(&n);
        }
        for (auto& [key, notes] : byKey) {
            std::stable_sort(notes.begin(), notes.end(),
                             [](const Note* a, const Note* b) { return a->start < b->start; });
            const auto& pedals = pedal[std::size_t(key / 128)];
            for (std::size_t i = 0; i < notes.size(); ++i) {
                const Note& n = *notes[i];
                Tick end = n.end();
                // Released while the pedal is down: it sounds until the pedal lifts.
                auto it = std::upper_bound(pedals.begin(), pedals.end(), end,
                                           [](Tick t, const std::pair<Tick, Tick>& p) { return t < p.first; });
                if (it != pedals.begin()) {
                    --it;
                    if (end >= it->first && end < it->second) end = it->second;
                }
                // A key struck again ends the note that is still sounding.
                if (i + 1 < notes.size()) end = std::min(end, notes[i + 1]->start);
                end = std::max(end, n.start);
                out.push_back({seq.tempo.secondsAt(n.start), seq.tempo.secondsAt(end), n.pitch,
                               std::clamp(n.velocity, 1, 127)});
            }
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const TimedNote& a, const TimedNote& b) {
        return a.start != b.start ? a.start < b.start : a.pitch < b.pitch;
    });
    return out;
}

namespace {

struct Event {
    long step;
    int order; // 0 = off, 1 = on
    int pitch;
    int velocity;
};

long toStep(double seconds) { return std::lround(std::max(0.0, seconds) / kStepSeconds); }

void emitShift(std::vector<int>& out, long steps) {
    while (steps > 0) {
        long s = std::min<long>(steps, kTimeShiftSteps);
        out.push_back(timeShift(int(s)));
        steps -= s;
    }
}

} // namespace

std::vector<int> encode(const std::vector<TimedNote>& notes) {
    // Per key, quantised notes in onset order; same-step re-strikes keep the louder.
    std::vector<Event> events;
    events.reserve(notes.size() * 2);
    std::array<std::vector<std::pair<long, std::size_t>>, 128> perKey; // (onStep, note index)
    for (std::size_t i = 0; i < notes.size(); ++i) {
        const TimedNote& n = notes[i];
        if (n.pitch < 0 || n.pitch > 127) continue;
        perKey[std::size_t(n.pitch)].push_back({toStep(n.start), i});
    }
    for (int p = 0; p < 128; ++p) {
        auto& list = perKey[std::size_t(p)];
        std::stable_sort(list.begin(), list.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        for (std::size_t k = 0; k < list.size(); ++k) {
            const TimedNote& n = notes[list[k].second];
            long on = list[k].first;
            if (k + 1 < list.size() && list[k + 1].first == on) {
                const TimedNote& next = notes[list[k + 1].second];
                if (next.velocity < n.velocity) std::swap(list[k], list[k + 1]);
                continue; // the louder strike survives as the next entry
            }
            long off = std::max(toStep(n.end), on + 1);
            if (k + 1 < list.size()) off = std::min(off, list[k + 1].first);
            events.push_back({on, 1, p, std::clamp(n.velocity, 1, 127)});
            events.push_back({off, 0, p, 0});
        }
    }
    std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
        if (a.step != b.step) return a.step < b.step;
        if (a.order != b.order) return a.order < b.order;
        return a.pitch < b.pitch;
    });
    std::vector<int> out;
    out.reserve(events.size() * 2);
    long now = 0;
    int bin = -1;
    for (const Event& e : events) {
        emitShift(out, e.step - now);
        now = e.step;
        if (e.order == 0) {
            out.push_back(noteOff(e.pitch));
        } else {
            int b = e.velocity / 4;
            if (b != bin) {
                out.push_back(kVelocity + b);
                bin = b;
            }
            out.push_back(noteOn(e.pitch));
        }
    }
    return out;
}

StreamingDecoder::StreamingDecoder(double startSeconds) : time_(startSeconds) {}

std::vector<TimedNote> StreamingDecoder::feed(int token) {
    std::vector<TimedNote> done;
    if (ended_) return done;
    switch (typeOf(token)) {
    case Type::Eos:
        ended_ = true;
        break;
    case Type::TimeShift:
        time_ += valueOf(token) * kStepSeconds;
        std::erase_if(lingering_, [this](double end) { return end <= time_ + 1e-9; });
        break;
    case Type::Velocity:
        velocity_ = std::clamp(binToVelocity(valueOf(token)), 1, 127);
        break;
    case Type::NoteOn: {
        Open& o = open_[valueOf(token)];
        if (o.on) {
            done.push_back({o.start, std::max(time_, o.start + kStepSeconds), valueOf(token), o.velocity});
            close(o.start);
        } else {
            ++sounding_;
        }
        o = {true, time_, velocity_};
        break;
    }
    case Type::NoteOff: {
        Open& o = open_[valueOf(token)];
        if (o.on) {
            done.push_back({o.start, std::max(time_, o.start + kStepSeconds), valueOf(token), o.velocity});
            o.on = false;
            --sounding_;
            close(o.start);
        }
        break;
    }
    default:
        break;
    }
    return done;
}

void StreamingDecoder::close(double start) {
    if (start + kStepSeconds > time_ + 1e-9) lingering_.push_back(start + kStepSeconds);
}

std::vector<TimedNote> StreamingDecoder::finish() {
    std::vector<TimedNote> done;
    for (int p = 0; p < 128; ++p) {
        Open& o = open_[p];
        if (!o.on) continue;
        done.push_back({o.start, std::max(time_, o.start + kStepSeconds), p, o.velocity});
        o.on = false;
    }
    sounding_ = 0;
    lingering_.clear();
    return done;
}

std::vector<TimedNote> decode(const std::vector<int>& tokens) {
    StreamingDecoder d;
    std::vector<TimedNote> out;
    for (int t : tokens) {
        auto notes = d.feed(t);
        out.insert(out.end(), notes.begin(), notes.end());
        if (d.ended()) break;
    }
    auto rest = d.finish();
    out.insert(out.end(), rest.begin(), rest.end());
    std::stable_sort(out.begin(), out.end(), [](const TimedNote& a, const TimedNote& b) {
        return a.start != b.start ? a.start < b.start : a.pitch < b.pitch;
    });
    return out;
}

std::vector<Note> toNotes(const std::vector<TimedNote>& notes, const TempoMap& tempo, int channel) {
    std::vector<Note> out;
    out.reserve(notes.size());
    for (const TimedNote& n : notes) {
        Note x;
        x.pitch = n.pitch;
        x.velocity = n.velocity;
        x.start = tempo.tickAt(n.start);
        x.length = std::max<Tick>(1, tempo.tickAt(n.end) - x.start);
        x.channel = channel;
        out.push_back(x);
    }
    return out;
}

std::vector<int> augment(const std::vector<int>& tokens, int semitones, double stretch) {
    std::vector<int> out;
    out.reserve(tokens.size() + 8);
    double exact = 0.0; // unstretched time in steps
    long emitted = 0;   // stretched steps already written
    for (int t : tokens) {
        Type type = typeOf(t);
        if (type == Type::TimeShift) {
            exact += valueOf(t);
            continue;
        }
        if (type == Type::NoteOn || type == Type::NoteOff) {
            int original = valueOf(t);
            int p = original + semitones;
            if (p < 0 || p > 127) continue;
            if (semitones != 0 && original >= 21 && original <= 108 && (p < 21 || p > 108)) continue;
            t = (type == Type::NoteOn ? kNoteOn : kNoteOff) + p;
        }
        long target = std::lround(exact * stretch);
        emitShift(out, target - emitted);
        emitted = std::max(emitted, target);
        out.push_back(t);
    }
    long target = std::lround(exact * stretch);
    emitShift(out, target - emitted);
    return out;
}

std::vector<int> primerTokens(const std::vector<TimedNote>& primer, double primerEndSeconds, std::vector<double>* seconds,
                              double* notesEnd) {
    std::vector<int> toks{kBos};
    const auto encoded = encode(primer);
    toks.insert(toks.end(), encoded.begin(), encoded.end());
    if (seconds) seconds->assign(1, 0.0);
    StreamingDecoder clock;
    for (int t : encoded) {
        if (seconds) seconds->push_back(clock.now());
        clock.feed(t);
    }
    if (notesEnd) *notesEnd = clock.now();
    long gap = std::lround((std::max(primerEndSeconds, clock.now()) - clock.now()) / kStepSeconds);
    double at = clock.now();
    while (gap > 0) {
        const int steps = int(std::min<long>(gap, kTimeShiftSteps));
        toks.push_back(timeShift(steps));
        if (seconds) seconds->push_back(at);
        at += steps * kStepSeconds;
        gap -= steps;
    }
    return toks;
}

} // namespace continuo::tokens
