// continuo-cli convert IN OUT [--format 0|1] [--ppq N] [--json]: between Standard MIDI Files
// and .continuo projects, in either direction, through the same project code the app opens
// and saves with (continuo::project). Which side is MIDI is told by the file names.
// Exit status 0 on success, 1 when OUT cannot be written, 2 when IN cannot be read or the
// arguments are wrong.
#include "Command.h"

#include "continuo/project/Project.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

namespace continuo::cli {
namespace {

constexpr const char* kName = "convert";

struct Counts {
    std::size_t notes = 0, sustain = 0, controllers = 0, programs = 0, bends = 0, pressure = 0, raw = 0;
};

Counts count(const project::Project& p) {
    Counts c;
    c.raw = p.conductorEvents.size();
    c.notes = p.notes.size();
    for (const project::ProjectTrack& t : p.tracks) {
        c.raw += t.rawEvents.size();
        for (const ChannelEvent& e : t.events) switch (e.kind) {
            case ChannelEvent::Kind::Controller:
                ++c.controllers;
                if (e.number == kSustainController) ++c.sustain;
                break;
            case ChannelEvent::Kind::Program: ++c.programs; break;
            case ChannelEvent::Kind::PitchBend: ++c.bends; break;
            case ChannelEvent::Kind::ChannelPressure:
            case ChannelEvent::Kind::PolyPressure: ++c.pressure; break;
            }
    }
    return c;
}

int runConvert(const QStringList& args) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Converts between Standard MIDI Files (.mid, .midi) and Continuo projects (.continuo),\n"
        "either way, keeping tracks (empty ones too, in their order) with their names and\n"
        "programs, notes, sustain pedal and other controllers, pitch bend, the tempo map, every\n"
        "time signature, and byte for byte the meta and sysex events (key signatures, markers,\n"
        "text, lyrics, copyright, sysex, ...) at their ticks on their tracks. A MIDI file is\n"
        "written at the resolution and format of the MIDI file the project came from unless\n"
        "--ppq/--format say otherwise.\n"
        "Exit status: 0 ok, 1 when OUT cannot be written, 2 when IN cannot be read.");
    parser.addHelpOption();
    parser.addPositionalArgument("IN", "a .mid/.midi file or a .continuo project");
    parser.addPositionalArgument("OUT", "a .continuo project or a .mid/.midi file");
    const QCommandLineOption formatOption("format", "MIDI file format to write: 0 or 1", "N");
    const QCommandLineOption ppqOption("ppq", "MIDI resolution to write (ticks per quarter, 1..32767)", "N");
    const QCommandLineOption jsonOption("json", "print a summary as one JSON object");
    parser.addOption(formatOption);
    parser.addOption(ppqOption);
    parser.addOption(jsonOption);
    if (!parser.parse(args)) return fail(kName, parser.errorText(), 2);
    if (parser.isSet("help")) {
        QString help = parser.helpText();
        help.replace(0, help.indexOf('\n'), "Usage: continuo-cli convert [options] IN OUT");
        QTextStream(stdout) << help;
        return 0;
    }
    const QStringList files = parser.positionalArguments();
    if (files.size() != 2) return fail(kName, "expected IN and OUT (see continuo-cli convert --help)", 2);
    int format = -1, ppq = 0;
    if (parser.isSet(formatOption)) {
        bool ok = false;
        format = parser.value(formatOption).toInt(&ok);
        if (!ok || (format != 0 && format != 1)) return fail(kName, "--format must be 0 or 1", 2);
    }
    if (parser.isSet(ppqOption)) {
        bool ok = false;
        ppq = parser.value(ppqOption).toInt(&ok);
        if (!ok || ppq < 1 || ppq > 0x7FFF) return fail(kName, "--ppq must be 1..32767", 2);
    }

    std::vector<std::string> warnings;
    auto p = project::openProjectOrMidi(files[0], &warnings);
    if (!p) return fail(kName, QString::fromStdString(p.error()), 2);
    auto saved = project::saveProjectOrMidi(files[1], p.value(), format, ppq);
    if (!saved) return fail(kName, QString::fromStdString(saved.error()), 1);

    const Counts c = count(p.value());
    if (parser.isSet(jsonOption)) {
        QJsonArray tracks;
        for (const project::ProjectTrack& t : p->tracks)
            tracks.append(QJsonObject{{"name", QString::fromStdString(t.name)},
                                      {"channel", t.channel},
                                      {"program", t.program},
                                      {"notes", qint64(p->notes.countOnTrack(t.id))},
                                      {"events", qint64(t.events.size())},
                                      {"rawEvents", qint64(t.rawEvents.size())}});
        QJsonArray warn;
        for (const std::string& w : warnings) warn.append(QString::fromStdString(w));
        const QJsonObject o{{"in", files[0]},
                            {"out", files[1]},
                            {"tracks", tracks},
                            {"notes", qint64(c.notes)},
                            {"sustainEvents", qint64(c.sustain)},
                            {"controllerEvents", qint64(c.controllers)},
                            {"programChanges", qint64(c.programs)},
                            {"pitchBends", qint64(c.bends)},
                            {"pressureEvents", qint64(c.pressure)},
                            {"tempoChanges", qint64(p->tempo.changes().size())},
                            {"timeSignatures", qint64(p->timeSignatures.size())},
                            {"rawEvents", qint64(c.raw)},
                            {"takes", qint64(p->takes.size())},
                            {"warnings", warn}};
        QTextStream(stdout) << QJsonDocument(o).toJson(QJsonDocument::Compact) << "\n";
    } else {
        QTextStream out(stdout);
        out << files[0] << " -> " << files[1] << ": " << p->tracks.size() << " tracks, " << c.notes
            << " notes, " << c.controllers << " controller events (" << c.sustain << " sustain pedal), "
            << c.programs << " program changes, " << c.bends << " pitch bends, " << p->tempo.changes().size()
            << " tempo changes, " << p->timeSignatures.size() << " time signatures, " << c.raw
            << " meta/sysex events kept\n";
        for (const std::string& w : warnings) out << "warning: " << QString::fromStdString(w) << "\n";
    }
    return 0;
}

} // namespace

CONTINUO_CLI_COMMAND(kName, "convert between MIDI files and .continuo projects (nothing lost)", runConvert);

} // namespace continuo::cli
