#include "document/ProjectFile.h"

#include "document/Document.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include <algorithm>

namespace continuo::ui {

namespace {

QJsonArray notesToJson(const std::vector<Note>& notes) {
    // Compact rows [start, length, pitch, velocity, channel]: a MAESTRO piece stays a few MB.
    QJsonArray arr;
    for (const Note& n : notes)
        arr.append(QJsonArray{qint64(n.start), qint64(n.length), n.pitch, n.velocity, n.channel});
    return arr;
}

Expected<std::vector<Note>> notesFromJson(const QJsonValue& v, const QString& where) {
    if (!v.isArray()) return Error{(where + ": expected an array of notes").toStdString()};
    std::vector<Note> out;
    const QJsonArray arr = v.toArray();
    out.reserve(std::size_t(arr.size()));
    for (qsizetype i = 0; i < arr.size(); ++i) {
        const QJsonArray row = arr[i].toArray();
        if (row.size() < 4)
            return Error{QStringLiteral("%1[%2]: expected [start, length, pitch, velocity, channel]")
                             .arg(where).arg(i).toStdString()};
        // Beyond 2^40 ticks (years of music) start + length could overflow a Tick.
        constexpr qint64 kMaxTicks = qint64(1) << 40;
        Note n;
        n.start = std::max<qint64>(0, row[0].toInteger());
        n.length = std::max<qint64>(0, row[1].toInteger());
        if (n.start > kMaxTicks || n.length > kMaxTicks)
            return Error{QStringLiteral("%1[%2]: start and length must be below 2^40 ticks")
                             .arg(where).arg(i).toStdString()};
        n.pitch = std::clamp(row[2].toInt(), 0, 127);
        n.velocity = std::clamp(row[3].toInt(), 1, 127);
        n.channel = row.size() > 4 ? std::clamp(row[4].toInt(), 0, 15) : 0;
        out.push_back(n);
    }
    return out;
}

} // namespace

QJsonObject ProjectFile::toJson(const Document& doc, const PieceSettings& s) {
    QJsonObject root;
    root["format"] = "continuo";
    root["version"] = kFormatVersion;
    root["title"] = doc.title();
    root["ticksPerQuarter"] = kTicksPerQuarter;
    QJsonArray tempo;
    for (const TempoChange& c : doc.tempo().changes())
        tempo.append(QJsonObject{{"tick", qint64(c.tick)}, {"microsPerQuarter", c.microsPerQuarter}});
    root["tempo"] = tempo;
    root["timeSignature"] = QJsonObject{{"numerator", doc.timeSignature().numerator},
                                        {"denominator", doc.timeSignature().denominator}};
    root["loop"] = QJsonObject{{"start", qint64(doc.loopStart())},
                               {"end", qint64(doc.loopEnd())},
                               {"enabled", doc.loopEnabled()}};
    root["notes"] = notesToJson(doc.notes());
    QJsonArray takes;
    for (const Take& t : doc.takes()) {
        if (t.generating) continue;
        const TakeProvenance& p = t.provenance;
        QJsonObject prov{{"primerStart", qint64(p.primerStart)},
                         {"primerEnd", qint64(p.primerEnd)},
                         {"primerSource", p.primerSource},
                         {"model", p.modelName},
                         {"modelSha256", p.modelHash},
                         {"device", p.device},
                         {"seed", QString::number(p.seed)},
                         {"temperature", p.temperature},
                         {"topP", p.topP},
                         {"lengthSeconds", p.lengthSeconds},
                         {"variation", p.variation},
                         {"stopped", p.stopped},
                         {"created", p.created.toString(Qt::ISODateWithMs)}};
        takes.append(QJsonObject{{"id", QString::number(t.id)},
                                 {"name", t.name},
                                 {"provenance", prov},
                                 {"notes", notesToJson(t.notes)}});
    }
    root["takes"] = takes;
    root["primerTake"] = QString::number(doc.primerTake());
    root["settings"] = QJsonObject{{"lengthSeconds", s.lengthSeconds}, {"temperature", s.temperature},
                                   {"topP", s.topP},                   {"variations", s.variations},
                                   {"seed", QString::number(s.seed)},  {"grid", s.gridIndex}};
    return root;
}

Expected<bool> ProjectFile::fromJson(const QJsonObject& root, Document& doc, PieceSettings* settings) {
    if (root["format"].toString() != "continuo")
        return Error{"not a Continuo project (the \"format\" field is missing or wrong)"};
    if (root["version"].toInt() > kFormatVersion)
        return Error{QStringLiteral("project format version %1 is newer than this program reads (%2)")
                         .arg(root["version"].toInt()).arg(kFormatVersion).toStdString()};
    Sequence seq;
    seq.tempo = TempoMap(kTicksPerQuarter);
    const QJsonArray tempo = root["tempo"].toArray();
    for (const QJsonValue& v : tempo) {
        const double mpq = v["microsPerQuarter"].toDouble(500000.0);
        if (mpq < 100000.0 || mpq > 5000000.0) return Error{"tempo out of range (20..600 BPM)"};
        seq.tempo.setTempo(std::max<qint64>(0, v["tick"].toInteger()), mpq);
    }
    TimeSignature ts;
    ts.numerator = std::clamp(root["timeSignature"]["numerator"].toInt(4), 1, 32);
    ts.denominator = root["timeSignature"]["denominator"].toInt(4);
    if (ts.denominator < 1 || ts.denominator > 32 || (ts.denominator & (ts.denominator - 1)))
        return Error{"time signature denominator must be 1, 2, 4, 8, 16 or 32"};
    seq.timeSignatures = {ts};
    auto notes = notesFromJson(root["notes"], "notes");
    if (!notes) return Error{notes.error()};
    Track track;
    track.name = "Piano";
    track.notes = std::move(notes.value());
    track.sort();
    seq.tracks.push_back(std::move(track));
    seq.updateEndTick();

    std::vector<Take> takes;
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
        const QJsonObject p = o["provenance"].toObject();
        TakeProvenance& pv = t.provenance;
        pv.primerStart = p["primerStart"].toInteger();
        pv.primerEnd = p["primerEnd"].toInteger();
        pv.primerSource = p["primerSource"].toString();
        pv.modelName = p["model"].toString();
        pv.modelHash = p["modelSha256"].toString();
        pv.device = p["device"].toString();
        pv.seed = p["seed"].toString().toULongLong();
        pv.temperature = p["temperature"].toDouble(1.0);
        pv.topP = p["topP"].toDouble(0.95);
        pv.lengthSeconds = p["lengthSeconds"].toDouble(15.0);
        pv.variation = p["variation"].toInt();
        pv.stopped = p["stopped"].toBool(false);
        pv.created = QDateTime::fromString(p["created"].toString(), Qt::ISODateWithMs);
        takes.push_back(std::move(t));
    }
    // Ids: the document numbers its notes; take notes get ids above them.
    NoteId next = NoteId(seq.noteCount()) + 1;
    for (Take& t : takes)
        for (Note& n : t.notes) n.id = next++;
    doc.reset(seq, std::move(takes));
    doc.setTitle(root["title"].toString());
    const QJsonObject loop = root["loop"].toObject();
    if (!loop.isEmpty()) {
        doc.setLoop(loop["start"].toInteger(), loop["end"].toInteger());
        doc.setLoopEnabled(loop["enabled"].toBool());
    }
    doc.setPrimerTake(root["primerTake"].toString().toULongLong());
    if (settings) {
        const QJsonObject s = root["settings"].toObject();
        settings->lengthSeconds = std::clamp(s["lengthSeconds"].toDouble(15.0), 1.0, 600.0);
        settings->temperature = std::clamp(s["temperature"].toDouble(1.0), 0.05, 3.0);
        settings->topP = std::clamp(s["topP"].toDouble(0.95), 0.01, 1.0);
        settings->variations = std::clamp(s["variations"].toInt(3), 1, 8);
        settings->seed = s["seed"].toString("-1").toLongLong();
        settings->gridIndex = s["grid"].toInt(4);
    }
    doc.setClean();
    return true;
}

Expected<bool> ProjectFile::save(const QString& path, const Document& doc, const PieceSettings& s) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Error{QStringLiteral("cannot write %1: %2").arg(path, file.errorString()).toStdString()};
    file.write(QJsonDocument(toJson(doc, s)).toJson(QJsonDocument::Indented));
    if (!file.commit())
        return Error{QStringLiteral("cannot save %1: %2").arg(path, file.errorString()).toStdString()};
    return true;
}

Expected<bool> ProjectFile::load(const QString& path, Document& doc, PieceSettings* settings) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("cannot open %1: %2").arg(path, file.errorString()).toStdString()};
    QJsonParseError err;
    const QJsonDocument json = QJsonDocument::fromJson(file.readAll(), &err);
    if (json.isNull())
        return Error{QStringLiteral("%1 is not valid JSON (byte %2: %3)")
                         .arg(path).arg(err.offset).arg(err.errorString()).toStdString()};
    auto r = fromJson(json.object(), doc, settings);
    if (!r) return Error{QStringLiteral("%1: %2").arg(path, QString::fromStdString(r.error())).toStdString()};
    if (doc.title().isEmpty()) doc.setTitle(QFileInfo(path).completeBaseName());
    return true;
}

} // namespace continuo::ui
