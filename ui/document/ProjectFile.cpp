#include "document/ProjectFile.h"

#include "document/Document.h"

#include <QFileInfo>

namespace continuo::ui {

QJsonObject ProjectFile::toJson(const Document& doc, const PieceSettings& s) {
    return project::projectToJson(doc.toProject(s));
}

Expected<bool> ProjectFile::fromJson(const QJsonObject& root, Document& doc, PieceSettings* settings) {
    auto p = project::projectFromJson(root);
    if (!p) return Error{p.error()};
    doc.reset(p.value());
    if (settings) *settings = p->settings;
    return true;
}

Expected<bool> ProjectFile::save(const QString& path, const Document& doc, const PieceSettings& s) {
    return project::saveProject(path, doc.toProject(s));
}

Expected<bool> ProjectFile::load(const QString& path, Document& doc, PieceSettings* settings) {
    auto p = project::loadProject(path);
    if (!p) return Error{p.error()};
    if (p->title.isEmpty()) p->title = QFileInfo(path).completeBaseName();
    doc.reset(p.value());
    if (settings) *settings = p->settings;
    return true;
}

} // namespace continuo::ui
