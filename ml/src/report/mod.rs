//! The training report: one self-contained HTML page that shows what a trained model is,
//! how it was validated and where it errs, in place of a data scientist's notebook.
//!
//! [`ReportData`] is plain data that the `train` and `evaluate` commands fill; [`render`]
//! turns it into one HTML5 document with inline CSS and inline SVG charts, and [`write`]
//! saves it. The page loads nothing from anywhere (no scripts, fonts, images or style
//! sheets), so it can be mailed, archived or opened from `file://` as it is.
//!
//! The charts (histograms, log–log scatter plots, bars, lines) are SVG written by hand
//! here. No crate fits: plotting crates either draw through JavaScript (plotly, charming)
//! or write SVG of a fixed pixel size without `viewBox`-based scaling, accessible titles
//! or the page's fonts (plotters), and pulling one in for six tiny charts would cost more
//! than the few hundred lines below. Every string from the data is HTML-escaped on output.
//!
//! The file is longer than the house's ~300 lines because renderer and charts share one
//! idea (this page); split the charts into `report/svg.rs` if it grows further.

pub mod fill;

pub use fill::{ReferenceScores, evaluation_report, training_report};

use std::fmt::{self, Display, Write as _};
use std::path::Path;

use serde::Serialize;

// Writing into a `String` cannot fail, so the `fmt::Result` is dropped here once.
macro_rules! put {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
    }};
}

/// Everything shown in the report. Every list may be empty: its section then says "not
/// available" instead of drawing a chart.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReportData {
    /// Page title and main heading, e.g. `"payrange training report: hh_vacancies.csv"`.
    pub title: String,
    /// Model version (as stored in the model's metadata).
    pub model_version: String,
    /// When the model was trained (RFC 3339).
    pub trained_at: String,
    /// ISO-like currency code of the salaries: `"RUR"`/`"RUB"` (shown as ₽), `"GBP"`, ...
    pub currency: String,
    /// Salary period: `"month"` or `"year"`.
    pub period: String,
    /// Training (or evaluation) data file, as given on the command line.
    pub data_file: String,
    /// SHA-256 of the data file, hex.
    pub data_sha256: String,
    /// Row counts of the data file.
    pub rows: ReportRows,
    /// True salaries per bound (`[from, to]`), for the distribution plots.
    pub salaries: [Vec<f64>; 2],
    /// Cross-validation results, one row per protocol and pipeline.
    pub cv_table: Vec<CvRow>,
    /// Out-of-fold `(true, predicted)` pairs per bound (`[from, to]`). The errors by salary
    /// band are computed from these.
    pub predicted_vs_true: [Vec<(f64, f64)>; 2],
    /// Observed coverage of the prediction intervals at several nominal levels.
    pub calibration: Vec<CalibrationPoint>,
    /// Out-of-fold MAE against the number of training rows.
    pub learning_curve: Vec<LearningPoint>,
    /// Per bound (`[from, to]`): `(term, coefficient)` of the model, coefficients in
    /// log-salary units. Any order; the report picks the strongest of each sign.
    pub top_terms: [Vec<(String, f64)>; 2],
    /// Chosen settings (hyperparameters and options), as key/value pairs in display order.
    pub settings: Vec<(String, String)>,
}

/// Row counts of the data file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReportRows {
    /// Records read from the file.
    pub records: usize,
    /// Records used (at least one salary bound and a usable text).
    pub used: usize,
    /// Records rejected as malformed.
    pub bad: usize,
    /// Used records with a lower bound (`salary_from`).
    pub with_from: usize,
    /// Used records with an upper bound (`salary_to`).
    pub with_to: usize,
    /// Used records with both bounds.
    pub with_both: usize,
}

/// One row of the cross-validation table.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CvRow {
    /// Validation protocol, e.g. `"nested 5×5-fold"`.
    pub protocol: String,
    /// Pipeline, e.g. `"payrange"` or `"scikit-learn reference"`. A pipeline whose name
    /// contains "reference" or "scikit" is the reference that the other rows of the same
    /// protocol are compared with.
    pub pipeline: String,
    /// Mean absolute error per bound (`[from, to]`), currency units.
    pub mae: [Option<f64>; 2],
    /// Coefficient of determination per bound (`[from, to]`).
    pub r2: [Option<f64>; 2],
    /// Share (0–1) of rows with both bounds whose true midpoint lies inside their 80 %
    /// likely range.
    pub interval_coverage: Option<f64>,
    /// Mean width of the predicted range, currency units.
    pub interval_mean_width: Option<f64>,
    /// Free-text remark, e.g. where the reference numbers come from.
    pub note: String,
}

/// Calibration of the prediction intervals at one nominal level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct CalibrationPoint {
    /// Nominal level (share, 0–1), e.g. `0.8` for an 80 % interval.
    pub level: f64,
    /// Observed share (0–1) of true values inside the interval.
    pub coverage: f64,
    /// Mean width of the interval, currency units.
    pub mean_width: f64,
}

/// One point of the learning curve.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LearningPoint {
    /// Training rows.
    pub rows: usize,
    /// Out-of-fold MAE per bound (`[from, to]`), currency units.
    pub mae: [f64; 2],
}

/// Writes the report of `data` to `path` (see [`render`]).
///
/// # Errors
/// The error of writing the file.
pub fn write(data: &ReportData, path: &Path) -> std::io::Result<()> {
    std::fs::write(path, render(data))
}

/// Renders the report as one self-contained HTML5 document (UTF-8, inline CSS and SVG, no
/// scripts, nothing loaded from elsewhere).
pub fn render(data: &ReportData) -> String {
    let money = Money::new(&data.currency);
    let mut out = String::with_capacity(256 * 1024);
    let title = if data.title.trim().is_empty() {
        "payrange training report"
    } else {
        data.title.as_str()
    };
    put!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n",
        Esc(title),
        Esc(title)
    );
    lead(&mut out, data, &money);
    meta(&mut out, data, &money);
    put!(out, "<nav aria-label=\"Contents\"><ol>");
    for (id, name) in SECTIONS {
        put!(out, "<li><a href=\"#{id}\">{name}</a></li>");
    }
    put!(out, "</ol></nav>\n");
    section_data(&mut out, data, &money);
    section_cv(&mut out, data, &money);
    section_scatter(&mut out, data, &money);
    section_bands(&mut out, data, &money);
    section_calibration(&mut out, data, &money);
    section_learning(&mut out, data, &money);
    section_terms(&mut out, data);
    section_settings(&mut out, data);
    put!(
        out,
        "<footer><p>Written by <code>payrange</code> for model <code>{}</code>. This page is \
         self-contained: it runs no scripts and loads nothing from elsewhere.</p></footer>\n\
         </main>\n</body>\n</html>\n",
        Esc(&data.model_version)
    );
    out
}

