#pragma once
// Training data: lists MIDI files (a folder, or the MAESTRO CSV with its split column),
// tokenises them once, and caches the tokens on disk. Torch-free.
#include "continuo/core/Expected.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace continuo::inference {

struct Piece {
    std::string path;
    std::vector<std::uint16_t> tokens; ///< encoded performance, without BOS/EOS
};

struct DataSplit {
    std::vector<std::string> files;
};

/// Lists MIDI files for a split. `source` is a folder (every .mid/.midi below it; `split` is
/// ignored) or a MAESTRO-style CSV with columns midi_filename and split (paths relative to the
/// CSV's folder). Files are sorted so the order never depends on the file system.
Expected<DataSplit> listMidiFiles(const std::string& source, const std::string& split);

struct LoadReport {
    int parsed = 0, cached = 0;
    std::vector<std::string> failures; ///< "path: reason" for files skipped
};

/// Tokenises `files`, reusing the cache file when the tokenizer version, the file's size and its
/// modification time are unchanged. Unreadable files are reported and skipped.
std::vector<Piece> loadPieces(const std::vector<std::string>& files, const std::string& cachePath,
                              LoadReport* report = nullptr, int threads = 2,
                              const std::function<void(int done, int total)>& progress = {});

/// Every piece a token cache file holds, in the order of their paths, without reading or
/// checking the MIDI files they came from: a cache carried to a machine without the data
/// (scripts/train-on-gpu.sh). None when the file is missing, is no token cache, or was written
/// for another vocabulary version.
std::vector<Piece> readTokenCache(const std::string& cachePath);

/// Writes `pieces` as a token cache (by their paths) that readTokenCache reads back. Their
/// files' size and time are not recorded, so loadPieces never takes them for the files.
Expected<bool> writeTokenCache(const std::string& cachePath, const std::vector<Piece>& pieces);

/// A piece found in a musician's folder (loadPianoFolder).
struct FolderPiece {
    std::string path;
    double seconds = 0; ///< of its piano part
    int notes = 0;      ///< of its piano part
};

/// What a folder of a musician's own MIDI files holds for fine-tuning.
struct FolderScan {
    std::vector<FolderPiece> pieces; ///< the usable ones, sorted by path
    struct Skipped {
        std::string path, reason;
    };
    std::vector<Skipped> skipped;    ///< files left out, and why (unreadable, drums only, ...)
    double totalSeconds = 0;
    std::int64_t totalNotes = 0;
};

/// Reads every MIDI file below `folder` (as listMidiFiles does), keeps each one's piano part
/// (core's pianoPart: no drum channel, no other instruments) and tokenises it. Files that
/// cannot be read, hold no piano, or hold fewer than 8 piano notes are skipped with the reason.
/// Fails only when the folder cannot be read; a folder with nothing usable gives no pieces.
Expected<std::vector<Piece>> loadPianoFolder(const std::string& folder, FolderScan* scan);

/// One training batch built by the streamer: B rows of S inputs and S targets, PAD-padded.
struct StreamBatch {
    std::vector<std::int64_t> inputs;  ///< B x S
    std::vector<std::int64_t> targets; ///< B x S
    std::vector<bool> reset;           ///< stream b starts a new piece at this batch (drop its memory)
    std::int64_t realTokens = 0;       ///< targets that are not PAD
};

/// Streams whole pieces left to right, B side by side, S tokens at a time; each stream moves to
/// the next piece (in a shuffled order, reshuffled each epoch) when its piece ends. Training
/// augmentation (transpose, stretch) is drawn per piece. Its whole state fits in a string, so
/// training resumes exactly.
class PieceStreamer {
public:
    PieceStreamer(const std::vector<Piece>* pieces, int batch, int segment, std::uint64_t seed, bool augment);
    StreamBatch next();
    std::string saveState() const;
    bool restoreState(const std::string& state);
    int epoch() const { return epoch_; }
    /// When false (evaluation), each piece is streamed once, in order; finished() says when all are done.
    void setSinglePass(bool single) { singlePass_ = single; }
    bool finished() const;
    /// Piece index that each stream is playing (-1 = idle, evaluation only).
    const std::vector<int>& currentPieces() const { return current_; }

private:
    struct Stream {
        int piece = -1;
        int semitones = 0;
        double stretch = 1.0;
        std::size_t pos = 0;
    };
    void startNext(int b);
    void materialise(int b);
    std::uint64_t rand();

    const std::vector<Piece>* pieces_;
    int batch_, segment_;
    bool augment_;
    bool singlePass_ = false;
    std::uint64_t rng_;
    std::vector<int> order_;
    std::size_t cursor_ = 0;
    int epoch_ = 0;
    std::vector<Stream> streams_;
    std::vector<std::vector<int>> buffers_; ///< the stream's piece with BOS/EOS and augmentation applied
    std::vector<int> current_;
};

} // namespace continuo::inference
