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
//
// This file reads and writes the file as a whole; the rows of notes, events and raw events,
// names, time signatures and takes are in ProjectJson.cpp.
#include "continuo/project/Project.h"

#include "ProjectJson.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include <algorithm>
#include <map>

namespace continuo::project {

namespace {

using json::at;
using json::eventsFromJson;
using json::eventsToJson;
using json::kMaxTicks;
using json::nameFromJson;
using json::notesFromJson;
using json::notesToJson;
using json::putName;
using json::rawEventsFromJson;
using json::rawEventsToJson;
using json::takesFromJson;
using json::takesToJson;
using json::timeSignatureFromJson;

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

/// A project whose file used another resolution, brought to kTicksPerQuarter (its notes are
/// still in `pieceNotes`, not yet in p.notes).
void rescaleProject(Project& p, std::vector<Note>& pieceNotes, int from) {
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
    notes(pieceNotes);
    for (ProjectTrack& t : p.tracks) {
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

/// The header: the format's name, and a version this program reads.
Expected<int> formatVersion(const QJsonObject& root) {
    if (root["format"].toString() != "continuo")
        return Error{"not a Continuo project (the \"format\" field is missing or wrong)"};
    const int version = root["version"].toInt(1);
    if (version > kProjectFormatVersion)
        return Error{
            QStringLiteral("project format version %1 is newer than this program reads (%2)")
                .arg(version)
                .arg(kProjectFormatVersion)
                .toStdString()};
    return version;
}

/// The tempo map, at the file's resolution `ppq`.
Expected<TempoMap> tempoFromJson(const QJsonObject& root, int ppq) {
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
    return tempo;
}

/// The time signatures, sorted, the first at tick 0 (4/4 unless the file has one there).
/// Version 1 files have one, "timeSignature", for the whole piece.
Expected<std::vector<TimeSignature>> metreFromJson(const QJsonObject& root) {
    std::vector<TimeSignature> metre;
    if (root.contains("timeSignatures")) {
        const QJsonArray arr = root["timeSignatures"].toArray();
        for (qsizetype i = 0; i < arr.size(); ++i) {
            auto ts = timeSignatureFromJson(arr[i], QStringLiteral("timeSignatures[%1]").arg(i));
            if (!ts) return Error{ts.error()};
            metre.push_back(ts.value());
        }
        std::stable_sort(
            metre.begin(), metre.end(),
            [](const TimeSignature& a, const TimeSignature& b) { return a.tick < b.tick; });
    } else if (root.contains("timeSignature")) {
        auto ts = timeSignatureFromJson(root["timeSignature"], "timeSignature");
        if (!ts) return Error{ts.error()};
        TimeSignature first = ts.value();
        first.tick = 0;
        first.numerator = std::clamp(first.numerator, 1, 32);
        metre.push_back(first);
    }
    if (metre.empty() || metre.front().tick != 0) metre.insert(metre.begin(), TimeSignature{});
    return metre;
}

/// Track `i` of a version 2 (or later) file; its id is i + 1. Its notes join `notes`.
Expected<ProjectTrack> trackFromJson(const QJsonObject& o, qsizetype i, std::vector<Note>& notes) {
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
    auto own = notesFromJson(o["notes"], where + ".notes");
    if (!own) return Error{own.error()};
    for (Note& n : own.value()) {
        n.track = t.id;
        notes.push_back(n);
    }
    auto events = eventsFromJson(o["events"], where + ".events");
    if (!events) return Error{events.error()};
    t.events = std::move(events.value());
    auto raw = rawEventsFromJson(o["raw"], where + ".raw");
    if (!raw) return Error{raw.error()};
    t.rawEvents = std::move(raw.value());
    t.extra = unknownFields(o, kTrackKeys);
    return t;
}

/// The tracks, in file order; their notes join `notes`.
Expected<std::vector<ProjectTrack>> tracksFromJson(const QJsonObject& root, int version, std::vector<Note>& notes) {
    std::vector<ProjectTrack> tracks;
    if (version >= 2) {
        const QJsonArray arr = root["tracks"].toArray();
        for (qsizetype i = 0; i < arr.size(); ++i) {
            auto t = trackFromJson(arr[i].toObject(), i, notes);
            if (!t) return Error{t.error()};
            tracks.push_back(std::move(t.value()));
        }
        return tracks;
    }
    // Version 1: the notes of one piano, exported as one track per channel.
    auto all = notesFromJson(root["notes"], "notes");
    if (!all) return Error{all.error()};
    std::map<int, TrackId> byChannel;
    for (const Note& n : all.value()) byChannel.emplace(n.channel, 0);
    for (auto& [channel, id] : byChannel) {
        ProjectTrack t;
        t.id = id = TrackId(tracks.size() + 1);
        t.channel = channel;
        t.name = channel == 9 ? "Drums"
                              : (channel == 0 ? "Piano" : "Piano " + std::to_string(channel + 1));
        tracks.push_back(std::move(t));
    }
    for (Note n : all.value()) {
        n.track = byChannel[n.channel];
        notes.push_back(n);
    }
    return tracks;
}

/// The MIDI file's conductor track, when the file has one.
Expected<bool> readConductor(const QJsonObject& root, Project& p) {
    if (!root.contains("conductor")) return true;
    if (!root["conductor"].isObject()) return Error{"conductor: expected an object"};
    const QJsonObject conductor = root["conductor"].toObject();
    auto name = nameFromJson(conductor, "conductor");
    if (!name) return Error{name.error()};
    p.conductorName = std::move(name.value());
    auto raw = rawEventsFromJson(conductor["raw"], "conductor.raw");
    if (!raw) return Error{raw.error()};
    p.conductorEvents = std::move(raw.value());
    return true;
}

/// The loop region, when the file has one (else the app picks one).
void readLoop(const QJsonObject& root, Project& p) {
    const QJsonObject loop = root["loop"].toObject();
    if (!loop.isEmpty()) {
        p.hasLoop = true;
        p.loop.start = std::clamp<qint64>(loop["start"].toInteger(), 0, kMaxTicks);
        p.loop.end = std::clamp<qint64>(loop["end"].toInteger(), 0, kMaxTicks);
        p.loop.enabled = loop["enabled"].toBool();
    }
}

/// The Continue panel's last values and the piece's model.
void readSettings(const QJsonObject& root, PieceSettings& settings) {
    const QJsonObject s = root["settings"].toObject();
    // Values out of range (a hand-edited file) come back to the nearest the panel offers.
    SamplingSettings& ss = settings.sampling;
    ss.lengthSeconds = std::clamp(s["lengthSeconds"].toDouble(15.0), 1.0, 600.0);
    ss.temperature = std::clamp(s["temperature"].toDouble(kDefaultTemperature), 0.05, 3.0);
    ss.topP = std::clamp(s["topP"].toDouble(kDefaultTopP), 0.01, 1.0);
    ss.topK = std::max(0, s["topK"].toInt(0));
    ss.recall = std::clamp(s["recall"].toDouble(kDefaultRecall), 0.0, 1.0);
    ss.motif = std::clamp(s["motif"].toDouble(kDefaultMotif), 0.0, kMaxMotif);
    ss.variations = std::clamp(s["variations"].toInt(3), 1, kMaxVariations);
    const qint64 seed = s["seed"].toString("-1").toLongLong();
    ss.seed = seed < 0 ? Seed::random() : Seed::fixed(std::uint64_t(seed));
    ss.steering = json::steeringFromJson(s["steering"]);
    settings.gridIndex = s["grid"].toInt(4);
    const QJsonObject model = s["model"].toObject();
    settings.model = ModelChoice{model["name"].toString(), model["sha256"].toString(), model["file"].toString()};
}

/// Ids: tracks 1..T (in file order), the piece's notes 1..N in its order, take notes above
/// them.
void assignNoteIds(Project& p, std::vector<Note> pieceNotes) {
    std::stable_sort(pieceNotes.begin(), pieceNotes.end(), noteLess);
    NoteId next = 1;
    for (Note& n : pieceNotes) n.id = next++;
    p.notes.assign(std::move(pieceNotes));
    for (Take& t : p.takes)
        for (Note& n : t.notes)
            n.id = next++;
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
                      {"notes", notesToJson(p.notes.ofTrack(t.id))},
                      {"events", eventsToJson(t.events)}};
        putName(o, t.name);
        if (!t.rawEvents.empty()) o["raw"] = rawEventsToJson(t.rawEvents);
        putUnknown(o, t.extra);
        tracks.append(o);
    }
    root["tracks"] = tracks;
    root["takes"] = takesToJson(p.takes);
    root["primerTake"] = QString::number(p.primerTake);
    const PieceSettings& s = p.settings;
    const SamplingSettings& ss = s.sampling;
    // A random seed is written as -1, as files have always said it.
    QJsonObject settings{{"lengthSeconds", ss.lengthSeconds},
                         {"temperature", ss.temperature},
                         {"topP", ss.topP},
                         {"variations", ss.variations},
                         {"recall", ss.recall},
                         {"motif", ss.motif},
                         {"seed", ss.seed.isRandom() ? QStringLiteral("-1") : QString::number(ss.seed.value())},
                         {"grid", s.gridIndex}};
    if (ss.topK > 0) settings["topK"] = ss.topK;
    if (ss.steering.any()) settings["steering"] = json::steeringToJson(ss.steering);
    if (!s.model.isEmpty())
        settings["model"] = QJsonObject{{"name", s.model.name}, {"sha256", s.model.sha256}, {"file", s.model.fileName}};
    root["settings"] = settings;
    putUnknown(root, p.extra);
    return root;
}

Expected<Project> projectFromJson(const QJsonObject& root) {
    const auto version = formatVersion(root);
    if (!version) return Error{version.error()};
    Project p;
    p.extra = unknownFields(root, kTopLevelKeys);
    p.title = root["title"].toString();
    const int ppq = root["ticksPerQuarter"].toInt(kTicksPerQuarter);
    if (ppq < 1 || ppq > 0x7FFF) return Error{"ticksPerQuarter must be 1..32767"};

    auto tempo = tempoFromJson(root, ppq);
    if (!tempo) return Error{tempo.error()};
    p.tempo = std::move(tempo.value());
    auto metre = metreFromJson(root);
    if (!metre) return Error{metre.error()};
    p.timeSignatures = std::move(metre.value());

    const QJsonObject midi = root["midi"].toObject();
    p.midiTicksPerQuarter = std::clamp(midi["ticksPerQuarter"].toInt(kTicksPerQuarter), 1, 0x7FFF);
    p.midiFormat = midi["format"].toInt(1) == 0 ? 0 : 1;
    p.endTick = std::clamp<qint64>(root["end"].toInteger(0), 0, kMaxTicks);

    std::vector<Note> notes;
    auto tracks = tracksFromJson(root, version.value(), notes);
    if (!tracks) return Error{tracks.error()};
    p.tracks = std::move(tracks.value());
    auto conductor = readConductor(root, p);
    if (!conductor) return Error{conductor.error()};
    auto takes = takesFromJson(root["takes"]);
    if (!takes) return Error{takes.error()};
    p.takes = std::move(takes.value());
    p.primerTake = root["primerTake"].toString().toULongLong();

    readLoop(root, p);
    readSettings(root, p.settings);

    if (ppq != kTicksPerQuarter) rescaleProject(p, notes, ppq);
    assignNoteIds(p, std::move(notes));
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
