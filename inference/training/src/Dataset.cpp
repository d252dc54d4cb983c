#include "continuo/inference/Dataset.h"

#include "continuo/core/MidiFile.h"
#include "continuo/core/PianoPart.h"
#include "continuo/inference/Tokenizer.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

namespace continuo::inference {

namespace {
namespace fs = std::filesystem;

std::vector<std::string> splitCsvLine(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cur += '"', ++i;
            else if (c == '"') quoted = false;
            else cur += c;
        } else if (c == '"') quoted = true;
        else if (c == ',') out.push_back(cur), cur.clear();
        else cur += c;
    }
    out.push_back(cur);
    return out;
}

std::string trimmed(const std::string& s) {
    const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    std::size_t b = 0, e = s.size();
    while (b < e && space(s[b])) ++b;
    while (e > b && space(s[e - 1])) --e;
    return s.substr(b, e - b);
}

bool endsWithNoCase(const std::string& s, std::string_view suffix) {
    if (s.size() < suffix.size()) return false;
    for (std::size_t i = 0; i < suffix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[s.size() - suffix.size() + i])) != suffix[i]) return false;
    return true;
}

/// The folder of `file` as written ("." for a bare name), and `name` inside it, as QFileInfo's
/// dir() and QDir::filePath make them: the cache knows pieces by these paths.
std::string folderOf(const std::string& file) {
    const std::size_t slash = file.find_last_of('/');
    if (slash == std::string::npos) return ".";
    std::string dir = file.substr(0, slash);
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    return dir.empty() ? "/" : dir;
}
std::string pathIn(const std::string& dir, const std::string& name) {
    if (name.empty()) return dir;
    if (name[0] == '/' || name[0] == ':') return name;
    return dir.back() == '/' ? dir + name : dir + "/" + name;
}

/// Every MIDI file below `folder`, hidden files and folders and linked folders left out.
std::vector<std::string> midiFilesBelow(const std::string& folder) {
    std::vector<std::string> out;
    std::error_code ec;
    fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        std::error_code unreadable; // an entry that cannot be read is left out
        if (!name.empty() && name[0] == '.') {
            if (it->is_directory(unreadable)) it.disable_recursion_pending();
            continue;
        }
        if (!it->is_regular_file(unreadable)) continue;
        for (const char* ext : {".mid", ".midi", ".smf", ".kar"})
            if (endsWithNoCase(name, ext)) {
                out.push_back(it->path().string());
                break;
            }
    }
    return out;
}

/// The files of a MAESTRO-style CSV's split (all of them when `split` is empty).
Expected<DataSplit> midiFilesOfCsv(const std::string& source, const std::string& split) {
    std::ifstream in(source, std::ios::binary);
    if (!in) return Error{source + ": cannot open"};
    DataSplit out;
    auto readLine = [&in](std::string& line) {
        if (!std::getline(in, line)) return false;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return true;
    };
    std::string line;
    readLine(line);
    if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3); // a byte order mark
    const std::vector<std::string> header = splitCsvLine(line);
    const auto column = [&](const char* name) {
        auto it = std::find(header.begin(), header.end(), name);
        return it == header.end() ? -1 : int(it - header.begin());
    };
    const int fileCol = column("midi_filename"), splitCol = column("split");
    if (fileCol < 0) return Error{source + ": the CSV has no 'midi_filename' column"};
    if (!split.empty() && splitCol < 0) return Error{source + ": the CSV has no 'split' column"};
    const std::string base = folderOf(source);
    while (readLine(line)) {
        if (trimmed(line).empty()) continue;
        const std::vector<std::string> cols = splitCsvLine(line);
        if (int(cols.size()) <= std::max(fileCol, splitCol)) continue;
        if (!split.empty() && trimmed(cols[std::size_t(splitCol)]) != split) continue;
        out.files.push_back(pathIn(base, trimmed(cols[std::size_t(fileCol)])));
    }
    return out;
}
} // namespace

