#include "continuo/project/Project.h"

#include "continuo/core/MidiFile.h"

#include <QFile>
#include <QFileInfo>

#include <QRegularExpression>

#include <algorithm>
#include <unordered_set>

namespace continuo::project {

Tick Take::endTick() const {
    Tick end = provenance.primerEnd;
    for (const Note& n : notes) end = std::max(end, n.end());
    return end;
}

const ProjectTrack* Project::track(TrackId id) const {
    const int i = trackIndex(id);
    return i < 0 ? nullptr : &tracks[std::size_t(i)];
}

ProjectTrack* Project::track(TrackId id) {
    const int i = trackIndex(id);
    return i < 0 ? nullptr : &tracks[std::size_t(i)];
}

int Project::trackIndex(TrackId id) const {
    if (id == 0) return -1;
    for (std::size_t i = 0; i < tracks.size(); ++i)
        if (tracks[i].id == id) return int(i);
    return -1;
}

TrackId Project::nextTrackId() const {
    TrackId next = 1;
    for (const ProjectTrack& t : tracks) next = std::max(next, TrackId(t.id + 1));
    return next;
}

const Take* Project::take(TakeId id) const {
    const int i = takeIndex(id);
    return i < 0 ? nullptr : &takes[std::size_t(i)];
}

Take* Project::take(TakeId id) {
    const int i = takeIndex(id);
    return i < 0 ? nullptr : &takes[std::size_t(i)];
}

int Project::takeIndex(TakeId id) const {
    if (id == 0) return -1;
    for (std::size_t i = 0; i < takes.size(); ++i)
        if (takes[i].id == id) return int(i);
    return -1;
}

int Project::nextTakeNumber(const QString& prefix) const {
    // "Take 3" and "Take 3 (stopped)" both hold number 3.
    const QRegularExpression re("^" + QRegularExpression::escape(prefix) + " (\\d+)(?: |$)");
    int n = 0;
    for (const Take& t : takes) {
        const auto m = re.match(t.name);
        if (m.hasMatch()) n = std::max(n, m.captured(1).toInt());
    }
    return n + 1;
}

std::vector<TakeId> Project::childTakes(TakeId parent) const {
    std::vector<TakeId> out;
    for (const Take& t : takes) {
        const TakeId p = t.provenance.parentTake;
        const TakeId effective = p != 0 && takeIndex(p) >= 0 ? p : 0;
        if (effective == parent && t.id != parent) out.push_back(t.id);
    }
    return out;
}

std::vector<std::pair<TakeId, int>> Project::takeTree() const {
    std::vector<std::pair<TakeId, int>> out;
    std::vector<std::pair<TakeId, int>> stack{{0, -1}};
    while (!stack.empty()) {
        const auto [id, depth] = stack.back();
        stack.pop_back();
        if (id != 0) out.emplace_back(id, depth);
        const std::vector<TakeId> children = childTakes(id);
        for (auto it = children.rbegin(); it != children.rend(); ++it) stack.emplace_back(*it, depth + 1);
    }
    return out;
}

Project::Bar Project::barAt(Tick tick) const {
    tick = std::max<Tick>(0, tick);
    Tick index = 0;
    for (std::size_t i = 0; i < timeSignatures.size(); ++i) {
        const TimeSignature& ts = timeSignatures[i];
        const Tick beat = Tick(kTicksPerQuarter) * 4 / std::max(1, ts.denominator);
        const Tick length = std::max<Tick>(1, beat * std::max(1, ts.numerator));
        const bool last = i + 1 == timeSignatures.size();
        const Tick next = last ? 0 : timeSignatures[i + 1].tick;
        if (last || tick < next) {
            const Tick k = (tick - ts.tick) / length;
            const Tick start = ts.tick + k * length;
            return {index + k, start, length, beat, last ? start + length : std::min(start + length, next)};
        }
        index += (next - ts.tick + length - 1) / length; // bars begun before the next signature
    }
    return {0, 0, kTicksPerQuarter * 4, kTicksPerQuarter, kTicksPerQuarter * 4};
}

Tick Project::ticksPerBeat() const {
    const int denominator = timeSignatures.empty() ? 4 : timeSignatures.front().denominator;
    return Tick(kTicksPerQuarter) * 4 / std::max(1, denominator);
}

Tick Project::ticksPerBar() const {
    const int numerator = timeSignatures.empty() ? 4 : timeSignatures.front().numerator;
    return ticksPerBeat() * std::max(1, numerator);
}

namespace {

/// Track ids unique and non-zero, and at least one track.
void normalizeTracks(std::vector<ProjectTrack>& tracks) {
    TrackId next = 1;
    for (const ProjectTrack& t : tracks) next = std::max(next, TrackId(t.id + 1));
    std::unordered_set<TrackId> seen;
    for (ProjectTrack& t : tracks)
        if (t.id == 0 || !seen.insert(t.id).second) t.id = next++;
    if (tracks.empty()) {
        ProjectTrack t;
        t.id = next;
        t.name = "Piano";
        tracks.push_back(t);
    }
}

} // namespace

void Project::normalize() {
    normalizeTracks(tracks);
    std::sort(timeSignatures.begin(), timeSignatures.end(),
              [](const TimeSignature& a, const TimeSignature& b) { return a.tick < b.tick; });
    if (timeSignatures.empty() || timeSignatures.front().tick != 0)
        timeSignatures.insert(timeSignatures.begin(), TimeSignature{});
    if (tempo.ticksPerQuarter() != kTicksPerQuarter) tempo = tempo.rescaled(kTicksPerQuarter);
    // Take notes keep their ids (a take may be the primer); the piece's go above them.
    NoteId next = 1;
    for (Take& t : takes) {
        t.generating = false;
        for (const Note& n : t.notes) next = std::max(next, n.id + 1);
    }
    std::vector<Note> all = notes.all();
    for (Note& n : all) {
        n.id = next++;
        if (trackIndex(n.track) < 0) n.track = tracks.front().id;
    }
    notes.assign(std::move(all));
    if (takeIndex(primerTake) < 0) primerTake = 0;
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
    std::vector<Note> notes;
    notes.reserve(seq.noteCount());
    p.tracks.reserve(seq.tracks.size());
    for (const Track& t : seq.tracks) {
        ProjectTrack pt;
        pt.id = TrackId(p.tracks.size() + 1);
        pt.name = t.name;
        pt.channel = std::clamp(t.channel, 0, 15);
        pt.program = std::clamp(t.program, 0, 127);
        for (Note n : t.notes) {
            n.track = pt.id;
            notes.push_back(n);
        }
        pt.events = t.events;
        std::stable_sort(pt.events.begin(), pt.events.end(),
                         [](const ChannelEvent& a, const ChannelEvent& b) { return a.tick < b.tick; });
        pt.rawEvents = t.rawEvents;
        sortRawEvents(pt.rawEvents);
        p.tracks.push_back(std::move(pt));
    }
    // Ids 1..N in the piece's order.
    std::stable_sort(notes.begin(), notes.end(), noteLess);
    NoteId id = 1;
    for (Note& n : notes) n.id = id++;
    p.notes.assign(std::move(notes));
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
        for (Note n : notes.ofTrack(pt.id)) {
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
