//! The report's charts: histograms, log–log scatter plots, band bars, the calibration
//! and learning-curve lines, as inline SVG scaled by its `viewBox` to its column.

use std::fmt::Write as _;

use super::bands::{Band, median};
use super::format::{Esc, Money, fmt_compact, fmt_count, fmt_dec, fmt_share};
use super::page::{BOUND, BOUND_SHORT, COLOR, legend, not_available};
use super::svg::{Axis, BOTTOM, H, LEFT, Plot, RIGHT, W, polyline, positive, svg_open};
use super::{CalibrationPoint, LearningPoint};

/// Scatter plots show at most this many points per bound (every k-th), to keep the page
/// small and fast with tens of thousands of rows.
pub(super) const MAX_POINTS: usize = 2000;

pub(super) fn histogram(out: &mut String, b: usize, values: &[f64], money: &Money, per: &str) {
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
pub(super) fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

pub(super) fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

pub(super) fn scatter(out: &mut String, b: usize, points: &[(f64, f64)], money: &Money) {
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

pub(super) fn band_chart(out: &mut String, all: &[Vec<Band>; 2], money: &Money) {
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

pub(super) fn calibration_chart(out: &mut String, points: &[CalibrationPoint]) {
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

pub(super) fn learning_chart(out: &mut String, points: &[LearningPoint], money: &Money) {
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
