// continuo-cli eval: negative log-likelihood and perplexity of whole pieces.
#ifdef CONTINUO_HAVE_INFERENCE
#include "Command.h"
#include "EvaluationParts.h"
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

/// The pieces DATA names: files as given, folders and CSVs (their --split) listed and cut to
/// --part; then the first --limit.
bool listFiles(const QCommandLineParser& p, continuo::cli::EvaluationPart part, std::vector<std::string>* files,
               QString* why) {
    for (const QString& a : p.positionalArguments()) {
        if (QFileInfo(a).isFile() && !a.endsWith(".csv", Qt::CaseInsensitive)) {
            files->push_back(a.toStdString());
            continue;
        }
        auto list = listMidiFiles(a.toStdString(), a.endsWith(".csv", Qt::CaseInsensitive) ? p.value("split").toStdString() : "");
        if (!list) return *why = QString::fromStdString(list.error()), false;
        const auto inPart = continuo::cli::filesOfPart(list->files, part);
        files->insert(files->end(), inPart.begin(), inPart.end());
    }
    if (int limit = p.value("limit").toInt(); limit > 0 && std::size_t(limit) < files->size()) files->resize(std::size_t(limit));
    return true;
}

/// --max-context and --recall-reach: -1 (the default, no cap) or a number of events.
bool readCap(const QCommandLineParser& p, const QString& flag, int* out, QString* why) {
    bool ok = false;
    *out = p.value(flag).toInt(&ok);
    if (!ok || *out < -1) return *why = "--" + flag + " takes a number of events (0 or more)", false;
    return true;
}

struct EvalSetup {
    QString model;
    int skipped = 0;
    int maxContext = -1, recallReach = -1;
    RecallOptions recall;
};

void printJson(const EvalResult& r, const EvalSetup& s) {
    QJsonObject o;
    o["model"] = s.model;
    o["pieces"] = int(r.pieces.size());
    o["skipped"] = s.skipped;
    o["tokens"] = qint64(r.tokens);
    o["nll"] = r.nll;
    o["perplexity"] = r.perplexity;
    o["tokens_per_second"] = r.tokensPerSecond;
    QJsonArray per;
    for (const auto& piece : r.pieces)
        per.append(QJsonObject{{"path", QString::fromStdString(piece.path)}, {"tokens", qint64(piece.tokens)}, {"nll", piece.nll}});
    o["per_piece"] = per;
    if (s.maxContext >= 0) o["max_context"] = s.maxContext;
    if (s.recallReach >= 0) o["recall_reach"] = s.recallReach;
    const RecallOptions& recall = s.recall;
    o["recall"] = recall.enabled() ? QJsonObject{{"weight", recall.weight},
                                                 {"sharpness", recall.sharpness},
                                                 {"threshold", recall.threshold},
                                                 {"distance", recall.minDistance},
                                                 {"capacity", recall.capacity}}
                                   : QJsonValue(false);
    QJsonObject byPosition;
    for (const auto& range : r.byPosition) {
        const QString key = range.to < 0 ? QString("%1+").arg(range.from) : QString("%1-%2").arg(range.from).arg(range.to);
        byPosition[key] = QJsonObject{{"nll", range.nll}, {"tokens", qint64(range.tokens)}};
    }
    o["by_position"] = byPosition;
    QTextStream(stdout) << QJsonDocument(o).toJson(QJsonDocument::Compact) << "\n";
}

void printText(const EvalResult& r, const EvalSetup& s) {
    QTextStream out(stdout);
    for (const auto& piece : r.pieces)
        out << QString::number(piece.nll, 'f', 4) << "  " << piece.tokens << "  " << QString::fromStdString(piece.path) << "\n";
    out << (s.recall.enabled()
                ? QString("with recall (weight %1, %2 events back and further%3)\n")
                      .arg(s.recall.weight)
                      .arg(s.recall.minDistance)
                      .arg(s.recallReach >= 0 ? QString(", reach capped at %1").arg(s.recallReach) : QString())
                : QString("the network alone, no recall\n"));
    if (s.maxContext >= 0) out << "each layer's memory capped at " << s.maxContext << " events\n";
    out << "pieces " << r.pieces.size() << ", tokens " << r.tokens << ", NLL " << QString::number(r.nll, 'f', 4)
        << " nats/token, perplexity " << QString::number(r.perplexity, 'f', 3) << " (" << int(r.tokensPerSecond) << " tokens/s)\n";
    for (const auto& range : r.byPosition)
        out << "positions " << range.from << (range.to < 0 ? QString("+") : QString("-%1").arg(range.to)) << ": NLL "
            << QString::number(range.nll, 'f', 4) << " over " << range.tokens << " tokens\n";
}

