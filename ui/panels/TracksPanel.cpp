#include "panels/TracksPanel.h"

#include "document/TrackCommands.h"
#include "roll/RollPalette.h"

#include <QHeaderView>
#include <QPainter>
#include <QPixmap>
#include <QSpinBox>
#include <QStyledItemDelegate>
#include <QTableWidget>
#include <QUndoStack>
#include <QVBoxLayout>

namespace continuo::ui {

namespace {
/// The switches' check boxes a shade lighter than the dark table, so that an unticked box
/// shows (Fusion fills it with Base and outlines it with a darker Window).
class SwitchDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override {
        QStyledItemDelegate::initStyleOption(option, index);
        option->palette.setColor(QPalette::Base, QColor(0x3a, 0x40, 0x4e));
        option->palette.setColor(QPalette::Window, QColor(0xb0, 0xb8, 0xc8));
        option->displayAlignment = Qt::AlignCenter;
    }
};

QIcon swatch(const QColor& c) {
    QPixmap pm(12, 12);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setPen(c.darker(150));
    p.setBrush(c);
    p.drawRoundedRect(QRectF(0.5, 0.5, 11, 11), 2, 2);
    return QIcon(pm);
}
} // namespace

TracksPanel::TracksPanel(Document* doc, QWidget* parent) : QWidget(parent), doc_(doc), table_(new QTableWidget(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(table_);
    table_->setColumnCount(ColumnCount);
    table_->setHorizontalHeaderLabels({tr("Track"), tr("Program"), tr("M"), tr("S"), tr("V"), tr("Primer")});
    table_->horizontalHeaderItem(Mute)->setToolTip(tr("Mute: not heard in playback and WAV export (MIDI export keeps it)"));
    table_->horizontalHeaderItem(Solo)->setToolTip(tr("Solo: only soloed tracks are heard"));
    table_->horizontalHeaderItem(Visible)->setToolTip(tr("Visible in the piano roll"));
    table_->horizontalHeaderItem(Primer)->setToolTip(tr("Part of the primer that Continue continues"));
    table_->horizontalHeaderItem(Program)->setToolTip(tr("General MIDI program, 1..128"));
    table_->verticalHeader()->setVisible(false);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->horizontalHeader()->setSectionResizeMode(Name, QHeaderView::Stretch);
    for (int c = Program; c < ColumnCount; ++c) table_->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    for (int c = Mute; c < ColumnCount; ++c) table_->setItemDelegateForColumn(c, new SwitchDelegate(table_));
    connect(table_, &QTableWidget::cellChanged, this, &TracksPanel::itemChanged);
    connect(table_, &QTableWidget::currentCellChanged, this, [this](int row) {
        if (updating_ || row < 0 || row >= int(doc_->tracks().size())) return;
        doc_->view()->setActiveTrack(doc_->tracks()[std::size_t(row)].id);
    });
    connect(doc_, &Document::tracksChanged, this, &TracksPanel::rebuild);
    connect(doc_->view(), &ViewState::activeTrackChanged, this, &TracksPanel::rebuild);
    rebuild();
}

void TracksPanel::rebuild() {
    updating_ = true;
    const auto& tracks = doc_->tracks();
    table_->setRowCount(int(tracks.size()));
    for (int row = 0; row < int(tracks.size()); ++row) {
        const TrackInfo& t = tracks[std::size_t(row)];
        auto* name = new QTableWidgetItem(swatch(palette::track(row)), QString::fromStdString(t.name));
        name->setToolTip(tr("Channel %1 · double-click to rename").arg(t.channel + 1));
        table_->setItem(row, Name, name);
        auto* program = qobject_cast<QSpinBox*>(table_->cellWidget(row, Program));
        if (!program) {
            program = new QSpinBox(table_);
            program->setRange(1, 128);
            program->setFrame(false);
            table_->setCellWidget(row, Program, program);
            connect(program, &QSpinBox::valueChanged, this, [this, program](int shown) {
                if (updating_) return;
                for (int r = 0; r < table_->rowCount(); ++r)
                    if (table_->cellWidget(r, Program) == program) {
                        const TrackInfo& tr = doc_->tracks()[std::size_t(r)];
                        if (tr.program != shown - 1)
                            doc_->undoStack()->push(new TrackHeaderCommand(doc_, tr.id, tr.name, tr.channel, shown - 1));
                    }
            });
        }
        program->setValue(t.program + 1);
        const bool flags[] = {t.muted, t.solo, t.visible, t.inPrimer};
        for (int c = Mute; c < ColumnCount; ++c) {
            auto* item = new QTableWidgetItem;
            item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable | Qt::ItemIsSelectable);
            item->setCheckState(flags[c - Mute] ? Qt::Checked : Qt::Unchecked);
            table_->setItem(row, c, item);
        }
        if (t.id == doc_->view()->activeTrack()) table_->setCurrentCell(row, Name);
    }
    updating_ = false;
}

void TracksPanel::itemChanged(int row, int column) {
    if (updating_ || row < 0 || row >= int(doc_->tracks().size())) return;
    const TrackInfo t = doc_->tracks()[std::size_t(row)];
    const QTableWidgetItem* item = table_->item(row, column);
    if (!item) return;
    const bool on = item->checkState() == Qt::Checked;
    switch (column) {
    case Name: {
        const std::string name = item->text().trimmed().toStdString();
        if (!name.empty() && name != t.name)
            doc_->undoStack()->push(new TrackHeaderCommand(doc_, t.id, name, t.channel, t.program));
        else
            QMetaObject::invokeMethod(this, &TracksPanel::rebuild, Qt::QueuedConnection);
        break;
    }
    case Mute: doc_->setTrackMuted(t.id, on); break;
    case Solo: doc_->setTrackSolo(t.id, on); break;
    case Visible: doc_->setTrackVisible(t.id, on); break;
    case Primer: doc_->setTrackInPrimer(t.id, on); break;
    default: break;
    }
}

} // namespace continuo::ui