const SECTIONS: [(&str, &str); 8] = [
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
const BOUND: [&str; 2] = ["lower bound (salary_from)", "upper bound (salary_to)"];
const BOUND_SHORT: [&str; 2] = ["from", "to"];
const COLOR: [&str; 2] = ["#1f6fb4", "#c8570a"];

/// Scatter plots show at most this many points per bound (every k-th), to keep the page
/// small and fast with tens of thousands of rows.
const MAX_POINTS: usize = 2000;

const CSS: &str = "
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

/// Displays a string HTML-escaped (text and attribute values alike).
struct Esc<'a>(&'a str);

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

// ---------------------------------------------------------------------------------------
// Numbers

/// Thousands separator: a narrow no-break space (a thin space that never breaks a number).
const THIN: char = '\u{202f}';
/// Between a number and its unit: a no-break space.
const NBSP: char = '\u{a0}';
const MINUS: char = '\u{2212}';

/// An integer with thin-space thousands separators and a true minus sign.
fn fmt_int(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let r = v.round();
    let digits = (r.abs() as u64).to_string();
    let mut out = String::new();
    if r < 0.0 {
        out.push(MINUS);
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(THIN);
        }
        out.push(c);
    }
    out
}

fn fmt_count(n: usize) -> String {
    fmt_int(n as f64)
}

/// `v` with `digits` decimals and a true minus sign (never "−0.00").
fn fmt_dec(v: f64, digits: usize) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let s = format!("{:.*}", digits, v.abs());
    if v < 0.0 && s.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        format!("{MINUS}{s}")
    } else {
        s
    }
}

/// A share (0–1) as a percentage, e.g. `0.36` → "36.0 %".
fn fmt_share(v: f64) -> String {
    format!("{}{NBSP}%", fmt_dec(v * 100.0, 1))
}

/// A relative change in percent with its sign, e.g. "−14.7 %", "+3.2 %".
fn fmt_change(pct: f64) -> String {
    let sign = if pct > 0.0 && fmt_dec(pct, 1) != "0.0" {
        "+"
    } else {
        ""
    };
    format!("{sign}{}{NBSP}%", fmt_dec(pct, 1))
}

/// Short axis label: 950, 1.5k, 30k, 1.2M.
fn fmt_compact(v: f64) -> String {
    let a = v.abs();
    let (x, unit) = if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let x = if x.abs() >= 10.0 {
        x.round()
    } else {
        (x * 10.0).round() / 10.0
    };
    format!("{}{unit}", fmt_dec(x, if x.fract() == 0.0 { 0 } else { 1 }))
}

/// How the report's currency is written.
struct Money {
    prefix: String,
    suffix: String,
    /// E.g. "RUB (₽)", "GBP (£)".
    name: String,
}

impl Money {
    fn new(code: &str) -> Money {
        let upper = code.trim().to_uppercase();
        let (prefix, suffix, shown) = match upper.as_str() {
            "RUR" | "RUB" => ("", format!("{NBSP}₽"), "RUB"),
            "GBP" => ("£", String::new(), "GBP"),
            "USD" => ("$", String::new(), "USD"),
            "EUR" => ("€", String::new(), "EUR"),
            "" => ("", String::new(), ""),
            other => ("", format!("{NBSP}{other}"), other),
        };
        let symbol = format!("{prefix}{}", suffix.trim_start_matches(NBSP));
        let name = match (shown, symbol == shown) {
            ("", _) => "currency units".to_string(),
            (s, true) => s.to_string(),
            (s, false) => format!("{s} ({symbol})"),
        };
        Money {
            prefix: prefix.to_string(),
            suffix,
            name,
        }
    }

    /// A whole amount, e.g. "31 046 ₽", "£3 481".
    fn fmt(&self, v: f64) -> String {
        if !v.is_finite() {
            return "—".into();
        }
        let n = fmt_int(v);
        match n.strip_prefix(MINUS) {
            Some(abs) => format!("{MINUS}{}{abs}{}", self.prefix, self.suffix),
            None => format!("{}{n}{}", self.prefix, self.suffix),
        }
    }

    /// A range with the unit written once where it can be, e.g. "16 257 – 37 653 ₽".
    fn range(&self, lo: f64, hi: f64) -> String {
        if self.prefix.is_empty() && lo >= 0.0 {
            format!("{}{NBSP}– {}", fmt_int(lo), self.fmt(hi))
        } else {
            format!("{}{NBSP}– {}", self.fmt(lo), self.fmt(hi))
        }
    }

    fn opt(&self, v: Option<f64>) -> String {
        v.map_or_else(|| "—".into(), |v| self.fmt(v))
    }
}

fn per_period(data: &ReportData) -> String {
    match data.period.trim() {
        "" => String::new(),
        p => format!(" per {p}"),
    }
}

// ---------------------------------------------------------------------------------------
// Page parts

fn is_reference(row: &CvRow) -> bool {
    let p = row.pipeline.to_lowercase();
    p.contains("reference") || p.contains("scikit")
}

/// The reference row of `row`'s protocol, if `row` is not one itself.
fn reference_of<'a>(rows: &'a [CvRow], row: &CvRow) -> Option<&'a CvRow> {
    if is_reference(row) {
        return None;
    }
    rows.iter()
        .find(|r| is_reference(r) && r.protocol == row.protocol)
}

/// Change of our MAE against the reference's, in percent.
fn mae_change(ours: Option<f64>, reference: Option<f64>) -> Option<f64> {
    match (ours, reference) {
        (Some(o), Some(r)) if r > 0.0 && o.is_finite() => Some((o - r) / r * 100.0),
        _ => None,
    }
}

