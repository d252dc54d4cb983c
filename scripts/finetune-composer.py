#!/usr/bin/env python3
"""Measures `continuo-cli finetune` as docs/finetune.md reports it: teach a model one composer's
pieces from MAESTRO's validation split, then compare the base and the taught model on that
composer's *other* validation pieces (no work in common with the taught ones: every performance
of a title goes to one side) and on the rest of the validation split.

    scripts/finetune-composer.py --composer "Frédéric Chopin" --out /work/ft/chopin \\
        [--pieces 10] [--cli build/app/continuo-cli] [--base MODEL] [-- FINETUNE FLAGS...]

Writes OUT/teach/ (links to the taught files), OUT/model.safetensors (+ .md card, .job/log.csv)
and OUT/result.json; base evaluations are kept in OUT/../base-eval-SHA.json for reuse.
"""
import argparse
import csv
import hashlib
import json
import os
import re
import subprocess
import unicodedata
import sys


def work_key(title):
    """(genre, catalogue and movement numbers) of a MAESTRO title, spelled as its rows spell it:
    "Elegie in E-Flat Minor Op. 3" and "Elegy Op. 3, No. 1" give ("elegy", {3}) and ("elegy", {1, 3})."""
    t = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    t = re.sub(r"[^a-z0-9]+", " ", t)
    for a, b in (("elegie", "elegy"), ("fantasie", "fantasy"), ("etudes", "etude"), ("tableau ", "tableaux ")):
        t = t.replace(a, b)
    words = t.split()
    genre = "transcendental" if "transcend" in t else (words[0] if words else "")
    return genre, frozenset(int(n) for n in re.findall(r"\d+", t))


