#pragma once
// The MAESTRO v2 MIDI files under CONTINUO_SHARED_DATA/maestro-v2 (not part of the
// project: tests that need them skip with a clear message when they are absent).
#include <QDir>
#include <QDirIterator>
#include <QStringList>

inline QString maestroDir() {
    return QStringLiteral(CONTINUO_SHARED_DATA "/maestro-v2");
}

/// Every .mid/.midi file under maestroDir(), sorted by path (a fixed order for every run).
inline QStringList maestroFiles() {
    QStringList files;
    QDirIterator it(maestroDir(), {"*.mid", "*.midi"}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext())
        files << it.next();
    files.sort();
    return files;
}

#define CONTINUO_MAESTRO_OR_SKIP(files)                                                            \
    do {                                                                                           \
        files = maestroFiles();                                                                    \
        if (files.isEmpty())                                                                       \
            QSKIP(qPrintable("MAESTRO MIDI files not found in " + maestroDir() +                   \
                             " (set CONTINUO_SHARED_DATA to the folder holding maestro-v2/)"));    \
    } while (false)
