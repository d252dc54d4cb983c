// continuo-cli inspect FILE.mid [--json]: what a Standard MIDI File holds, as text or as
// one JSON object (with --json also the meta and sysex events kept, counted per kind). Exit status 0 on success, 2 when the file cannot be read or parsed.
#include "Command.h"

#include "continuo/core/MidiFile.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <algorithm>
#include <map>

namespace continuo::cli {
namespace {

constexpr const char* kName = "inspect";

/// The meta and sysex events kept from the file (conductor track included), counted per
/// category ("marker": 3, "sysex": 1, ...); categories with none are left out.
QJsonObject rawEventCounts(const Sequence& seq) {
    std::map<std::string, qint64> counts;
    for (const RawEvent& e : seq.conductorEvents) ++counts[rawEventCategory(e)];
    for (const Track& t : seq.tracks)
        for (const RawEvent& e : t.rawEvents) ++counts[rawEventCategory(e)];
    QJsonObject o;
    for (const auto& [name, n] : counts) o[QString::fromStdString(name)] = n;
    return o;
}

QJsonObject toJson(const QString& path, const MidiFile& file) {
    const Sequence& seq = file.sequence;
    QJsonObject o;
    o["file"] = path;
    o["bytes"] = qint64(file.info.bytes);
    o["format"] = file.info.format;
    o["tracks"] = file.info.trackChunks;
    o["declaredTracks"] = file.info.declaredTracks;
    o["ppq"] = seq.ticksPerQuarter;
    o["smpte"] = file.info.smpte;
    if (file.info.smpte) {
        o["smpteFramesPerSecond"] = -int(std::int8_t(file.info.division >> 8));
        o["smpteTicksPerFrame"] = file.info.division & 0xFF;
    }
    o["notes"] = qint64(seq.noteCount());
    o["endTick"] = qint64(seq.endTick);
    o["durationSeconds"] = seq.durationSeconds();
    QJsonArray tempos;
    for (const TempoChange& t : seq.tempo.changes())
        tempos.append(QJsonObject{{"tick", qint64(t.tick)},
                                  {"seconds", seq.tempo.secondsAt(t.tick)},
                                  {"microsPerQuarter", t.microsPerQuarter},
                                  {"bpm", t.bpm()}});
    o["tempoChanges"] = tempos;
    QJsonArray signatures;
    for (const TimeSignature& ts : seq.timeSignatures)
        signatures.append(QJsonObject{{"tick", qint64(ts.tick)},
                                      {"numerator", ts.numerator},
                                      {"denominator", ts.denominator}});
    o["timeSignatures"] = signatures;
    o["emptyTracks"] = qint64(std::count_if(seq.tracks.begin(), seq.tracks.end(), [](const Track& t) {
        return t.notes.empty() && t.events.empty();
    }));
    o["rawEvents"] = rawEventCounts(seq);
    QJsonArray warnings;
    for (const std::string& w : file.info.warnings)
        warnings.append(QString::fromStdString(w));
    o["warnings"] = warnings;
    return o;
}

void printText(const QString& path, const MidiFile& file) {
    const Sequence& seq = file.sequence;
    QTextStream out(stdout);
    out << "file:            " << path << " (" << file.info.bytes << " bytes)\n";
    out << "format:          " << file.info.format << "\n";
    out << "tracks:          " << file.info.trackChunks;
    if (file.info.declaredTracks != file.info.trackChunks)
        out << " (header declares " << file.info.declaredTracks << ")";
    out << "\n";
    out << "ppq:             " << seq.ticksPerQuarter;
    if (file.info.smpte)
        out << " (SMPTE " << -int(std::int8_t(file.info.division >> 8)) << " fps x "
            << (file.info.division & 0xFF) << " ticks per frame; one quarter = one second)";
    out << "\n";
    out << "notes:           " << seq.noteCount() << "\n";
    out << "duration:        " << QString::number(seq.durationSeconds(), 'f', 3) << " s ("
        << seq.endTick << " ticks)\n";
    out << "tempo changes:   " << seq.tempo.changes().size() << "\n";
    for (const TempoChange& t : seq.tempo.changes())
        out << "  tick " << t.tick << " (" << QString::number(seq.tempo.secondsAt(t.tick), 'f', 3)
            << " s): " << QString::number(t.bpm(), 'f', 3) << " BPM (" << qint64(t.microsPerQuarter)
            << " us per quarter)\n";
    out << "time signatures: " << seq.timeSignatures.size() << "\n";
    for (const TimeSignature& ts : seq.timeSignatures)
        out << "  tick " << ts.tick << ": " << ts.numerator << "/" << ts.denominator << "\n";
    for (const std::string& w : file.info.warnings)
        out << "warning:         " << QString::fromStdString(w) << "\n";
}

int runInspect(const QStringList& args) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Shows what a Standard MIDI File holds: format, tracks, resolution (PPQ), note count,\n"
        "duration in seconds, tempo changes and time signatures.\n"
        "Exit status: 0 ok, 2 when the file cannot be read or is not a valid MIDI file.");
    parser.addHelpOption();
    parser.addPositionalArgument("FILE", "the MIDI file (.mid, .midi, or RIFF .rmi)");
    const QCommandLineOption jsonOption("json", "print one JSON object instead of text");
    parser.addOption(jsonOption);
    if (!parser.parse(args)) return fail(kName, parser.errorText(), 2);
    if (parser.isSet("help")) {
        // The parser names the program by its path; name the subcommand instead.
        QString help = parser.helpText();
        help.replace(0, help.indexOf('\n'), "Usage: continuo-cli inspect [options] FILE");
        QTextStream(stdout) << help;
        return 0;
    }
    const QStringList files = parser.positionalArguments();
    if (files.size() != 1)
        return fail(kName, "expected exactly one FILE (see continuo-cli inspect --help)", 2);

    const QString path = files.front();
    auto file = readMidiFile(QFileInfo(path).filePath().toStdString());
    if (!file) return fail(kName, QString::fromStdString(file.error()), 2);

    if (parser.isSet(jsonOption))
        QTextStream(stdout)
            << QJsonDocument(toJson(path, file.value())).toJson(QJsonDocument::Compact) << "\n";
    else
        printText(path, file.value());
    return 0;
}

} // namespace

CONTINUO_CLI_COMMAND(kName, "show a MIDI file's format, tracks, notes, duration, tempo and metre",
                     runInspect);

} // namespace continuo::cli
