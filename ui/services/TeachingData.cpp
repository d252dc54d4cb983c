#include "services/TeachingData.h"

#include "continuo/core/MidiFile.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

#include <algorithm>

namespace continuo::ui {

namespace {
/// A file name from the piece's title.
QString fileStem(const QString& title) {
    QString s = title.trimmed();
    s.replace(QRegularExpression(QStringLiteral("[^\\w\\- ]+")), QStringLiteral("_"));
    return s.isEmpty() ? QStringLiteral("open piece") : s.left(80);
}
} // namespace

int TeachingData::partsNeeded(int folderPieces) { return std::max(1, kMinimumPieces - std::max(0, folderPieces)); }

Sequence TeachingData::slice(const Sequence& piece, Tick from, Tick to) {
    Sequence s;
    s.ticksPerQuarter = piece.ticksPerQuarter;
    s.tempo = TempoMap(piece.ticksPerQuarter);
    s.tempo.clear(60'000'000.0 / piece.tempo.bpmAt(from));
    for (const TempoChange& c : piece.tempo.changes())
        if (c.tick > from && c.tick < to) s.tempo.setTempo(c.tick - from, c.microsPerQuarter);
    TimeSignature metre = piece.timeSignatures.front();
    for (const TimeSignature& ts : piece.timeSignatures)
        if (ts.tick <= from) metre = ts;
    metre.tick = 0;
    s.timeSignatures = {metre};
    for (const Track& t : piece.tracks) {
        Track part;
        part.name = t.name;
        part.channel = t.channel;
        part.program = t.program;
        for (Note n : t.notes)
            if (n.start >= from && n.start < to) {
                n.start -= from;
                part.notes.push_back(n);
            }
        // The pedal as it stands where the part begins, then what changes in it.
        std::vector<ChannelEvent> before;
        for (ChannelEvent e : t.events) {
            if (e.tick < from) {
                if (e.kind == ChannelEvent::Kind::Controller && e.number == kSustainController) before = {e};
            } else if (e.tick < to) {
                e.tick -= from;
                part.events.push_back(e);
            }
        }
        if (!before.empty() && before.front().value >= 64) {
            before.front().tick = 0;
            part.events.insert(part.events.begin(), before.front());
        }
        if (part.notes.empty()) continue;
        part.sort();
        s.tracks.push_back(std::move(part));
    }
    s.updateEndTick();
    return s;
}

Expected<int> TeachingData::prepare(const QString& dataDir, const QString& folder, const project::Project& piece,
                                    int parts) {
    if (!QDir().mkpath(dataDir)) return Error{QStringLiteral("cannot make the folder %1").arg(dataDir).toStdString()};
    int files = 0;
    if (!folder.isEmpty()) {
        const QDir root(folder);
        QDirIterator it(folder, {"*.mid", "*.midi", "*.MID", "*.MIDI"}, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString from = it.next();
            const QString to = dataDir + QStringLiteral("/folder/") + root.relativeFilePath(from);
            QDir().mkpath(QFileInfo(to).absolutePath());
            QFile::remove(to);
            if (!QFile::copy(from, to))
                return Error{QStringLiteral("cannot copy %1 into the job's folder").arg(from).toStdString()};
            ++files;
        }
    }
    // The model is a piano model and the CLI learns from a file's piano part: every part of
    // the piece but drums is written as piano.
    Sequence whole = piece.toSequence({.audibleOnly = true});
    constexpr int kDrumChannel = 9;
    for (Track& t : whole.tracks) {
        if (t.channel == kDrumChannel) continue;
        t.program = 0;
        std::erase_if(t.events, [](const ChannelEvent& e) { return e.kind == ChannelEvent::Kind::Program; });
    }
    const std::vector<Note> notes = whole.allNotes();
    parts = std::max(1, parts);
    if (notes.empty()) return Error{"the open piece has no notes that sound"};
    constexpr std::size_t kNotesPerPart = 8;
    if (notes.size() < kNotesPerPart * std::size_t(parts))
        return Error{QStringLiteral("the open piece has %1 notes, too few to cut into %2 parts (%3 at least)")
                         .arg(notes.size())
                         .arg(parts)
                         .arg(kNotesPerPart * std::size_t(parts))
                         .toStdString()};
    // Cut at the bar line before each part's first note, parts holding as many notes as may be.
    std::vector<Tick> cuts{0};
    for (int k = 1; k < parts; ++k) {
        const Tick onset = notes[notes.size() * std::size_t(k) / std::size_t(parts)].start;
        Tick cut = piece.barAt(onset).start;
        if (cut <= cuts.back()) cut = onset;
        if (cut <= cuts.back()) return Error{"the open piece's notes cannot be cut into parts"};
        cuts.push_back(cut);
    }
    cuts.push_back(whole.endTick + 1);
    const QString stem = fileStem(piece.title);
    for (int k = 0; k < parts; ++k) {
        const Sequence part = parts == 1 ? whole : slice(whole, cuts[std::size_t(k)], cuts[std::size_t(k) + 1]);
        const QString name = parts == 1 ? stem : QStringLiteral("%1 (part %2 of %3)").arg(stem).arg(k + 1).arg(parts);
        auto written = writeMidiFile((dataDir + '/' + name + QStringLiteral(".mid")).toStdString(), part);
        if (!written) return Error{written.error()};
        ++files;
    }
    return files;
}

} // namespace continuo::ui
