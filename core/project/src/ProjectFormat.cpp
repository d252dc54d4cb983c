// The .continuo file: JSON. Version 3:
//
//   { "format": "continuo", "version": 3, "title": "...", "ticksPerQuarter": 960,
//     "midi": {"ticksPerQuarter": 384, "format": 1},      // the MIDI file it came from
//     "tempo": [{"tick": 0, "microsPerQuarter": 500000}, ...],
//     "timeSignatures": [{"tick": 0, "numerator": 4, "denominator": 4}, ...],
//     "end": 123456,                                        // end of the piece (ticks)
//     "loop": {"start": 0, "end": 15360, "enabled": false},
//     "tracks": [{"name": "Piano", "channel": 0, "program": 0,
//                 "muted": false, "solo": false, "visible": true, "primer": true,
//                 "notes": [[start, length, pitch, velocity, channel], ...],
//                 "events": [[tick, kind, channel, number, value], ...],
//                 "raw": [[tick, "meta", type, "hex"], [tick, "sysex", "hex"], ...]}, ...],
//     "conductor": {"name": "...", "raw": [...]},          // the MIDI file's conductor track
//     "takes": [{"id": "1", "name": "...", "provenance": {...}, "notes": [...]}, ...],
//     "primerTake": "0", "settings": {...} }
//
// A take continued from another take names it in its provenance's "parentTake" (the id as a
// string; absent: the sketch); parents must be takes of the file, without cycles.
// An infill take's provenance has "infill": {"gapStart", "gapEnd" (ticks), "score",
// "originalScore" (nats per token of the music after the gap), "scoredTokens"}; a take
// without it is a continuation (every file before Fill Gap).
//
// Written compact (no indentation). Event kinds: "cc" (number = controller), "program" (number = program), "bend" (value
// 0..16383, 8192 = centre), "pressure" (value), "polyPressure" (number = key). Rows keep a
// piece of a few thousand notes and pedal events compact. Fields this version does not know,
// at the top level and in a track, are kept and written back.
//
// "raw" holds the meta and sysex events of a MIDI track that Continuo keeps without editing
// them, each with its tick and its bytes after the length, in hex: "meta" (type 0..255, not
// end of track, tempo or time signature, which live elsewhere), "sysex" (F0) or "escape" (F7).
// At most kMaxRawEventBytes per event. A name that is not UTF-8 (a MIDI file's bytes in some
// other encoding) is also written as "nameHex", which wins over "name" when read.
//
// Version 3 added "raw" and "conductor"; version 2 files read the same without them (a
// version-3 file in a version-2 build would be refused rather than have its raw events left
// behind when notes and tempo are edited). Version 1 (notes only, one time signature) is read
// as one track per channel used.
#include "continuo/project/Project.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include <algorithm>
#include <unordered_map>
#include <map>

