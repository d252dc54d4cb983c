// libFuzzer target for the .continuo project loader (continuo::project::projectFromBytes,
// what the app and continuo-cli open files with). Any input must give either a project or
// an error message; a project must save and load back to the same tracks (with their raw
// meta/sysex events), conductor track, takes, metre, loop and settings. Anything else (crash, sanitizer report, hang, huge allocation) is a
// finding.
#include "continuo/project/Project.h"

#include <QByteArray>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

[[noreturn]] void finding(const char* what, const std::string& detail) {
    std::fprintf(stderr, "fuzz_project_file: %s: %s\n", what, detail.c_str());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace continuo::project;
    auto project = projectFromBytes(
        QByteArray::fromRawData(reinterpret_cast<const char*>(data), qsizetype(size)));
    if (!project) {
        if (project.error().empty()) finding("error without a message", "");
        return 0;
    }
    const Project& p = project.value();
    auto back = projectFromBytes(projectToBytes(p));
    if (!back) finding("cannot load what was saved", back.error());
    const Project& q = back.value();
    if (q.tracks != p.tracks) finding("tracks changed through save -> load", "");
    if (q.conductorName != p.conductorName || q.conductorEvents != p.conductorEvents)
        finding("conductor track changed through save -> load", "");
    if (q.takes != p.takes) finding("takes changed through save -> load", "");
    if (q.timeSignatures != p.timeSignatures) finding("metre changed through save -> load", "");
    if (q.tempo.changes() != p.tempo.changes()) finding("tempo changed through save -> load", "");
    // Without "loop" in the file the app picks the loop itself: the values are not used.
    if (q.hasLoop != p.hasLoop || (p.hasLoop && !(q.loop == p.loop)))
        finding("loop changed through save -> load", "");
    if (!(q.settings == p.settings)) finding("settings changed through save -> load", "");
    return 0;
}
