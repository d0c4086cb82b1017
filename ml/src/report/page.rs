//! The frame of the report page: the table of contents, the style sheet, the lead
//! paragraph and model facts above the sections, and [`section`], which writes every
//! section's heading, its "not available" line when the report lacks its data, and its end.

use std::fmt::Write as _;

use super::format::{Esc, Money, fmt_change, fmt_count, fmt_dec, fmt_share, per_period};
use super::{CvRow, ReportData};

pub(super) const SECTIONS: [(&str, &str); 8] = [
    ("data", "Data"),
    ("cv", "Cross-validation"),
    ("scatter", "Predicted against true"),
    ("bands", "Errors by salary band"),
    ("calibration", "Interval calibration"),
    ("learning", "Learning curve"),
    ("terms", "Strongest terms"),
    ("settings", "Settings"),
];

/// Long and short names of the two bounds, and their colours (blue and orange, told apart
/// with colour-blindness too).
pub(super) const BOUND: [&str; 2] = ["lower bound (salary_from)", "upper bound (salary_to)"];
pub(super) const BOUND_SHORT: [&str; 2] = ["from", "to"];
pub(super) const COLOR: [&str; 2] = ["#1f6fb4", "#c8570a"];

pub(super) const CSS: &str = "
:root{--fg:#1b1b1b;--muted:#595959;--line:#d9d9d9;--soft:#f4f6f8;--good:#17703a;--bad:#b3261e}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;color:var(--fg);background:#fff;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:24px 16px 48px}
h1{font-size:1.75rem;line-height:1.2;margin:.3em 0 .5em}
h2{font-size:1.35rem;line-height:1.25;margin:2em 0 .6em;padding-top:.8em;border-top:1px solid var(--line)}
h3{font-size:1.08rem;margin:1.4em 0 .4em}
p{max-width:75ch}
.lead{font-size:1.1rem}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;overflow-wrap:anywhere}
.meta{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.15em 1em;margin:1em 0;padding:.8em 1em;background:var(--soft);border-radius:6px}
.meta dt{color:var(--muted)}
.meta dd{margin:0;overflow-wrap:anywhere}
nav ol{display:flex;flex-wrap:wrap;gap:.2em 1.2em;margin:1em 0;padding:0;list-style:none}
a{color:#0b57a4}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,440px),1fr));gap:20px 36px;align-items:start}
figure{margin:0}
figcaption{font-size:.9rem;color:var(--muted);margin-top:.3em}
svg.chart{display:block;width:100%;height:auto;max-width:640px}
svg.chart text{font-family:inherit;font-size:14px;fill:#333}
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.92rem;font-variant-numeric:tabular-nums;margin:.3em 0 1em}
caption{text-align:left;font-weight:600;padding:.2em 0 .4em}
th,td{padding:.32em .7em;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{border-bottom:2px solid #aaa}
.num{text-align:right;white-space:nowrap}
tr.ref{color:var(--muted)}
.good{color:var(--good)}
.bad{color:var(--bad)}
.na{color:var(--muted);font-style:italic}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.legend{font-size:.9rem;margin:.2em 0}
.key{display:inline-block;width:.9em;height:.9em;border-radius:2px;margin:0 .35em -.1em 0}
.legend .key+span{margin-right:1.2em}
.terms{width:100%}
.terms td.term{overflow-wrap:break-word;max-width:22em}
td.note{overflow-wrap:anywhere;min-width:10em}
.terms td.bar{width:40%;min-width:6em;position:relative;padding:0}
.terms .pos,.terms .neg{position:absolute;top:.45em;bottom:.45em}
.terms .pos{left:50%;background:#2e7d4f}
.terms .neg{right:50%;background:#b3261e}
.terms td.bar::after{content:'';position:absolute;left:50%;top:0;bottom:0;border-left:1px solid #999}
footer{margin-top:3em;color:var(--muted);font-size:.9rem}
@media (max-width:600px){
main{padding:16px 12px 40px}
svg.chart text{font-size:17px}
table{font-size:.84rem}
th,td{padding:.3em .45em}
.terms td.bar{width:28%;min-width:4em}
}
";

pub(super) fn lead(out: &mut String, d: &ReportData, money: &Money) {
    put!(
        out,
        "<p class=\"lead\">Model <strong>{}</strong> predicts the lower and the upper bound \
         of a vacancy's salary, in {}{}, from TF-IDF features of its title and description, \
         with one sparse ElasticNet per bound. It was trained on {} vacancies of <code>{}</code>",
        Esc(or_dash(&d.model_version)),
        Esc(&money.name),
        Esc(&per_period(d)),
        fmt_count(d.rows.used),
        Esc(or_dash(&d.data_file)),
    );
    let headline = d
        .cv_table
        .iter()
        .find(|r| !is_reference(r) && r.mae.iter().any(Option::is_some));
    let Some(row) = headline else {
        put!(out, ". No cross-validation results are available.</p>\n");
        return;
    };
    put!(
        out,
        " and validated by {} cross-validation: out-of-fold mean absolute error \
         <strong>{}</strong> on the lower bound and <strong>{}</strong> on the upper bound",
        Esc(&row.protocol),
        money.opt(row.mae[0]),
        money.opt(row.mae[1]),
    );
    if let Some(reference) = reference_of(&d.cv_table, row) {
        let c: Vec<Option<f64>> = (0..2)
            .map(|b| mae_change(row.mae[b], reference.mae[b]))
            .collect();
        if let (Some(c0), Some(c1)) = (c[0], c[1]) {
            put!(
                out,
                " ({} and {} against the {})",
                fmt_change(c0),
                fmt_change(c1),
                Esc(&reference.pipeline)
            );
        }
    }
    if let (Some(a), Some(b)) = (row.r2[0], row.r2[1]) {
        put!(out, ", R² {} and {}", fmt_dec(a, 3), fmt_dec(b, 3));
    }
    put!(out, ".");
    if let Some(c) = row.interval_coverage {
        put!(
            out,
            " Its 80 % likely range holds the true midpoint salary for {} of the vacancies",
            fmt_share(c)
        );
        if let Some(w) = row.interval_mean_width {
            put!(out, "; it is {} wide on average", money.fmt(w));
        }
        put!(out, ".");
    }
    put!(out, "</p>\n");
}

pub(super) fn or_dash(s: &str) -> &str {
    if s.trim().is_empty() { "—" } else { s }
}

pub(super) fn meta(out: &mut String, d: &ReportData, money: &Money) {
    put!(out, "<dl class=\"meta\">");
    let items = [
        ("Model version", d.model_version.clone(), true),
        ("Trained at", d.trained_at.clone(), false),
        ("Data file", d.data_file.clone(), true),
        ("Data SHA-256", d.data_sha256.clone(), true),
        (
            "Salaries",
            format!("{}{}", money.name, per_period(d)),
            false,
        ),
    ];
    for (k, v, code) in items {
        let v = Esc(or_dash(&v));
        if code {
            put!(out, "<dt>{k}</dt><dd><code>{v}</code></dd>");
        } else {
            put!(out, "<dt>{k}</dt><dd>{v}</dd>");
        }
    }
    put!(out, "</dl>\n");
}

/// Writes one section of the page: its heading, then `body`, or in its place a "not
/// available" line when `missing` names what the report lacks; then the section's end.
pub(super) fn section(
    out: &mut String,
    id: &str,
    missing: Option<&str>,
    body: impl FnOnce(&mut String),
) {
    heading(out, id);
    match missing {
        Some(what) => not_available(out, what),
        None => body(out),
    }
    put!(out, "</section>\n");
}

fn heading(out: &mut String, id: &str) {
    let name = SECTIONS
        .iter()
        .find(|(i, _)| *i == id)
        .map_or(id, |(_, n)| n);
    put!(
        out,
        "<section aria-labelledby=\"{id}\">\n<h2 id=\"{id}\">{name}</h2>\n"
    );
}

pub(super) fn not_available(out: &mut String, what: &str) {
    put!(out, "<p class=\"na\">Not available: {}.</p>\n", Esc(what));
}

pub(super) fn legend(out: &mut String) {
    put!(out, "<p class=\"legend\">");
    for b in 0..2 {
        put!(
            out,
            "<span class=\"key\" style=\"background:{}\"></span><span>{}</span>",
            COLOR[b],
            BOUND[b]
        );
    }
    put!(out, "</p>\n");
}

/// Whether a CV row is a reference pipeline (scikit-learn) rather than payrange.
pub(super) fn is_reference(row: &CvRow) -> bool {
    let p = row.pipeline.to_lowercase();
    p.contains("reference") || p.contains("scikit")
}

/// The reference row of `row`'s protocol, if `row` is not one itself.
pub(super) fn reference_of<'a>(rows: &'a [CvRow], row: &CvRow) -> Option<&'a CvRow> {
    if is_reference(row) {
        return None;
    }
    rows.iter()
        .find(|r| is_reference(r) && r.protocol == row.protocol)
}

/// Change of our MAE against the reference's, in percent.
pub(super) fn mae_change(ours: Option<f64>, reference: Option<f64>) -> Option<f64> {
    match (ours, reference) {
        (Some(o), Some(r)) if r > 0.0 && o.is_finite() => Some((o - r) / r * 100.0),
        _ => None,
    }
}
