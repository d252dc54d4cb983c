// continuo-cli eval: negative log-likelihood and perplexity of whole pieces.
#ifdef CONTINUO_HAVE_INFERENCE
#include "Command.h"
#include "RecallFlags.h"

#include "continuo/inference/Trainer.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

using namespace continuo::inference;

namespace {
int runEval(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("Negative log-likelihood (nats/token) and perplexity over whole pieces, streamed as in training.");
    p.addHelpOption();
    p.addOptions({
        {"model", "Model file (default: the bundled model).", "file"},
        {"split", "Split to read when DATA is a CSV.", "name", "validation"},
        {"batch", "Pieces side by side (0 = one on the CPU, where that is fastest, 8 on CUDA).", "n", "0"},
        {"limit", "Evaluate only the first N pieces (0 = all).", "n", "0"},
        {"threads", "CPU threads (0 = all).", "n", "0"},
        {"device", "cpu or cuda[:N].", "name", "cpu"},
        {"cache", "Token cache file.", "file"},
        {"max-context", "Cap every layer's memory at N keys from earlier segments (0 = each segment sees only "
                        "itself; default: the model's horizons).", "n", "-1"},
        {"json", "Print one JSON object (with \"by_position\": NLL of tokens at positions 0-255, 256-1023, 1024+ of "
                 "their piece)."},
    });
    p.addOptions(continuo::cli::recallFlags());
    p.addPositionalArgument("data", "MIDI files, folders, or a MAESTRO CSV.", "DATA...");
    if (!p.parse(args)) return continuo::cli::fail("eval", p.errorText(), 2);
    if (p.isSet("help")) { QTextStream(stdout) << p.helpText(); return 0; }
    if (p.positionalArguments().isEmpty()) return continuo::cli::fail("eval", "give MIDI files, a folder or a CSV", 2);
    std::vector<std::string> files;
    for (const QString& a : p.positionalArguments()) {
        if (QFileInfo(a).isFile() && !a.endsWith(".csv", Qt::CaseInsensitive)) {
            files.push_back(a.toStdString());
            continue;
        }
        auto list = listMidiFiles(a.toStdString(), a.endsWith(".csv", Qt::CaseInsensitive) ? p.value("split").toStdString() : "");
        if (!list) return continuo::cli::fail("eval", QString::fromStdString(list.error()), 2);
        files.insert(files.end(), list->files.begin(), list->files.end());
    }
    if (int limit = p.value("limit").toInt(); limit > 0 && std::size_t(limit) < files.size()) files.resize(std::size_t(limit));
    RecallOptions recall;
    if (QString why; !continuo::cli::parseRecallFlags(p, &recall, &why)) return continuo::cli::fail("eval", why, 2);
    const std::string modelPath = p.isSet("model") ? p.value("model").toStdString() : defaultModelPath();
    auto model = Model::load(modelPath, {p.value("device").toStdString(), p.value("threads").toInt()});
    if (!model) return continuo::cli::fail("eval", QString::fromStdString(model.error()), 2);
    LoadReport report;
    auto pieces = loadPieces(files, p.value("cache").toStdString(), &report);
    QTextStream err(stderr);
    for (const auto& f : report.failures) err << "skipped " << QString::fromStdString(f) << "\n";
    if (pieces.empty()) return continuo::cli::fail("eval", "no readable pieces", 2);
    bool okContext = false;
    const int maxContext = p.value("max-context").toInt(&okContext);
    if (!okContext || maxContext < -1) return continuo::cli::fail("eval", "--max-context takes a number of tokens (0 or more)", 2);
    auto r = evaluate(*model.value(), pieces, p.value("batch").toInt(), nullptr, maxContext, recall);
    if (!r) return continuo::cli::fail("eval", QString::fromStdString(r.error()));
    if (p.isSet("json")) {
        QJsonObject o;
        o["model"] = QString::fromStdString(model.value()->info().path);
        o["pieces"] = int(r->pieces.size());
        o["skipped"] = int(report.failures.size());
        o["tokens"] = qint64(r->tokens);
        o["nll"] = r->nll;
        o["perplexity"] = r->perplexity;
        o["tokens_per_second"] = r->tokensPerSecond;
        QJsonArray per;
        for (const auto& s : r->pieces)
            per.append(QJsonObject{{"path", QString::fromStdString(s.path)}, {"tokens", qint64(s.tokens)}, {"nll", s.nll}});
        o["per_piece"] = per;
        if (maxContext >= 0) o["max_context"] = maxContext;
        o["recall"] = recall.enabled() ? QJsonObject{{"weight", recall.weight},
                                                     {"sharpness", recall.sharpness},
                                                     {"threshold", recall.threshold},
                                                     {"distance", recall.minDistance},
                                                     {"capacity", recall.capacity}}
                                       : QJsonValue(false);
        QJsonObject byPosition;
        for (const auto& range : r->byPosition) {
            const QString key = range.to < 0 ? QString("%1+").arg(range.from) : QString("%1-%2").arg(range.from).arg(range.to);
            byPosition[key] = QJsonObject{{"nll", range.nll}, {"tokens", qint64(range.tokens)}};
        }
        o["by_position"] = byPosition;
        QTextStream(stdout) << QJsonDocument(o).toJson(QJsonDocument::Compact) << "\n";
    } else {
        QTextStream out(stdout);
        for (const auto& s : r->pieces)
            out << QString::number(s.nll, 'f', 4) << "  " << s.tokens << "  " << QString::fromStdString(s.path) << "\n";
        out << (recall.enabled() ? QString("with recall (weight %1, %2 events back and further)\n").arg(recall.weight).arg(recall.minDistance)
                                 : QString("the network alone, no recall\n"));
        out << "pieces " << r->pieces.size() << ", tokens " << r->tokens << ", NLL " << QString::number(r->nll, 'f', 4)
            << " nats/token, perplexity " << QString::number(r->perplexity, 'f', 3) << " (" << int(r->tokensPerSecond) << " tokens/s)\n";
        for (const auto& range : r->byPosition)
            out << "positions " << range.from << (range.to < 0 ? QString("+") : QString("-%1").arg(range.to)) << ": NLL "
                << QString::number(range.nll, 'f', 4) << " over " << range.tokens << " tokens\n";
    }
    return 0;
}
} // namespace

CONTINUO_CLI_COMMAND("eval", "negative log-likelihood and perplexity of whole pieces", runEval);
#endif
