#pragma once
// "Primer: all tracks" (a menu button) in the Continue panel: which tracks the model listens to. Its menu
// has a checkable entry per track, and "All tracks". It reads and writes the same per-track
// flag as the Primer column of the Tracks dock (Document::setTrackInPrimer), so the two stay
// in step either way; like that column (and mute, solo, visibility) a change is saved with
// the project but is not an undo step.
#include "document/Document.h"

#include <QToolButton>

#include <string>
#include <utility>
#include <vector>

class QMenu;

namespace continuo::ui {

class PrimerTracksButton : public QToolButton {
    Q_OBJECT
public:
    explicit PrimerTracksButton(Document* doc, QWidget* parent = nullptr);

    /// The menu's entry for a track (checkable, checked while the track is in the primer).
    QAction* actionFor(TrackId id) const;
    /// "All tracks": puts every track in the primer.
    QAction* allTracksAction() const { return all_; }
    /// What the button says after "Primer: ": "all tracks", "no tracks", a track's name, or
    /// "2 of 3 tracks".
    static QString summary(const Document& doc);

private:
    /// Makes the menu's track entries again when tracks came, went or were renamed.
    void rebuild();
    /// Checks the entries of the tracks in the primer and says which on the button.
    void sync();

    Document* doc_;
    QMenu* menu_;
    QAction* all_;
    std::vector<std::pair<TrackId, std::string>> shown_; ///< the tracks the entries are for
};

} // namespace continuo::ui
