#include "continuo/core/MidiFile.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace continuo {

Expected<std::vector<std::uint8_t>> readFileBytes(const std::string& path, std::size_t maxBytes) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return Error{path + ": cannot open (" + std::strerror(errno) + ")"};
    std::vector<std::uint8_t> out;
    struct stat st {};
    if (::fstat(::fileno(f), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            std::fclose(f);
            return Error{path + ": is a directory, not a file"};
        }
        // Reserve what a regular file says it holds (a hint only: the loop below still
        // stops at maxBytes whatever the size claims).
        if (S_ISREG(st.st_mode) && std::uint64_t(st.st_size) <= maxBytes)
            out.reserve(std::size_t(st.st_size));
    }
    std::uint8_t buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        if (out.size() + n > maxBytes) {
            std::fclose(f);
            return Error{path + ": file is larger than " + std::to_string(maxBytes >> 20) + " MB"};
        }
        out.insert(out.end(), buf, buf + n);
    }
    const bool failed = std::ferror(f);
    const int readErrno = errno;
    std::fclose(f);
    if (failed) return Error{path + ": read error (" + std::strerror(readErrno) + ")"};
    return out;
}

Expected<bool> writeFileAtomically(const std::string& path, std::span<const std::uint8_t> bytes) {
    std::string tmp = path + ".tmp." + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Error{path + ": cannot write (" + std::strerror(errno) + ")"};
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            std::string why = std::strerror(errno);
            ::close(fd);
            ::unlink(tmp.c_str());
            return Error{path + ": write failed (" + why + ")"};
        }
        done += std::size_t(w);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        std::string why = std::strerror(errno);
        ::unlink(tmp.c_str());
        return Error{path + ": write failed (" + why + ")"};
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::string why = std::strerror(errno);
        ::unlink(tmp.c_str());
        return Error{path + ": cannot replace file (" + why + ")"};
    }
    return true;
}

} // namespace continuo
