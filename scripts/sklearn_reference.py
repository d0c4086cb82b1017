#!/usr/bin/env python3
"""Reference pipeline a data scientist would write, for comparison with payrange-ml.

TfidfVectorizer (defaults) on the title and on the description via ColumnTransformer,
ElasticNet(alpha=3e-4, l1_ratio=0.1) on ln(salary), one model per bound, trained on the
rows that have that bound. Scored by 5-fold CV on the SAME split as payrange-ml:
fold = fnv1a64(id) % 5 (see ml/src/fitting/cv.rs). Metrics are in currency units, like ours.

Usage: python scripts/sklearn_reference.py ../shared/data/hh_vacancies.csv [--folds 5]
       [--grid]   also time fitting the same alpha/l1 grid as payrange-ml's default
Prints one JSON object.
"""
import argparse
import json
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import ElasticNet
from sklearn.pipeline import Pipeline


def fnv1a64(s: str) -> int:
    h = 0xCBF29CE484222325
    for b in s.encode("utf-8"):
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def make_pipeline(alpha=3e-4, l1_ratio=0.1):
    features = ColumnTransformer([
        ("title", TfidfVectorizer(), "name"),
        ("description", TfidfVectorizer(), "description"),
    ])
    return Pipeline([("tfidf", features), ("enet", ElasticNet(alpha=alpha, l1_ratio=l1_ratio))])


def metrics(y, p):
    m = ~np.isnan(y)
    y, p = y[m], p[m]
    err = np.abs(y - p)
    ss_tot = ((y - y.mean()) ** 2).sum()
    return {"n": int(m.sum()), "mae": float(err.mean()), "mape": float((err / y).mean()),
            "r2": float(1 - ((y - p) ** 2).sum() / ss_tot)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--grid", action="store_true")
    args = ap.parse_args()
    df = pd.read_csv(args.csv, dtype={"id": str}, keep_default_na=False, na_values={"salary_from": [""], "salary_to": [""]})
    df["name"] = df["name"].astype(str)
    df["description"] = df["description"].astype(str)
    df = df[(df["name"].str.strip() != "") & (df["salary_from"].notna() | df["salary_to"].notna())].reset_index(drop=True)
    ids = df["id"] if "id" in df else pd.Series([str(i) for i in range(len(df))])
    fold = np.array([fnv1a64(str(i)) % args.folds for i in ids])
    k = args.folds
    preds = {b: np.full(len(df), np.nan) for b in ("salary_from", "salary_to")}
    t0 = time.perf_counter()
    for f in range(k):
        tr, va = fold != f, fold == f
        for b in preds:
            rows = tr & df[b].notna().to_numpy()
            model = make_pipeline().fit(df[rows], np.log(df.loc[rows, b].to_numpy()))
            preds[b][va] = np.exp(model.predict(df[va]))
    cv_seconds = time.perf_counter() - t0
    out = {"data": args.csv, "rows": len(df), "folds": k, "cv_seconds": cv_seconds}
    for b in preds:
        out[b] = metrics(df[b].to_numpy(dtype=float), preds[b])
    both = df["salary_from"].notna() & df["salary_to"].notna()
    mid = (df["salary_from"] + df["salary_to"]) / 2
    inside = (preds["salary_from"] <= mid) & (mid <= preds["salary_to"])
    out["coverage"] = float(inside[both].mean())
    out["crossed"] = float((preds["salary_from"] > preds["salary_to"]).mean())
    for b in preds:
        out[f"median_baseline_{b}_mae"] = float(
            np.nanmean(np.abs(df[b] - np.nanmedian(df[b])))) if df[b].notna().any() else None
    # Single-row latency of the fitted pipeline.
    rows = df["salary_from"].notna().to_numpy()
    model = make_pipeline().fit(df[rows], np.log(df.loc[rows, "salary_from"].to_numpy()))
    lat = []
    for i in range(min(200, len(df))):
        one = df.iloc[[i]]
        t = time.perf_counter()
        model.predict(one)
        lat.append((time.perf_counter() - t) * 1e6)
    out["predict_us_p50"] = float(np.median(lat))
    if args.grid:
        out["grid"] = time_grid(df, fold, k)
    print(json.dumps(out, indent=1))


def time_grid(df, fold, k, l1s=(0.05, 0.2, 0.5), n_alphas=12, min_ratio=1e-4):
    """Fits the same grid as payrange-ml's default (k folds x 2 bounds x l1 paths of
    n_alphas with warm starts, via enet_path) plus the final fits; returns seconds."""
    from sklearn.linear_model import enet_path
    t0 = time.perf_counter()
    for f in list(range(k)) + [None]:
        tr = np.ones(len(df), bool) if f is None else fold != f
        ct = make_pipeline().named_steps["tfidf"]
        for b in ("salary_from", "salary_to"):
            rows = tr & df[b].notna().to_numpy()
            X = ct.fit_transform(df[rows])
            y = np.log(df.loc[rows, b].to_numpy())
            for l1 in l1s:
                Xc = X  # sparse: enet_path centres implicitly via X_offset like ElasticNet
                enet_path(Xc, y - y.mean(), l1_ratio=l1, n_alphas=n_alphas, eps=min_ratio)
    return {"seconds": time.perf_counter() - t0, "l1_ratios": list(l1s), "n_alphas": n_alphas}


if __name__ == "__main__":
    main()