fn lead(out: &mut String, d: &ReportData, money: &Money) {
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

fn or_dash(s: &str) -> &str {
    if s.trim().is_empty() { "—" } else { s }
}

fn meta(out: &mut String, d: &ReportData, money: &Money) {
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

fn not_available(out: &mut String, what: &str) {
    put!(out, "<p class=\"na\">Not available: {}.</p>\n", Esc(what));
}

fn legend(out: &mut String) {
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

fn section_data(out: &mut String, d: &ReportData, money: &Money) {
    heading(out, "data");
    let r = &d.rows;
    put!(
        out,
        "<div class=\"table-wrap\"><table><caption>Rows of the data file</caption><tbody>"
    );
    for (k, v) in [
        ("Records read", r.records),
        ("Used", r.used),
        ("Rejected as malformed", r.bad),
        ("With a lower bound", r.with_from),
        ("With an upper bound", r.with_to),
        ("With both bounds", r.with_both),
    ] {
        put!(
            out,
            "<tr><th scope=\"row\">{k}</th><td class=\"num\">{}</td></tr>",
            fmt_count(v)
        );
    }
    put!(
        out,
        "</tbody></table></div>\n<h3>Salary distribution</h3>\n"
    );
    if d.salaries.iter().all(Vec::is_empty) {
        not_available(out, "no salaries in this report");
    } else {
        put!(out, "<div class=\"grid\">\n");
        for b in 0..2 {
            histogram(out, b, &d.salaries[b], money, &per_period(d));
        }
        put!(out, "</div>\n");
    }
    put!(out, "</section>\n");
}

fn section_cv(out: &mut String, d: &ReportData, money: &Money) {
    heading(out, "cv");
    if d.cv_table.is_empty() {
        not_available(out, "no cross-validation results in this report");
        put!(out, "</section>\n");
        return;
    }
    put!(
        out,
        "<p>Out-of-fold metrics. <em>Change</em> is the MAE against the reference row of the \
         same protocol; negative is better. Coverage and mean width are those of the 80 % likely \
         range: the share of vacancies with both bounds whose true midpoint salary lies inside \
         it, and its width.</p>\n<div class=\"table-wrap\"><table>\
         <caption>Cross-validation results</caption><thead><tr>\
         <th scope=\"col\">Protocol</th><th scope=\"col\">Pipeline</th>\
         <th scope=\"col\" class=\"num\">MAE from</th><th scope=\"col\" class=\"num\">MAE to</th>\
         <th scope=\"col\" class=\"num\">Change from</th><th scope=\"col\" class=\"num\">Change to</th>\
         <th scope=\"col\" class=\"num\">R² from</th><th scope=\"col\" class=\"num\">R² to</th>\
         <th scope=\"col\" class=\"num\">Coverage</th><th scope=\"col\" class=\"num\">Mean width</th>\
         <th scope=\"col\">Note</th></tr></thead><tbody>"
    );
    for row in &d.cv_table {
        let reference = reference_of(&d.cv_table, row);
        put!(
            out,
            "<tr{}><td>{}</td><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td>",
            if is_reference(row) {
                " class=\"ref\""
            } else {
                ""
            },
            Esc(&row.protocol),
            Esc(&row.pipeline),
            money.opt(row.mae[0]),
            money.opt(row.mae[1]),
        );
        for b in 0..2 {
            match reference.and_then(|r| mae_change(row.mae[b], r.mae[b])) {
                Some(c) => put!(
                    out,
                    "<td class=\"num {}\">{}</td>",
                    if c < 0.0 { "good" } else { "bad" },
                    fmt_change(c)
                ),
                None => put!(out, "<td class=\"num\">—</td>"),
            }
        }
        for b in 0..2 {
            put!(
                out,
                "<td class=\"num\">{}</td>",
                row.r2[b].map_or_else(|| "—".into(), |v| fmt_dec(v, 3))
            );
        }
        put!(
            out,
            "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"note\">{}</td></tr>",
            row.interval_coverage.map_or_else(|| "—".into(), fmt_share),
            money.opt(row.interval_mean_width),
            Esc(&row.note)
        );
    }
    put!(out, "</tbody></table></div>\n</section>\n");
}

fn section_scatter(out: &mut String, d: &ReportData, money: &Money) {
    heading(out, "scatter");
    if d.predicted_vs_true.iter().all(Vec::is_empty) {
        not_available(out, "no out-of-fold predictions in this report");
    } else {
        put!(
            out,
            "<p>Each dot is one vacancy's out-of-fold prediction against its published \
             salary, on log–log axes; the dashed diagonal is a perfect prediction.</p>\n\
             <div class=\"grid\">\n"
        );
        for b in 0..2 {
            scatter(out, b, &d.predicted_vs_true[b], money);
        }
        put!(out, "</div>\n");
    }
    put!(out, "</section>\n");
}

/// Errors of one band of true salaries.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Band {
    lo: f64,
    hi: f64,
    n: usize,
    mae: f64,
    /// Median of |predicted − true| / true.
    median_abs_rel: f64,
    /// Median of (predicted − true) / true: below zero the band is under-predicted.
    median_rel: f64,
}

/// Splits the pairs into `k` bands of (nearly) equal size by true value.
fn bands(points: &[(f64, f64)], k: usize) -> Vec<Band> {
    let mut p: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(t, p)| t.is_finite() && p.is_finite() && *t > 0.0)
        .collect();
    p.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = p.len();
    let k = k.min(n);
    (0..k)
        .map(|i| {
            let part = &p[i * n / k..(i + 1) * n / k];
            let m = part.len() as f64;
            let mut abs_rel: Vec<f64> = part.iter().map(|(t, p)| ((p - t) / t).abs()).collect();
            let mut rel: Vec<f64> = part.iter().map(|(t, p)| (p - t) / t).collect();
            Band {
                lo: part[0].0,
                hi: part[part.len() - 1].0,
                n: part.len(),
                mae: part.iter().map(|(t, p)| (p - t).abs()).sum::<f64>() / m,
                median_abs_rel: median(&mut abs_rel),
                median_rel: median(&mut rel),
            }
        })
        .collect()
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

const BANDS: usize = 5;

fn section_bands(out: &mut String, d: &ReportData, money: &Money) {
    heading(out, "bands");
    let all: [Vec<Band>; 2] = [
        bands(&d.predicted_vs_true[0], BANDS),
        bands(&d.predicted_vs_true[1], BANDS),
    ];
    if all.iter().all(Vec::is_empty) {
        not_available(out, "no out-of-fold predictions in this report");
        put!(out, "</section>\n");
        return;
    }
    put!(
        out,
        "<p>The vacancies of each bound are split into {BANDS} equal-sized bands by true \
         salary (Q1 the lowest fifth). <em>Median |error|</em> is the typical error as a \
         share of the true salary; <em>median error</em> keeps its sign, so a negative one \
         means the band is under-predicted (a model on log salaries pulls the extremes \
         towards the middle).</p>\n"
    );
    band_chart(out, &all, money);
    // The band tables stacked, not side by side: six columns need the full width.
    for b in 0..2 {
        if all[b].is_empty() {
            put!(out, "<div><h3>{}</h3>", Esc(BOUND[b]));
            not_available(out, "no predictions for this bound");
            put!(out, "</div>\n");
            continue;
        }
        put!(
            out,
            "<div class=\"table-wrap\"><table><caption>Errors by band, {}</caption><thead><tr>\
             <th scope=\"col\">Band</th><th scope=\"col\" class=\"num\">True salary</th>\
             <th scope=\"col\" class=\"num\">Rows</th><th scope=\"col\" class=\"num\">MAE</th>\
             <th scope=\"col\" class=\"num\">Median |error|</th>\
             <th scope=\"col\" class=\"num\">Median error</th></tr></thead><tbody>",
            BOUND[b]
        );
        for (i, band) in all[b].iter().enumerate() {
            put!(
                out,
                "<tr><th scope=\"row\">Q{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                i + 1,
                money.range(band.lo, band.hi),
                fmt_count(band.n),
                money.fmt(band.mae),
                fmt_share(band.median_abs_rel),
                fmt_change(band.median_rel * 100.0),
            );
        }
        put!(out, "</tbody></table></div>\n");
    }
    put!(out, "</section>\n");
}

fn section_calibration(out: &mut String, d: &ReportData, money: &Money) {
    heading(out, "calibration");
    if d.calibration.is_empty() {
        not_available(out, "no interval calibration in this report");
        put!(out, "</section>\n");
        return;
    }
    put!(
        out,
        "<p>How often the true salary falls inside the prediction interval of each nominal \
         level. Points on the dashed diagonal are well calibrated; below it the intervals \
         are too narrow.</p>\n<div class=\"grid\">\n"
    );
    calibration_chart(out, &d.calibration);
    put!(
        out,
        "<div class=\"table-wrap\"><table><caption>Nominal level, observed coverage and mean width of the intervals</caption><thead><tr>\
         <th scope=\"col\" class=\"num\">Level</th>\
         <th scope=\"col\" class=\"num\">Coverage</th>\
         <th scope=\"col\" class=\"num\">Mean width</th></tr></thead><tbody>"
    );
    for c in &d.calibration {
        put!(
            out,
            "<tr><th scope=\"row\" class=\"num\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            fmt_share(c.level),
            fmt_share(c.coverage),
            money.fmt(c.mean_width)
        );
    }
    put!(out, "</tbody></table></div>\n</div>\n</section>\n");
}

fn section_learning(out: &mut String, d: &ReportData, money: &Money) {
    heading(out, "learning");
    if d.learning_curve.is_empty() {
        not_available(out, "no learning curve in this report");
        put!(out, "</section>\n");
        return;
    }
    put!(
        out,
        "<p>Out-of-fold MAE when the model is trained on fewer rows. A curve still falling \
         at the right end means more data would help.</p>\n"
    );
    legend(out);
    put!(out, "<div class=\"grid\">\n");
    learning_chart(out, &d.learning_curve, money);
    put!(
        out,
        "<div class=\"table-wrap\"><table><caption>Learning curve</caption><thead><tr>\
         <th scope=\"col\" class=\"num\">Training rows</th><th scope=\"col\" class=\"num\">MAE from</th>\
         <th scope=\"col\" class=\"num\">MAE to</th></tr></thead><tbody>"
    );
    for p in &d.learning_curve {
        put!(
            out,
            "<tr><th scope=\"row\" class=\"num\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            fmt_count(p.rows),
            money.fmt(p.mae[0]),
            money.fmt(p.mae[1])
        );
    }
    put!(out, "</tbody></table></div>\n</div>\n</section>\n");
}

/// Strongest terms of each sign shown per bound.
const TOP_TERMS: usize = 12;

fn section_terms(out: &mut String, d: &ReportData) {
    heading(out, "terms");
    if d.top_terms.iter().all(Vec::is_empty) {
        not_available(out, "no model terms in this report");
        put!(out, "</section>\n");
        return;
    }
    put!(
        out,
        "<p>The model's strongest coefficients, in log-salary units: a term with coefficient \
         +0.1 at full weight raises the bound by about 10 %. Green bars raise the bound, red \
         ones lower it.</p>\n<div class=\"grid\">\n"
    );
    for (all_terms, bound) in d.top_terms.iter().zip(BOUND) {
        let mut terms: Vec<&(String, f64)> = all_terms.iter().filter(|t| t.1.is_finite()).collect();
        if terms.is_empty() {
            put!(out, "<div><h3>{}</h3>", Esc(bound));
            not_available(out, "no terms for this bound");
            put!(out, "</div>\n");
            continue;
        }
        terms.sort_by(|a, b| b.1.total_cmp(&a.1));
        let pos: Vec<_> = terms.iter().filter(|t| t.1 > 0.0).take(TOP_TERMS).collect();
        let neg: Vec<_> = terms
            .iter()
            .rev()
            .filter(|t| t.1 < 0.0)
            .take(TOP_TERMS)
            .collect();
        let scale = terms.iter().map(|t| t.1.abs()).fold(0.0, f64::max);
        put!(
            out,
            "<div class=\"table-wrap\"><table class=\"terms\"><caption>Strongest terms, {}</caption>\
             <thead><tr><th scope=\"col\">Term</th><th scope=\"col\" class=\"num\">Coefficient</th>\
             <th scope=\"col\"><span class=\"visually-hidden\">Bar</span></th></tr></thead><tbody>",
            bound
        );
        // Positive ones strongest first, then negative ones weakest first, so the bars
        // run from the top of the scale to its bottom.
        for (term, c) in pos.iter().chain(neg.iter().rev()).map(|t| (&t.0, t.1)) {
            let width = if scale > 0.0 {
                c.abs() / scale * 50.0
            } else {
                0.0
            };
            put!(
                out,
                "<tr><td class=\"term\">{}</td><td class=\"num\">{}{}</td>\
                 <td class=\"bar\"><span class=\"{}\" style=\"width:{width:.1}%\"></span></td></tr>",
                Esc(term),
                if c > 0.0 { "+" } else { "" },
                fmt_dec(c, if c.abs() < 0.01 { 4 } else { 3 }),
                if c > 0.0 { "pos" } else { "neg" },
            );
        }
        put!(out, "</tbody></table></div>\n");
    }
    put!(out, "</div>\n</section>\n");
}

fn section_settings(out: &mut String, d: &ReportData) {
    heading(out, "settings");
    if d.settings.is_empty() {
        not_available(out, "no settings in this report");
    } else {
        put!(
            out,
            "<div class=\"table-wrap\"><table><caption>Chosen settings</caption><thead><tr>\
             <th scope=\"col\">Setting</th><th scope=\"col\">Value</th></tr></thead><tbody>"
        );
        for (k, v) in &d.settings {
            put!(
                out,
                "<tr><th scope=\"row\"><code>{}</code></th><td>{}</td></tr>",
                Esc(k),
                Esc(v)
            );
        }
        put!(out, "</tbody></table></div>\n");
    }
    put!(out, "</section>\n");
}

// ---------------------------------------------------------------------------------------
// Charts: hand-written SVG, scaled by its viewBox to the width of its column.

const W: f64 = 480.0;
const H: f64 = 320.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 26.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 48.0;

#[derive(Debug, Clone, Copy)]
struct Axis {
    lo: f64,
    hi: f64,
    log: bool,
}

impl Axis {
    fn frac(&self, v: f64) -> f64 {
        let (v, lo, hi) = if self.log {
            (v.ln(), self.lo.ln(), self.hi.ln())
        } else {
            (v, self.lo, self.hi)
        };
        if hi > lo { (v - lo) / (hi - lo) } else { 0.5 }
    }

    /// A log axis over positive `lo..=hi`, widened a little so no point sits on the frame.
    fn log_padded(lo: f64, hi: f64) -> Axis {
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            (lo / 1.5, hi * 1.5)
        };
        let pad = (hi / lo).powf(0.04);
        Axis {
            lo: lo / pad,
            hi: hi * pad,
            log: true,
        }
    }

    /// A linear axis from 0 to a round number at or above `max`, with its ticks.
    fn zero_based(max: f64) -> (Axis, Vec<f64>) {
        let max = if max > 0.0 && max.is_finite() {
            max
        } else {
            1.0
        };
        let step = nice_step(max / 4.0);
        let top = (max / step).ceil() * step;
        let ticks = (0..=((top / step).round() as usize))
            .map(|i| i as f64 * step)
            .collect();
        (
            Axis {
                lo: 0.0,
                hi: top,
                log: false,
            },
            ticks,
        )
    }

    fn ticks(&self) -> Vec<f64> {
        if !self.log {
            return linear_ticks(self.lo, self.hi, 5);
        }
        for mults in [&[1.0, 2.0, 5.0][..], &[1.0, 3.0], &[1.0]] {
            let mut t = Vec::new();
            let (k0, k1) = (
                self.lo.log10().floor() as i32,
                self.hi.log10().ceil() as i32,
            );
            for k in k0..=k1 {
                for m in mults {
                    let v = m * 10f64.powi(k);
                    if v >= self.lo && v <= self.hi {
                        t.push(v);
                    }
                }
            }
            if t.len() <= 7 {
                if t.len() >= 2 {
                    return t;
                }
                break;
            }
        }
        linear_ticks(self.lo, self.hi, 4)
    }
}

/// The round step (1, 2 or 5 × 10^k) at or above `raw`.
fn nice_step(raw: f64) -> f64 {
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag)
}

