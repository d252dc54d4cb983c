#include "window/ExportMidiDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>

namespace continuo::ui {

ExportMidiDialog::ExportMidiDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Export MIDI"));
    format_ = new QComboBox(this);
    format_->addItem(tr("Type 1 (tempo track + one track per part)"), 1);
    format_->addItem(tr("Type 0 (single track)"), 0);
    ppq_ = new QComboBox(this);
    for (int p : {480, 960, 384, 192, 96}) ppq_->addItem(tr("%1 ticks per quarter").arg(p), p);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* form = new QFormLayout(this);
    form->addRow(tr("File type"), format_);
    form->addRow(tr("Resolution"), ppq_);
    form->addRow(buttons);
}

void ExportMidiDialog::setSource(int ticksPerQuarter, int format) {
    int i = ppq_->findData(ticksPerQuarter);
    if (i < 0 && ticksPerQuarter > 0 && ticksPerQuarter <= 32767) {
        ppq_->insertItem(0, tr("%1 ticks per quarter").arg(ticksPerQuarter), ticksPerQuarter);
        i = 0;
    }
    if (i >= 0) {
        ppq_->setItemText(i, tr("%1 ticks per quarter (the piece's own: every tick kept)").arg(ticksPerQuarter));
        ppq_->setCurrentIndex(i);
    }
    if (int f = format_->findData(format); f >= 0) format_->setCurrentIndex(f);
}

int ExportMidiDialog::format() const { return format_->currentData().toInt(); }
int ExportMidiDialog::ticksPerQuarter() const { return ppq_->currentData().toInt(); }

} // namespace continuo::ui
