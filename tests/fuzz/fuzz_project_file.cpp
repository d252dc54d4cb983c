// libFuzzer target for the .continuo project loader: the bytes are parsed as JSON (as
// ProjectFile::load does) and handed to ProjectFile::fromJson. Any input must give either a
// document or an error message; a document must save and load back to the same notes,
// takes and settings. Anything else (crash, sanitizer report, hang, huge allocation) is a
// finding.
#include "document/Document.h"
#include "document/ProjectFile.h"

#include <QJsonDocument>

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
    using namespace continuo::ui;
    const QJsonDocument json = QJsonDocument::fromJson(
        QByteArray::fromRawData(reinterpret_cast<const char*>(data), qsizetype(size)));
    if (!json.isObject()) return 0;
    Document doc;
    PieceSettings settings;
    auto loaded = ProjectFile::fromJson(json.object(), doc, &settings);
    if (!loaded) {
        if (loaded.error().empty()) finding("error without a message", "");
        return 0;
    }
    Document again;
    PieceSettings againSettings;
    auto back = ProjectFile::fromJson(ProjectFile::toJson(doc, settings), again, &againSettings);
    if (!back) finding("cannot load what was saved", back.error());
    if (again.notes() != doc.notes()) finding("notes changed through save -> load", "");
    if (again.takes().size() != doc.takes().size())
        finding("takes changed through save -> load", "");
    if (!(againSettings == settings)) finding("settings changed through save -> load", "");
    return 0;
}