namespace continuo::project {

namespace {

// Beyond 2^40 ticks (years of music) start + length could overflow a Tick.
constexpr qint64 kMaxTicks = qint64(1) << 40;

Error at(const QString& where, const QString& what) { return Error{(where + ": " + what).toStdString()}; }

QJsonArray notesToJson(const std::vector<Note>& notes) {
    QJsonArray arr;
    for (const Note& n : notes)
        arr.append(QJsonArray{qint64(n.start), qint64(n.length), n.pitch, n.velocity, n.channel});
    return arr;
}

Expected<std::vector<Note>> notesFromJson(const QJsonValue& v, const QString& where) {
    if (v.isUndefined()) return std::vector<Note>{};
    if (!v.isArray()) return Error{(where + ": expected an array of notes").toStdString()};
    std::vector<Note> out;
    const QJsonArray arr = v.toArray();
    out.reserve(std::size_t(arr.size()));
    for (qsizetype i = 0; i < arr.size(); ++i) {
        const QJsonArray row = arr[i].toArray();
        const QString here = QStringLiteral("%1[%2]").arg(where).arg(i);
        if (row.size() < 4) return at(here, "expected [start, length, pitch, velocity, channel]");
        Note n;
        n.start = std::max<qint64>(0, row[0].toInteger());
        n.length = std::max<qint64>(0, row[1].toInteger());
        if (n.start > kMaxTicks || n.length > kMaxTicks) return at(here, "start and length must be below 2^40 ticks");
        n.pitch = std::clamp(row[2].toInt(), 0, 127);
        n.velocity = std::clamp(row[3].toInt(), 1, 127);
        n.channel = row.size() > 4 ? std::clamp(row[4].toInt(), 0, 15) : 0;
        out.push_back(n);
    }
    return out;
}

const char* kindName(ChannelEvent::Kind k) {
    switch (k) {
    case ChannelEvent::Kind::Controller: return "cc";
    case ChannelEvent::Kind::Program: return "program";
    case ChannelEvent::Kind::PitchBend: return "bend";
    case ChannelEvent::Kind::ChannelPressure: return "pressure";
    case ChannelEvent::Kind::PolyPressure: return "polyPressure";
    }
    return "cc";
}

bool kindFromName(const QString& s, ChannelEvent::Kind* k) {
    static const std::pair<const char*, ChannelEvent::Kind> kinds[] = {
        {"cc", ChannelEvent::Kind::Controller},           {"program", ChannelEvent::Kind::Program},
        {"bend", ChannelEvent::Kind::PitchBend},          {"pressure", ChannelEvent::Kind::ChannelPressure},
        {"polyPressure", ChannelEvent::Kind::PolyPressure}};
    for (const auto& [name, kind] : kinds)
        if (s == QLatin1String(name)) {
            *k = kind;
            return true;
        }
    return false;
}

QJsonArray eventsToJson(const std::vector<ChannelEvent>& events) {
    QJsonArray arr;
    for (const ChannelEvent& e : events)
        arr.append(QJsonArray{qint64(e.tick), kindName(e.kind), e.channel, e.number, e.value});
    return arr;
}

Expected<std::vector<ChannelEvent>> eventsFromJson(const QJsonValue& v, const QString& where) {
    if (v.isUndefined()) return std::vector<ChannelEvent>{};
    if (!v.isArray()) return at(where, "expected an array of events");
    std::vector<ChannelEvent> out;
    const QJsonArray arr = v.toArray();
    out.reserve(std::size_t(arr.size()));
    for (qsizetype i = 0; i < arr.size(); ++i) {
        const QJsonArray row = arr[i].toArray();
        const QString here = QStringLiteral("%1[%2]").arg(where).arg(i);
        if (row.size() < 5) return at(here, "expected [tick, kind, channel, number, value]");
        ChannelEvent e;
        e.tick = row[0].toInteger(-1);
        if (e.tick < 0 || e.tick > kMaxTicks) return at(here, "tick must be 0..2^40");
        if (!kindFromName(row[1].toString(), &e.kind))
            return at(here, QStringLiteral("unknown event kind \"%1\"").arg(row[1].toString()));
        e.channel = std::clamp(row[2].toInt(), 0, 15);
        e.number = std::clamp(row[3].toInt(), 0, 127);
        e.value = std::clamp(row[4].toInt(), 0, e.kind == ChannelEvent::Kind::PitchBend ? 16383 : 127);
        out.push_back(e);
    }
    std::stable_sort(out.begin(), out.end(), [](const ChannelEvent& a, const ChannelEvent& b) { return a.tick < b.tick; });
    return out;
}

const char* rawKindName(RawEvent::Kind k) {
    switch (k) {
    case RawEvent::Kind::Meta: return "meta";
    case RawEvent::Kind::Sysex: return "sysex";
    case RawEvent::Kind::Escape: return "escape";
    }
    return "meta";
}

QString toHex(const std::string& bytes) {
    return QString::fromLatin1(QByteArray::fromRawData(bytes.data(), qsizetype(bytes.size())).toHex());
}

/// Strict hex (pairs of 0-9, a-f, A-F) of at most kMaxRawEventBytes bytes.
Expected<std::string> fromHex(const QJsonValue& v, const QString& where) {
    if (!v.isString()) return at(where, "expected the bytes as a hex string");
    const QString hex = v.toString();
    if (hex.size() % 2 != 0) return at(where, "hex string of odd length");
    if (std::size_t(hex.size()) / 2 > kMaxRawEventBytes)
        return at(where, QStringLiteral("%1 bytes, more than the %2 an event may hold")
                             .arg(hex.size() / 2)
                             .arg(qulonglong(kMaxRawEventBytes)));
    auto digit = [](QChar c) {
        const char16_t u = c.unicode();
        return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'f') || (u >= 'A' && u <= 'F');
    };
    if (!std::all_of(hex.begin(), hex.end(), digit)) return at(where, "not a hex string (0-9, a-f)");
    const QByteArray bytes = QByteArray::fromHex(hex.toLatin1());
    return std::string(bytes.constData(), std::size_t(bytes.size()));
}

QJsonArray rawEventsToJson(const std::vector<RawEvent>& events) {
    QJsonArray arr;
    for (const RawEvent& e : events) {
        if (e.kind == RawEvent::Kind::Meta)
            arr.append(QJsonArray{qint64(e.tick), "meta", e.type, toHex(e.data)});
        else
            arr.append(QJsonArray{qint64(e.tick), rawKindName(e.kind), toHex(e.data)});
    }
    return arr;
}

Expected<std::vector<RawEvent>> rawEventsFromJson(const QJsonValue& v, const QString& where) {
    if (v.isUndefined()) return std::vector<RawEvent>{};
    if (!v.isArray()) return at(where, "expected an array of meta and sysex events");
    std::vector<RawEvent> out;
    const QJsonArray arr = v.toArray();
    out.reserve(std::size_t(arr.size()));
    for (qsizetype i = 0; i < arr.size(); ++i) {
        const QJsonArray row = arr[i].toArray();
        const QString here = QStringLiteral("%1[%2]").arg(where).arg(i);
        if (row.size() < 2) return at(here, "expected [tick, \"meta\", type, hex] or [tick, \"sysex\"|\"escape\", hex]");
        RawEvent e;
        e.tick = row[0].toInteger(-1);
        if (e.tick < 0 || e.tick > kMaxTicks) return at(here, "tick must be 0..2^40");
        const QString kind = row[1].toString();
        qsizetype dataAt = 2;
        if (kind == QLatin1String("meta")) {
            if (row.size() != 4) return at(here, "expected [tick, \"meta\", type, hex]");
            e.kind = RawEvent::Kind::Meta;
            e.type = row[2].toInt(-1);
            if (e.type < 0 || e.type > 255) return at(here, "meta event type must be 0..255");
            if (isInterpretedMeta(e.type))
                return at(here, QStringLiteral("meta event type %1 (end of track, tempo or time signature) "
                                               "is not kept as a raw event")
                                    .arg(e.type));
            dataAt = 3;
        } else if (kind == QLatin1String("sysex") || kind == QLatin1String("escape")) {
            if (row.size() != 3) return at(here, QStringLiteral("expected [tick, \"%1\", hex]").arg(kind));
            e.kind = kind == QLatin1String("sysex") ? RawEvent::Kind::Sysex : RawEvent::Kind::Escape;
        } else {
            return at(here, QStringLiteral("unknown raw event kind \"%1\" (expected meta, sysex or escape)").arg(kind));
        }
        auto data = fromHex(row[dataAt], here);
        if (!data) return Error{data.error()};
        e.data = std::move(data.value());
        out.push_back(std::move(e));
    }
    sortRawEvents(out);
    return out;
}

/// "name", plus "nameHex" when the bytes are not UTF-8 (JSON strings are).
void putName(QJsonObject& o, const std::string& name) {
    const QString text = QString::fromStdString(name);
    o["name"] = text;
    if (text.toStdString() != name) o["nameHex"] = toHex(name);
}

Expected<std::string> nameFromJson(const QJsonObject& o, const QString& where) {
    if (!o.contains("nameHex")) return o["name"].toString().toStdString();
    return fromHex(o["nameHex"], where + ".nameHex");
}

Expected<TimeSignature> timeSignatureFromJson(const QJsonValue& v, const QString& where) {
    TimeSignature ts;
    ts.tick = std::clamp<qint64>(v["tick"].toInteger(0), 0, kMaxTicks);
    ts.numerator = std::clamp(v["numerator"].toInt(4), 1, 255);
    ts.denominator = v["denominator"].toInt(4);
    if (ts.denominator < 1 || ts.denominator > 64 || (ts.denominator & (ts.denominator - 1)))
        return at(where, "time signature denominator must be 1, 2, 4, 8, 16, 32 or 64");
    return ts;
}

QJsonObject provenanceToJson(const TakeProvenance& p) {
    QJsonObject o{{"primerStart", qint64(p.primerStart)},
                       {"primerEnd", qint64(p.primerEnd)},
                       {"primerSource", p.primerSource},
                       {"model", p.modelName},
                       {"modelSha256", p.modelHash},
                       {"device", p.device},
                       {"seed", QString::number(p.sampling.seed.value())},
                       {"temperature", p.sampling.temperature},
                       {"topP", p.sampling.topP},
                       {"recall", p.sampling.recall},
                       {"lengthSeconds", p.sampling.lengthSeconds},
                       {"variations", p.sampling.variations},
                       {"variation", p.variation},
                       {"stopped", p.stopped},
                       {"created", p.created.toString(Qt::ISODateWithMs)}};
    if (p.sampling.topK > 0) o["topK"] = p.sampling.topK;
    // Only takes continued from another take name their parent; the sketch is the default.
    if (p.parentTake != 0) o["parentTake"] = QString::number(p.parentTake);
    // Only infill takes carry the gap; files of continuations stay as they were.
    if (p.infill)
        o["infill"] = QJsonObject{{"gapStart", qint64(p.gapStart)},
                                  {"gapEnd", qint64(p.gapEnd)},
                                  {"score", p.score},
                                  {"originalScore", p.originalScore},
                                  {"scoredTokens", p.scoredTokens}};
    return o;
}

TakeProvenance provenanceFromJson(const QJsonObject& p) {
    TakeProvenance pv;
    pv.primerStart = p["primerStart"].toInteger();
    pv.primerEnd = p["primerEnd"].toInteger();
    pv.primerSource = p["primerSource"].toString();
    pv.modelName = p["model"].toString();
    pv.modelHash = p["modelSha256"].toString();
    pv.device = p["device"].toString();
    SamplingSettings& s = pv.sampling;
    s.seed = Seed::fixed(p["seed"].toString().toULongLong());
    s.temperature = p["temperature"].toDouble(kDefaultTemperature);
    s.topP = p["topP"].toDouble(kTopPOfUnrecordedTakes);
    s.topK = std::max(0, p["topK"].toInt(0));
    s.recall = std::clamp(p["recall"].toDouble(kRecallOfUnrecordedTakes), 0.0, 1.0);
    s.lengthSeconds = p["lengthSeconds"].toDouble(15.0);
    pv.variation = p["variation"].toInt();
    // Files written before takes recorded their request's size say at least this many.
    s.variations = std::clamp(p["variations"].toInt(pv.variation + 1), 1, kMaxVariations);
    pv.stopped = p["stopped"].toBool(false);
    pv.created = QDateTime::fromString(p["created"].toString(), Qt::ISODateWithMs);
    const QJsonObject fill = p["infill"].toObject();
    if (!fill.isEmpty()) {
        pv.infill = true;
        pv.gapStart = std::max<qint64>(0, fill["gapStart"].toInteger());
        pv.gapEnd = std::max<qint64>(pv.gapStart, fill["gapEnd"].toInteger());
        pv.score = fill["score"].toDouble(-1);
        pv.originalScore = fill["originalScore"].toDouble(-1);
        pv.scoredTokens = fill["scoredTokens"].toInt();
    }
    return pv;
}

const char* const kTopLevelKeys[] = {"format", "version", "title", "ticksPerQuarter", "midi", "tempo",
                                     "timeSignatures", "timeSignature", "end", "loop", "tracks", "notes",
                                     "takes", "primerTake", "settings", "conductor"};
const char* const kTrackKeys[] = {"name",    "nameHex", "channel", "program", "muted", "solo",
                                  "visible", "primer",  "notes",   "events",  "raw"};

template <std::size_t N> QJsonObject unknownFields(const QJsonObject& o, const char* const (&known)[N]) {
    QJsonObject extra;
    for (auto it = o.begin(); it != o.end(); ++it)
        if (std::none_of(std::begin(known), std::end(known), [&](const char* k) { return it.key() == QLatin1String(k); }))
            extra.insert(it.key(), it.value());
    return extra;
}

void putUnknown(QJsonObject& o, const QJsonObject& extra) {
    for (auto it = extra.begin(); it != extra.end(); ++it)
        if (!o.contains(it.key())) o.insert(it.key(), it.value());
}

/// A project whose file used another resolution, brought to kTicksPerQuarter.
void rescaleProject(Project& p, int from) {
    const int to = kTicksPerQuarter;
    auto r = [&](Tick t) { return rescaleTick(t, from, to); };
    auto notes = [&](std::vector<Note>& v) {
        for (Note& n : v) {
            const Tick s = r(n.start), e = r(n.end());
            n.start = s;
            n.length = std::max<Tick>(0, e - s);
        }
        std::stable_sort(v.begin(), v.end(), noteLess);
    };
    p.tempo = p.tempo.rescaled(to);
    for (TimeSignature& ts : p.timeSignatures) ts.tick = r(ts.tick);
    for (ProjectTrack& t : p.tracks) {
        notes(t.notes);
        for (ChannelEvent& e : t.events) e.tick = r(e.tick);
        for (RawEvent& e : t.rawEvents) e.tick = r(e.tick);
    }
    for (RawEvent& e : p.conductorEvents) e.tick = r(e.tick);
    for (Take& t : p.takes) {
        notes(t.notes);
        t.provenance.primerStart = r(t.provenance.primerStart);
        t.provenance.primerEnd = r(t.provenance.primerEnd);
        t.provenance.gapStart = r(t.provenance.gapStart);
        t.provenance.gapEnd = r(t.provenance.gapEnd);
    }
    p.loop.start = r(p.loop.start);
    p.loop.end = r(p.loop.end);
    p.endTick = r(p.endTick);
}

} // namespace

