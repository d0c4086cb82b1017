//! The SVG frame of the report's charts: the plot area, linear and logarithmic axes with
//! round ticks, the opening `<svg>` with its accessible title and description, and lines.
//! Every chart is scaled by its `viewBox` to the width of its column.

use std::fmt::Write as _;

use super::format::Esc;

pub(super) const W: f64 = 480.0;
pub(super) const H: f64 = 320.0;
pub(super) const LEFT: f64 = 70.0;
pub(super) const RIGHT: f64 = 26.0;
pub(super) const TOP: f64 = 14.0;
pub(super) const BOTTOM: f64 = 48.0;

#[derive(Debug, Clone, Copy)]
pub(super) struct Axis {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) log: bool,
}

impl Axis {
    pub(super) fn frac(&self, v: f64) -> f64 {
        let (v, lo, hi) = if self.log {
            (v.ln(), self.lo.ln(), self.hi.ln())
        } else {
            (v, self.lo, self.hi)
        };
        if hi > lo { (v - lo) / (hi - lo) } else { 0.5 }
    }

    /// A log axis over positive `lo..=hi`, widened a little so no point sits on the frame.
    pub(super) fn log_padded(lo: f64, hi: f64) -> Axis {
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
    pub(super) fn zero_based(max: f64) -> (Axis, Vec<f64>) {
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

    pub(super) fn ticks(&self) -> Vec<f64> {
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
pub(super) fn nice_step(raw: f64) -> f64 {
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag)
}

pub(super) fn linear_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return vec![lo];
    }
    let step = nice_step((hi - lo) / n as f64);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

pub(super) struct Plot {
    pub(super) x: Axis,
    pub(super) y: Axis,
}

impl Plot {
    pub(super) fn px(&self, v: f64) -> f64 {
        LEFT + self.x.frac(v) * (W - LEFT - RIGHT)
    }

    pub(super) fn py(&self, v: f64) -> f64 {
        H - BOTTOM - self.y.frac(v) * (H - TOP - BOTTOM)
    }

    /// Grid lines, tick labels, the frame and the axis titles.
    pub(super) fn axes(
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

pub(super) fn svg_open(out: &mut String, id: &str, title: &str, desc: &str) {
    put!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\">\
         <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        Esc(title),
        Esc(desc)
    );
}

pub(super) fn positive(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((f64::min(lo, v), f64::max(hi, v))),
        })
}

pub(super) fn polyline(
    out: &mut String,
    plot: &Plot,
    points: impl Iterator<Item = (f64, f64)>,
    color: &str,
) {
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
