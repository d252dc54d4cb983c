#pragma once
// Snap grid: note values from 1/1 to 1/32, straight or triplet, in document ticks.
#include "continuo/core/Note.h"

#include <QString>

#include <vector>

namespace continuo::ui {

class Grid {
public:
    Grid() = default;
    /// `division`: 1, 2, 4, 8, 16, 32 (a 1/division note); triplet: three in the time of two.
    Grid(int division, bool triplet) : division_(division), triplet_(triplet) {}

    int division() const { return division_; }
    bool triplet() const { return triplet_; }
    Tick step() const;
    /// Nearest grid line.
    Tick snap(Tick t) const;
    Tick snapDown(Tick t) const;
    QString label() const; ///< "1/16", "1/8T"
    bool operator==(const Grid&) const = default;

    /// Every grid the UI offers, in menu order.
    static std::vector<Grid> all();

private:
    int division_ = 16;
    bool triplet_ = false;
};

} // namespace continuo::ui