QJsonObject projectToJson(const Project& p) {
    QJsonObject root;
    root["format"] = "continuo";
    root["version"] = kProjectFormatVersion;
    root["title"] = p.title;
    root["ticksPerQuarter"] = kTicksPerQuarter;
    root["midi"] = QJsonObject{{"ticksPerQuarter", p.midiTicksPerQuarter}, {"format", p.midiFormat}};
    QJsonArray tempo;
    for (const TempoChange& c : p.tempo.changes())
        tempo.append(QJsonObject{{"tick", qint64(c.tick)}, {"microsPerQuarter", c.microsPerQuarter}});
    root["tempo"] = tempo;
    QJsonArray signatures;
    for (const TimeSignature& ts : p.timeSignatures)
        signatures.append(QJsonObject{{"tick", qint64(ts.tick)}, {"numerator", ts.numerator}, {"denominator", ts.denominator}});
    root["timeSignatures"] = signatures;
    root["end"] = qint64(p.endTick);
    if (p.hasLoop)
        root["loop"] = QJsonObject{{"start", qint64(p.loop.start)}, {"end", qint64(p.loop.end)}, {"enabled", p.loop.enabled}};
    if (!p.conductorName.empty() || !p.conductorEvents.empty()) {
        QJsonObject conductor{{"raw", rawEventsToJson(p.conductorEvents)}};
        putName(conductor, p.conductorName);
        root["conductor"] = conductor;
    }
    QJsonArray tracks;
    for (const ProjectTrack& t : p.tracks) {
        QJsonObject o{{"channel", t.channel},
                      {"program", t.program},
                      {"muted", t.muted},
                      {"solo", t.solo},
                      {"visible", t.visible},
                      {"primer", t.inPrimer},
                      {"notes", notesToJson(t.notes)},
                      {"events", eventsToJson(t.events)}};
        putName(o, t.name);
        if (!t.rawEvents.empty()) o["raw"] = rawEventsToJson(t.rawEvents);
        putUnknown(o, t.extra);
        tracks.append(o);
    }
    root["tracks"] = tracks;
    QJsonArray takes;
    for (const Take& t : p.takes) {
        if (t.generating) continue;
        takes.append(QJsonObject{{"id", QString::number(t.id)},
                                 {"name", t.name},
                                 {"provenance", provenanceToJson(t.provenance)},
                                 {"notes", notesToJson(t.notes)}});
    }
    root["takes"] = takes;
    root["primerTake"] = QString::number(p.primerTake);
    const PieceSettings& s = p.settings;
    const SamplingSettings& ss = s.sampling;
    // A random seed is written as -1, as files have always said it.
    QJsonObject settings{{"lengthSeconds", ss.lengthSeconds},
                         {"temperature", ss.temperature},
                         {"topP", ss.topP},
                         {"variations", ss.variations},
                         {"recall", ss.recall},
                         {"seed", ss.seed.isRandom() ? QStringLiteral("-1") : QString::number(ss.seed.value())},
                         {"grid", s.gridIndex}};
    if (ss.topK > 0) settings["topK"] = ss.topK;
    root["settings"] = settings;
    putUnknown(root, p.extra);
    return root;
}

