//! The body of each section of the report page, in page order; each goes through
//! [`section`] and draws its charts with [`super::charts`].

use std::fmt::Write as _;

use super::ReportData;
use super::bands::{BANDS, Band, bands};
use super::charts::{band_chart, calibration_chart, histogram, learning_chart, scatter};
use super::format::{Esc, Money, fmt_change, fmt_count, fmt_dec, fmt_share, per_period};
use super::page::{BOUND, is_reference, legend, mae_change, not_available, reference_of, section};

pub(super) fn section_data(out: &mut String, d: &ReportData, money: &Money) {
    section(out, "data", None, |out| {
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
    });
}

pub(super) fn section_cv(out: &mut String, d: &ReportData, money: &Money) {
    section(
        out,
        "cv",
        (d.cv_table.is_empty()).then_some("no cross-validation results in this report"),
        |out| {
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
            put!(out, "</tbody></table></div>\n");
        },
    );
}
pub(super) fn section_scatter(out: &mut String, d: &ReportData, money: &Money) {
    section(
        out,
        "scatter",
        (d.predicted_vs_true.iter().all(Vec::is_empty))
            .then_some("no out-of-fold predictions in this report"),
        |out| {
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
        },
    );
}

pub(super) fn section_bands(out: &mut String, d: &ReportData, money: &Money) {
    let all: [Vec<Band>; 2] = [
        bands(&d.predicted_vs_true[0], BANDS),
        bands(&d.predicted_vs_true[1], BANDS),
    ];
    section(
        out,
        "bands",
        (all.iter().all(Vec::is_empty)).then_some("no out-of-fold predictions in this report"),
        |out| {
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
        },
    );
}
pub(super) fn section_calibration(out: &mut String, d: &ReportData, money: &Money) {
    section(
        out,
        "calibration",
        (d.calibration.is_empty()).then_some("no interval calibration in this report"),
        |out| {
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
            put!(out, "</tbody></table></div>\n</div>\n");
        },
    );
}
pub(super) fn section_learning(out: &mut String, d: &ReportData, money: &Money) {
    section(
        out,
        "learning",
        (d.learning_curve.is_empty()).then_some("no learning curve in this report"),
        |out| {
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
            put!(out, "</tbody></table></div>\n</div>\n");
        },
    );
}
/// Strongest terms of each sign shown per bound.
pub(super) const TOP_TERMS: usize = 12;

pub(super) fn section_terms(out: &mut String, d: &ReportData) {
    section(
        out,
        "terms",
        (d.top_terms.iter().all(Vec::is_empty)).then_some("no model terms in this report"),
        |out| {
            put!(
                out,
                "<p>The model's strongest coefficients, in log-salary units: a term with coefficient \
         +0.1 at full weight raises the bound by about 10 %. Green bars raise the bound, red \
         ones lower it.</p>\n<div class=\"grid\">\n"
            );
            for (all_terms, bound) in d.top_terms.iter().zip(BOUND) {
                let mut terms: Vec<&(String, f64)> =
                    all_terms.iter().filter(|t| t.1.is_finite()).collect();
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
            put!(out, "</div>\n");
        },
    );
}
pub(super) fn section_settings(out: &mut String, d: &ReportData) {
    section(
        out,
        "settings",
        (d.settings.is_empty()).then_some("no settings in this report"),
        |out| {
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
        },
    );
}
