#pragma once
// The MIDI files a Teach Your Style job learns from when it includes the open piece: the
// piece (what sounds of it, as piano) written as MIDI beside copies of the musician's folder,
// in a folder of the job's own, since the CLI reads one folder. The CLI holds pieces out to
// check the learning and needs three at least; a piece taught with fewer is cut at bar lines
// into as many parts as make three.
#include "continuo/core/Expected.h"
#include "continuo/project/Project.h"

#include <QString>

namespace continuo::ui {

class TeachingData {
public:
    static constexpr int kMinimumPieces = 3; ///< what `continuo-cli finetune` needs
    /// Into how many parts the piece is cut when the folder gives `folderPieces` usable pieces (1: whole).
    static int partsNeeded(int folderPieces);
    /// Writes into `dataDir` the .mid/.midi files under `folder` (none when empty; their folders
    /// kept) and the piece as "<title>.mid", or cut into `parts` files. Returns how many MIDI
    /// files the folder holds now.
    static Expected<int> prepare(const QString& dataDir, const QString& folder, const project::Project& piece,
                                 int parts);
    /// The piece's notes from `from` up to `to` (onsets; ticks), moved to start at 0, with the
    /// tempo and controllers in force there.
    static Sequence slice(const Sequence& piece, Tick from, Tick to);
};

} // namespace continuo::ui
