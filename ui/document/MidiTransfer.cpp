#include "document/MidiTransfer.h"

#include "continuo/core/MidiFile.h"
#include "document/Document.h"

#include <QDir>
#include <QMimeData>
#include <QUrl>

#include <span>

namespace continuo::ui {

Sequence MidiTransfer::sequenceOf(const Document& doc, const std::vector<Note>& notes, const QString& name) {
    // The piece's resolution, tempo map and metre (Project::toSequence), none of its notes.
    Sequence piece = doc.toSequence();
    Sequence s;
    s.ticksPerQuarter = piece.ticksPerQuarter;
    s.tempo = piece.tempo;
    s.timeSignatures = piece.timeSignatures;
    Track t;
    t.name = name.toStdString();
    t.notes = notes;
    if (!notes.empty()) t.channel = notes.front().channel;
    // The program of the part the notes came from, where one track holds them all.
    for (const Track& part : piece.tracks)
        if (part.channel == t.channel) {
            t.program = part.program;
            break;
        }
    for (Note& n : t.notes) n.track = 0;
    t.sort();
    s.tracks.push_back(std::move(t));
    s.updateEndTick();
    return s;
}

QByteArray MidiTransfer::fileBytes(const Document& doc, const std::vector<Note>& notes, const QString& name) {
    const Sequence s = sequenceOf(doc, notes, name);
    MidiWriteOptions options;
    options.format = 1;
    options.ticksPerQuarter = s.ticksPerQuarter; // exact: no tick is rounded
    const std::vector<std::uint8_t> bytes = writeMidi(s, options);
    return QByteArray(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()));
}

QString MidiTransfer::fileNameFor(const QString& name) {
    QString out;
    for (QChar c : name.trimmed())
        out += (c.isLetterOrNumber() || c == ' ' || c == '-' || c == '_') ? c : QChar('_');
    if (out.isEmpty()) out = QStringLiteral("Continuo");
    return out + QStringLiteral(".mid");
}

QMimeData* MidiTransfer::mimeFor(const Document& doc, const std::vector<Note>& notes, const QString& name) {
    const QByteArray bytes = fileBytes(doc, notes, name);
    // A folder of our own in the temporary folder: the file must outlive the drop (the target
    // reads it afterwards), and the next drag of the same take overwrites it.
    const QString dir = QDir::temp().filePath(QStringLiteral("continuo-midi"));
    if (!QDir().mkpath(dir)) return nullptr;
    const QString path = QDir(dir).filePath(fileNameFor(name));
    const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.constData());
    if (!writeFileAtomically(path.toStdString(), std::span<const std::uint8_t>(data, std::size_t(bytes.size()))))
        return nullptr;
    auto* mime = new QMimeData;
    mime->setData(QString::fromLatin1(kMimeMidi), bytes);
    mime->setData(QString::fromLatin1(kMimeXMidi), bytes);
    mime->setUrls({QUrl::fromLocalFile(path)});
    return mime;
}

QMimeData* MidiTransfer::forTake(const Document& doc, TakeId id) {
    const Take* take = doc.take(id);
    if (!take) return nullptr;
    return mimeFor(doc, take->notes, take->name);
}

QMimeData* MidiTransfer::forSelection(const Document& doc) {
    const std::vector<Note> notes = doc.view()->selectedNotes();
    if (notes.empty()) return nullptr;
    return mimeFor(doc, notes, QObject::tr("Continuo selection"));
}

} // namespace continuo::ui
