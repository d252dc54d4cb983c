#pragma once
// The document's takes as a table: name (editable: rename is undoable), notes, seed,
// temperature, top-p, fit (infill takes: how well the music after the gap follows), state.
// The tooltip holds the full provenance.
#include "document/Take.h"

#include <QAbstractTableModel>

namespace continuo::ui {

class Document;

class TakesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Notes, Seed, Temperature, TopP, Fit, State, ColumnCount };
    enum Role { TakeIdRole = Qt::UserRole + 1 };

    explicit TakesModel(Document* doc, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

    TakeId takeAt(int row) const;
    int rowOf(TakeId id) const;
    static QString provenanceText(const Take& take);
    /// The gap and the score of an infill take (empty for a continuation).
    static QString infillText(const Take& take);

private:
    Document* doc_;
};

} // namespace continuo::ui
