//! Prints how much resident memory loading the bundled model adds (Linux `VmRSS`):
//! `cargo run --release -p payrange-ml --example serving_memory`.

use payrange_ml::{Model, VacancyText};

fn vm_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let before = vm_rss_kb().ok_or("no /proc/self/status")?;
    let model = Model::bundled()?;
    let loaded = vm_rss_kb().ok_or("no /proc/self/status")?;
    // One prediction, so the scoring workspace and lazily built tables are counted too.
    let p = model.predict(&VacancyText {
        name: "Ведущий разработчик Rust",
        description: "Разработка высоконагруженных сервисов, опыт от 3 лет.",
        area: Some("Москва"),
    });
    let after = vm_rss_kb().ok_or("no /proc/self/status")?;
    println!(
        "VmRSS before {before} kB, after load {loaded} kB (+{} kB), after one predict {after} kB (+{} kB); predicted {:.0}..{:.0}",
        loaded - before,
        after - before,
        p.salary_from,
        p.salary_to
    );
    Ok(())
}
