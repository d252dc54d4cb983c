#include "continuo/project/Project.h"

#include "continuo/core/MidiFile.h"

#include <QFile>
#include <QFileInfo>

#include <algorithm>

namespace continuo::project {

Tick Take::endTick() const {
    Tick end = provenance.primerEnd;
    for (const Note& n : notes) end = std::max(end, n.end());
    return end;
}

std::size_t Project::noteCount() const {
    std::size_t n = 0;
    for (const ProjectTrack& t : tracks) n += t.notes.size();
    return n;
}

const ProjectTrack* Project::track(TrackId id) const {
    for (const ProjectTrack& t : tracks)
        if (t.id == id) return &t;
    return nullptr;
}

TrackId Project::nextTrackId() const {
    TrackId next = 1;
    for (const ProjectTrack& t : tracks) next = std::max(next, TrackId(t.id + 1));
    return next;
}

Project Project::fromSequence(const Sequence& source) {
    const Sequence seq =
        source.ticksPerQuarter == kTicksPerQuarter ? source : source.rescaled(kTicksPerQuarter);
    Project p;
    p.tempo = seq.tempo;
    p.timeSignatures = seq.timeSignatures;
    if (p.timeSignatures.empty()) p.timeSignatures.push_back(TimeSignature{});
    p.midiTicksPerQuarter = source.ticksPerQuarter;
    p.endTick = seq.endTick;
    p.conductorName = seq.conductorName;
    p.conductorEvents = seq.conductorEvents;
    sortRawEvents(p.conductorEvents);
    NoteId nextNote = 1;
    p.tracks.reserve(seq.tracks.size());
    for (const Track& t : seq.tracks) {
        ProjectTrack pt;
        pt.id = TrackId(p.tracks.size() + 1);
        pt.name = t.name;
        pt.channel = std::clamp(t.channel, 0, 15);
        pt.program = std::clamp(t.program, 0, 127);
        pt.notes = t.notes;
        std::stable_sort(pt.notes.begin(), pt.notes.end(), noteLess);
        for (Note& n : pt.notes) {
            n.id = nextNote++;
            n.track = pt.id;
        }
        pt.events = t.events;
        std::stable_sort(pt.events.begin(), pt.events.end(),
                         [](const ChannelEvent& a, const ChannelEvent& b) { return a.tick < b.tick; });
        pt.rawEvents = t.rawEvents;
        sortRawEvents(pt.rawEvents);
        p.tracks.push_back(std::move(pt));
    }
    return p;
}

bool isTrackAudible(const std::vector<ProjectTrack>& tracks, TrackId id) {
    const auto t = std::find_if(tracks.begin(), tracks.end(), [id](const ProjectTrack& x) { return x.id == id; });
    if (t == tracks.end()) return false;
    const bool anySolo = std::any_of(tracks.begin(), tracks.end(), [](const ProjectTrack& x) { return x.solo; });
    return anySolo ? t->solo : !t->muted;
}

bool Project::isTrackAudible(TrackId id) const { return project::isTrackAudible(tracks, id); }

Sequence Project::toSequence(const SequenceView& view) const {
    Sequence s;
    s.ticksPerQuarter = kTicksPerQuarter;
    s.tempo = tempo;
    s.timeSignatures = timeSignatures;
    if (s.timeSignatures.empty()) s.timeSignatures.push_back(TimeSignature{});
    if (!view.audibleOnly) {
        s.conductorName = conductorName;
        s.conductorEvents = conductorEvents;
    }
    // An auditioned infill take is heard in place of the notes whose onsets lie in its gap.
    const Take* heard = view.heardTake;
    const bool fill = heard && heard->provenance.infill;
    auto replaced = [&](const Note& n) {
        return fill && n.start >= heard->provenance.gapStart && n.start < heard->provenance.gapEnd;
    };
    s.tracks.reserve(tracks.size() + 1);
    for (const ProjectTrack& pt : tracks) {
        if (view.audibleOnly && !isTrackAudible(pt.id)) continue;
        Track t;
        t.name = pt.name;
        t.channel = pt.channel;
        t.program = pt.program;
        t.notes.reserve(pt.notes.size());
        for (Note n : pt.notes) {
            if (replaced(n)) continue;
            n.track = 0;
            t.notes.push_back(n);
        }
        t.events = pt.events;
        if (!view.audibleOnly) t.rawEvents = pt.rawEvents; // nothing to hear; they would move the end
        t.sort();
        s.tracks.push_back(std::move(t));
    }
    if (heard) {
        Track t;
        t.name = heard->name.toStdString();
        t.channel = heard->notes.empty() ? 0 : heard->notes.front().channel;
        t.notes = heard->notes;
        t.sort();
        s.tracks.push_back(std::move(t));
    }
    s.endTick = view.audibleOnly ? 0 : endTick;
    s.updateEndTick();
    return s;
}

Sequence Project::toMidiSequence() const {
    const int ppq = std::clamp(midiTicksPerQuarter, 1, 0x7FFF);
    Sequence s = toSequence();
    return ppq == kTicksPerQuarter ? s : s.rescaled(ppq);
}

bool isMidiPath(const QString& path) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    return suffix == "mid" || suffix == "midi" || suffix == "smf" || suffix == "kar" || suffix == "rmi";
}

namespace {
/// A Standard MIDI File (or RIFF MIDI) by its first bytes, whatever its name.
bool looksLikeMidi(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return false;
    const QByteArray head = f.read(4);
    return head == "MThd" || head == "RIFF";
}
} // namespace

Expected<Project> openProjectOrMidi(const QString& path, std::vector<std::string>* warnings) {
    if (!isMidiPath(path) && !looksLikeMidi(path)) {
        auto p = loadProject(path);
        if (p && p->title.isEmpty()) p->title = QFileInfo(path).completeBaseName();
        return p;
    }
    auto midi = readMidiFile(path.toStdString());
    if (!midi) return Error{midi.error()};
    Project p = Project::fromSequence(midi->sequence);
    p.midiFormat = midi->info.format == 0 ? 0 : 1;
    p.title = QFileInfo(path).completeBaseName();
    if (warnings) *warnings = std::move(midi->info.warnings);
    return p;
}

Expected<bool> saveProjectOrMidi(const QString& path, const Project& project, int midiFormat,
                                 int midiTicksPerQuarter) {
    if (!isMidiPath(path)) return saveProject(path, project);
    return exportMidiFile(path, project, midiFormat, midiTicksPerQuarter);
}

Expected<bool> exportMidiFile(const QString& path, const Project& project, int midiFormat, int midiTicksPerQuarter) {
    MidiWriteOptions options;
    options.format = midiFormat >= 0 ? (midiFormat == 0 ? 0 : 1) : project.midiFormat;
    options.ticksPerQuarter = midiTicksPerQuarter > 0 ? midiTicksPerQuarter : project.midiTicksPerQuarter;
    const Sequence s = options.ticksPerQuarter == project.midiTicksPerQuarter ? project.toMidiSequence()
                                                                              : project.toSequence();
    auto r = writeMidiFile(path.toStdString(), s, options);
    if (!r) return Error{r.error()};
    return true;
}

} // namespace continuo::project
