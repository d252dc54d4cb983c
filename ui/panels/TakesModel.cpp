#include "panels/TakesModel.h"

#include "document/Document.h"
#include "document/TakeCommands.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QUndoStack>

namespace continuo::ui {

namespace {
/// An infill take's score in words: what it measures and how the gap's own notes compare.
QString fitText(const TakeProvenance& p) {
    if (!p.infill || p.score < 0) return {};
    QString s = TakesModel::tr("Fit %1 nats per event of the real music after the gap (%2 events; lower fits better)")
                    .arg(p.score, 0, 'f', 3)
                    .arg(p.scoredTokens);
    if (p.originalScore >= 0)
        s += TakesModel::tr("; with the notes the gap held: %1").arg(p.originalScore, 0, 'f', 3);
    return s;
}
} // namespace

TakesModel::TakesModel(Document* doc, QObject* parent) : QAbstractTableModel(parent), doc_(doc) {
    // Takes come and go as a whole list; a reset keeps the view and the tester consistent.
    connect(doc_, &Document::takesChanged, this, [this] {
        beginResetModel();
        endResetModel();
    });
    connect(doc_, &Document::takeNotesChanged, this, [this](TakeId id) {
        const int row = rowOf(id);
        if (row >= 0) emit dataChanged(index(row, Notes), index(row, Notes), {Qt::DisplayRole});
    });
    connect(doc_, &Document::takeRenamed, this, [this](TakeId id) {
        const int row = rowOf(id);
        if (row >= 0) emit dataChanged(index(row, Name), index(row, Name));
    });
    auto refreshAll = [this] {
        if (rowCount() > 0) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    };
    connect(doc_, &Document::currentTakeChanged, this, refreshAll);
    connect(doc_, &Document::primerTakeChanged, this, refreshAll);
}

int TakesModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(doc_->takes().size());
}

int TakesModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

TakeId TakesModel::takeAt(int row) const {
    return row >= 0 && row < rowCount() ? doc_->takes()[std::size_t(row)].id : 0;
}

int TakesModel::rowOf(TakeId id) const { return doc_->takeIndex(id); }

QString TakesModel::provenanceText(const Take& t) {
    const TakeProvenance& p = t.provenance;
    const double beats = double(p.primerEnd - p.primerStart) / kTicksPerQuarter;
    return tr("<b>%1</b><br>Primer: %2 (%3 quarter notes, ticks %4–%5)<br>Model: %6 (%7)<br>"
              "sha256 %8<br>Seed %9 · variation %10 · temperature %11 · top-p %12<br>"
              "Length %13 s%16 · %14 notes<br>Written %15")
        .arg(t.name.toHtmlEscaped(), p.primerSource.toHtmlEscaped())
        .arg(beats, 0, 'f', 1)
        .arg(p.primerStart)
        .arg(p.primerEnd)
        .arg(p.modelName.toHtmlEscaped(), p.device.isEmpty() ? QStringLiteral("CPU") : p.device)
        .arg(p.modelHash.left(16) + (p.modelHash.size() > 16 ? QStringLiteral("…") : QString()))
        .arg(p.seed)
        .arg(p.variation + 1)
        .arg(p.temperature, 0, 'f', 2)
        .arg(p.topP, 0, 'f', 2)
        .arg(p.lengthSeconds, 0, 'f', 0)
        .arg(t.notes.size())
        .arg(QLocale().toString(p.created, QLocale::ShortFormat))
        .arg(p.stopped ? tr(" (stopped early)") : QString()) + infillText(t);
}

QString TakesModel::infillText(const Take& t) {
    const TakeProvenance& p = t.provenance;
    if (!p.infill) return {};
    QString s = tr("<br>Fills the gap at ticks %1–%2 (candidate %3)").arg(p.gapStart).arg(p.gapEnd).arg(p.variation + 1);
    const QString fit = fitText(p);
    if (!fit.isEmpty()) s += QStringLiteral("<br>") + fit.toHtmlEscaped();
    return s;
}

QVariant TakesModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
    const Take& t = doc_->takes()[std::size_t(index.row())];
    const bool current = t.id == doc_->currentTake();
    switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole:
        switch (index.column()) {
        case Name: return t.name;
        case Notes: return qulonglong(t.notes.size());
        case Seed: return QString::number(t.provenance.seed);
        case Temperature: return QString::number(t.provenance.temperature, 'f', 2);
        case TopP: return QString::number(t.provenance.topP, 'f', 2);
        case Fit:
            return t.provenance.infill && t.provenance.score >= 0 ? QString::number(t.provenance.score, 'f', 2)
                                                                 : QString();
        case State:
            if (t.generating) return tr("writing…");
            if (t.id == doc_->primerTake()) return tr("primer");
            return current ? tr("auditioned") : QString();
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == Fit && t.provenance.infill) return fitText(t.provenance);
        return provenanceText(t);
    case Qt::FontRole:
        if (current) {
            QFont f;
            f.setBold(true);
            return f;
        }
        return {};
    case Qt::ForegroundRole:
        if (index.column() == State && t.generating) return QBrush(QColor(0xf2, 0x9e, 0x4c));
        return {};
    case TakeIdRole: return qulonglong(t.id);
    }
    return {};
}

QVariant TakesModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o == Qt::Horizontal && role == Qt::ToolTipRole && section == Fit)
        return tr("Fill Gap takes: how naturally the real music after the gap follows this fill, in the "
                  "model's nats per event. Lower fits better; the list is ranked by it.");
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Name: return tr("Take");
    case Notes: return tr("Notes");
    case Seed: return tr("Seed");
    case Temperature: return tr("Temp");
    case TopP: return tr("Top-p");
    case Fit: return tr("Fit");
    case State: return tr("State");
    }
    return {};
}

Qt::ItemFlags TakesModel::flags(const QModelIndex& index) const {
    if (!index.isValid()) return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemNeverHasChildren;
    if (index.column() == Name && !doc_->takes()[std::size_t(index.row())].generating)
        f |= Qt::ItemIsEditable;
    return f;
}

bool TakesModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (!index.isValid() || index.column() != Name || role != Qt::EditRole) return false;
    const QString name = value.toString().trimmed();
    const TakeId id = takeAt(index.row());
    const Take* t = doc_->take(id);
    if (!t || name.isEmpty() || name == t->name) return false;
    doc_->undoStack()->push(new RenameTakeCommand(doc_, id, name));
    return true;
}

} // namespace continuo::ui