int runEval(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("Negative log-likelihood (nats/token) and perplexity over whole pieces, streamed as in training.");
    p.addHelpOption();
    p.addOptions({
        {"model", "Model file (default: the bundled model).", "file"},
        {"split", "Split to read when DATA is a CSV.", "name", "validation"},
        {"part", continuo::cli::evaluationPartHelp(), "name", "all"},
        {"batch", "Pieces side by side (0 = one on the CPU, where that is fastest, 8 on CUDA).", "n", "0"},
        {"limit", "Evaluate only the first N pieces (0 = all).", "n", "0"},
        {"threads", "CPU threads (0 = all).", "n", "0"},
        {"device", "cpu or cuda[:N].", "name", "cpu"},
        {"cache", "Token cache file.", "file"},
        {"max-context", "Cap every layer's memory at N keys from earlier segments (0 = each segment sees only "
                        "itself; default: the model's horizons). Recall is not capped: see --recall-reach.", "n", "-1"},
        {"recall-reach", "Cap recall's entries from earlier segments at the newest N (0 = recall reads only the "
                         "segment; default: --recall-capacity).", "n", "-1"},
        {"json", "Print one JSON object (with \"by_position\": NLL of tokens at positions 0-255, 256-1023, 1024+ of "
                 "their piece)."},
    });
    p.addOptions(continuo::cli::recallFlags());
    p.addPositionalArgument("data", "MIDI files, folders, or a MAESTRO CSV.", "DATA...");
    if (!p.parse(args)) return continuo::cli::fail("eval", p.errorText(), 2);
    if (p.isSet("help")) { QTextStream(stdout) << p.helpText(); return 0; }
    if (p.positionalArguments().isEmpty()) return continuo::cli::fail("eval", "give MIDI files, a folder or a CSV", 2);
    const auto part = continuo::cli::parseEvaluationPart(p.value("part"));
    if (!part) return continuo::cli::fail("eval", "--part takes all, tuning or report", 2);
    EvalSetup setup;
    std::vector<std::string> files;
    if (QString why; !listFiles(p, *part, &files, &why) || !continuo::cli::parseRecallFlags(p, &setup.recall, &why) ||
                     !readCap(p, "max-context", &setup.maxContext, &why) || !readCap(p, "recall-reach", &setup.recallReach, &why))
        return continuo::cli::fail("eval", why, 2);
    const std::string modelPath = p.isSet("model") ? p.value("model").toStdString() : defaultModelPath();
    auto model = Model::load(modelPath, {p.value("device").toStdString(), p.value("threads").toInt()});
    if (!model) return continuo::cli::fail("eval", QString::fromStdString(model.error()), 2);
    setup.model = QString::fromStdString(model.value()->info().path);
    LoadReport report;
    auto pieces = loadPieces(files, p.value("cache").toStdString(), &report);
    QTextStream err(stderr);
    for (const auto& f : report.failures) err << "skipped " << QString::fromStdString(f) << "\n";
    if (pieces.empty()) return continuo::cli::fail("eval", "no readable pieces", 2);
    setup.skipped = int(report.failures.size());
    auto r = evaluate(*model.value(), pieces, p.value("batch").toInt(), nullptr, setup.maxContext, setup.recall,
                      setup.recallReach);
    if (!r) return continuo::cli::fail("eval", QString::fromStdString(r.error()));
    if (p.isSet("json")) printJson(r.value(), setup);
    else printText(r.value(), setup);
    return 0;
}
} // namespace

CONTINUO_CLI_COMMAND("eval", "negative log-likelihood and perplexity of whole pieces", runEval);
#endif
