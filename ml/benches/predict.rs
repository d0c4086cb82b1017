//! Serving speed of the bundled model: one vacancy (title + ~1,400-character description)
//! and batch throughput over the fixture sample.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use payrange_ml::data::load_csv;
use payrange_ml::{Model, VacancyText};

fn bench(c: &mut Criterion) {
    let model = Model::bundled().unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/hh_sample.csv");
    let data = load_csv(std::path::Path::new(path), true).unwrap();
    // The row whose description is closest to 1,400 characters.
    let one = data
        .rows
        .iter()
        .min_by_key(|r| r.description.chars().count().abs_diff(1400))
        .unwrap();
    let v = one.text();
    c.bench_function("predict_one_1400_chars", |b| {
        b.iter(|| model.predict(std::hint::black_box(&v)))
    });
    c.bench_function("predict_explained_top5", |b| {
        b.iter(|| model.predict_explained(std::hint::black_box(&v), 5))
    });
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
