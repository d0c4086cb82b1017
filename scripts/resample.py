#!/usr/bin/env python3
"""Resamples the real rows of a data file (with replacement, seeded) to N rows, giving each
copy a fresh id, for training-time scaling measurements.

Usage: python scripts/resample.py IN.csv N OUT.csv [--seed 1]
"""
import argparse
import csv
import random

ap = argparse.ArgumentParser()
ap.add_argument("inp")
ap.add_argument("n", type=int)
ap.add_argument("out")
ap.add_argument("--seed", type=int, default=1)
a = ap.parse_args()
with open(a.inp, newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
head, body = rows[0], rows[1:]
rng = random.Random(a.seed)
idc = head.index("id")
with open(a.out, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\r\n")
    w.writerow(head)
    for i in range(a.n):
        r = list(rng.choice(body))
        r[idc] = f"{r[idc]}-r{i}"
        w.writerow(r)
