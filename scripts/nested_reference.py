#!/usr/bin/env python3
"""The scikit-learn references scored on payrange's nested-CV outer folds.

payrange's nested cross-validation (ml/src/fitting/nested.rs) holds out the rows of outer fold
f = fnv1a64("outer/" + id) % 5 and trains on the rest. This script scores, on exactly the
same outer folds and rows:

- the MAE reference of scripts/sklearn_reference.py (TfidfVectorizer on title and on
  description, ElasticNet(alpha=3e-4, l1_ratio=0.1) on ln(salary), one model per bound,
  trained on the outer training rows that have the bound);
- the interval reference of ../shared/reference/conformal_reference.py (the same pipeline
  with max_iter=5000; a split-conformal interval of one global width on the log scale
  around the predicted midpoint, its quantile taken from 5-fold out-of-fold residuals of
  the outer training rows with both bounds), at levels 0.5, 0.8, 0.9 and 0.95.

Nothing here is tuned: the references' settings are fixed. Pooled over all held-out rows,
like payrange's nested metrics. Prints one JSON object.

usage: nested_reference.py DATA.csv [--folds 5]
needs: numpy pandas scikit-learn (scripts/requirements.txt)
"""
import argparse
import json

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import ElasticNet
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline

from sklearn_reference import fnv1a64  # the same hash as ml/src/fitting/cv.rs

LEVELS = (0.5, 0.8, 0.9, 0.95)
BOUNDS = ("salary_from", "salary_to")


def pipeline(max_iter=1000):
    ct = ColumnTransformer([("n", TfidfVectorizer(), "name"), ("d", TfidfVectorizer(), "description")])
    return make_pipeline(ct, ElasticNet(alpha=3e-4, l1_ratio=0.1, max_iter=max_iter))


def fit_predict(train, test, bound, max_iter):
    t = train[train[bound].notna()]
    m = pipeline(max_iter).fit(t[["name", "description"]], np.log(t[bound].to_numpy()))
    return np.exp(m.predict(test[["name", "description"]]))


def log_mid_pred(train, test):
    p = [fit_predict(train, test, b, 5000) for b in BOUNDS]
    return np.log((p[0] + p[1]) / 2)


def both(d):
    return d[d.salary_from.notna() & d.salary_to.notna()].reset_index(drop=True)


def log_mid_true(d):
    return np.log(((d.salary_from + d.salary_to) / 2).to_numpy())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--folds", type=int, default=5)
    a = ap.parse_args()
    df = pd.read_csv(a.csv, dtype={"id": str}, keep_default_na=False,
                     na_values={"salary_from": [""], "salary_to": [""]})
    df["name"] = df["name"].astype(str)
    df["description"] = df["description"].astype(str)
    df = df[(df["name"].str.strip() != "") & (df["salary_from"].notna() | df["salary_to"].notna())]
    df = df.reset_index(drop=True)
    outer = np.array([fnv1a64("outer/" + str(i)) % a.folds for i in df["id"]])
    pred = {b: np.full(len(df), np.nan) for b in BOUNDS}
    cover = {lv: [] for lv in LEVELS}
    width = {lv: [] for lv in LEVELS}
    for f in range(a.folds):
        train, test = df[outer != f].reset_index(drop=True), df[outer == f]
        for b in BOUNDS:
            pred[b][outer == f] = fit_predict(train, test, b, 1000)
        cal = both(train)
        res = np.zeros(len(cal))
        for i, j in KFold(5, shuffle=True, random_state=0).split(cal):
            res[j] = np.abs(log_mid_true(cal.iloc[j]) - log_mid_pred(cal.iloc[i], cal.iloc[j]))
        t = both(test)
        pm = log_mid_pred(train, t)
        for lv in LEVELS:
            q = np.quantile(res, min(1.0, lv * (1 + 1 / len(res))))
            cover[lv].extend(np.abs(log_mid_true(t) - pm) <= q)
            width[lv].extend(np.exp(pm + q) - np.exp(pm - q))
    out = {"data": a.csv, "rows": len(df), "outer_folds": a.folds}
    for b in BOUNDS:
        m = df[b].notna().to_numpy()
        out[b] = {"n": int(m.sum()), "mae": float(np.mean(np.abs(df[b].to_numpy()[m] - pred[b][m])))}
    out["interval"] = [{"level": lv, "coverage": float(np.mean(cover[lv])),
                        "mean_width": float(np.mean(width[lv])), "n": len(cover[lv])} for lv in LEVELS]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
