#include "TrainingPlot.h"

#include <QFile>
#include <QStringList>
#include <QTextStream>
#include <QVector>

#ifdef CONTINUO_HAVE_QTGUI
#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QPainterPath>
#endif

#include <algorithm>
#include <cmath>

namespace continuo::cli {

QString writeTrainingPlot(const QString& csvPath, const QString& pngPath) {
#ifndef CONTINUO_HAVE_QTGUI
    Q_UNUSED(csvPath);
    Q_UNUSED(pngPath);
    return "built without Qt GUI: no plot";
#else
    if (!qobject_cast<QGuiApplication*>(QCoreApplication::instance())) return "no GUI application: no plot";
    QFile f(csvPath);
    if (!f.open(QIODevice::ReadOnly)) return "cannot read " + csvPath;
    QTextStream in(&f);
    in.readLine();
    QVector<QPointF> loss, val;
    while (!in.atEnd()) {
        auto c = in.readLine().split(',');
        if (c.size() < 4) continue;
        double tokens = c[1].toDouble() / 1e6;
        loss << QPointF(tokens, c[2].toDouble());
        if (c[3].toDouble() >= 0) val << QPointF(tokens, c[3].toDouble());
    }
    if (loss.size() < 2) return "too few points to plot";
    const int W = 900, H = 540, L = 70, R = 20, T = 40, B = 60;
    QImage img(W, H, QImage::Format_RGB32);
    img.fill(Qt::white);
    QPainter g(&img);
    g.setRenderHint(QPainter::Antialiasing);
    double x1 = loss.back().x(), y0 = 1e9, y1 = -1e9;
    for (auto p : loss + val) y0 = std::min(y0, p.y()), y1 = std::max(y1, p.y());
    y1 = std::min(y1, y0 + 4.0); // the first steps' loss would flatten the rest
    y0 = std::floor(y0 * 2) / 2, y1 = std::ceil(y1 * 2) / 2;
    auto map = [&](QPointF p) {
        return QPointF(L + p.x() / x1 * (W - L - R), T + (y1 - std::min(p.y(), y1)) / (y1 - y0) * (H - T - B));
    };
    g.setPen(QColor(220, 220, 220));
    g.setFont(QFont("Sans", 9));
    for (double y = y0; y <= y1 + 1e-9; y += 0.5) {
        QPointF a = map({0, y});
        g.setPen(QColor(225, 225, 225));
        g.drawLine(a, map({x1, y}));
        g.setPen(Qt::black);
        g.drawText(QRectF(0, a.y() - 8, L - 8, 16), Qt::AlignRight | Qt::AlignVCenter, QString::number(y, 'f', 1));
    }
    for (int i = 0; i <= 5; ++i) {
        double x = x1 * i / 5;
        QPointF a = map({x, y0});
        g.drawText(QRectF(a.x() - 40, a.y() + 6, 80, 16), Qt::AlignCenter, QString::number(x, 'f', 1));
    }
    g.drawText(QRectF(0, H - 24, W, 20), Qt::AlignCenter, "training tokens (millions)");
    g.drawText(QRectF(0, 8, W, 24), Qt::AlignCenter, "Training loss and validation NLL (nats/token)");
    auto curve = [&](const QVector<QPointF>& pts, QColor c) {
        QPainterPath path(map(pts[0]));
        for (auto p : pts) path.lineTo(map(p));
        g.setPen(QPen(c, 2));
        g.drawPath(path);
    };
    curve(loss, QColor(60, 110, 200));
    if (val.size() >= 2) curve(val, QColor(220, 90, 40));
    g.setPen(QColor(60, 110, 200));
    g.drawText(W - 240, T + 20, "training loss");
    g.setPen(QColor(220, 90, 40));
    g.drawText(W - 240, T + 38, "validation NLL");
    g.end();
    return img.save(pngPath) ? QString() : "cannot write " + pngPath;
#endif
}

} // namespace continuo::cli

#ifdef CONTINUO_HAVE_INFERENCE
#include "Command.h"

#include <QCommandLineParser>

namespace {
int runPlot(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("Draw a training curve (loss and validation NLL) from a trainer's log.csv.");
    p.addHelpOption();
    p.addOption({{"o", "output"}, "PNG file to write.", "file"});
    p.addPositionalArgument("log", "log.csv written by 'continuo-cli train'.");
    if (!p.parse(args)) return continuo::cli::fail("plot", p.errorText(), 2);
    if (p.isSet("help")) { QTextStream(stdout) << p.helpText(); return 0; }
    if (p.positionalArguments().size() != 1 || !p.isSet("output")) return continuo::cli::fail("plot", "usage: continuo-cli plot LOG.csv -o CURVE.png", 2);
    QString why = continuo::cli::writeTrainingPlot(p.positionalArguments()[0], p.value("output"));
    return why.isEmpty() ? 0 : continuo::cli::fail("plot", why);
}
} // namespace
CONTINUO_CLI_COMMAND("plot", "draw a training curve from a trainer's log.csv", runPlot);
#endif
