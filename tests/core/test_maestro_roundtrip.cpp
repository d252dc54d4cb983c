// Every MAESTRO file survives read -> write -> read: the same notes (pitch, velocity,
// onset and length in ticks, channel), controllers (sustain pedal), tempo, metre and end,
// in format 1 and format 0, and at other resolutions: exactly when the new resolution is
// finer (ticks come back unchanged after rescaling back), and equal to the rescaled piece
// when it is coarser. Which resolutions: the file's own, twice it, 960 and 96.
#include "MaestroFiles.h"

#include "continuo/core/MidiFile.h"

#include <QElapsedTimer>
#include <QTest>

using namespace continuo;

namespace {

/// Empty when `got` holds the same piece as `want`, else what differs first.
QString difference(const Sequence& got, const Sequence& want) {
    if (got.ticksPerQuarter != want.ticksPerQuarter)
        return QStringLiteral("ppq %1 instead of %2")
            .arg(got.ticksPerQuarter)
            .arg(want.ticksPerQuarter);
    const auto gotNotes = got.allNotes(), wantNotes = want.allNotes();
    if (gotNotes.size() != wantNotes.size())
        return QStringLiteral("%1 notes instead of %2").arg(gotNotes.size()).arg(wantNotes.size());
    for (std::size_t i = 0; i < gotNotes.size(); ++i)
        if (!(gotNotes[i] == wantNotes[i]))
            return QStringLiteral("note %1 differs (pitch %2 at tick %3)")
                .arg(i)
                .arg(wantNotes[i].pitch)
                .arg(wantNotes[i].start);
    std::vector<ChannelEvent> gotEvents, wantEvents;
    for (const Track& t : got.tracks)
        gotEvents.insert(gotEvents.end(), t.events.begin(), t.events.end());
    for (const Track& t : want.tracks)
        wantEvents.insert(wantEvents.end(), t.events.begin(), t.events.end());
    auto byTick = [](const ChannelEvent& a, const ChannelEvent& b) { return a.tick < b.tick; };
    std::stable_sort(gotEvents.begin(), gotEvents.end(), byTick);
    std::stable_sort(wantEvents.begin(), wantEvents.end(), byTick);
    if (gotEvents != wantEvents) return QStringLiteral("channel events differ");
    if (got.tempo.changes() != want.tempo.changes()) return QStringLiteral("tempo changes differ");
    if (got.timeSignatures != want.timeSignatures) return QStringLiteral("time signatures differ");
    if (got.endTick != want.endTick)
        return QStringLiteral("end at tick %1 instead of %2").arg(got.endTick).arg(want.endTick);
    return {};
}

Expected<Sequence> writeAndRead(const Sequence& s, int format, int ppq) {
    const auto bytes = writeMidi(s, {format, ppq});
    auto back = readMidi(bytes);
    if (!back) return Error{back.error()};
    return std::move(back).value().sequence;
}

} // namespace

class TestMaestroRoundTrip : public QObject {
    Q_OBJECT
  private slots:
    void everyFileRoundTrips();
};

void TestMaestroRoundTrip::everyFileRoundTrips() {
    QStringList files;
    CONTINUO_MAESTRO_OR_SKIP(files);
    QElapsedTimer timer;
    timer.start();
    QStringList failures;
    std::size_t notes = 0;
    for (const QString& path : files) {
        auto read = readMidiFile(path.toStdString());
        if (!read) {
            failures << QString::fromStdString(read.error());
            continue;
        }
        const Sequence& original = read->sequence;
        notes += original.noteCount();
        const int ppq = original.ticksPerQuarter;
        const int doubled = 2 * ppq;
        struct Case {
            const char* name;
            int format;
            int ppq;
        };
        // 960 is Continuo's own resolution: 2.5 x MAESTRO's 384, not a whole multiple, yet
        // every tick still comes back after rescaling (rounding error < half a tick).
        for (const Case& c :
             {Case{"format 1", 1, ppq}, Case{"format 0", 0, ppq}, Case{"doubled", 1, doubled},
              Case{"Continuo's", 0, kTicksPerQuarter}, Case{"coarser", 1, 96}}) {
            auto back = writeAndRead(original, c.format, c.ppq);
            QString why;
            if (!back)
                why = QString::fromStdString(back.error());
            else if (c.ppq >= ppq)
                why = difference(back->rescaled(ppq), original);
            else
                why = difference(back.value(), original.rescaled(c.ppq));
            if (!why.isEmpty())
                failures
                    << QStringLiteral("%1 (%2, %3 PPQ): %4").arg(path, c.name).arg(c.ppq).arg(why);
        }
        // Seconds survive too: at a whole multiple of the resolution every tick is exact.
        auto finerBack = writeAndRead(original, 1, doubled);
        if (finerBack && qAbs(finerBack->durationSeconds() - original.durationSeconds()) > 1e-9)
            failures << path + QStringLiteral(": duration %1 s instead of %2 s")
                                   .arg(finerBack->durationSeconds(), 0, 'f', 9)
                                   .arg(original.durationSeconds(), 0, 'f', 9);
    }
    qInfo("round-tripped %lld MAESTRO files (%zu notes) in format 1, format 0, at 2x, 960 and 96 "
          "PPQ in %.1f s",
          qlonglong(files.size()), notes, double(timer.elapsed()) / 1000);
    QVERIFY2(failures.isEmpty(), qPrintable(QString::number(failures.size()) + " failure(s):\n" +
                                            failures.mid(0, 20).join('\n')));
}

QTEST_GUILESS_MAIN(TestMaestroRoundTrip)
#include "test_maestro_roundtrip.moc"