fn linear_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return vec![lo];
    }
    let step = nice_step((hi - lo) / n as f64);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

struct Plot {
    x: Axis,
    y: Axis,
}

impl Plot {
    fn px(&self, v: f64) -> f64 {
        LEFT + self.x.frac(v) * (W - LEFT - RIGHT)
    }

    fn py(&self, v: f64) -> f64 {
        H - BOTTOM - self.y.frac(v) * (H - TOP - BOTTOM)
    }

    /// Grid lines, tick labels, the frame and the axis titles.
    fn axes(
        &self,
        out: &mut String,
        ticks: (&[f64], &[f64]),
        fmt: (&dyn Fn(f64) -> String, &dyn Fn(f64) -> String),
        labels: (&str, &str),
    ) {
        for &t in ticks.1 {
            let y = self.py(t);
            put!(
                out,
                "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e3e3e3\"/>\
                 <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                W - RIGHT,
                LEFT - 6.0,
                y + 5.0,
                Esc(&(fmt.1)(t))
            );
        }
        for &t in ticks.0 {
            let x = self.px(t);
            put!(
                out,
                "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{TOP}\" y2=\"{}\" stroke=\"#eeeeee\"/>\
                 <text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                H - BOTTOM,
                H - BOTTOM + 19.0,
                Esc(&(fmt.0)(t))
            );
        }
        put!(
            out,
            "<path d=\"M{LEFT} {TOP}V{}H{}\" fill=\"none\" stroke=\"#777\"/>\
             <text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>\
             <text transform=\"translate(15 {:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
            H - BOTTOM,
            W - RIGHT,
            LEFT + (W - LEFT - RIGHT) / 2.0,
            H - 8.0,
            Esc(labels.0),
            TOP + (H - TOP - BOTTOM) / 2.0,
            Esc(labels.1)
        );
    }
}

