"""The learning curve of a trainer's log.csv as a PNG, where python3 has matplotlib (the GPU
machine's PyTorch image does): training loss per report and validation NLL against tokens.
`continuo-cli plot LOG.csv -o CURVE.png` draws the same log with Qt."""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(log_path, png_path):
    with open(log_path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit("no rows in " + log_path)
    tokens = [int(r["tokens"]) / 1e6 for r in rows]
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    ax.plot(tokens, [float(r["loss"]) for r in rows], lw=1, label="training loss")
    val = [(t, float(r["validation_nll"])) for t, r in zip(tokens, rows) if float(r["validation_nll"]) >= 0]
    if val:
        ax.plot([t for t, _ in val], [v for _, v in val], "o-", label="validation NLL")
    ax.set_xlabel("tokens in this run (millions)")
    ax.set_ylabel("nats per token")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(png_path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
