// Audio and MIDI settings against a real JACK server (dummy driver): the dialog lists JACK
// and its outputs, applying reopens the engine there, a virtual MIDI keyboard can be chosen,
// the next start opens the same devices from the settings, and a device that is gone is
// remembered and named rather than silently replaced.
#include "playback/PlaybackController.h"
#include "window/AudioSettingsDialog.h"
#include "window/MainWindow.h"

#include <QAction>
#include <QComboBox>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <RtMidi.h>

#include <memory>

using namespace continuo::ui;

class TestAudioSettings : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

    std::unique_ptr<MainWindow> makeWindow() {
        MainWindowOptions o;
        o.openAudio = true;
        o.loadDefaultModel = false;
        o.exampleMotif = false;
        o.useSettings = true;
        o.recoveryDir = dir_.filePath("recovery");
        auto w = std::make_unique<MainWindow>(o);
        w->show();
        return w;
    }

private slots:
    void initTestCase() {
        if (qEnvironmentVariableIsEmpty("JACK_DEFAULT_SERVER")) QSKIP("needs the CTest JACK fixture");
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName("ContinuoTest");
        QCoreApplication::setApplicationName("test_ui_audio_settings");
        QSettings().clear();
    }

    void chooseRememberAndLose() {
        // A MIDI keyboard: a JACK MIDI client with one output port.
        auto keyboard = std::make_unique<RtMidiOut>(RtMidi::UNIX_JACK, "continuo-test-keyboard");
        keyboard->openVirtualPort("keys");

        auto w = makeWindow();
        PlaybackController* playback = w->playback();
        QCOMPARE(playback->setup().system, QString("JACK")); // the server named in the environment
        w->action("audioSettings")->trigger();
        AudioSettingsDialog* d = w->audioSettings();
        QVERIFY(d);
        QVERIFY(d->isVisible());
        QVERIFY(d->systemBox()->findData("JACK") >= 0);
        d->systemBox()->setCurrentIndex(d->systemBox()->findData("JACK"));
        // "Default output" plus the server's own output.
        QVERIFY2(d->deviceBox()->count() >= 2, "JACK lists no output device");
        d->deviceBox()->setCurrentIndex(1);
        const QString device = d->deviceBox()->currentData().toString();
        QVERIFY(!device.isEmpty());
        int keys = -1;
        for (int i = 0; i < d->midiBox()->count(); ++i)
            if (d->midiBox()->itemData(i).toString().contains("keys")) keys = i;
        QVERIFY2(keys >= 0, "the virtual keyboard is not listed");
        d->midiBox()->setCurrentIndex(keys);
        const AudioSetup chosen = d->setup();
        d->accept();

        QCOMPARE(playback->setup(), chosen);
        QVERIFY2(playback->statusLine().contains(device), qPrintable(playback->statusLine()));
        QVERIFY2(playback->statusLine().startsWith("Jack"), qPrintable(playback->statusLine())); // RtAudio's label
        QVERIFY(playback->hasSound());
        QCOMPARE(playback->midiInputName(), chosen.midiInput);
        QSettings s;
        QCOMPARE(s.value("audio/system").toString(), QString("JACK"));
        QCOMPARE(s.value("audio/device").toString(), device);
        QCOMPARE(s.value("audio/midiInput").toString(), chosen.midiInput);

        // The next start opens the same devices.
        w.reset();
        w = makeWindow();
        QCOMPARE(w->playback()->setup(), chosen);
        QCOMPARE(w->playback()->midiInputName(), chosen.midiInput);
        QVERIFY(w->playback()->statusLine().contains(device));

        // The keyboard goes away: the choice is kept (it comes back when plugged in again) and
        // the dialog says it is not connected instead of quietly choosing something else.
        w.reset();
        keyboard.reset();
        w = makeWindow();
        QVERIFY(w->playback()->midiInputName().isEmpty());
        QCOMPARE(w->playback()->setup().midiInput, chosen.midiInput);
        w->action("audioSettings")->trigger();
        d = w->audioSettings();
        QVERIFY(d);
        QVERIFY2(d->midiBox()->currentText().contains("not connected"), qPrintable(d->midiBox()->currentText()));
        QCOMPARE(d->setup(), chosen);
        d->reject();

        // A device that does not exist: silent, with a message that names it.
        AudioSetup missing = chosen;
        missing.device = "no-such-output";
        missing.midiInput.clear();
        w->applyAudioSetup(missing);
        QVERIFY(!w->playback()->hasSound());
        QVERIFY2(w->playback()->statusLine().contains("no-such-output"), qPrintable(w->playback()->statusLine()));
        QCOMPARE(QSettings().value("audio/device").toString(), QString("no-such-output"));
    }
};

QTEST_MAIN(TestAudioSettings)
#include "test_audio_settings.moc"
