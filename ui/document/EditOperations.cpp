#include "document/EditOperations.h"

#include "document/Document.h"
#include "document/EditNotesCommand.h"

#include <QClipboard>
#include <QCoreApplication>
#include <QGuiApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMimeData>
#include <QUndoStack>

#include <algorithm>
#include <cmath>

namespace continuo::ui::edit {

namespace {

const char* kMime = "application/x-continuo-notes";

std::vector<Note>& internalClipboard() {
    static std::vector<Note> notes;
    return notes;
}

QString tr(const char* s) { return QCoreApplication::translate("Edit", s); }

bool push(Document& doc, const QString& text, std::vector<Note> before, std::vector<Note> after,
          bool selectAfter = false, int gesture = 0) {
    if (before == after) return false;
    auto* cmd = new EditNotesCommand(&doc, text, std::move(before), std::move(after), gesture);
    cmd->setSelectAfter(selectAfter);
    doc.undoStack()->push(cmd);
    return true;
}

} // namespace

bool transposeSelection(Document& doc, int semitones) {
    std::vector<Note> before = doc.view()->selectedNotes();
    if (before.empty() || semitones == 0) return false;
    for (const Note& n : before)
        if (n.pitch + semitones < 0 || n.pitch + semitones > 127) return false;
    std::vector<Note> after;
    for (const Note& n : before) after.push_back(n.withPitch(n.pitch + semitones));
    const QString text = std::abs(semitones) == 12
                             ? (semitones > 0 ? tr("Transpose up an octave") : tr("Transpose down an octave"))
                             : (semitones > 0 ? tr("Transpose up") : tr("Transpose down"));
    return push(doc, text, std::move(before), std::move(after));
}

bool moveSelection(Document& doc, Tick delta) {
    std::vector<Note> before = doc.view()->selectedNotes();
    if (before.empty() || delta == 0) return false;
    Tick first = before.front().start;
    for (const Note& n : before) first = std::min(first, n.start);
    delta = std::max(delta, -first); // never before the start of the piece
    if (delta == 0) return false;
    std::vector<Note> after;
    for (const Note& n : before) after.push_back(n.withStart(n.start + delta));
    return push(doc, delta > 0 ? tr("Move right") : tr("Move left"), std::move(before), std::move(after));
}

bool deleteSelection(Document& doc) {
    std::vector<Note> before = doc.view()->selectedNotes();
    if (before.empty()) return false;
    return push(doc, tr("Delete %n notes").replace("%n", QString::number(before.size())),
                std::move(before), {});
}

std::vector<Note> copySelection(const Document& doc) {
    std::vector<Note> notes = doc.view()->selectedNotes();
    if (notes.empty()) return notes;
    internalClipboard() = notes;
    if (qobject_cast<QGuiApplication*>(QCoreApplication::instance())) {
        QJsonArray arr;
        for (const Note& n : notes)
            arr.append(QJsonArray{n.pitch, n.velocity, qint64(n.start), qint64(n.length), n.channel});
        auto* mime = new QMimeData;
        mime->setData(kMime, QJsonDocument(arr).toJson(QJsonDocument::Compact));
        QGuiApplication::clipboard()->setMimeData(mime);
    }
    return notes;
}

std::vector<Note> clipboardNotes() {
    if (qobject_cast<QGuiApplication*>(QCoreApplication::instance())) {
        const QMimeData* mime = QGuiApplication::clipboard()->mimeData();
        if (mime && mime->hasFormat(kMime)) {
            std::vector<Note> out;
            for (const QJsonValue& v : QJsonDocument::fromJson(mime->data(kMime)).array()) {
                const QJsonArray a = v.toArray();
                if (a.size() < 5) continue;
                Note n;
                n.pitch = std::clamp(a[0].toInt(), 0, 127);
                n.velocity = std::clamp(a[1].toInt(), 1, 127);
                n.start = std::max<qint64>(0, a[2].toInteger());
                n.length = std::max<qint64>(1, a[3].toInteger());
                n.channel = std::clamp(a[4].toInt(), 0, 15);
                out.push_back(n);
            }
            if (!out.empty()) return out;
        }
    }
    return internalClipboard();
}

bool cutSelection(Document& doc) {
    if (copySelection(doc).empty()) return false;
    std::vector<Note> before = doc.view()->selectedNotes();
    return push(doc, tr("Cut"), std::move(before), {});
}

bool paste(Document& doc, Tick at) {
    std::vector<Note> notes = clipboardNotes();
    if (notes.empty()) return false;
    Tick first = notes.front().start;
    for (const Note& n : notes) first = std::min(first, n.start);
    for (Note& n : notes) {
        n.start = n.start - first + std::max<Tick>(0, at);
        n.id = doc.allocateNoteId();
    }
    return push(doc, tr("Paste"), {}, std::move(notes), true);
}

bool duplicateSelection(Document& doc, const Grid& grid) {
    std::vector<Note> notes = doc.view()->selectedNotes();
    if (notes.empty()) return false;
    Tick first = notes.front().start, last = 0;
    for (const Note& n : notes) {
        first = std::min(first, n.start);
        last = std::max(last, n.end());
    }
    Tick span = last - first;
    const Tick step = grid.step();
    span = std::max<Tick>(step, (span + step - 1) / step * step);
    for (Note& n : notes) {
        n.start += span;
        n.id = doc.allocateNoteId();
    }
    return push(doc, tr("Duplicate"), {}, std::move(notes), true);
}

bool quantize(Document& doc, const Grid& grid, double strength, bool lengths) {
    strength = std::clamp(strength, 0.0, 1.0);
    std::vector<Note> before = doc.view()->selection().empty() ? doc.notes() : doc.view()->selectedNotes();
    if (before.empty()) return false;
    std::vector<Note> after;
    after.reserve(before.size());
    for (const Note& n : before) {
        const Tick start = n.start + Tick(std::llround(double(grid.snap(n.start) - n.start) * strength));
        Tick end = n.end() + start - n.start;
        if (lengths) {
            const Tick target = std::max(grid.snap(n.end()), grid.snap(n.start) + grid.step());
            end = n.end() + Tick(std::llround(double(target - n.end()) * strength));
        }
        after.push_back(n.withStart(std::max<Tick>(0, start)).withLength(std::max<Tick>(1, end - start)));
    }
    return push(doc, tr("Quantize to %1").arg(grid.label()), std::move(before), std::move(after));
}

bool setVelocities(Document& doc, const std::vector<std::pair<NoteId, int>>& values, int gesture) {
    std::vector<Note> before, after;
    for (const auto& [id, v] : values) {
        const Note* n = doc.note(id);
        if (!n) continue;
        before.push_back(*n);
        after.push_back(n->withVelocity(std::clamp(v, 1, 127)));
    }
    return push(doc, tr("Change velocity"), std::move(before), std::move(after), false, gesture);
}

bool velocityRamp(Document& doc, Tick t0, int v0, Tick t1, int v1) {
    if (t1 < t0) {
        std::swap(t0, t1);
        std::swap(v0, v1);
    }
    const bool onlySelected = !doc.view()->selection().empty();
    std::vector<std::pair<NoteId, int>> values;
    for (std::size_t i = doc.lowerBound(t0); i < doc.notes().size(); ++i) {
        const Note& n = doc.notes()[i];
        if (n.start > t1) break;
        if (onlySelected && !doc.view()->isSelected(n.id)) continue;
        const double f = t1 == t0 ? 1.0 : double(n.start - t0) / double(t1 - t0);
        values.emplace_back(n.id, int(std::lround(v0 + (v1 - v0) * f)));
    }
    return setVelocities(doc, values);
}

void selectAll(Document& doc) {
    NoteIdSet all;
    for (const Note& n : doc.notes()) all.insert(n.id);
    doc.view()->setSelection(std::move(all));
}

bool addNotes(Document& doc, std::vector<Note> notes, const QString& text) {
    if (notes.empty()) return false;
    for (Note& n : notes) n.id = doc.allocateNoteId();
    return push(doc, text, {}, std::move(notes), true);
}

} // namespace continuo::ui::edit