fn svg_open(out: &mut String, id: &str, title: &str, desc: &str) {
    put!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\">\
         <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        Esc(title),
        Esc(desc)
    );
}

fn positive(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((f64::min(lo, v), f64::max(hi, v))),
        })
}

fn histogram(out: &mut String, b: usize, values: &[f64], money: &Money, per: &str) {
    let v: Vec<f64> = values
        .iter()
        .copied()
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    put!(out, "<figure>");
    let Some((lo, hi)) = positive(v.iter().copied()) else {
        put!(out, "<h3>{}</h3>", BOUND[b]);
        not_available(out, "no salaries for this bound");
        put!(out, "</figure>\n");
        return;
    };
    let x = Axis::log_padded(lo, hi);
    let bins = ((v.len() as f64).sqrt().round() as usize).clamp(5, 30);
    let mut counts = vec![0usize; bins];
    for &s in &v {
        let i = (x.frac(s) * bins as f64).floor() as usize;
        counts[i.min(bins - 1)] += 1;
    }
    let (y, yticks) = Axis::zero_based(counts.iter().copied().max().unwrap_or(1) as f64);
    let plot = Plot { x, y };
    let mut sorted = v.clone();
    let med = median(&mut sorted);
    let title = format!("Distribution of the {}", BOUND[b]);
    let desc = format!(
        "Histogram on a log scale of {} salaries from {} to {}, median {}.",
        fmt_count(v.len()),
        money.fmt(lo),
        money.fmt(hi),
        money.fmt(med)
    );
    svg_open(out, &format!("hist-{b}"), &title, &desc);
    plot.axes(
        out,
        (&x.ticks(), &yticks),
        (&fmt_compact, &fmt_compact),
        (
            &format!("Salary, {}{per} (log scale)", money.name),
            "Vacancies",
        ),
    );
    let width = (W - LEFT - RIGHT) / bins as f64;
    for (i, &c) in counts.iter().enumerate() {
        if c == 0 {
            continue;
        }
        let top = plot.py(c as f64);
        let from = (x.lo.ln() + (x.hi.ln() - x.lo.ln()) * i as f64 / bins as f64).exp();
        let to = (x.lo.ln() + (x.hi.ln() - x.lo.ln()) * (i + 1) as f64 / bins as f64).exp();
        put!(
            out,
            "<rect x=\"{:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\">\
             <title>{} – {}: {}</title></rect>",
            LEFT + i as f64 * width + 0.5,
            (width - 1.0).max(0.5),
            H - BOTTOM - top,
            COLOR[b],
            Esc(&money.fmt(from)),
            Esc(&money.fmt(to)),
            fmt_count(c)
        );
    }
    put!(
        out,
        "</svg><figcaption>{} — {} vacancies, median {}.</figcaption></figure>\n",
        capitalize(BOUND[b]),
        fmt_count(v.len()),
        Esc(&money.fmt(med))
    );
}

/// 2nd, 3rd, 5th, 11th, 21st, ...
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn scatter(out: &mut String, b: usize, points: &[(f64, f64)], money: &Money) {
    let p: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(t, p)| t.is_finite() && p.is_finite() && *t > 0.0 && *p > 0.0)
        .collect();
    put!(out, "<figure>");
    let Some((lo, hi)) = positive(p.iter().flat_map(|(t, p)| [*t, *p])) else {
        put!(out, "<h3>{}</h3>", BOUND[b]);
        not_available(out, "no predictions for this bound");
        put!(out, "</figure>\n");
        return;
    };
    let axis = Axis::log_padded(lo, hi);
    let plot = Plot { x: axis, y: axis };
    let ticks = axis.ticks();
    let stride = p.len().div_ceil(MAX_POINTS).max(1);
    let mae = p.iter().map(|(t, p)| (p - t).abs()).sum::<f64>() / p.len() as f64;
    let title = format!("Predicted against true, {}", BOUND[b]);
    let desc = format!(
        "Scatter plot on log–log axes of {} out-of-fold predictions against the true salary; \
         mean absolute error {}.",
        fmt_count(p.len()),
        money.fmt(mae)
    );
    svg_open(out, &format!("scatter-{b}"), &title, &desc);
    plot.axes(
        out,
        (&ticks, &ticks),
        (&fmt_compact, &fmt_compact),
        (
            &format!("True salary, {}", money.name),
            &format!("Predicted, {}", money.name),
        ),
    );
    put!(out, "<g fill=\"{}\" fill-opacity=\"0.35\">", COLOR[b]);
    for &(t, q) in p.iter().step_by(stride) {
        put!(
            out,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.4\"/>",
            plot.px(t),
            plot.py(q)
        );
    }
    put!(
        out,
        "</g><line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#222\" \
         stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/></svg>",
        plot.px(axis.lo),
        plot.py(axis.lo),
        plot.px(axis.hi),
        plot.py(axis.hi)
    );
    let shown = if stride > 1 {
        format!(", every {} of them shown", ordinal(stride))
    } else {
        String::new()
    };
    put!(
        out,
        "<figcaption>{} — {} predictions{shown}; MAE {}.</figcaption></figure>\n",
        capitalize(BOUND[b]),
        fmt_count(p.len()),
        Esc(&money.fmt(mae))
    );
}

