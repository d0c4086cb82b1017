"""Scores likely-range calibration rules under nested cross-validation, offline.

`PR_NESTED=5 PR_DUMP_CAL=rows.csv cargo run --release -p payrange-ml --example train -- DATA OUT`
writes, per outer fold, the rows its likely range was calibrated on (`set=cal`) and its
held-out rows (`set=test`), each with what the model knew (description length, known-term
share, stated figures, predicted log midpoint) and the log residual of the midpoint. The
calibration does not change the point predictions, so any calibration rule can be scored here
exactly as nested CV would score it: the shipped rule reproduces the Rust numbers to the unit.

    python scripts/interval_study.py rows.csv REFERENCE_WIDTH

prints, at 80 %, coverage, mean width in currency, its ratio to the reference width, and the
coverage in each third of the held-out rows by difficulty (the full scale model's sigma,
easiest third first). Mirrors `ml/src/serving/interval.rs`; keep the two in step.
"""

import csv
import math
import sys

import numpy as np

LEVEL = 0.8
SHIFTS = 10  # interval.rs WINDOW_SHIFTS
FLOOR = 0.01  # interval.rs RESIDUAL_FLOOR
ALL = [0, 1, 2, 3, 4]


def column(rows, name):
    return np.array([float(r[name]) for r in rows])


def inputs(rows, center):
    return np.column_stack(
        [
            np.ones(len(rows)),
            np.log1p(column(rows, "chars")),
            column(rows, "known"),
            column(rows, "stated_from"),
            column(rows, "stated_to"),
            column(rows, "mid_log") - center,
        ]
    )


def scale_model(cal, used, power):
    """sigma(rows) of a least-squares fit of ln|r| on the `used` inputs, to the `power`."""
    center = column(cal, "mid_log").mean()
    cols = [0] + [1 + j for j in used]
    t = np.log(np.maximum(np.abs(column(cal, "residual")), FLOOR))
    w = np.linalg.lstsq(inputs(cal, center)[:, cols], t, rcond=None)[0]
    return lambda rows: np.exp(power * np.clip(inputs(rows, center)[:, cols] @ w, -20, 5))


def window(scores, mids, sigmas, symmetric):
    order = np.argsort(scores)
    s, m, sig = scores[order], mids[order], sigmas[order]
    n = len(s)
    k = min(n, math.ceil((n + 1) * LEVEL))
    if symmetric:
        q = np.sort(np.abs(s))[k - 1]
        return -q, q
    position = np.array([np.mean(np.exp(m + sig * t)) for t in s])
    starts = [(j * (n - k) + SHIFTS // 2) // SHIFTS for j in range(SHIFTS + 1)]
    starts = [i for i in starts if s[i] <= 0 <= s[i + k - 1]]
    i = min(starts, key=lambda i: position[i + k - 1] - position[i])
    return min(s[i], 0.0), max(s[i + k - 1], 0.0)


def score(rows, used, power, symmetric):
    inside, width, third = [], [], []
    for f in sorted({r["fold"] for r in rows if r["set"] == "test"}):
        cal = [r for r in rows if r["set"] == "cal" and r["fold"] == f]
        test = [r for r in rows if r["set"] == "test" and r["fold"] == f]
        sigma = scale_model(cal, used, power)
        r, m = column(cal, "residual"), column(cal, "mid_log")
        a, b = window(r / sigma(cal), m, sigma(cal), symmetric)
        rt, mt, st = column(test, "residual"), column(test, "mid_log"), sigma(test)
        inside += list((a * st <= rt) & (rt <= b * st))
        width += list(np.exp(mt + b * st) - np.exp(mt + a * st))
        full = scale_model(cal, ALL, 1.0)
        cuts = np.quantile(full(cal), [1 / 3, 2 / 3])
        third += list(np.digitize(full(test), cuts))
    inside, third = np.array(inside), np.array(third)
    return inside.mean(), np.mean(width), [inside[third == j].mean() for j in range(3)]


RULES = [
    ("symmetric, full scale model (before)", ALL, 1.0, True),
    ("sliding window, full scale model (shipped)", ALL, 1.0, False),
    ("one global width, sliding window", [0], 0.0, False),
    ("description length only", [0], 1.0, False),
    ("length + known share, scale^0.5", [0, 1], 0.5, False),
    ("full scale model, scale^0.5", ALL, 0.5, False),
]


def main():
    rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
    reference = float(sys.argv[2])
    print("| rule | coverage | mean width | ratio | coverage by difficulty third |")
    print("|---|---|---|---|---|")
    for name, used, power, symmetric in RULES:
        cov, width, thirds = score(rows, used, power, symmetric)
        by_third = " / ".join(f"{100 * c:.1f}" for c in thirds)
        print(f"| {name} | {100 * cov:.1f} % | {width:,.0f} | {width / reference:.2f} | {by_third} |")


if __name__ == "__main__":
    main()
