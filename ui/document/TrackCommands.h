#pragma once
// Undoable changes to the track list and to a track's channel events (the sustain pedal lane).
// Each stores ids and values, never pointers into the document.
#include "document/Document.h"

#include <QUndoCommand>

#include <vector>

namespace continuo::ui {

/// Adds a track (no notes) at `index`; undo removes it again.
class AddTrackCommand : public QUndoCommand {
public:
    AddTrackCommand(Document* doc, TrackInfo track, int index, QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;
    TrackId trackId() const { return track_.id; }

private:
    Document* doc_;
    TrackInfo track_;
    int index_;
};

/// Renames a track, or changes its channel or program.
class TrackHeaderCommand : public QUndoCommand {
public:
    TrackHeaderCommand(Document* doc, TrackId id, std::string name, int channel, int program,
                       QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;

private:
    Document* doc_;
    TrackId id_;
    std::string beforeName_, afterName_;
    int beforeChannel_ = 0, afterChannel_ = 0;
    int beforeProgram_ = 0, afterProgram_ = 0;
};

/// Replaces a track's channel events (drawing or erasing sustain pedal). Steps of one mouse
/// gesture merge into one command.
class TrackEventsCommand : public QUndoCommand {
public:
    enum { Id = 0x50454441 };
    TrackEventsCommand(Document* doc, TrackId id, std::vector<ChannelEvent> after, const QString& text,
                       int gesture = 0, QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;
    int id() const override { return gesture_ != 0 ? Id : -1; }
    bool mergeWith(const QUndoCommand* other) override;

private:
    Document* doc_;
    TrackId track_;
    std::vector<ChannelEvent> before_, after_;
    int gesture_;
};

namespace pedal {
/// Pedal-down regions [down, up) of a track's CC64 events on `channel` (values >= 64 down).
std::vector<std::pair<Tick, Tick>> regions(const std::vector<ChannelEvent>& events, int channel, Tick end);
/// The events with CC64 in [from, to) replaced: the pedal down (or up) over the whole range,
/// the state after `to` as before. Other events are untouched.
std::vector<ChannelEvent> withPedal(const std::vector<ChannelEvent>& events, int channel, Tick from, Tick to,
                                    bool down);
} // namespace pedal

} // namespace continuo::ui
