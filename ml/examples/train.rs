//! Trains a model from the command line: `cargo run -p payrange-ml --example train -- DATA OUT`.
//! Optional env overrides for experiments: `PR_MIN_DF`, `PR_SUBLINEAR`, `PR_TITLE_NGRAM`,
//! `PR_DESC_NGRAM`, `PR_CHARS` (e.g. `2-4`), `PR_AREA`, `PR_AMOUNTS`, `PR_W` (block weights
//! `t,c,d,a,m`), `PR_L1` (comma list), `PR_NALPHA`, `PR_AMIN`, `PR_JOINT`, `PR_WINSOR`,
//! `PR_STACK`, `PR_THREADS`,
//! `PR_VARIANTS` (`winsor:t/c/d/a/m,...`), `PR_WPOW`, `PR_NESTED` (outer folds of nested CV),
//! `PR_DUMP_CAL` (a CSV of the likely range's calibration rows, for study).

use std::path::PathBuf;

use payrange_ml::data::load_csv;
use payrange_ml::fitting::settings::{TrainSettings, Variant};
use payrange_ml::fitting::train::train_reported;

fn env<T: std::str::FromStr>(k: &str) -> Option<T> {
    std::env::var(k).ok().and_then(|v| v.parse().ok())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let data = PathBuf::from(args.get(1).ok_or("usage: train DATA OUT")?);
    let out = PathBuf::from(args.get(2).ok_or("usage: train DATA OUT")?);
    let mut s = TrainSettings::default();
    if std::env::var("PR_WINSOR").is_ok() || std::env::var("PR_W").is_ok() {
        s.variants.clear();
    }
    let v = &mut s.vectorizer;
    if let Some(x) = env("PR_MIN_DF") {
        v.min_df = x;
    }
    if let Some(x) = env("PR_SUBLINEAR") {
        v.sublinear_tf = x;
    }
    if let Some(x) = env("PR_TITLE_NGRAM") {
        v.terms.title_max_ngram = x;
    }
    if let Some(x) = env("PR_DESC_NGRAM") {
        v.terms.description_max_ngram = x;
    }
    if let Some(x) = env("PR_AREA") {
        v.terms.use_area = x;
    }
    if let Some(x) = env("PR_AMOUNTS") {
        v.terms.amounts = x;
    }
    if let Ok(x) = std::env::var("PR_CHARS") {
        let p: Vec<u8> = x.split('-').filter_map(|a| a.parse().ok()).collect();
        v.terms.title_char_ngrams = (p[0], p[1]);
    }
    if let Ok(x) = std::env::var("PR_W") {
        let p: Vec<f64> = x.split(',').filter_map(|a| a.parse().ok()).collect();
        v.block_weights = [p[0], p[1], p[2], p[3], p[4]];
    }
    if let Ok(x) = std::env::var("PR_L1") {
        s.l1_ratios = x.split(',').filter_map(|a| a.parse().ok()).collect();
    }
    if let Some(x) = env("PR_NALPHA") {
        s.n_alphas = x;
    }
    if let Some(x) = env("PR_AMIN") {
        s.alpha_min_ratio = x;
    }
    if let Some(x) = env::<f64>("PR_JOINT") {
        s.joint = Some(x);
    }
    if let Some(x) = env::<f64>("PR_WINSOR") {
        s.winsor = x;
    }
    if let Some(x) = env::<f64>("PR_WPOW") {
        s.weight_power = x;
    }
    if let Some(x) = env::<bool>("PR_STACK") {
        s.stack = x;
    }
    if let Some(x) = env::<usize>("PR_NESTED") {
        s.nested_outer_folds = x;
    }
    if let Some(x) = env::<usize>("PR_THREADS") {
        s.threads = x;
    }
    if let Ok(x) = std::env::var("PR_VARIANTS") {
        // `winsor:weights,...` with weights `t/c/d/a/m` (or only the title weight), e.g.
        // `0.01:1,0.06:0.7,0.01:1/1/2/0.5/1`.
        s.variants = x
            .split(',')
            .filter_map(|p| p.split_once(':'))
            .filter_map(|(a, b)| {
                let w: Vec<f64> = b.split('/').filter_map(|v| v.parse().ok()).collect();
                let block_weights = match w.as_slice() {
                    [t] => [*t, 1.0, 1.0, 1.0, 1.0],
                    [t, c, d, a, m] => [*t, *c, *d, *a, *m],
                    _ => return None,
                };
                Some(Variant {
                    winsor: a.parse().ok()?,
                    block_weights,
                })
            })
            .collect();
    }
    // Same rule as `payrange train`: SOURCE_DATE_EPOCH when set, else now.
    let now = match env::<i64>("SOURCE_DATE_EPOCH") {
        Some(secs) => time::OffsetDateTime::from_unix_timestamp(secs)?,
        None => time::OffsetDateTime::now_utc(),
    };
    let start = std::time::Instant::now();
    let loaded = load_csv(&data, true)?;
    let r = train_reported(&loaded, &s, now, &mut |d, t, m| eprint!("\r{d}/{t} {m}   "))?;
    r.model.save(&out)?;
    eprintln!();
    let md = r.model.metadata();
    let secs = start.elapsed().as_secs_f64();
    println!("seconds {secs:.1} version {}", md.version);
    println!("{}", serde_json::to_string(&md.hyperparameters)?);
    for (rule, cv) in &r.alternatives {
        let m = cv.metrics;
        println!(
            "cv {rule}: from {:.0} to {:.0} coverage {:.3} crossed {:.3}",
            m.salary_from.mae, m.salary_to.mae, m.coverage, cv.crossed_before_fix
        );
    }
    println!("{}", serde_json::to_string(&md.cv_metrics)?);
    println!("cv_interval {}", serde_json::to_string(&md.cv_interval)?);
    if let Ok(path) = std::env::var("PR_DUMP_CAL") {
        // Calibration rows for offline study of the likely range: `set` is `cal` for the
        // rows the model was calibrated on (fold -1 for the final model, else the outer fold
        // whose training they belong to) and `test` for nested CV's held-out rows.
        let mut w = String::from("set,fold,chars,known,stated_from,stated_to,mid_log,residual\n");
        let mut line =
            |set: &str, fold: i64, d: &payrange_ml::serving::interval::Difficulty, r: f64| {
                w += &format!(
                    "{set},{fold},{},{},{},{},{},{r}\n",
                    d.description_chars,
                    d.known_share,
                    u8::from(d.stated[0]),
                    u8::from(d.stated[1]),
                    d.mid_log,
                );
            };
        for c in &r.calibration_rows {
            line("cal", -1, &c.difficulty, c.residual);
        }
        if let Some(n) = &r.nested {
            for (f, rows) in n.calibration_rows.iter().enumerate() {
                for c in rows {
                    line("cal", f as i64, &c.difficulty, c.residual);
                }
            }
            for h in &n.held_out {
                let row = &r.data.rows[h.row];
                if let (Some(a), Some(b)) = (row.salary_from, row.salary_to) {
                    let residual = (0.5 * (a + b)).ln() - h.difficulty.mid_log;
                    line("test", h.fold as i64, &h.difficulty, residual);
                }
            }
        }
        std::fs::write(path, w)?;
    }
    if let Some(n) = &md.nested_cv {
        println!("nested_cv {}", serde_json::to_string(n)?);
    }
    println!(
        "features {} nonzero {:?} bad {:?}",
        md.n_features, md.n_nonzero, loaded.bad_rows
    );
    Ok(())
}
