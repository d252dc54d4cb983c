#pragma once
// The piano part of a MIDI file from anywhere: what a musician's own files give the model to
// learn from. General MIDI's drum channel and the parts of other instruments are left out.
#include "continuo/core/Expected.h"
#include "continuo/core/Sequence.h"

#include <string>

namespace continuo {

/// The family name of a General MIDI program 0..127 ("Piano", "Organ", "Strings", ...).
std::string gmFamily(int program);

/// Whether a General MIDI program is a piano (programs 0..7: grand, bright, electric grand,
/// honky-tonk, the two electric pianos, harpsichord and clavinet).
bool isPianoProgram(int program);

/// `sequence` with only the notes and channel events of its piano channels: a channel whose
/// first program change (in any track, in time order) is a piano program, or that has none
/// (General MIDI's default program is the grand piano). Channel 10 (index 9) is General MIDI's
/// drum kit and is never piano. Tempo, metre and the conductor stay. An error says why there is
/// nothing to keep: no notes at all, drums only, or which instruments it holds instead.
Expected<Sequence> pianoPart(const Sequence& sequence);

} // namespace continuo