fn band_chart(out: &mut String, all: &[Vec<Band>; 2], money: &Money) {
    let k = all.iter().map(Vec::len).max().unwrap_or(0);
    let max = all.iter().flatten().map(|b| b.mae).fold(0.0, f64::max);
    let (y, yticks) = Axis::zero_based(max);
    let plot = Plot {
        x: Axis {
            lo: 0.0,
            hi: k as f64,
            log: false,
        },
        y,
    };
    let desc = (0..2)
        .filter(|&b| !all[b].is_empty())
        .map(|b| {
            let maes: Vec<String> = all[b].iter().map(|x| money.fmt(x.mae)).collect();
            format!("{}: {}", BOUND[b], maes.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ");
    put!(out, "<figure>");
    legend(out);
    svg_open(
        out,
        "bands",
        "Mean absolute error by band of true salary",
        &format!("Bar chart of the MAE of bands Q1 to Q{k}. {desc}."),
    );
    plot.axes(
        out,
        (&[], &yticks),
        (&fmt_compact, &fmt_compact),
        (
            "Band of true salary (Q1 lowest)",
            &format!("MAE, {}", money.name),
        ),
    );
    let group = (W - LEFT - RIGHT) / k.max(1) as f64;
    let bar = group * 0.34;
    for i in 0..k {
        let x0 = LEFT + i as f64 * group + group * 0.14;
        for b in 0..2 {
            let Some(band) = all[b].get(i) else { continue };
            let top = plot.py(band.mae);
            put!(
                out,
                "<rect x=\"{:.1}\" y=\"{top:.1}\" width=\"{bar:.1}\" height=\"{:.1}\" fill=\"{}\">\
                 <title>Q{} {}: MAE {}</title></rect>",
                x0 + b as f64 * (bar + 2.0),
                H - BOTTOM - top,
                COLOR[b],
                i + 1,
                BOUND_SHORT[b],
                Esc(&money.fmt(band.mae))
            );
        }
        put!(
            out,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">Q{}</text>",
            LEFT + (i as f64 + 0.5) * group,
            H - BOTTOM + 19.0,
            i + 1
        );
    }
    put!(
        out,
        "</svg><figcaption>Mean absolute error per band of true salary, both bounds.\
         </figcaption></figure>\n"
    );
}

fn calibration_chart(out: &mut String, points: &[CalibrationPoint]) {
    let unit = Axis {
        lo: 0.0,
        hi: 1.0,
        log: false,
    };
    let plot = Plot { x: unit, y: unit };
    let ticks: Vec<f64> = (0..=5).map(|i| i as f64 * 0.2).collect();
    let mut p: Vec<CalibrationPoint> = points
        .iter()
        .copied()
        .filter(|c| c.level.is_finite() && c.coverage.is_finite())
        .collect();
    p.sort_by(|a, b| a.level.total_cmp(&b.level));
    let desc = p
        .iter()
        .map(|c| format!("{} → {}", fmt_share(c.level), fmt_share(c.coverage)))
        .collect::<Vec<_>>()
        .join(", ");
    put!(out, "<figure>");
    svg_open(
        out,
        "calibration-chart",
        "Observed coverage against nominal level",
        &format!("Nominal level → observed coverage: {desc}."),
    );
    let pct = |v: f64| format!("{}%", fmt_dec(v * 100.0, 0));
    plot.axes(
        out,
        (&ticks, &ticks),
        (&pct, &pct),
        ("Nominal level", "Observed coverage"),
    );
    put!(
        out,
        "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#222\" \
         stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>",
        plot.px(0.0),
        plot.py(0.0),
        plot.px(1.0),
        plot.py(1.0)
    );
    polyline(
        out,
        &plot,
        p.iter().map(|c| (c.level, c.coverage.clamp(0.0, 1.0))),
        COLOR[0],
    );
    put!(
        out,
        "</svg><figcaption>Dashed: perfect calibration.</figcaption></figure>\n"
    );
}

fn polyline(out: &mut String, plot: &Plot, points: impl Iterator<Item = (f64, f64)>, color: &str) {
    let xy: Vec<(f64, f64)> = points.map(|(x, y)| (plot.px(x), plot.py(y))).collect();
    let path: Vec<String> = xy.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    put!(
        out,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2.5\"/>",
        path.join(" ")
    );
    for (x, y) in xy {
        put!(
            out,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"{color}\"/>"
        );
    }
}

fn learning_chart(out: &mut String, points: &[LearningPoint], money: &Money) {
    let mut p: Vec<LearningPoint> = points
        .iter()
        .copied()
        .filter(|l| l.rows > 0 && l.mae.iter().all(|m| m.is_finite()))
        .collect();
    p.sort_by_key(|l| l.rows);
    put!(out, "<figure>");
    let Some((lo, hi)) = positive(p.iter().map(|l| l.rows as f64)) else {
        not_available(out, "no usable learning-curve points");
        put!(out, "</figure>\n");
        return;
    };
    let x = if hi / lo > 20.0 {
        Axis::log_padded(lo, hi)
    } else {
        let pad = (hi - lo).max(1.0) * 0.04;
        Axis {
            lo: (lo - pad).max(0.0),
            hi: hi + pad,
            log: false,
        }
    };
    let max = p.iter().flat_map(|l| l.mae).fold(0.0, f64::max);
    let (y, yticks) = Axis::zero_based(max);
    let plot = Plot { x, y };
    let last = p[p.len() - 1];
    svg_open(
        out,
        "learning-chart",
        "MAE against training rows",
        &format!(
            "Line chart of {} points from {} to {} training rows; at {} rows MAE is {} on \
             the lower and {} on the upper bound.",
            p.len(),
            fmt_count(p[0].rows),
            fmt_count(last.rows),
            fmt_count(last.rows),
            money.fmt(last.mae[0]),
            money.fmt(last.mae[1])
        ),
    );
    plot.axes(
        out,
        (&x.ticks(), &yticks),
        (&fmt_compact, &fmt_compact),
        (
            if x.log {
                "Training rows (log scale)"
            } else {
                "Training rows"
            },
            &format!("MAE, {}", money.name),
        ),
    );
    for (b, color) in COLOR.iter().enumerate() {
        polyline(
            out,
            &plot,
            p.iter().map(|l| (l.rows as f64, l.mae[b])),
            color,
        );
    }
    put!(
        out,
        "</svg><figcaption>Out-of-fold MAE per bound against training rows.</figcaption></figure>\n"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (64-bit LCG), so the synthetic data never changes.
    struct Lcg(u64);

    impl Lcg {
        fn unit(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }

        /// Roughly normal (sum of four uniforms), mean 0, sd 1.
        fn normal(&mut self) -> f64 {
            ((0..4).map(|_| self.unit()).sum::<f64>() - 2.0) / (4.0f64 / 12.0).sqrt()
        }
    }

    fn synthetic() -> ReportData {
        let mut g = Lcg(42);
        let mut salaries = [Vec::new(), Vec::new()];
        let mut pvt = [Vec::new(), Vec::new()];
        for _ in 0..600 {
            let from = (11.0 + 0.5 * g.normal()).exp().round();
            let to = (from * (1.2 + 0.4 * g.unit())).round();
            for (b, t) in [from, to].into_iter().enumerate() {
                salaries[b].push(t);
                let predicted = (t.ln() * 0.6 + 11.0 * 0.4 + 0.25 * g.normal()).exp();
                pvt[b].push((t, predicted));
            }
        }
        ReportData {
            title: "payrange training report: hh_sample.csv".into(),
            model_version: "hh-2026-11-30-abc123".into(),
            trained_at: "2026-11-30T12:00:00Z".into(),
            currency: "RUR".into(),
            period: "month".into(),
            data_file: "ml/tests/fixtures/hh_sample.csv".into(),
            data_sha256: "ab".repeat(32),
            rows: ReportRows {
                records: 612,
                used: 600,
                bad: 12,
                with_from: 580,
                with_to: 410,
                with_both: 390,
            },
            salaries,
            cv_table: vec![
                CvRow {
                    protocol: "nested 5×5-fold".into(),
                    pipeline: "payrange".into(),
                    mae: [Some(31_046.0), Some(46_521.4)],
                    r2: [Some(0.552), Some(0.406)],
                    interval_coverage: Some(0.36),
                    interval_mean_width: Some(41_250.0),
                    note: String::new(),
                },
                CvRow {
                    protocol: "nested 5×5-fold".into(),
                    pipeline: "scikit-learn reference".into(),
                    mae: [Some(36_407.0), Some(52_944.0)],
                    r2: [Some(0.474), Some(0.354)],
                    interval_coverage: Some(0.306),
                    interval_mean_width: None,
                    note: "scripts/sklearn_reference.py".into(),
                },
            ],
            predicted_vs_true: pvt,
            calibration: [0.5, 0.8, 0.9, 0.95]
                .into_iter()
                .map(|level| CalibrationPoint {
                    level,
                    coverage: level - 0.04,
                    mean_width: 80_000.0 * level,
                })
                .collect(),
            learning_curve: [500, 1000, 2000, 4000, 8000]
                .into_iter()
                .map(|rows| LearningPoint {
                    rows,
                    mae: [30_000.0 + 2e6 / rows as f64, 45_000.0 + 3e6 / rows as f64],
                })
                .collect(),
            top_terms: [
                (0..40)
                    .map(|i| (format!("title: term {i}"), (g.unit() - 0.5) * 0.6))
                    .collect(),
                vec![
                    ("description: python".into(), 0.21),
                    ("title: стажер".into(), -0.35),
                ],
            ],
            settings: vec![
                ("l1_ratio".into(), "0.05".into()),
                ("description weight".into(), "3".into()),
            ],
        }
    }

    #[test]
    fn renders_a_complete_html5_document_with_every_section() {
        let html = render(&synthetic());
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<html lang=\"en\">"));
        assert!(html.contains("<meta charset=\"utf-8\">"));
        assert!(html.contains("<title>payrange training report: hh_sample.csv</title>"));
        assert!(html.trim_end().ends_with("</html>"));
        assert_eq!(html.matches("<h1>").count(), 1);
        for (id, name) in SECTIONS {
            assert!(
                html.contains(&format!("<h2 id=\"{id}\">{name}</h2>")),
                "section {name} missing"
            );
        }
        // 2 histograms, 2 scatter plots, bands, calibration, learning curve.
        assert_eq!(html.matches("<svg ").count(), 7);
        assert_eq!(html.matches("role=\"img\"").count(), 7);
        assert_eq!(
            html.matches("<svg ").count(),
            html.matches("</svg>").count()
        );
        assert!(!html.to_lowercase().contains("not available"));
        assert!(!html.contains("NaN") && !html.contains("inf"));
    }

    #[test]
    fn lead_paragraph_states_the_headline_numbers() {
        let html = render(&synthetic());
        let lead = &html[html.find("<p class=\"lead\">").unwrap()..];
        let lead = &lead[..lead.find("</p>").unwrap()];
        for expected in [
            "hh-2026-11-30-abc123",
            "RUB (₽) per month",
            "nested 5×5-fold",
            "31\u{202f}046\u{a0}₽",
            "46\u{202f}521\u{a0}₽",
            "\u{2212}14.7\u{a0}%",
            "\u{2212}12.1\u{a0}%",
            "R² 0.552 and 0.406",
            "36.0\u{a0}%",
            "600 vacancies",
        ] {
            assert!(lead.contains(expected), "lead lacks {expected:?}: {lead}");
        }
    }

    #[test]
    fn numbers_in_the_tables_equal_the_data() {
        let d = synthetic();
        let html = render(&d);
        // CV table: MAE, change against the reference of the same protocol, R², coverage.
        for cell in [
            ">36\u{202f}407\u{a0}₽<",
            ">52\u{202f}944\u{a0}₽<",
            "class=\"num good\">\u{2212}14.7\u{a0}%<",
            ">0.474<",
            ">30.6\u{a0}%<",
            ">41\u{202f}250\u{a0}₽<",
        ] {
            assert!(html.contains(cell), "missing {cell:?}");
        }
        // Row counts and settings.
        assert!(html.contains("Rejected as malformed</th><td class=\"num\">12<"));
        assert!(html.contains("Records read</th><td class=\"num\">612<"));
        assert!(html.contains("<code>l1_ratio</code></th><td>0.05</td>"));
        // Calibration and learning curve tables.
        assert!(html.contains(">80.0\u{a0}%</th><td class=\"num\">76.0\u{a0}%</td><td class=\"num\">64\u{202f}000\u{a0}₽<"));
        assert!(html.contains(">8\u{202f}000</th><td class=\"num\">30\u{202f}250\u{a0}₽<"));
        // Terms: both signs, sorted, with their coefficients.
        assert!(html.contains("title: стажер</td><td class=\"num\">\u{2212}0.350<"));
        assert!(html.contains("description: python</td><td class=\"num\">+0.210<"));
    }

    #[test]
    fn bands_are_quintiles_of_the_true_value_with_their_errors() {
        let points: Vec<(f64, f64)> = (1..=10)
            .map(|i| (i as f64 * 100.0, i as f64 * 110.0))
            .collect();
        let b = bands(&points, 5);
        assert_eq!(b.len(), 5);
        assert_eq!((b[0].lo, b[0].hi, b[0].n), (100.0, 200.0, 2));
        assert_eq!((b[4].lo, b[4].hi), (900.0, 1000.0));
        assert!((b[0].mae - 15.0).abs() < 1e-9);
        assert!((b[2].median_rel - 0.1).abs() < 1e-9);
        assert!((b[2].median_abs_rel - 0.1).abs() < 1e-9);
        // Fewer points than bands: one band per point; none at all: no bands.
        assert_eq!(bands(&points[..3], 5).len(), 3);
        assert!(bands(&[], 5).is_empty());
        // The band table shows the first band's MAE as computed.
        let html = render(&synthetic());
        let first = bands(&synthetic().predicted_vs_true[0], 5)[0];
        assert!(html.contains(&format!(
            "<td class=\"num\">{}</td>",
            Money::new("RUR").fmt(first.mae)
        )));
    }

    #[test]
    fn hostile_strings_stay_inert() {
        let mut d = synthetic();
        d.title = "<script>alert(1)</script>".into();
        d.data_file = "\"><img src=x onerror=alert(2)>.csv".into();
        d.top_terms[0].push(("<script>alert(3)</script>".into(), 9.0));
        d.settings.push(("a&b".into(), "<b>'x'</b>".into()));
        d.cv_table[0].note = "</td><script>".into();
        d.currency = "<X>".into();
        let html = render(&d);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"));
        assert!(!html.contains("<b>"));
        assert!(html.contains("&lt;script&gt;alert(3)&lt;/script&gt;"));
        assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;.csv"));
        assert!(html.contains("a&amp;b"));
        assert!(html.contains("&lt;b&gt;&#39;x&#39;&lt;/b&gt;"));
        assert!(html.contains("&lt;X&gt;"));
    }

    #[test]
    fn loads_nothing_from_elsewhere() {
        let html = render(&synthetic()).to_lowercase();
        for bad in [
            "http:", "https:", "//", "<script", "<link", "@import", "url(",
        ] {
            assert!(!html.contains(bad), "found {bad:?}");
        }
        // The only links are to the page's own sections.
        for part in html.split("href=\"").skip(1) {
            assert!(
                part.starts_with('#'),
                "external link: {}",
                &part[..40.min(part.len())]
            );
        }
        assert!(!html.contains(" src="));
    }

    #[test]
    fn empty_lists_render_not_available_instead_of_charts() {
        let html = render(&ReportData::default());
        assert_eq!(html.matches("<svg").count(), 0);
        assert!(html.contains("<title>payrange training report</title>"));
        for id in [
            "data",
            "cv",
            "scatter",
            "bands",
            "calibration",
            "learning",
            "terms",
            "settings",
        ] {
            let start = html.find(&format!("<h2 id=\"{id}\">")).unwrap();
            let section = &html[start..start + html[start..].find("</section>").unwrap()];
            assert!(section.contains("Not available"), "section {id}: {section}");
        }
        assert!(html.contains("No cross-validation results are available."));
        // One bound empty, the other present: one chart and one "not available".
        let mut d = synthetic();
        d.predicted_vs_true[1].clear();
        d.salaries[0].clear();
        d.top_terms[1].clear();
        let html = render(&d);
        assert_eq!(html.matches("<svg ").count(), 5);
        assert!(html.contains("Not available: no predictions for this bound."));
        assert!(html.contains("Not available: no salaries for this bound."));
        assert!(html.contains("Not available: no terms for this bound."));
    }

    #[test]
    fn numbers_are_formatted_for_reading() {
        assert_eq!(fmt_int(31_046.4), "31\u{202f}046");
        assert_eq!(fmt_int(1_234_567.0), "1\u{202f}234\u{202f}567");
        assert_eq!(fmt_int(999.0), "999");
        assert_eq!(fmt_int(-4_200.0), "\u{2212}4\u{202f}200");
        assert_eq!(fmt_int(f64::NAN), "—");
        assert_eq!(Money::new("RUR").fmt(31_046.0), "31\u{202f}046\u{a0}₽");
        assert_eq!(Money::new("GBP").fmt(3_481.0), "£3\u{202f}481");
        assert_eq!(Money::new("GBP").name, "GBP (£)");
        assert_eq!(Money::new("CHF").fmt(10.0), "10\u{a0}CHF");
        assert_eq!(Money::new("CHF").name, "CHF");
        assert_eq!(fmt_dec(-0.0001, 3), "0.000");
        assert_eq!(fmt_change(-14.66), "\u{2212}14.7\u{a0}%");
        assert_eq!(fmt_change(3.21), "+3.2\u{a0}%");
        assert_eq!(fmt_share(0.306), "30.6\u{a0}%");
        assert_eq!(fmt_compact(30_000.0), "30k");
        assert_eq!(fmt_compact(1_500.0), "1.5k");
        assert_eq!(fmt_compact(2_000_000.0), "2M");
        assert_eq!(fmt_compact(0.4), "0.4");
        assert_eq!(
            Money::new("RUB").range(16_257.0, 37_653.0),
            "16\u{202f}257\u{a0}– 37\u{202f}653\u{a0}₽"
        );
        assert_eq!(
            Money::new("GBP").range(9_000.0, 12_000.0),
            "£9\u{202f}000\u{a0}– £12\u{202f}000"
        );
        let ordinals: Vec<String> = [2, 3, 4, 11, 21, 112].map(ordinal).into();
        assert_eq!(ordinals, ["2nd", "3rd", "4th", "11th", "21st", "112th"]);
    }

    #[test]
    fn log_axes_get_round_ticks() {
        let a = Axis::log_padded(20_000.0, 300_000.0);
        let t = a.ticks();
        assert!(t.contains(&50_000.0) && t.contains(&100_000.0), "{t:?}");
        assert!(t.len() >= 2 && t.len() <= 7);
        assert!(t.iter().all(|v| *v >= a.lo && *v <= a.hi));
        let (axis, ticks) = Axis::zero_based(37.0);
        assert_eq!(axis.hi, 40.0);
        assert_eq!(ticks, vec![0.0, 10.0, 20.0, 30.0, 40.0]);
    }

    #[test]
    fn large_scatter_plots_are_thinned() {
        let mut d = synthetic();
        d.predicted_vs_true[0] = (1..=10_000).map(|i| (i as f64, i as f64)).collect();
        let html = render(&d);
        let start = html.find("id=\"scatter-0-t\"").unwrap();
        let chart = &html[start..start + html[start..].find("</svg>").unwrap()];
        assert_eq!(chart.matches("<circle").count(), MAX_POINTS);
        assert!(html.contains("10\u{202f}000 predictions, every 5th of them shown"));
    }

    #[test]
    fn write_saves_the_rendered_page() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.html");
        let d = synthetic();
        write(&d, &path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), render(&d));
        // A page for the browser test, when asked for (see tests/browser/report.test.mjs).
        if let Ok(out) = std::env::var("PAYRANGE_REPORT_SAMPLE") {
            write(&d, Path::new(&out)).unwrap();
        }
    }
}
