#include "panels/TakesModel.h"

#include "document/Document.h"
#include "document/TakeCommands.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QUndoStack>

#include <algorithm>

namespace continuo::ui {

namespace {
/// An infill take's score in words: what it measures and how the gap's own notes compare.
/// A fill scored against no music: nothing followed its gap, so the fills are not ranked.
bool unranked(const TakeProvenance& p) { return p.infill && p.score >= 0 && p.scoredTokens == 0; }

QString fitText(const TakeProvenance& p) {
    if (!p.infill || p.score < 0) return {};
    if (unranked(p))
        return TakesModel::tr("Unranked: no music follows the gap, so nothing tells the fills apart; listen to each "
                              "(fills are ranked by how well the real music after the gap follows them)");
    QString s = TakesModel::tr("Fit %1 nats per event of the real music after the gap (%2 events; lower fits better)")
                    .arg(p.score, 0, 'f', 3)
                    .arg(p.scoredTokens);
    if (p.originalScore >= 0)
        s += TakesModel::tr("; with the notes the gap held: %1").arg(p.originalScore, 0, 'f', 3);
    return s;
}
} // namespace

TakesModel::TakesModel(Document* doc, QObject* parent) : QAbstractItemModel(parent), doc_(doc) {
    // Takes come and go as a whole list; a reset keeps the view and the tester consistent.
    connect(doc_, &Document::takesChanged, this, [this] {
        beginResetModel();
        endResetModel();
    });
    connect(doc_, &Document::takeNotesChanged, this, [this](TakeId id) {
        const QModelIndex i = indexOf(id, Notes);
        if (i.isValid()) emit dataChanged(i, i, {Qt::DisplayRole});
    });
    connect(doc_, &Document::takeRenamed, this, [this](TakeId id) {
        const QModelIndex i = indexOf(id, Name);
        if (i.isValid()) emit dataChanged(i, i);
    });
    connect(doc_, &Document::notesChanged, this, [this] {
        emit dataChanged(sketchIndex(Notes), sketchIndex(Notes), {Qt::DisplayRole});
    });
    // Bold and the state column follow the auditioned take and the primer take everywhere.
    auto refreshAll = [this] {
        emit dataChanged(sketchIndex(0), sketchIndex(ColumnCount - 1));
        for (const Take& t : doc_->takes())
            emit dataChanged(indexOf(t.id, 0), indexOf(t.id, ColumnCount - 1));
    };
    connect(doc_->view(), &ViewState::currentTakeChanged, this, refreshAll);
    connect(doc_, &Document::primerTakeChanged, this, refreshAll);
}

TakeId TakesModel::shownParent(TakeId id) const {
    const Take* t = doc_->take(id);
    if (!t) return 0;
    const TakeId p = t->provenance.parentTake;
    return p != id && doc_->take(p) ? p : 0;
}

QModelIndex TakesModel::index(int row, int column, const QModelIndex& parent) const {
    if (column < 0 || column >= ColumnCount || row < 0) return {};
    if (!parent.isValid()) return row == 0 ? createIndex(0, column, quintptr(0)) : QModelIndex();
    if (parent.model() != this || parent.column() != 0) return {};
    const std::vector<TakeId> children = doc_->childTakes(TakeId(parent.internalId()));
    if (row >= int(children.size())) return {};
    return createIndex(row, column, quintptr(children[std::size_t(row)]));
}

QModelIndex TakesModel::parent(const QModelIndex& child) const {
    if (!child.isValid() || child.internalId() == 0) return {};
    return indexOf(shownParent(TakeId(child.internalId())));
}

int TakesModel::rowCount(const QModelIndex& parent) const {
    if (!parent.isValid()) return 1;
    if (parent.column() != 0) return 0;
    return int(doc_->childTakes(TakeId(parent.internalId())).size());
}

int TakesModel::columnCount(const QModelIndex&) const { return ColumnCount; }

TakeId TakesModel::takeAt(const QModelIndex& index) const {
    return index.isValid() && index.model() == this ? TakeId(index.internalId()) : 0;
}

QModelIndex TakesModel::indexOf(TakeId id, int column) const {
    if (id == 0) return sketchIndex(column);
    if (!doc_->take(id)) return {};
    const std::vector<TakeId> siblings = doc_->childTakes(shownParent(id));
    const auto it = std::find(siblings.begin(), siblings.end(), id);
    if (it == siblings.end()) return {};
    return createIndex(int(it - siblings.begin()), column, quintptr(id));
}

QString TakesModel::provenanceText(const Take& t) {
    const TakeProvenance& p = t.provenance;
    const double beats = double(p.primerEnd - p.primerStart) / kTicksPerQuarter;
    return tr("<b>%1</b><br>Primer: %2 (%3 quarter notes, ticks %4–%5)<br>Model: %6 (%7)<br>"
              "sha256 %8<br>Seed %9 · variation %10 · temperature %11 · top-p %12 · recall %17 · motif %18<br>"
              "Length %13 s%16 · %14 notes<br>Written %15")
        .arg(t.name.toHtmlEscaped(), p.primerSource.toHtmlEscaped())
        .arg(beats, 0, 'f', 1)
        .arg(p.primerStart)
        .arg(p.primerEnd)
        .arg(p.modelName.toHtmlEscaped(), p.device.isEmpty() ? QStringLiteral("CPU") : p.device)
        .arg(p.modelHash.left(16) + (p.modelHash.size() > 16 ? QStringLiteral("…") : QString()))
        .arg(p.sampling.seed.value())
        .arg(p.variation + 1)
        .arg(p.sampling.temperature, 0, 'f', 2)
        .arg(p.sampling.topP, 0, 'f', 2)
        .arg(p.sampling.lengthSeconds, 0, 'f', 0)
        .arg(t.notes.size())
        .arg(QLocale().toString(p.created, QLocale::ShortFormat))
        .arg(p.stopped ? tr(" (stopped early)") : QString())
        .arg(p.sampling.recall, 0, 'f', 2)
        .arg(p.sampling.motif, 0, 'f', 1) + infillText(t);
}

bool TakesModel::steeringCostly(const TakeProvenance& p) {
    return p.sampling.steering.any() && p.steeringReport.removedMass > kSteeringCostWarning;
}

QString TakesModel::steerText(const TakeProvenance& p) {
    if (!p.sampling.steering.any()) return {};
    const SteeringReport& r = p.steeringReport;
    QStringList parts;
    if (p.sampling.steering.keyLocked() && r.inKeyShare >= 0)
        parts << tr("%1 %2 %").arg(QString::fromStdString(r.key)).arg(100 * r.inKeyShare, 0, 'f', 0);
    parts << tr("%1/s").arg(r.density, 0, 'f', 1);
    return (steeringCostly(p) ? QStringLiteral("⚠ ") : QString()) + parts.join(QStringLiteral(" · "));
}

QString TakesModel::reportText(const TakeProvenance& p) {
    const SteeringReport& r = p.steeringReport;
    QString s = tr("<b>Asked</b>: %1<br><b>Reached</b>: ").arg(QString::fromStdString(p.sampling.steering.describe()).toHtmlEscaped());
    QStringList got;
    if (r.inKeyShare >= 0) got << tr("%1 % of notes in %2").arg(100 * r.inKeyShare, 0, 'f', 1).arg(QString::fromStdString(r.key));
    if (r.lowestPitch >= 0)
        got << tr("notes %1–%2").arg(QString::fromStdString(noteName(r.lowestPitch)), QString::fromStdString(noteName(r.highestPitch)));
    got << (r.densityTarget > 0 ? tr("%1 notes/s (aimed at %2)").arg(r.density, 0, 'f', 2).arg(r.densityTarget, 0, 'f', 2)
                                : tr("%1 notes/s").arg(r.density, 0, 'f', 2))
        << tr("at most %1 sounding at once").arg(r.maxPolyphony)
        << tr("mean velocity %1").arg(r.meanVelocity, 0, 'f', 0);
    s += got.join(QStringLiteral(", "));
    s += tr("<br>The controls removed %1 % of the model's probability").arg(100 * r.removedMass, 0, 'f', 1);
    if (steeringCostly(p))
        s += tr("<br><b>⚠ That is a lot: the controls fight what the music wants (a key lock against the primer's key, "
                "a range far from where it plays). The take may sound forced.</b>");
    return s;
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
    if (!index.isValid() || index.column() >= ColumnCount) return {};
    if (index.internalId() == 0) {
        // The sketch: the root every take grows from.
        const bool current = doc_->view()->currentTake() == 0;
        switch (role) {
        case Qt::DisplayRole:
            if (index.column() == Name) return tr("Sketch");
            if (index.column() == Notes) return qulonglong(doc_->notes().size());
            if (index.column() == State) return current ? tr("heard alone") : QString();
            return {};
        case Qt::ToolTipRole:
            return tr("<b>The sketch</b><br>Takes continued from the sketch hang here; <b>Continue From</b> "
                      "a take puts the next Continue's takes under it.");
        case Qt::FontRole: {
            QFont f;
            f.setBold(current);
            f.setItalic(true);
            return f;
        }
        case Qt::ForegroundRole: return QBrush(QColor(0x5a, 0xa9, 0xf6));
        case TakeIdRole: return qulonglong(0);
        }
        return {};
    }
    const Take* found = doc_->take(TakeId(index.internalId()));
    if (!found) return {};
    const Take& t = *found;
    const bool current = t.id == doc_->view()->currentTake();
    switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole:
        switch (index.column()) {
        case Name: return t.name;
        case Notes: return qulonglong(t.notes.size());
        case Seed: return QString::number(t.provenance.sampling.seed.value());
        case Temperature: return QString::number(t.provenance.sampling.temperature, 'f', 2);
        case TopP: return QString::number(t.provenance.sampling.topP, 'f', 2);
        case Fit:
            if (unranked(t.provenance)) return tr("unranked");
            return t.provenance.infill && t.provenance.score >= 0 ? QString::number(t.provenance.score, 'f', 2)
                                                                 : QString();
        case Steer: return steerText(t.provenance);
        case State:
            if (t.generating) return tr("writing…");
            if (t.id == doc_->primerTake()) return tr("primer");
            return current ? tr("auditioned") : QString();
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == Fit && t.provenance.infill) return fitText(t.provenance);
        if (index.column() == Steer && t.provenance.sampling.steering.any()) return reportText(t.provenance);
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
        if (index.column() == Steer && steeringCostly(t.provenance)) return QBrush(QColor(0xf2, 0x9e, 0x4c));
        return {};
    case TakeIdRole: return qulonglong(t.id);
    }
    return {};
}

QVariant TakesModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o == Qt::Horizontal && role == Qt::ToolTipRole && section == Steer)
        return tr("Steered takes: what the take reached against its controls; ⚠ when the controls removed much "
                  "of what the model wanted to play (the music may suffer)");
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
    case Steer: return tr("Steer");
    case State: return tr("State");
    }
    return {};
}

Qt::ItemFlags TakesModel::flags(const QModelIndex& index) const {
    if (!index.isValid()) return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    const Take* t = doc_->take(takeAt(index));
    if (index.column() == Name && t && !t->generating) f |= Qt::ItemIsEditable;
    return f;
}

bool TakesModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (!index.isValid() || index.column() != Name || role != Qt::EditRole) return false;
    const QString name = value.toString().trimmed();
    const TakeId id = takeAt(index);
    const Take* t = doc_->take(id);
    if (!t || name.isEmpty() || name == t->name) return false;
    doc_->undoStack()->push(new RenameTakeCommand(doc_, id, name));
    return true;
}

} // namespace continuo::ui
