use super::bands::bands;
use super::charts::{MAX_POINTS, ordinal};
use super::format::{Money, fmt_change, fmt_compact, fmt_dec, fmt_int, fmt_share};
use super::svg::Axis;
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
    assert!(html.contains(
        ">80.0\u{a0}%</th><td class=\"num\">76.0\u{a0}%</td><td class=\"num\">64\u{202f}000\u{a0}₽<"
    ));
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
