#pragma once
// Private to the .continuo format (ProjectFormat.cpp): the JSON of its parts, written and
// read back (ProjectJson.cpp). Readers take `where`, the path of the value in the file
// ("tracks[1].notes"), and name it in their errors.
#include "continuo/project/Project.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <string>
#include <vector>

namespace continuo::project::json {

// Beyond 2^40 ticks (years of music) start + length could overflow a Tick.
inline constexpr qint64 kMaxTicks = qint64(1) << 40;

/// The error "<where>: <what>".
Error at(const QString& where, const QString& what);

/// Notes as rows [start, length, pitch, velocity, channel].
QJsonArray notesToJson(const std::vector<Note>& notes);
Expected<std::vector<Note>> notesFromJson(const QJsonValue& v, const QString& where);

/// Channel events as rows [tick, kind, channel, number, value]; read back sorted by tick.
QJsonArray eventsToJson(const std::vector<ChannelEvent>& events);
Expected<std::vector<ChannelEvent>> eventsFromJson(const QJsonValue& v, const QString& where);

/// Raw events as rows [tick, "meta", type, hex] or [tick, "sysex"|"escape", hex]; read back
/// sorted by tick.
QJsonArray rawEventsToJson(const std::vector<RawEvent>& events);
Expected<std::vector<RawEvent>> rawEventsFromJson(const QJsonValue& v, const QString& where);

/// "name", plus "nameHex" when the bytes are not UTF-8; "nameHex" wins when read.
void putName(QJsonObject& o, const std::string& name);
Expected<std::string> nameFromJson(const QJsonObject& o, const QString& where);

Expected<TimeSignature> timeSignatureFromJson(const QJsonValue& v, const QString& where);

/// The takes with their provenance and notes (not those still generating); read back in file
/// order, checked to form a tree under the sketch (every "parentTake" a take of the file, no
/// take its own ancestor).
QJsonArray takesToJson(const std::vector<Take>& takes);
Expected<std::vector<Take>> takesFromJson(const QJsonValue& v);

} // namespace continuo::project::json
