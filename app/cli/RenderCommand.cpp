// continuo-cli render: a MIDI file to a WAV file through the same synth as live playback.
#include "Command.h"

#ifdef CONTINUO_HAVE_AUDIO
#include "continuo/audio/OfflineRenderer.h"
#include "continuo/audio/SoundFontLocator.h"
#include "continuo/core/MidiFile.h"

#include <QCommandLineParser>
#include <QTextStream>

namespace {

int runRender(const QStringList& args) {
    using namespace continuo;
    QCommandLineParser parser;
    parser.setApplicationDescription("Render a MIDI file to WAV (16-bit, or 32-bit float) with FluidSynth.");
    parser.addHelpOption();
    parser.addPositionalArgument("input", "MIDI file to render");
    QCommandLineOption outputOpt({"o", "output"}, "WAV file to write", "file");
    QCommandLineOption soundFontOpt("soundfont", "SoundFont 2 file (default: search, see README)", "file");
    QCommandLineOption rateOpt("sample-rate", "sample rate in Hz (default 48000)", "hz", "48000");
    QCommandLineOption floatOpt("float", "write 32-bit float instead of 16-bit PCM");
    QCommandLineOption clickOpt("metronome", "mix in the metronome click");
    parser.addOptions({outputOpt, soundFontOpt, rateOpt, floatOpt, clickOpt});
    if (!parser.parse(args)) return cli::fail("render", parser.errorText(), 2);
    if (parser.isSet("help")) {
        QTextStream(stdout) << parser.helpText();
        return 0;
    }
    const QStringList inputs = parser.positionalArguments();
    if (inputs.size() != 1) return cli::fail("render", "expected one input MIDI file (see --help)", 2);
    if (!parser.isSet(outputOpt)) return cli::fail("render", "missing -o OUT.wav", 2);
    bool rateOk = false;
    const int rate = parser.value(rateOpt).toInt(&rateOk);
    if (!rateOk || rate < 8000 || rate > 192000)
        return cli::fail("render", "--sample-rate must be between 8000 and 192000", 2);

    auto midi = readMidiFile(inputs[0].toStdString());
    if (!midi) return cli::fail("render", QString::fromStdString(midi.error()), 2);

    audio::SoundFontSearch search;
    search.userSetting = parser.value(soundFontOpt).toStdString();
    search.executableDir = audio::SoundFontLocator::currentExecutableDir();
    auto soundFont = audio::SoundFontLocator::locate(search);
    if (!soundFont) return cli::fail("render", QString::fromStdString(soundFont.error()), 1);

    audio::RenderOptions options;
    options.synth.sampleRate = rate;
    options.synth.soundFont = soundFont.value();
    options.format = parser.isSet(floatOpt) ? audio::SampleFormat::Float32 : audio::SampleFormat::Pcm16;
    options.metronome = parser.isSet(clickOpt);
    const QString out = parser.value(outputOpt);
    auto stats = audio::OfflineRenderer::renderToWav(midi->sequence, out.toStdString(), options);
    if (!stats) return cli::fail("render", QString::fromStdString(stats.error()), 1);
    QTextStream(stdout) << "rendered " << inputs[0] << " -> " << out << ": "
                        << QString::number(stats->seconds, 'f', 1) << " s of audio in "
                        << QString::number(stats->wallSeconds, 'f', 2) << " s ("
                        << QString::number(stats->speed(), 'f', 1) << "x real time), peak "
                        << QString::number(stats->peak, 'f', 3) << ", soundfont "
                        << QString::fromStdString(soundFont.value()) << Qt::endl;
    return 0;
}

} // namespace

CONTINUO_CLI_COMMAND("render", "render a MIDI file to WAV with the GM synth", runRender);
#endif
