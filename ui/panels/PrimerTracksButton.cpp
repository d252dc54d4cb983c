#include "panels/PrimerTracksButton.h"

#include <QAction>
#include <QMenu>
#include <QSignalBlocker>

#include <algorithm>

namespace continuo::ui {

namespace {
QString trackLabel(const TrackInfo& t, int index) {
    return t.name.empty() ? PrimerTracksButton::tr("Track %1").arg(index + 1) : QString::fromStdString(t.name);
}
} // namespace

PrimerTracksButton::PrimerTracksButton(Document* doc, QWidget* parent)
    : QToolButton(parent), doc_(doc), menu_(new QMenu(this)) {
    setObjectName("primerTracks");
    setPopupMode(QToolButton::InstantPopup);
    setToolButtonStyle(Qt::ToolButtonTextOnly);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setMenu(menu_);
    setToolTip(tr("The tracks whose notes the model listens to (the Primer column of the track list)"));
    all_ = new QAction(tr("All tracks"), this);
    all_->setObjectName("primerAllTracks");
    connect(all_, &QAction::triggered, this, [this] {
        std::vector<TrackId> out;
        for (const TrackInfo& t : doc_->tracks())
            if (!t.inPrimer) out.push_back(t.id);
        for (TrackId id : out) doc_->setTrackInPrimer(id, true);
    });
    // Every change to the tracks (added, removed, renamed, ticked in the list or here) comes
    // through Document::tracksChanged. Ticking an entry only syncs the entries (never
    // deletes the action whose signal is being delivered).
    connect(doc_, &Document::tracksChanged, this, [this] {
        rebuild();
        sync();
    });
    rebuild();
    sync();
}

QString PrimerTracksButton::summary(const Document& doc) {
    const auto& tracks = doc.tracks();
    const auto in = std::count_if(tracks.begin(), tracks.end(), [](const TrackInfo& t) { return t.inPrimer; });
    if (std::size_t(in) == tracks.size()) return tr("all tracks");
    if (in == 0) return tr("no tracks");
    if (in == 1)
        for (std::size_t i = 0; i < tracks.size(); ++i)
            if (tracks[i].inPrimer) return trackLabel(tracks[i], int(i));
    return tr("%1 of %2 tracks").arg(in).arg(tracks.size());
}

QAction* PrimerTracksButton::actionFor(TrackId id) const {
    for (QAction* a : menu_->actions())
        if (a != all_ && a->isCheckable() && a->data().toUInt() == id) return a;
    return nullptr;
}

void PrimerTracksButton::rebuild() {
    std::vector<std::pair<TrackId, std::string>> tracks;
    for (const TrackInfo& t : doc_->tracks()) tracks.emplace_back(t.id, t.name);
    if (tracks == shown_ && !menu_->isEmpty()) return;
    shown_ = std::move(tracks);
    menu_->clear(); // deletes the track entries (the menu owns them), keeps all_
    menu_->addAction(all_);
    menu_->addSeparator();
    const auto& info = doc_->tracks();
    for (std::size_t i = 0; i < info.size(); ++i) {
        QAction* a = new QAction(trackLabel(info[i], int(i)), menu_);
        a->setCheckable(true);
        a->setData(uint(info[i].id));
        const TrackId id = info[i].id;
        connect(a, &QAction::toggled, this, [this, id](bool on) { doc_->setTrackInPrimer(id, on); });
        menu_->addAction(a);
    }
}

void PrimerTracksButton::sync() {
    const auto& tracks = doc_->tracks();
    for (const TrackInfo& t : tracks)
        if (QAction* a = actionFor(t.id)) {
            const QSignalBlocker block(a);
            a->setChecked(t.inPrimer);
        }
    all_->setEnabled(std::any_of(tracks.begin(), tracks.end(), [](const TrackInfo& t) { return !t.inPrimer; }));
    setText(tr("Primer: %1").arg(summary(*doc_))); // the button draws its own menu arrow
}

} // namespace continuo::ui
