#pragma once
// Music leaving the window as a Standard MIDI File: for a drag into a DAW or a file manager,
// and for the clipboard (Edit ▸ Copy as MIDI). The file is written by the core's MIDI writer
// (writeMidi) at the document's resolution, with the piece's tempo map and time signatures, so
// that the notes keep their bars and beats; they keep their place on the piece's time line too.
// The mime data carries it three ways: the bytes as audio/midi and audio/x-midi, and a
// text/uri-list naming a .mid file (named after the take) in the temporary folder, which is what
// most DAWs and file managers take from a drop.
#include "continuo/core/Sequence.h"
#include "document/Take.h"

#include <QByteArray>
#include <QString>

#include <vector>

class QMimeData;

namespace continuo::ui {

class Document;

class MidiTransfer {
public:
    static constexpr const char* kMimeMidi = "audio/midi";
    static constexpr const char* kMimeXMidi = "audio/x-midi";

    /// `notes` with the document's tempo map and metre, as one named track.
    static Sequence sequenceOf(const Document& doc, const std::vector<Note>& notes, const QString& name);
    /// The Standard MIDI File (format 1) of that sequence.
    static QByteArray fileBytes(const Document& doc, const std::vector<Note>& notes, const QString& name);
    /// The take's notes (nullptr when `id` is no take).
    static QMimeData* forTake(const Document& doc, TakeId id);
    /// The selected notes of the piece (nullptr when nothing is selected).
    static QMimeData* forSelection(const Document& doc);
    /// The mime data for `notes`, its temporary file named after `name`; nullptr when the
    /// file cannot be written (the bytes alone would not reach a file manager).
    static QMimeData* mimeFor(const Document& doc, const std::vector<Note>& notes, const QString& name);
    /// A file name made of `name`: letters, digits, spaces, '-' and '_' kept, ".mid" added.
    static QString fileNameFor(const QString& name);
};

} // namespace continuo::ui
