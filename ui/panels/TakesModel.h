#pragma once
// The document's takes as a tree: the sketch is the one top-level row, each take hangs under
// the take it continued from (Takes > Continue From), or under the sketch. Columns: name
// (editable: rename is undoable), notes, seed, temperature, top-p, fit (infill takes: how well
// the music after the gap follows), state. The tooltip holds the full provenance.
#include "document/Take.h"

#include <QAbstractItemModel>

namespace continuo::ui {

class Document;

class TakesModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column { Name, Notes, Seed, Temperature, TopP, Fit, Steer, State, ColumnCount };
    enum Role { TakeIdRole = Qt::UserRole + 1 };

    explicit TakesModel(Document* doc, QObject* parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

    /// The sketch's row: the root of the tree (take id 0).
    QModelIndex sketchIndex(int column = 0) const { return index(0, column); }
    /// The take of a row (0 for the sketch or an invalid index).
    TakeId takeAt(const QModelIndex& index) const;
    /// The row of a take (the sketch's for 0; invalid for a take not in the document).
    QModelIndex indexOf(TakeId id, int column = 0) const;
    static QString provenanceText(const Take& take);
    /// The gap and the score of an infill take (empty for a continuation).
    static QString infillText(const Take& take);
    /// A steered take's Steer cell ("D minor 100 % · 4.1/s", with ⚠ when costly; empty when not
    /// steered), its tooltip (asked, reached, the probability removed), and whether the controls
    /// removed more than kSteeringCostWarning of the model's probability.
    static QString steerText(const TakeProvenance& p);
    static QString reportText(const TakeProvenance& p);
    static bool steeringCostly(const TakeProvenance& p);

private:
    /// The parent of a take in the tree as shown: 0 when it has none or its parent has gone.
    TakeId shownParent(TakeId id) const;

    Document* doc_;
};

} // namespace continuo::ui
