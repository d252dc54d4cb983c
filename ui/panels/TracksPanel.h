#pragma once
// The track list: one row per track with its colour and name (editable), GM program shown
// 1..128, and Mute, Solo, Visible and Primer switches. Clicking a row makes it the active
// track (where drawn, pasted and recorded notes go). Names and programs are undo steps; the
// switches are how the piece is heard and shown, saved with it but not undone.
#include "document/Document.h"

#include <QWidget>

class QTableWidget;

namespace continuo::ui {

class TracksPanel : public QWidget {
    Q_OBJECT
public:
    enum Column { Name, Program, Mute, Solo, Visible, Primer, ColumnCount };
    explicit TracksPanel(Document* doc, QWidget* parent = nullptr);
    QTableWidget* table() const { return table_; }

private:
    void rebuild();
    void itemChanged(int row, int column);
    Document* doc_;
    QTableWidget* table_;
    bool updating_ = false;
};

} // namespace continuo::ui
