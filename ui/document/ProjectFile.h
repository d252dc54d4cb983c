#pragma once
// The .continuo project file: JSON (QJsonDocument) holding the notes, tempo, metre, loop,
// takes with provenance, and the piece's Continue settings. Written atomically (QSaveFile).
#include "continuo/core/Expected.h"

#include <QJsonObject>
#include <QString>

namespace continuo::ui {

class Document;

/// Settings stored with the piece (the Continue panel's last values).
struct PieceSettings {
    double lengthSeconds = 15.0;
    double temperature = 1.0;
    double topP = 0.95;
    int variations = 3;
    qint64 seed = -1; ///< -1 = random
    int gridIndex = 4;
    bool operator==(const PieceSettings&) const = default;
};

class ProjectFile {
public:
    static constexpr int kFormatVersion = 1;
    static QJsonObject toJson(const Document& doc, const PieceSettings& settings = {});
    /// Replaces the document's content (clears undo). Errors say what is wrong and where.
    static Expected<bool> fromJson(const QJsonObject& json, Document& doc, PieceSettings* settings = nullptr);
    static Expected<bool> save(const QString& path, const Document& doc, const PieceSettings& settings = {});
    static Expected<bool> load(const QString& path, Document& doc, PieceSettings* settings = nullptr);
};

} // namespace continuo::ui
