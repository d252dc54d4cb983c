#pragma once
// Notes as compact text ("pitch:velocity:start:length:channel", space separated) so that
// data-driven tests can state expected notes in one readable column.
#include "continuo/core/Sequence.h"

#include <QString>
#include <QStringList>

inline QString noteText(const std::vector<continuo::Note>& notes) {
    QStringList parts;
    for (const continuo::Note& n : notes)
        parts << QStringLiteral("%1:%2:%3:%4:%5")
                     .arg(n.pitch)
                     .arg(n.velocity)
                     .arg(n.start)
                     .arg(n.length)
                     .arg(n.channel);
    return parts.join(' ');
}

inline QString noteText(const continuo::Sequence& seq) {
    return noteText(seq.allNotes());
}