Expected<DataSplit> listMidiFiles(const std::string& sourceText, const std::string& split) {
    std::error_code ec;
    DataSplit out;
    if (fs::is_directory(sourceText, ec)) {
        out.files = midiFilesBelow(sourceText);
    } else if (fs::is_regular_file(sourceText, ec) && endsWithNoCase(sourceText, ".csv")) {
        auto listed = midiFilesOfCsv(sourceText, split);
        if (!listed) return listed;
        out = std::move(listed.value());
    } else {
        return Error{sourceText + ": expected a folder of MIDI files or a CSV file"};
    }
    std::sort(out.files.begin(), out.files.end());
    if (out.files.empty()) return Error{sourceText + ": no MIDI files" + (split.empty() ? "" : " in split '" + split + "'")};
    return out;
}

namespace {
constexpr char kCacheMagic[8] = {'C', 'T', 'O', 'K', 'C', 'A', 'C', '1'};

struct CacheEntry {
    std::int64_t size = -1, mtime = -1;
    std::vector<std::uint16_t> tokens;
};

std::map<std::string, CacheEntry> readCache(const std::string& path) {
    std::map<std::string, CacheEntry> out;
    auto bytes = readFileBytes(path, std::size_t(4) << 30);
    if (!bytes) return out;
    const auto& b = bytes.value();
    std::size_t at = 0;
    auto get = [&](void* dst, std::size_t n) {
        if (at + n > b.size()) return false;
        std::memcpy(dst, b.data() + at, n);
        at += n;
        return true;
    };
    char magic[8];
    std::int32_t version = 0;
    if (!get(magic, 8) || std::memcmp(magic, kCacheMagic, 8) != 0 || !get(&version, 4) ||
        version != tokens::kVocabularyVersion)
        return out;
    std::uint32_t count = 0;
    if (!get(&count, 4)) return out;
    for (std::uint32_t i = 0; i < count; ++i) {
        std::uint32_t plen = 0;
        std::uint64_t ntok = 0;
        CacheEntry e;
        if (!get(&plen, 4) || plen > 1 << 16 || at + plen > b.size()) return {};
        std::string p(reinterpret_cast<const char*>(b.data() + at), plen);
        at += plen;
        if (!get(&e.size, 8) || !get(&e.mtime, 8) || !get(&ntok, 8) || ntok > (b.size() - at) / 2) return {};
        e.tokens.resize(ntok);
        get(e.tokens.data(), ntok * 2);
        out[p] = std::move(e);
    }
    return out;
}

Expected<bool> writeCache(const std::string& path, const std::map<std::string, CacheEntry>& entries) {
    std::vector<std::uint8_t> b;
    auto put = [&](const void* src, std::size_t n) {
        auto p = static_cast<const std::uint8_t*>(src);
        b.insert(b.end(), p, p + n);
    };
    put(kCacheMagic, 8);
    std::int32_t version = tokens::kVocabularyVersion;
    put(&version, 4);
    std::uint32_t count = std::uint32_t(entries.size());
    put(&count, 4);
    for (const auto& [p, e] : entries) {
        std::uint32_t plen = std::uint32_t(p.size());
        std::uint64_t ntok = e.tokens.size();
        put(&plen, 4);
        put(p.data(), p.size());
        put(&e.size, 8);
        put(&e.mtime, 8);
        put(&ntok, 8);
        put(e.tokens.data(), ntok * 2);
    }
    std::error_code ec;
    fs::create_directories(fs::absolute(path, ec).parent_path(), ec);
    return writeFileAtomically(path, b);
}

/// Size and modification time (milliseconds) of a file, 0 and 0 when it cannot be read: what
/// a cache entry is checked against.
void statFile(const std::string& path, CacheEntry& e) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        e.size = e.mtime = 0;
        return;
    }
    e.size = std::int64_t(st.st_size);
    e.mtime = std::int64_t(st.st_mtim.tv_sec) * 1000 + std::int64_t(st.st_mtim.tv_nsec) / 1000000;
}
} // namespace

std::vector<Piece> readTokenCache(const std::string& cachePath) {
    std::vector<Piece> out;
    for (auto& [path, entry] : readCache(cachePath)) out.push_back({path, std::move(entry.tokens)});
    return out;
}

Expected<bool> writeTokenCache(const std::string& cachePath, const std::vector<Piece>& pieces) {
    std::map<std::string, CacheEntry> entries;
    for (const Piece& p : pieces) entries[p.path].tokens = p.tokens; // size and time unknown: -1
    return writeCache(cachePath, entries);
}