Expected<Project> projectFromJson(const QJsonObject& root) {
    if (root["format"].toString() != "continuo")
        return Error{"not a Continuo project (the \"format\" field is missing or wrong)"};
    const int version = root["version"].toInt(1);
    if (version > kProjectFormatVersion)
        return Error{QStringLiteral("project format version %1 is newer than this program reads (%2)")
                         .arg(version).arg(kProjectFormatVersion).toStdString()};
    Project p;
    p.extra = unknownFields(root, kTopLevelKeys);
    p.title = root["title"].toString();
    const int ppq = root["ticksPerQuarter"].toInt(kTicksPerQuarter);
    if (ppq < 1 || ppq > 0x7FFF) return Error{"ticksPerQuarter must be 1..32767"};

    TempoMap tempo(ppq);
    const QJsonArray tempoArr = root["tempo"].toArray();
    for (qsizetype i = 0; i < tempoArr.size(); ++i) {
        const QJsonValue v = tempoArr[i];
        const double mpq = v["microsPerQuarter"].toDouble(500000.0);
        // Any tempo a MIDI file can hold (24 bits of microseconds per quarter).
        if (!(mpq >= 1.0 && mpq <= 16777215.0))
            return at(QStringLiteral("tempo[%1]").arg(i), "microsPerQuarter must be 1..16777215");
        const qint64 tick = std::clamp<qint64>(v["tick"].toInteger(), 0, kMaxTicks);
        tempo.setTempo(tick, mpq);
    }
    p.tempo = tempo;

    p.timeSignatures.clear();
    if (root.contains("timeSignatures")) {
        const QJsonArray arr = root["timeSignatures"].toArray();
        for (qsizetype i = 0; i < arr.size(); ++i) {
            auto ts = timeSignatureFromJson(arr[i], QStringLiteral("timeSignatures[%1]").arg(i));
            if (!ts) return Error{ts.error()};
            p.timeSignatures.push_back(ts.value());
        }
        std::stable_sort(p.timeSignatures.begin(), p.timeSignatures.end(),
                         [](const TimeSignature& a, const TimeSignature& b) { return a.tick < b.tick; });
    } else if (root.contains("timeSignature")) {
        auto ts = timeSignatureFromJson(root["timeSignature"], "timeSignature");
        if (!ts) return Error{ts.error()};
        TimeSignature first = ts.value();
        first.tick = 0;
        first.numerator = std::clamp(first.numerator, 1, 32);
        p.timeSignatures.push_back(first);
    }
    if (p.timeSignatures.empty() || p.timeSignatures.front().tick != 0)
        p.timeSignatures.insert(p.timeSignatures.begin(), TimeSignature{});

    const QJsonObject midi = root["midi"].toObject();
    p.midiTicksPerQuarter = std::clamp(midi["ticksPerQuarter"].toInt(kTicksPerQuarter), 1, 0x7FFF);
    p.midiFormat = midi["format"].toInt(1) == 0 ? 0 : 1;
    p.endTick = std::clamp<qint64>(root["end"].toInteger(0), 0, kMaxTicks);

    if (version >= 2) {
        const QJsonArray arr = root["tracks"].toArray();
        for (qsizetype i = 0; i < arr.size(); ++i) {
            const QJsonObject o = arr[i].toObject();
            const QString where = QStringLiteral("tracks[%1]").arg(i);
            ProjectTrack t;
            t.id = TrackId(i + 1);
            auto name = nameFromJson(o, where);
            if (!name) return Error{name.error()};
            t.name = std::move(name.value());
            t.channel = std::clamp(o["channel"].toInt(0), 0, 15);
            t.program = std::clamp(o["program"].toInt(0), 0, 127);
            t.muted = o["muted"].toBool(false);
            t.solo = o["solo"].toBool(false);
            t.visible = o["visible"].toBool(true);
            t.inPrimer = o["primer"].toBool(true);
            auto notes = notesFromJson(o["notes"], where + ".notes");
            if (!notes) return Error{notes.error()};
            t.notes = std::move(notes.value());
            std::stable_sort(t.notes.begin(), t.notes.end(), noteLess);
            auto events = eventsFromJson(o["events"], where + ".events");
            if (!events) return Error{events.error()};
            t.events = std::move(events.value());
            auto raw = rawEventsFromJson(o["raw"], where + ".raw");
            if (!raw) return Error{raw.error()};
            t.rawEvents = std::move(raw.value());
            t.extra = unknownFields(o, kTrackKeys);
            p.tracks.push_back(std::move(t));
        }
    } else {
        // Version 1: the notes of one piano, exported as one track per channel.
        auto notes = notesFromJson(root["notes"], "notes");
        if (!notes) return Error{notes.error()};
        std::map<int, ProjectTrack> byChannel;
        for (const Note& n : notes.value()) byChannel[n.channel].notes.push_back(n);
        for (auto& [channel, t] : byChannel) {
            t.id = TrackId(p.tracks.size() + 1);
            t.channel = channel;
            t.name = channel == 9 ? "Drums" : (channel == 0 ? "Piano" : "Piano " + std::to_string(channel + 1));
            std::stable_sort(t.notes.begin(), t.notes.end(), noteLess);
            p.tracks.push_back(std::move(t));
        }
    }

    if (root.contains("conductor")) {
        if (!root["conductor"].isObject()) return Error{"conductor: expected an object"};
        const QJsonObject conductor = root["conductor"].toObject();
        auto name = nameFromJson(conductor, "conductor");
        if (!name) return Error{name.error()};
        p.conductorName = std::move(name.value());
        auto raw = rawEventsFromJson(conductor["raw"], "conductor.raw");
        if (!raw) return Error{raw.error()};
        p.conductorEvents = std::move(raw.value());
    }

    const QJsonArray takeArr = root["takes"].toArray();
    for (qsizetype i = 0; i < takeArr.size(); ++i) {
        const QJsonObject o = takeArr[i].toObject();
        Take t;
        t.id = o["id"].toString().toULongLong();
        if (t.id == 0) t.id = TakeId(i + 1);
        t.name = o["name"].toString();
        auto tn = notesFromJson(o["notes"], QStringLiteral("takes[%1].notes").arg(i));
        if (!tn) return Error{tn.error()};
        t.notes = std::move(tn.value());
        std::stable_sort(t.notes.begin(), t.notes.end(), noteLess);
        const QJsonObject prov = o["provenance"].toObject();
        t.provenance = provenanceFromJson(prov);
        if (prov.contains("parentTake")) {
            const QString where = QStringLiteral("takes[%1].provenance.parentTake").arg(i);
            bool ok = false;
            const QJsonValue v = prov["parentTake"];
            t.provenance.parentTake = v.isString() ? v.toString().toULongLong(&ok) : 0;
            if (!ok) return at(where, "expected a take id (a string of digits)");
        }
        p.takes.push_back(std::move(t));
    }
    // The takes form a tree under the sketch: every parent is another take of this file, and
    // following parents always reaches the sketch (no take is its own ancestor).
    std::unordered_map<TakeId, std::size_t> takeById;
    for (std::size_t i = 0; i < p.takes.size(); ++i) takeById.emplace(p.takes[i].id, i);
    std::vector<char> reachesSketch(p.takes.size(), 0); // 0 unknown, 1 on the current path, 2 reaches it
    for (std::size_t i = 0; i < p.takes.size(); ++i) {
        const QString where = QStringLiteral("takes[%1].provenance.parentTake").arg(i);
        std::vector<std::size_t> path;
        std::size_t k = i;
        while (reachesSketch[k] == 0) {
            reachesSketch[k] = 1;
            path.push_back(k);
            const TakeId parent = p.takes[k].provenance.parentTake;
            if (parent == 0) break;
            const auto found = takeById.find(parent);
            if (found == takeById.end()) return at(where, QStringLiteral("no take with id %1").arg(parent));
            k = found->second;
            if (reachesSketch[k] == 1) return at(where, QStringLiteral("take %1 is its own ancestor").arg(p.takes[k].id));
        }
        for (std::size_t j : path) reachesSketch[j] = 2;
    }
    p.primerTake = root["primerTake"].toString().toULongLong();

    const QJsonObject loop = root["loop"].toObject();
    if (!loop.isEmpty()) {
        p.hasLoop = true;
        p.loop.start = std::clamp<qint64>(loop["start"].toInteger(), 0, kMaxTicks);
        p.loop.end = std::clamp<qint64>(loop["end"].toInteger(), 0, kMaxTicks);
        p.loop.enabled = loop["enabled"].toBool();
    }
    const QJsonObject s = root["settings"].toObject();
    // Values out of range (a hand-edited file) come back to the nearest the panel offers.
    SamplingSettings& ss = p.settings.sampling;
    ss.lengthSeconds = std::clamp(s["lengthSeconds"].toDouble(15.0), 1.0, 600.0);
    ss.temperature = std::clamp(s["temperature"].toDouble(kDefaultTemperature), 0.05, 3.0);
    ss.topP = std::clamp(s["topP"].toDouble(kDefaultTopP), 0.01, 1.0);
    ss.topK = std::max(0, s["topK"].toInt(0));
    ss.recall = std::clamp(s["recall"].toDouble(kDefaultRecall), 0.0, 1.0);
    ss.variations = std::clamp(s["variations"].toInt(3), 1, kMaxVariations);
    const qint64 seed = s["seed"].toString("-1").toLongLong();
    ss.seed = seed < 0 ? Seed::random() : Seed::fixed(std::uint64_t(seed));
    p.settings.gridIndex = s["grid"].toInt(4);

    if (ppq != kTicksPerQuarter) rescaleProject(p, ppq);
    // Ids: tracks 1..T (in file order), notes 1..N, take notes above them.
    NoteId next = 1;
    for (ProjectTrack& t : p.tracks)
        for (Note& n : t.notes) {
            n.id = next++;
            n.track = t.id;
        }
    for (Take& t : p.takes)
        for (Note& n : t.notes) n.id = next++;
    return p;
}

