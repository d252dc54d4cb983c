// The parts of a .continuo file (ProjectFormat.cpp has the file as a whole): notes, channel
// events and raw meta/sysex events as compact rows, names, time signatures, and the takes
// with their provenance. Each is read back with every value checked or clamped, and errors
// say where ("tracks[1].notes[3]: ...").
#include "ProjectJson.h"

#include <QJsonArray>

#include <algorithm>
#include <unordered_map>

namespace continuo::project::json {

namespace {

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

} // namespace

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

QJsonObject steeringToJson(const Steering& st) {
    QJsonObject o;
    if (st.keyMode == Steering::KeyMode::Fixed) o["key"] = QString::fromStdString(st.key.name());
    if (st.keyMode == Steering::KeyMode::Detected) o["key"] = "auto";
    if (st.rangeLimited()) o["range"] = QStringLiteral("%1-%2").arg(st.rangeLow).arg(st.rangeHigh);
    if (st.densityLikePrimer) o["density"] = st.densityFactor == 1.0 ? QStringLiteral("primer") : QString::number(st.densityFactor) + "x";
    else if (st.density > 0) o["density"] = st.density;
    if (st.polyphony > 0) o["polyphony"] = st.polyphony;
    if (st.dynamics == Steering::Dynamics::Softer) o["velocity"] = "softer";
    if (st.dynamics == Steering::Dynamics::Louder) o["velocity"] = "louder";
    if (st.dynamics == Steering::Dynamics::Range && st.velocityLimited())
        o["velocity"] = QStringLiteral("%1-%2").arg(st.velocityLow).arg(st.velocityHigh);
    return o;
}

Steering steeringFromJson(const QJsonValue& v) {
    Steering st;
    const QJsonObject o = v.toObject();
    auto text = [&](const char* key) {
        const QJsonValue x = o[QLatin1String(key)];
        return (x.isDouble() ? QString::number(x.toDouble()) : x.toString()).toStdString();
    };
    // Each control on its own: one that does not read stays off, the others still apply.
    Steering probe;
    if (o.contains("key") && probe.parseKey(text("key")).empty()) st.keyMode = probe.keyMode, st.key = probe.key;
    if (o.contains("range") && probe.parseRange(text("range")).empty()) st.rangeLow = probe.rangeLow, st.rangeHigh = probe.rangeHigh;
    if (o.contains("density") && probe.parseDensity(text("density")).empty())
        st.density = probe.density, st.densityLikePrimer = probe.densityLikePrimer, st.densityFactor = probe.densityFactor;
    if (o.contains("polyphony") && probe.parsePolyphony(text("polyphony")).empty()) st.polyphony = probe.polyphony;
    if (o.contains("velocity") && probe.parseVelocity(text("velocity")).empty())
        st.dynamics = probe.dynamics, st.velocityLow = probe.velocityLow, st.velocityHigh = probe.velocityHigh;
    return st;
}

QJsonObject steeringReportToJson(const SteeringReport& r) {
    return QJsonObject{{"key", QString::fromStdString(r.key)},      {"inKeyShare", r.inKeyShare},
                       {"lowestPitch", r.lowestPitch},             {"highestPitch", r.highestPitch},
                       {"density", r.density},                     {"densityTarget", r.densityTarget},
                       {"maxPolyphony", r.maxPolyphony},
                       {"meanVelocity", r.meanVelocity},           {"removedMass", r.removedMass}};
}

SteeringReport steeringReportFromJson(const QJsonValue& v) {
    const QJsonObject o = v.toObject();
    SteeringReport r;
    r.key = o["key"].toString().toStdString();
    r.inKeyShare = o["inKeyShare"].toDouble(-1);
    r.lowestPitch = std::clamp(o["lowestPitch"].toInt(-1), -1, 127);
    r.highestPitch = std::clamp(o["highestPitch"].toInt(-1), -1, 127);
    r.density = std::max(0.0, o["density"].toDouble(0));
    r.densityTarget = std::max(0.0, o["densityTarget"].toDouble(0));
    r.maxPolyphony = std::max(0, o["maxPolyphony"].toInt(0));
    r.meanVelocity = std::clamp(o["meanVelocity"].toDouble(0), 0.0, 127.0);
    r.removedMass = std::clamp(o["removedMass"].toDouble(0), 0.0, 1.0);
    return r;
}

namespace {

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
                       {"motif", p.sampling.motif},
                       {"lengthSeconds", p.sampling.lengthSeconds},
                       {"variations", p.sampling.variations},
                       {"variation", p.variation},
                       {"stopped", p.stopped},
                       {"created", p.created.toString(Qt::ISODateWithMs)}};
    if (p.sampling.topK > 0) o["topK"] = p.sampling.topK;
    // Only steered takes carry their controls and what they reached.
    if (p.sampling.steering.any()) {
        o["steering"] = steeringToJson(p.sampling.steering);
        o["steeringReport"] = steeringReportToJson(p.steeringReport);
    }
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
    s.motif = std::clamp(p["motif"].toDouble(kMotifOfUnrecordedTakes), 0.0, kMaxMotif);
    s.lengthSeconds = p["lengthSeconds"].toDouble(15.0);
    s.steering = steeringFromJson(p["steering"]);
    if (p.contains("steeringReport")) pv.steeringReport = steeringReportFromJson(p["steeringReport"]);
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

/// Take `i`: a take without an id gets i + 1.
Expected<Take> takeFromJson(const QJsonObject& o, qsizetype i) {
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
    return t;
}

/// The takes form a tree under the sketch: every parent is another take of this file, and
/// following parents always reaches the sketch (no take is its own ancestor).
Expected<bool> checkTakeTree(const std::vector<Take>& takes) {
    std::unordered_map<TakeId, std::size_t> takeById;
    for (std::size_t i = 0; i < takes.size(); ++i)
        takeById.emplace(takes[i].id, i);
    // 0 unknown, 1 on the current path, 2 reaches it
    std::vector<char> reachesSketch(takes.size(), 0);
    for (std::size_t i = 0; i < takes.size(); ++i) {
        const QString where = QStringLiteral("takes[%1].provenance.parentTake").arg(i);
        std::vector<std::size_t> path;
        std::size_t k = i;
        while (reachesSketch[k] == 0) {
            reachesSketch[k] = 1;
            path.push_back(k);
            const TakeId parent = takes[k].provenance.parentTake;
            if (parent == 0) break;
            const auto found = takeById.find(parent);
            if (found == takeById.end())
                return at(where, QStringLiteral("no take with id %1").arg(parent));
            k = found->second;
            if (reachesSketch[k] == 1)
                return at(where, QStringLiteral("take %1 is its own ancestor").arg(takes[k].id));
        }
        for (std::size_t j : path)
            reachesSketch[j] = 2;
    }
    return true;
}

} // namespace

QJsonArray takesToJson(const std::vector<Take>& takes) {
    QJsonArray arr;
    for (const Take& t : takes) {
        if (t.generating) continue;
        arr.append(QJsonObject{{"id", QString::number(t.id)},
                               {"name", t.name},
                               {"provenance", provenanceToJson(t.provenance)},
                               {"notes", notesToJson(t.notes)}});
    }
    return arr;
}

Expected<std::vector<Take>> takesFromJson(const QJsonValue& v) {
    std::vector<Take> takes;
    const QJsonArray takeArr = v.toArray();
    for (qsizetype i = 0; i < takeArr.size(); ++i) {
        auto t = takeFromJson(takeArr[i].toObject(), i);
        if (!t) return Error{t.error()};
        takes.push_back(std::move(t.value()));
    }
    auto tree = checkTakeTree(takes);
    if (!tree) return Error{tree.error()};
    return takes;
}

} // namespace continuo::project::json
