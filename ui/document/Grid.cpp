#include "document/Grid.h"

#include <cmath>

namespace continuo::ui {

Tick Grid::step() const {
    const Tick whole = Tick(kTicksPerQuarter) * 4;
    Tick s = whole / std::max(1, division_);
    if (triplet_) s = s * 2 / 3;
    return std::max<Tick>(1, s);
}

Tick Grid::snap(Tick t) const {
    const Tick s = step();
    return Tick(std::llround(double(t) / double(s))) * s;
}

Tick Grid::snapDown(Tick t) const {
    const Tick s = step();
    Tick q = t / s;
    if (t < 0 && q * s != t) --q;
    return q * s;
}

QString Grid::label() const {
    return QStringLiteral("1/%1%2").arg(division_).arg(triplet_ ? QStringLiteral("T") : QString());
}

std::vector<Grid> Grid::all() {
    std::vector<Grid> out;
    for (int d : {1, 2, 4, 8, 16, 32}) out.emplace_back(d, false);
    for (int d : {4, 8, 16, 32}) out.emplace_back(d, true);
    return out;
}

} // namespace continuo::ui
