#include "panels/TransportBar.h"

#include "document/Document.h"
#include "document/Grid.h"
#include "document/MetreCommand.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QUndoStack>

#include <cmath>

namespace continuo::ui {

TransportBar::TransportBar(Document* doc, QWidget* parent) : QToolBar(tr("Transport"), parent), doc_(doc) {
    setObjectName("transportBar");
    setMovable(false);
    setToolButtonStyle(Qt::ToolButtonTextBesideIcon);

    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    mono.setPointSizeF(mono.pointSizeF() * 1.25);
    mono.setBold(true);
    bars_ = new QLabel(this);
    bars_->setFont(mono);
    bars_->setMinimumWidth(QFontMetrics(mono).horizontalAdvance("0000:00:000") + 12);
    bars_->setToolTip(tr("Position in bars:beats:ticks"));
    bars_->setStyleSheet("color: #7df09a; padding: 0 6px;");
    time_ = new QLabel(this);
    time_->setFont(mono);
    time_->setToolTip(tr("Position in minutes:seconds"));
    time_->setStyleSheet("color: #c8cfdc; padding: 0 6px;");

    tempo_ = new QDoubleSpinBox(this);
    tempo_->setRange(20, 400);
    tempo_->setDecimals(1);
    tempo_->setSuffix(tr(" BPM"));
    tempo_->setToolTip(tr("Tempo"));
    numerator_ = new QSpinBox(this);
    numerator_->setRange(1, 32);
    numerator_->setToolTip(tr("Beats per bar"));
    denominator_ = new QComboBox(this);
    for (int d : {2, 4, 8, 16}) denominator_->addItem(QString::number(d), d);
    denominator_->setToolTip(tr("Beat unit"));
    countIn_ = new QComboBox(this);
    countIn_->addItem(tr("No count-in"), 0);
    countIn_->addItem(tr("Count-in 1 bar"), 1);
    countIn_->addItem(tr("Count-in 2 bars"), 2);
    countIn_->setCurrentIndex(1);
    countIn_->setToolTip(tr("Bars of metronome before recording starts"));
    grid_ = new QComboBox(this);
    for (const Grid& g : Grid::all()) grid_->addItem(g.label());
    grid_->setCurrentIndex(4);
    grid_->setToolTip(tr("Snap grid (hold Alt while dragging to bypass)"));
    strength_ = new QSpinBox(this);
    strength_->setRange(0, 100);
    strength_->setValue(100);
    strength_->setSuffix(tr(" %"));
    strength_->setToolTip(tr("Quantize strength (Edit ▸ Quantize, Q)"));

    // Tempo and metre are part of the piece: each change is an undo step (spin-box steps merge).
    tempo_->setKeyboardTracking(false);
    connect(tempo_, &QDoubleSpinBox::valueChanged, this, [this](double bpm) {
        if (doc_->tempo().changes().size() == 1 && std::abs(doc_->bpm() - bpm) < 1e-6) return;
        doc_->undoStack()->push(MetreCommand::tempo(doc_, bpm));
    });
    connect(numerator_, &QSpinBox::valueChanged, this, [this](int n) {
        if (n == doc_->timeSignature().numerator) return;
        doc_->undoStack()->push(MetreCommand::timeSignature(doc_, n, doc_->timeSignature().denominator));
    });
    connect(denominator_, &QComboBox::currentIndexChanged, this, [this] {
        const int d = denominator_->currentData().toInt();
        if (d == doc_->timeSignature().denominator) return;
        doc_->undoStack()->push(MetreCommand::timeSignature(doc_, doc_->timeSignature().numerator, d));
    });
    connect(countIn_, &QComboBox::currentIndexChanged, this,
            [this] { emit countInChanged(countIn_->currentData().toInt()); });
    connect(grid_, &QComboBox::currentIndexChanged, this, &TransportBar::gridChanged);
    connect(doc_, &Document::tempoChanged, this, &TransportBar::syncFromDocument);
    syncFromDocument();
    setPosition(0);
}

void TransportBar::addFields() {
    addSeparator();
    addWidget(bars_);
    addWidget(time_);
    addSeparator();
    addWidget(tempo_);
    addWidget(numerator_);
    addWidget(new QLabel(QStringLiteral("/"), this));
    addWidget(denominator_);
    addWidget(countIn_);
    addSeparator();
    addWidget(new QLabel(tr(" Grid "), this));
    addWidget(grid_);
    addWidget(new QLabel(tr(" Q "), this));
    addWidget(strength_);
}

void TransportBar::syncFromDocument() {
    const QSignalBlocker a(tempo_), b(numerator_), c(denominator_);
    tempo_->setValue(doc_->bpm());
    numerator_->setValue(doc_->timeSignature().numerator);
    denominator_->setCurrentIndex(std::max(0, denominator_->findData(doc_->timeSignature().denominator)));
}

void TransportBar::setPosition(Tick tick) {
    const Tick t = std::max<Tick>(0, tick);
    const Document::Bar b = doc_->barAt(t); // bar:beat:tick under every time signature
    bars_->setText(QStringLiteral("%1:%2:%3")
                       .arg(b.index + 1, 3)
                       .arg((t - b.start) / b.beat + 1, 2, 10, QChar('0'))
                       .arg((t - b.start) % b.beat, 3, 10, QChar('0')));
    const double s = doc_->tempo().secondsAt(t);
    const int minutes = int(s / 60);
    time_->setText(QStringLiteral("%1:%2").arg(minutes).arg(s - minutes * 60.0, 4, 'f', 1, QChar('0')));
}

} // namespace continuo::ui
