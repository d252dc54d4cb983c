#!/usr/bin/env python3
"""Which key-finding profile names the key a continuation stays in (docs/steering.md).

For every 60 s of each MAESTRO validation performance of one part (docs/evaluation.md: the
tuning part is the first 20 files and the trainer's 8, the report part the rest), the key of a 20 s window is
found by each of five published profile pairs, over the window's pitch classes weighted by
duration or counted once per note; the score is the share of the next 20 s's notes that lie in
that key (a minor key with its leading tone, as `--key auto` locks it). Higher is better: a lock
to that key forbids fewer of the notes the pianist went on to play. The sustain pedal lengthens
notes, as the model's tokens do.

    scripts/compare-key-profiles.py MAESTRO_CSV --part tuning|report
"""
import argparse
import csv
import math
import os
import statistics
import struct

PROFILES = {
    "Krumhansl-Kessler": ([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88],
                          [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]),
    "Temperley": ([0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400],
                  [0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330]),
    "Aarden-Essen": ([17.7661, 0.145624, 14.9265, 0.160186, 19.8049, 11.3587, 0.291248, 22.062, 0.145624, 8.15494, 0.232998, 4.95122],
                     [18.2648, 0.737619, 14.0499, 16.8599, 0.702494, 14.4362, 0.702494, 18.6161, 4.56621, 1.93186, 7.37619, 1.75623]),
    "Albrecht-Shanahan": ([0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081],
                          [0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052]),
    "Bellman-Budge": ([16.80, 0.86, 12.95, 1.41, 13.49, 11.93, 1.25, 20.28, 1.80, 8.04, 0.62, 10.57],
                      [18.16, 0.69, 12.99, 13.34, 1.07, 11.15, 1.38, 21.07, 7.49, 1.53, 0.92, 10.21]),
}
MAJOR = {0, 2, 4, 5, 7, 9, 11}
MINOR_WITH_LEADING_TONE = {0, 2, 3, 5, 7, 8, 10, 11}


def varlen(data, p):
    value = 0
    while True:
        c = data[p]
        p += 1
        value = (value << 7) | (c & 0x7F)
        if c < 0x80:
            return value, p


def read_notes(path):
    """(start, end, pitch) in seconds, the sustain pedal folded into note ends."""
    data = open(path, "rb").read()
    if data[:4] != b"MThd":
        raise ValueError(f"{path}: not a MIDI file")
    header = struct.unpack(">I", data[4:8])[0]
    _, tracks, division = struct.unpack(">HHH", data[8:14])
    pos = 8 + header
    events = []  # (tick, order, kind, a, b)
    for _ in range(tracks):
        length = struct.unpack(">I", data[pos + 4:pos + 8])[0]
        p, end, pos = pos + 8, pos + 8 + length, pos + 8 + length
        tick, status = 0, 0
        while p < end:
            delta, p = varlen(data, p)
            tick += delta
            if data[p] == 0xFF:
                kind = data[p + 1]
                size, p = varlen(data, p + 2)
                if kind == 0x51:
                    events.append((tick, 0, "tempo", int.from_bytes(data[p:p + 3], "big"), 0))
                p += size
                continue
            if data[p] in (0xF0, 0xF7):
                size, p = varlen(data, p + 1)
                p += size
                continue
            if data[p] & 0x80:
                status = data[p]
                p += 1
            high = status & 0xF0
            if high in (0xC0, 0xD0):
                p += 1
                continue
            a, b = data[p], data[p + 1]
            p += 2
            if high == 0x90 and b > 0:
                events.append((tick, 2, "on", a, b))
            elif high == 0x80 or high == 0x90:
                events.append((tick, 1, "off", a, 0))
            elif high == 0xB0 and a == 64:
                events.append((tick, 1, "pedal", b, 0))
    events.sort(key=lambda e: (e[0], e[1]))
    tempo, last, now = 500000, 0, 0.0
    sounding, held, notes, pedal = {}, {}, [], False
    for tick, _, kind, a, b in events:
        now += (tick - last) * tempo / 1e6 / division
        last = tick
        if kind == "tempo":
            tempo = a
        elif kind == "on":
            if a in sounding:
                notes.append((sounding.pop(a), now, a))
            if a in held:
                notes.append((held.pop(a), now, a))
            sounding[a] = now
        elif kind == "off" and a in sounding:
            if pedal:
                held[a] = sounding.pop(a)
            else:
                notes.append((sounding.pop(a), now, a))
        elif kind == "pedal":
            pedal = b >= 64
            if not pedal:
                notes += [(start, now, q) for q, start in held.items()]
                held = {}
    notes += [(start, now, q) for q, start in list(sounding.items()) + list(held.items())]
    return sorted(notes)


def correlation(histogram, profile, tonic):
    mx, my = sum(histogram) / 12, sum(profile) / 12
    sxy = sxx = syy = 0.0
    for k in range(12):
        x, y = histogram[(k + tonic) % 12] - mx, profile[k] - my
        sxy, sxx, syy = sxy + x * y, sxx + x * x, syy + y * y
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else 0.0


def find_key(notes, start, end, profile, counted):
    histogram = [0.0] * 12
    for s, e, p in notes:
        if start <= s < end:
            histogram[p % 12] += 1.0 if counted else max(min(e, end) - s, 0.01)
    if not any(histogram):
        return None
    best = max((correlation(histogram, profile[m], t), t, m) for t in range(12) for m in (0, 1))
    return best[1], best[2]


def share_in_key(notes, start, end, key):
    tonic, minor = key
    scale = MINOR_WITH_LEADING_TONE if minor else MAJOR
    pitches = [p for s, _, p in notes if start <= s < end]
    return sum((p - tonic) % 12 in scale for p in pitches) / len(pitches) if pitches else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv")
    ap.add_argument("--part", choices=["tuning", "report"], required=True)
    args = ap.parse_args()
    root = os.path.dirname(args.csv)
    with open(args.csv, newline="") as f:
        rows = sorted((r for r in csv.DictReader(f) if r["split"] == "validation"), key=lambda r: r["midi_filename"])
    files = [os.path.join(root, r["midi_filename"]) for r in rows]
    n = len(files)
    tuning = set(range(min(n, 20))) | {j * n // min(n, 8) for j in range(min(n, 8))}
    files = [f for i, f in enumerate(files) if (i in tuning) == (args.part == "tuning")]
    scores = {(name, counted): [] for name in PROFILES for counted in (False, True)}
    for path in files:
        notes = read_notes(path)
        length = notes[-1][0] if notes else 0
        for start in range(0, int(length) - 40, 60):
            for (name, counted), out in scores.items():
                key = find_key(notes, start, start + 20, PROFILES[name], counted)
                share = share_in_key(notes, start + 20, start + 40, key) if key else None
                if share is not None:
                    out.append(share)
    print(f"{args.part} part: {len(files)} performances, {len(next(iter(scores.values())))} windows")
    print("| profiles | durations | counts |\n|---|---|---|")
    for name in PROFILES:
        print(f"| {name} | {statistics.mean(scores[(name, False)]):.3f} | {statistics.mean(scores[(name, True)]):.3f} |")


if __name__ == "__main__":
    main()
