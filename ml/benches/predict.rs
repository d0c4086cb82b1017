//! Serving speed of the bundled model.
//!
//! `predict_distinct_hh_rows` is the realistic one: every iteration predicts the next row
//! of `../shared/data/hh_vacancies.csv` (all rows in turn, so consecutive predictions
//! share little vocabulary, as in serving); it reports the mean time per prediction. For
//! the percentiles over the same rows see `examples/predict_latency.rs`. Without the file
//! it falls back to the fixture sample and says so on stderr.
//!
//! The group `repeated_one_row` predicts one fixture vacancy (title + ~1,400-character
//! description) again and again: its table slots stay in cache, so it is a lower bound,
//! not a serving figure. The batch bench scores the fixture sample.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use payrange_ml::data::load_csv;
use payrange_ml::{Model, VacancyText};

fn bench(c: &mut Criterion) {
    let model = Model::bundled().unwrap();
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/hh_sample.csv");
    let hh = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/hh_vacancies.csv");
    let real = if hh.exists() {
        load_csv(&hh, false).unwrap()
    } else {
        eprintln!(
            "{} is missing: predict_distinct_hh_rows cycles through the fixture sample",
            hh.display()
        );
        load_csv(Path::new(fixture), false).unwrap()
    };
    let rows: Vec<VacancyText<'_>> = real.rows.iter().map(|r| r.text()).collect();
    let mut next = 0;
    c.bench_function("predict_distinct_hh_rows", |b| {
        b.iter(|| {
            let v = &rows[next];
            next = (next + 1) % rows.len();
            model.predict(std::hint::black_box(v))
        })
    });

    let data = load_csv(Path::new(fixture), true).unwrap();
    // The row whose description is closest to 1,400 characters.
    let one = data
        .rows
        .iter()
        .min_by_key(|r| r.description.chars().count().abs_diff(1400))
        .unwrap();
    let v = one.text();
    // The same vacancy every iteration: cache-warm, a lower bound (see the module doc).
    let mut g = c.benchmark_group("repeated_one_row");
    g.bench_function("predict_one_1400_chars", |b| {
        b.iter(|| model.predict(std::hint::black_box(&v)))
    });
    g.bench_function("predict_explained_top5", |b| {
        b.iter(|| model.predict_explained(std::hint::black_box(&v), 5))
    });
    g.finish();
    let docs: Vec<VacancyText<'_>> = data.rows.iter().map(|r| r.text()).collect();
    let mut g = c.benchmark_group("batch");
    g.throughput(Throughput::Elements(docs.len() as u64));
    g.bench_function("predict_batch_200", |b| {
        b.iter(|| model.predict_batch(std::hint::black_box(&docs)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
