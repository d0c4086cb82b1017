//! Per-call latency of one prediction over distinct real vacancies, and batch throughput of
//! `predict --csv`, for the "Serving speed" round of `ml/BENCHMARKS-ml.md`:
//!
//! ```sh
//! cargo build --release -p payrange-ml --example predict_latency
//! target/release/examples/predict_latency [CSV] [PASSES]  # p50/p90/p99 per prediction
//! target/release/examples/predict_latency --calls N [CSV]  # N untimed calls (callgrind)
//! target/release/examples/predict_latency --csv IN OUT     # commands::predict_csv
//! ```
//!
//! Each pass predicts every row of the CSV once, in file order, so consecutive calls see
//! different vocabularies (the criterion bench of one repeated vacancy keeps its table
//! slots in cache). The default CSV is `../shared/data/hh_vacancies.csv` of the workspace;
//! when missing, the fixture sample is used and said so on stderr.

use std::path::{Path, PathBuf};
use std::time::Instant;

use payrange_ml::Model;
use payrange_ml::commands::predict_csv;
use payrange_ml::data::load_csv;

fn default_csv() -> PathBuf {
    let hh = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/hh_vacancies.csv");
    if hh.exists() {
        hh
    } else {
        eprintln!("{} is missing: using the fixture sample", hh.display());
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hh_sample.csv")
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let model = Model::bundled()?;
    match args.first().map(String::as_str) {
        Some("--csv") => {
            let [_, input, output] = args.as_slice() else {
                return Err("usage: --csv IN OUT".into());
            };
            let t = Instant::now();
            let (n, _) = predict_csv(&model, Path::new(input), Path::new(output))?;
            let s = t.elapsed().as_secs_f64();
            println!("{n} rows in {s:.3} s: {:.0} rows/s", n as f64 / s);
        }
        Some("--calls") => {
            let n: usize = args.get(1).ok_or("usage: --calls N [CSV]")?.parse()?;
            let csv = args.get(2).map_or_else(default_csv, PathBuf::from);
            let data = load_csv(&csv, false)?;
            let mut sum = 0.0;
            for r in data.rows.iter().cycle().take(n) {
                sum += model.predict(&r.text()).salary_from;
            }
            println!("{n} calls, checksum {sum:.0}");
        }
        _ => {
            let csv = args.first().map_or_else(default_csv, PathBuf::from);
            let passes: usize = args.get(1).map_or(Ok(3), |p| p.parse())?;
            let data = load_csv(&csv, false)?;
            let docs: Vec<_> = data.rows.iter().map(|r| r.text()).collect();
            let mut lat = Vec::with_capacity(docs.len() * passes);
            // One untimed pass: the first calls would also time page faults of the model.
            for d in &docs {
                std::hint::black_box(model.predict(d));
            }
            for _ in 0..passes {
                for d in &docs {
                    let t = Instant::now();
                    std::hint::black_box(model.predict(std::hint::black_box(d)));
                    lat.push(t.elapsed().as_nanos() as f64 / 1e3);
                }
            }
            lat.sort_by(f64::total_cmp);
            let q = |p: f64| lat[((lat.len() - 1) as f64 * p).round() as usize];
            let mean = lat.iter().sum::<f64>() / lat.len() as f64;
            println!(
                "{} rows x {passes} passes ({}): p50 {:.2} us, p90 {:.2} us, p99 {:.2} us, mean {:.2} us",
                docs.len(),
                csv.display(),
                q(0.5),
                q(0.9),
                q(0.99),
                mean
            );
        }
    }
    Ok(())
}