QByteArray projectToBytes(const Project& project) {
    // Compact: a long MAESTRO performance (25,000 notes, 73,000 pedal events) is ~2 MB
    // instead of ~16 MB indented, and the autosave writes it every minute.
    return QJsonDocument(projectToJson(project)).toJson(QJsonDocument::Compact);
}

Expected<Project> projectFromBytes(const QByteArray& bytes) {
    QJsonParseError err;
    const QJsonDocument json = QJsonDocument::fromJson(bytes, &err);
    if (json.isNull())
        return Error{QStringLiteral("not valid JSON (byte %1: %2)").arg(err.offset).arg(err.errorString()).toStdString()};
    if (!json.isObject()) return Error{"not a Continuo project (the JSON is not an object)"};
    return projectFromJson(json.object());
}

Expected<bool> saveProject(const QString& path, const Project& project) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Error{QStringLiteral("cannot write %1: %2").arg(path, file.errorString()).toStdString()};
    file.write(projectToBytes(project));
    if (!file.commit())
        return Error{QStringLiteral("cannot save %1: %2").arg(path, file.errorString()).toStdString()};
    return true;
}

Expected<Project> loadProject(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("cannot open %1: %2").arg(path, file.errorString()).toStdString()};
    auto tooLarge = [&](qint64 bytes) {
        return Error{QStringLiteral("%1: the file is %2 bytes, more than the %3 MiB a project file may be")
                         .arg(path)
                         .arg(bytes)
                         .arg(kMaxProjectFileBytes >> 20)
                         .toStdString()};
    };
    // Refused before reading when its size says so; read no further than the bound in any
    // case (a pipe or a device has no size, a file can grow while it is read).
    if (file.size() > kMaxProjectFileBytes) return tooLarge(file.size());
    QByteArray bytes;
    if (!file.isSequential()) bytes.reserve(qsizetype(file.size()));
    for (;;) {
        const QByteArray chunk = file.read(qint64(4) << 20);
        if (chunk.isEmpty()) break;
        bytes += chunk;
        if (bytes.size() > kMaxProjectFileBytes) return tooLarge(bytes.size());
    }
    if (file.error() != QFileDevice::NoError)
        return Error{QStringLiteral("cannot read %1: %2").arg(path, file.errorString()).toStdString()};
    auto p = projectFromBytes(bytes);
    if (!p) return Error{QStringLiteral("%1: %2").arg(path, QString::fromStdString(p.error())).toStdString()};
    return p;
}

} // namespace continuo::project