std::vector<Piece> loadPieces(const std::vector<std::string>& files, const std::string& cachePath,
                              LoadReport* report, int threads, const std::function<void(int, int)>& progress) {
    auto cache = cachePath.empty() ? std::map<std::string, CacheEntry>{} : readCache(cachePath);
    std::vector<Piece> pieces(files.size());
    std::vector<std::string> errors(files.size());
    std::vector<CacheEntry> entries(files.size());
    std::atomic<std::size_t> next{0};
    std::atomic<int> parsed{0}, cached{0}, done{0};
    std::mutex progressMutex;
    auto work = [&] {
        for (std::size_t i; (i = next++) < files.size();) {
            CacheEntry e;
            statFile(files[i], e);
            auto hit = cache.find(files[i]);
            if (hit != cache.end() && hit->second.size == e.size && hit->second.mtime == e.mtime) {
                e.tokens = hit->second.tokens;
                ++cached;
            } else {
                auto midi = readMidiFile(files[i]);
                if (!midi) {
                    errors[i] = midi.error();
                } else {
                    for (int t : tokens::encode(midi->sequence)) e.tokens.push_back(std::uint16_t(t));
                    ++parsed;
                }
            }
            pieces[i] = {files[i], e.tokens};
            entries[i] = std::move(e);
            int d = ++done;
            if (progress) {
                std::lock_guard lock(progressMutex);
                progress(d, int(files.size()));
            }
        }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < std::max(1, threads); ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();

    std::vector<Piece> out;
    std::map<std::string, CacheEntry> fresh = std::move(cache);
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (!errors[i].empty()) {
            if (report) report->failures.push_back(errors[i]);
            continue;
        }
        fresh[files[i]] = std::move(entries[i]);
        if (!pieces[i].tokens.empty()) out.push_back(std::move(pieces[i]));
    }
    if (parsed > 0 && !cachePath.empty()) writeCache(cachePath, fresh);
    if (report) {
        report->parsed = parsed;
        report->cached = cached;
    }
    return out;
}

Expected<std::vector<Piece>> loadPianoFolder(const std::string& folder, FolderScan* scan) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) return Error{folder + ": not a folder"};
    if (fs::directory_iterator probe(folder, ec); ec) return Error{folder + ": cannot read the folder (" + ec.message() + ")"};
    FolderScan found;
    std::vector<Piece> pieces;
    std::vector<std::string> files = midiFilesBelow(folder);
    std::sort(files.begin(), files.end());
    for (const std::string& file : files) {
        auto midi = readMidiFile(file);
        if (!midi) {
            std::string why = midi.error(); // "path: reason": the path is said already
            if (why.rfind(file + ": ", 0) == 0) why.erase(0, file.size() + 2);
            found.skipped.push_back({file, "cannot be read: " + why});
            continue;
        }
        auto piano = pianoPart(midi->sequence);
        if (!piano) {
            found.skipped.push_back({file, piano.error()});
            continue;
        }
        const int notes = int(piano->noteCount());
        if (notes < 8) {
            found.skipped.push_back({file, "too short (" + std::to_string(notes) + " piano notes)"});
            continue;
        }
        Piece piece{file, {}};
        for (int t : tokens::encode(piano.value())) piece.tokens.push_back(std::uint16_t(t));
        FolderPiece info{file, piano->durationSeconds(), notes};
        found.totalSeconds += info.seconds;
        found.totalNotes += notes;
        found.pieces.push_back(std::move(info));
        pieces.push_back(std::move(piece));
    }
    if (scan) *scan = std::move(found);
    return pieces;
}

PieceStreamer::PieceStreamer(const std::vector<Piece>* pieces, int batch, int segment, std::uint64_t seed, bool augment)
    : pieces_(pieces), batch_(batch), segment_(segment), augment_(augment), rng_(seed),
      streams_(std::size_t(batch)), buffers_(std::size_t(batch)), current_(std::size_t(batch), -1) {}