def same_work_groups(rows):
    """Performances grouped so that no work can be on both sides: titles of one genre whose
    numbers are contained one in the other (none counts as contained in any) are one work."""
    parent = list(range(len(rows)))
    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    keys = [work_key(r["canonical_title"]) for r in rows]
    for i in range(len(rows)):
        for j in range(i):
            (gi, ni), (gj, nj) = keys[i], keys[j]
            if gi == gj and (ni <= nj or nj <= ni):
                parent[find(i)] = find(j)
    groups = {}
    for i, r in enumerate(rows):
        groups.setdefault(find(i), []).append(r)
    return sorted(groups.values(), key=lambda g: g[0]["midi_filename"])


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def evaluate(cli, model, files, threads):
    """Per-piece NLL (mean nats/token) and token counts of `files`, the network alone."""
    if not files:
        return {}
    out = subprocess.run([cli, "eval", "--model", model, "--json", "--recall", "0", "--threads", str(threads)] + files,
                         check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return {p["path"]: (p["nll"], p["tokens"]) for p in result["per_piece"]}


def as_notation(cli, source, target):
    """`source` as a notation program would write it: onsets and lengths on a sixteenth-note
    grid (at the file's tempo), every velocity 80, no pedals. Through .continuo projects (JSON)."""
    if os.path.exists(target):
        return target
    project = target + ".continuo"
    subprocess.run([cli, "convert", source, project], check=True, capture_output=True)
    d = json.load(open(project, encoding="utf-8"))
    grid = int(d["ticksPerQuarter"]) // 4
    for track in d["tracks"]:
        for n in track["notes"]:  # [start, length, pitch, velocity, channel]
            n[0] = round(n[0] / grid) * grid
            n[1] = max(grid, round(n[1] / grid) * grid)
            n[3] = 80
        track["events"] = [e for e in track["events"] if not (e[1] == "cc" and e[3] in (64, 66, 67))]
    json.dump(d, open(project, "w", encoding="utf-8"))
    subprocess.run([cli, "convert", project, target], check=True, capture_output=True)
    os.remove(project)
    return target


def mean(scores, files):
    tokens = sum(scores[f][1] for f in files)
    return sum(scores[f][0] * scores[f][1] for f in files) / tokens, tokens


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--csv", default=os.path.join(here, "../../shared/data/maestro-v2/maestro-v2.0.0-train-validation.csv"))
    ap.add_argument("--composer", required=True)
    ap.add_argument("--pieces", type=int, default=10, help="performances to teach (whole titles, so at least this many)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--cli", default=os.path.join(here, "../build/app/continuo-cli"))
    ap.add_argument("--base", default=os.path.join(here, "../resources/models/continuo-default.safetensors"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rest-every", type=int, default=1, help="measure every N-th piece of the rest (1 = all)")
    ap.add_argument("--notation", action="store_true",
                    help="teach and measure the composer's pieces as a notation program writes them (grid, velocity 80, no pedal)")
    ap.add_argument("--eval-only", action="store_true", help="measure an existing OUT/model.safetensors")
    ap.add_argument("finetune", nargs=argparse.REMAINDER, help="flags after -- go to continuo-cli finetune")
    a = ap.parse_args()
    extra = [x for x in a.finetune if x != "--"]

    folder = os.path.dirname(os.path.abspath(a.csv))
    rows = [r for r in csv.DictReader(open(a.csv, encoding="utf-8")) if r["split"] == "validation"]
    path = lambda r: os.path.join(folder, r["midi_filename"])
    mine = sorted((r for r in rows if r["canonical_composer"] == a.composer), key=lambda r: r["midi_filename"])
    if not mine:
        sys.exit(f"no validation pieces by {a.composer}")
    # Whole works to the taught side, in file order, until there are enough performances.
    taught, other = [], []
    for group in same_work_groups(mine):
        (taught if len(taught) < a.pieces else other).extend(group)
    taught_titles = [r["canonical_title"] for r in taught]
    if not other:
        sys.exit(f"{a.composer}: every validation performance is of a taught work")
    rest = [r for r in rows if r["canonical_composer"] != a.composer][::max(1, a.rest_every)]

    os.makedirs(os.path.join(a.out, "teach"), exist_ok=True)
    if a.notation:
        os.makedirs(os.path.join(a.out, "other"), exist_ok=True)
        for r in taught:
            as_notation(a.cli, path(r), os.path.join(a.out, "teach", os.path.basename(r["midi_filename"])))
        other_files = [as_notation(a.cli, path(r), os.path.join(a.out, "other", os.path.basename(r["midi_filename"])))
                       for r in other]
    else:
        for r in taught:
            link = os.path.join(a.out, "teach", os.path.basename(r["midi_filename"]))
            if not os.path.lexists(link):
                os.symlink(path(r), link)
        other_files = [path(r) for r in other]
    model = os.path.join(a.out, "model.safetensors")
    if not a.eval_only:
        cmd = [a.cli, "finetune", os.path.join(a.out, "teach"), "-o", model, "--base", a.base, "--json",
               "--threads", str(a.threads)] + extra
        print(" ".join(cmd), file=sys.stderr, flush=True)
        done = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    else:
        done = {}

    rest_files = [path(r) for r in rest]
    cache = os.path.join(os.path.dirname(os.path.abspath(a.out)), f"base-eval-{sha256(a.base)[:16]}.json")
    base_scores = json.load(open(cache)) if os.path.exists(cache) else {}
    missing = [f for f in other_files + rest_files if f not in base_scores]  # notation files are keyed by their own paths
    base_scores.update(evaluate(a.cli, a.base, missing, a.threads))
    json.dump(base_scores, open(cache, "w"))
    tuned = evaluate(a.cli, model, other_files + rest_files, a.threads)
    b_other, n_other = mean(base_scores, other_files)
    t_other, _ = mean(tuned, other_files)
    b_rest, n_rest = mean(base_scores, rest_files)
    t_rest, _ = mean(tuned, rest_files)
    result = {
        "composer": a.composer, "notation": a.notation,
        "taught": [os.path.basename(r["midi_filename"]) for r in taught],
        "taught_titles": taught_titles, "other_titles": [r["canonical_title"] for r in other],
        "taught_minutes": round(sum(float(r["duration"]) for r in taught) / 60, 1),
        "other_pieces": len(other), "other_tokens": n_other,
        "rest_pieces": len(rest), "rest_tokens": n_rest,
        "other_nll_base": round(b_other, 4), "other_nll_taught": round(t_other, 4),
        "other_gain": round(b_other - t_other, 4),
        "rest_nll_base": round(b_rest, 4), "rest_nll_taught": round(t_rest, 4),
        "rest_rise": round(t_rest - b_rest, 4),
        "finetune": done, "flags": extra,
    }
    json.dump(result, open(os.path.join(a.out, "result.json"), "w"), indent=1, ensure_ascii=False)
    print(json.dumps({k: v for k, v in result.items() if k not in ("taught", "finetune")}, ensure_ascii=False))


if __name__ == "__main__":
    main()
