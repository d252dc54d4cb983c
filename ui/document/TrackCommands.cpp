#include "document/TrackCommands.h"

#include <QCoreApplication>

#include <algorithm>

namespace continuo::ui {

AddTrackCommand::AddTrackCommand(Document* doc, TrackInfo track, int index, QUndoCommand* parent)
    : QUndoCommand(parent), doc_(doc), track_(std::move(track)), index_(index) {
    if (track_.id == 0) track_.id = doc->allocateTrackId();
    setText(QCoreApplication::translate("Tracks", "Add track \"%1\"").arg(QString::fromStdString(track_.name)));
}

void AddTrackCommand::redo() { doc_->insertTrack(index_, track_); }
void AddTrackCommand::undo() { doc_->removeTrack(track_.id); }

TrackHeaderCommand::TrackHeaderCommand(Document* doc, TrackId id, std::string name, int channel, int program,
                                       QUndoCommand* parent)
    : QUndoCommand(parent), doc_(doc), id_(id), afterName_(std::move(name)), afterChannel_(channel),
      afterProgram_(program) {
    if (const TrackInfo* t = doc->track(id)) {
        beforeName_ = t->name;
        beforeChannel_ = t->channel;
        beforeProgram_ = t->program;
    }
    if (afterName_ != beforeName_)
        setText(QCoreApplication::translate("Tracks", "Rename track to \"%1\"").arg(QString::fromStdString(afterName_)));
    else if (afterProgram_ != beforeProgram_)
        setText(QCoreApplication::translate("Tracks", "Program %1 for \"%2\"")
                    .arg(afterProgram_ + 1)
                    .arg(QString::fromStdString(afterName_)));
    else
        setText(QCoreApplication::translate("Tracks", "Channel %1 for \"%2\"")
                    .arg(afterChannel_ + 1)
                    .arg(QString::fromStdString(afterName_)));
}

void TrackHeaderCommand::redo() { doc_->setTrackHeader(id_, afterName_, afterChannel_, afterProgram_); }
void TrackHeaderCommand::undo() { doc_->setTrackHeader(id_, beforeName_, beforeChannel_, beforeProgram_); }

TrackEventsCommand::TrackEventsCommand(Document* doc, TrackId id, std::vector<ChannelEvent> after, const QString& text,
                                       int gesture, QUndoCommand* parent)
    : QUndoCommand(text, parent), doc_(doc), track_(id), after_(std::move(after)), gesture_(gesture) {
    if (const TrackInfo* t = doc->track(id)) before_ = t->events;
}

void TrackEventsCommand::redo() { doc_->setTrackEvents(track_, after_); }
void TrackEventsCommand::undo() { doc_->setTrackEvents(track_, before_); }

bool TrackEventsCommand::mergeWith(const QUndoCommand* other) {
    const auto* o = static_cast<const TrackEventsCommand*>(other);
    if (o->doc_ != doc_ || o->track_ != track_ || o->gesture_ != gesture_) return false;
    after_ = o->after_;
    return true;
}

namespace pedal {

namespace {
bool isPedal(const ChannelEvent& e, int channel) {
    return e.kind == ChannelEvent::Kind::Controller && e.number == kSustainController && e.channel == channel;
}
} // namespace

std::vector<std::pair<Tick, Tick>> regions(const std::vector<ChannelEvent>& events, int channel, Tick end) {
    std::vector<std::pair<Tick, Tick>> out;
    bool down = false;
    Tick since = 0;
    for (const ChannelEvent& e : events) {
        if (!isPedal(e, channel)) continue;
        const bool d = e.value >= 64;
        if (d && !down) since = e.tick;
        if (!d && down) out.push_back({since, e.tick});
        down = d;
    }
    if (down) out.push_back({since, std::max(end, since)});
    return out;
}

std::vector<ChannelEvent> withPedal(const std::vector<ChannelEvent>& events, int channel, Tick from, Tick to,
                                    bool down) {
    if (to < from) std::swap(from, to);
    // The pedal's state at `to` before the edit (what must hold after it).
    bool atTo = false;
    for (const ChannelEvent& e : events)
        if (isPedal(e, channel) && e.tick <= to) atTo = e.value >= 64;
    std::vector<ChannelEvent> out;
    out.reserve(events.size() + 2);
    for (const ChannelEvent& e : events)
        if (!(isPedal(e, channel) && e.tick >= from && e.tick <= to)) out.push_back(e);
    const ChannelEvent::Kind cc = ChannelEvent::Kind::Controller;
    out.push_back({from, cc, channel, kSustainController, down ? 127 : 0});
    if (atTo != down) out.push_back({to, cc, channel, kSustainController, atTo ? 127 : 0});
    std::stable_sort(out.begin(), out.end(), [](const ChannelEvent& a, const ChannelEvent& b) { return a.tick < b.tick; });
    // Drop events that repeat the state already in force (a press on a held pedal).
    std::vector<ChannelEvent> tidy;
    tidy.reserve(out.size());
    bool state = false;
    for (const ChannelEvent& e : out) {
        if (isPedal(e, channel)) {
            const bool d = e.value >= 64;
            if (d == state && (e.tick >= from && e.tick <= to)) continue;
            state = d;
        }
        tidy.push_back(e);
    }
    return tidy;
}

} // namespace pedal

} // namespace continuo::ui
