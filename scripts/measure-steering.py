#!/usr/bin/env python3
"""Measures the steering controls on validation primers (docs/steering.md).

For each of the first N performances of MAESTRO's validation split (the tuning part of
docs/evaluation.md), continues its first 20 s for 20 s with `continuo-cli continue --json`
under each configuration, and prints what the takes reached against what was asked.

    scripts/measure-steering.py CLI MAESTRO_CSV [--primers 12] [--seed 1]
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile

CONFIGS = [
    ("none", []),
    ("key auto", ["--key", "auto"]),
    ("key D minor", ["--key", "D minor"]),
    ("range C3-C6", ["--range", "C3-C6"]),
    ("density 0.5x", ["--density", "0.5x"]),
    ("density 1x", ["--density", "primer"]),
    ("density 2x", ["--density", "2x"]),
    ("polyphony 3", ["--polyphony", "3"]),
    ("velocity softer", ["--velocity", "softer"]),
    ("all on", ["--key", "auto", "--range", "C2-C7", "--density", "primer", "--polyphony", "6", "--velocity", "20-110"]),
]


def validation_files(csv_path, count):
    root = os.path.dirname(csv_path)
    with open(csv_path, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["split"] == "validation"]
    rows.sort(key=lambda r: r["midi_filename"])
    return [os.path.join(root, r["midi_filename"]) for r in rows[:count]]


def run(cli, primer, args, seed, out):
    cmd = [cli, "continue", primer, "-o", out, "--primer-seconds", "20", "--seconds", "20",
           "--seed", str(seed), "--threads", "1", "--json"] + args
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summarise(name, results):
    reports = [r["reports"][0] for r in results]
    in_key = [x["inKeyShare"] for x in reports if x["inKeyShare"] >= 0]
    line = {
        "config": name,
        "in_key": statistics.mean(in_key) if in_key else -1,
        "min_in_key": min(in_key) if in_key else -1,
        "lowest": min(x["lowestPitch"] for x in reports if x["lowestPitch"] >= 0),
        "highest": max(x["highestPitch"] for x in reports),
        "density": statistics.mean(x["density"] for x in reports),
        "max_polyphony": max(x["maxPolyphony"] for x in reports),
        "velocity": statistics.mean(x["meanVelocity"] for x in reports),
        "removed": statistics.mean(x["removedMass"] for x in reports),
        "tokens_per_second": statistics.mean(r["tokens_per_second"] for r in results),
    }
    targets = [(x["density"], x["densityTarget"]) for x in reports if x["densityTarget"] > 0]
    if targets:
        errors = [got / aim - 1 for got, aim in targets]
        line["density_error_mean"] = statistics.mean(abs(e) for e in errors)
        line["density_error_worst"] = max(errors, key=abs)
        line["within_20"] = sum(abs(e) <= 0.2 for e in errors)
        line["within_10"] = sum(abs(e) <= 0.1 for e in errors)
    return line


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cli")
    ap.add_argument("csv")
    ap.add_argument("--primers", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    primers = validation_files(a.csv, a.primers)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "take.mid")
        for name, args in CONFIGS:
            results = [run(a.cli, p, args, a.seed, out) for p in primers]
            print(json.dumps(summarise(name, results)), flush=True)


if __name__ == "__main__":
    main()
