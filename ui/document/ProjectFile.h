#pragma once
// The .continuo project file for the app's Document: the format itself (JSON, version 2,
// atomic save) is continuo::project's, shared with continuo-cli; these read it into a
// Document and write a Document out.
#include "continuo/core/Expected.h"
#include "continuo/project/Project.h"

#include <QJsonObject>
#include <QString>

namespace continuo::ui {

class Document;

/// Settings stored with the piece (the Continue panel's last values).
using PieceSettings = project::PieceSettings;

class ProjectFile {
public:
    static constexpr int kFormatVersion = project::kProjectFormatVersion;
    static QJsonObject toJson(const Document& doc, const PieceSettings& settings = {});
    /// Replaces the document's content (clears undo). Errors say what is wrong and where.
    static Expected<bool> fromJson(const QJsonObject& json, Document& doc, PieceSettings* settings = nullptr);
    static Expected<bool> save(const QString& path, const Document& doc, const PieceSettings& settings = {});
    static Expected<bool> load(const QString& path, Document& doc, PieceSettings* settings = nullptr);
};

} // namespace continuo::ui