std::uint64_t PieceStreamer::rand() {
    std::uint64_t z = (rng_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

bool PieceStreamer::finished() const {
    return singlePass_ && cursor_ >= pieces_->size() &&
           std::all_of(current_.begin(), current_.end(), [](int p) { return p < 0; });
}

void PieceStreamer::startNext(int b) {
    Stream& s = streams_[std::size_t(b)];
    const std::size_t n = pieces_->size();
    if (singlePass_) {
        s.piece = cursor_ < n ? int(cursor_++) : -1;
    } else {
        if (order_.empty() || cursor_ >= order_.size()) {
            order_.resize(n);
            for (std::size_t i = 0; i < n; ++i) order_[i] = int(i);
            for (std::size_t i = n; i > 1; --i) std::swap(order_[i - 1], order_[std::size_t(rand() % i)]);
            if (cursor_ >= n && n) ++epoch_;
            cursor_ = 0;
        }
        s.piece = order_[cursor_++];
    }
    s.pos = 0;
    s.semitones = 0;
    s.stretch = 1.0;
    if (augment_ && s.piece >= 0) {
        s.semitones = int(rand() % 7) - 3;                                   // -3..+3
        s.stretch = 0.95 + 0.1 * double(rand() >> 11) / 9007199254740992.0; // 0.95..1.05
    }
    materialise(b);
}

void PieceStreamer::materialise(int b) {
    Stream& s = streams_[std::size_t(b)];
    auto& buf = buffers_[std::size_t(b)];
    current_[std::size_t(b)] = s.piece;
    buf.clear();
    if (s.piece < 0) return;
    const auto& src = (*pieces_)[std::size_t(s.piece)].tokens;
    std::vector<int> toks(src.begin(), src.end());
    if (s.semitones != 0 || s.stretch != 1.0) toks = tokens::augment(toks, s.semitones, s.stretch);
    buf.reserve(toks.size() + 2);
    buf.push_back(tokens::kBos);
    buf.insert(buf.end(), toks.begin(), toks.end());
    buf.push_back(tokens::kEos);
}

StreamBatch PieceStreamer::next() {
    StreamBatch out;
    const std::size_t S = std::size_t(segment_);
    out.inputs.assign(std::size_t(batch_) * S, tokens::kPad);
    out.targets.assign(std::size_t(batch_) * S, tokens::kPad);
    out.reset.assign(std::size_t(batch_), false);
    for (int b = 0; b < batch_; ++b) {
        Stream& s = streams_[std::size_t(b)];
        auto& buf = buffers_[std::size_t(b)];
        if (s.piece < 0 || s.pos + 1 >= buf.size()) {
            if (singlePass_ && cursor_ >= pieces_->size()) { // evaluation: nothing left for this stream
                s.piece = -1;
                current_[std::size_t(b)] = -1;
                buf.clear();
                continue;
            }
            startNext(b);
            out.reset[std::size_t(b)] = true;
        }
        const std::size_t n = std::min(S, buf.size() - 1 - s.pos);
        for (std::size_t t = 0; t < n; ++t) {
            out.inputs[std::size_t(b) * S + t] = buf[s.pos + t];
            out.targets[std::size_t(b) * S + t] = buf[s.pos + t + 1];
        }
        out.realTokens += std::int64_t(n);
        s.pos += n;
    }
    return out;
}

std::string PieceStreamer::saveState() const {
    std::ostringstream o;
    o.precision(17);
    o << rng_ << ' ' << cursor_ << ' ' << epoch_ << ' ' << order_.size();
    for (int x : order_) o << ' ' << x;
    for (const Stream& s : streams_) o << ' ' << s.piece << ' ' << s.semitones << ' ' << s.stretch << ' ' << s.pos;
    return o.str();
}

bool PieceStreamer::restoreState(const std::string& state) {
    std::istringstream in(state);
    in.precision(17);
    std::size_t orderSize = 0;
    if (!(in >> rng_ >> cursor_ >> epoch_ >> orderSize) || orderSize > pieces_->size()) return false;
    order_.resize(orderSize);
    for (int& x : order_) in >> x;
    for (int b = 0; b < batch_; ++b) {
        Stream& s = streams_[std::size_t(b)];
        if (!(in >> s.piece >> s.semitones >> s.stretch >> s.pos)) return false;
        if (s.piece >= int(pieces_->size())) return false;
        materialise(b);
    }
    return true;
}

} // namespace continuo::inference
