//! The likely range: a calibrated interval for a vacancy's true midpoint salary
//! (`(from + to) / 2`), by normalised split-conformal prediction.
//!
//! Calibration uses the out-of-fold predictions of the training's cross-validation: for
//! every training row with both bounds, the log residual of the midpoint
//! `r = ln(true mid) - ln(predicted mid)`. A small linear model of `ln |r|` over what the
//! model knows about the vacancy ([`Difficulty`]: description length, share of its terms in
//! the vocabulary, stated salary figures, the predicted level) gives each row a scale
//! `sigma`; the normalised scores `r / sigma` are kept sorted in the model. A vacancy's
//! range at level `l` is `ln(predicted mid) + [a, b] * sigma(vacancy)`, where `[a, b]` spans
//! `ceil((n + 1) l)` consecutive scores, the usual conformal count, so over vacancies like the
//! calibration rows the true midpoint is inside for a share of about `l` (exchangeability),
//! while a detailed vacancy gets a narrow range and a vague one a wide range. Of such
//! windows the one narrowest in currency is taken ([`Calibration::window`]). No crate offers
//! conformal intervals for a hand-built model; the arithmetic is a few lines, written here.
//!
//! Fitted at the end of a training run (stage 2), applied around every prediction (stage
//! 3).

use serde::{Deserialize, Serialize};

use crate::stated_salary::in_play;

/// Level of the likely range returned when none is asked for.
pub const DEFAULT_LEVEL: f64 = 0.8;

/// Levels reported by evaluation and training besides the default.
pub const REPORTED_LEVELS: [f64; 4] = [0.5, 0.8, 0.9, 0.95];

/// How many steps the likely range's window may slide between the two tails (see
/// [`Calibration::window`]).
const WINDOW_SHIFTS: usize = 10;

/// Smallest absolute log residual taken for the scale model (a residual of 0, a stated
/// salary used exactly, would otherwise be `ln 0`).
const RESIDUAL_FLOOR: f64 = 0.01;

/// What the width of a vacancy's likely range depends on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difficulty {
    /// Characters of the description.
    pub description_chars: usize,
    /// Share of the vacancy's term occurrences found in the model's vocabulary (0 to 1).
    pub known_share: f64,
    /// Per bound, whether the description states a plausible figure for it (in play next
    /// to the final prediction; see [`crate::stated_salary::in_play`]).
    pub stated: [bool; 2],
    /// The predicted midpoint, `ln`.
    pub mid_log: f64,
}

impl Difficulty {
    /// Reads the stated flags from the anchors and the final log bounds (the stacked
    /// predictions the anchor stage saw are not known at calibration, so both calibration
    /// and prediction judge the figures against the final bounds).
    pub fn new(
        description_chars: usize,
        known_share: f64,
        anchors: [Option<f64>; 2],
        log_bounds: [f64; 2],
    ) -> Difficulty {
        let stated = in_play(log_bounds, anchors).map(|a| a.is_some());
        Difficulty {
            description_chars,
            known_share,
            stated,
            mid_log: mid_log(log_bounds),
        }
    }

    /// Inputs of the scale model (its intercept excluded).
    fn inputs(&self, center: f64) -> [f64; 5] {
        [
            (1.0 + self.description_chars as f64).ln(),
            self.known_share,
            f64::from(u8::from(self.stated[0])),
            f64::from(u8::from(self.stated[1])),
            self.mid_log - center,
        ]
    }
}

/// `ln((e^from + e^to) / 2)` of log bounds.
pub fn mid_log(log_bounds: [f64; 2]) -> f64 {
    let (a, b) = (log_bounds[0], log_bounds[1]);
    let m = a.max(b);
    m + (0.5 * ((a - m).exp() + (b - m).exp())).ln()
}

/// One calibration row: what was known and how far off the predicted midpoint was.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrationRow {
    /// The vacancy's difficulty (with its out-of-fold prediction).
    pub difficulty: Difficulty,
    /// `ln(true mid) - ln(predicted mid)`.
    pub residual: f64,
}

/// The calibration stored in a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Scale model `ln sigma = w0 + w . inputs` (see [`Difficulty`]).
    pub scale: Vec<f64>,
    /// Mean predicted log midpoint of the calibration rows (centres the level input).
    pub center: f64,
    /// Normalised signed scores `r / sigma` of the calibration rows, ascending.
    pub scores: Vec<f64>,
    /// Per score `s`, the mean over the calibration rows of `exp(m + sigma s)` (`m` their
    /// predicted log midpoint): where that score puts the calibration rows' midpoints in
    /// currency, on average. A window of scores `[a, b]` costs `position(b) - position(a)`
    /// of mean width.
    pub positions: Vec<f64>,
}

impl Calibration {
    /// Fits the scale model, the scores and their positions; `None` with fewer than 20
    /// rows.
    pub fn fit(rows: &[CalibrationRow]) -> Option<Calibration> {
        if rows.len() < 20 {
            return None;
        }
        let center = rows.iter().map(|r| r.difficulty.mid_log).sum::<f64>() / rows.len() as f64;
        let x: Vec<Vec<f64>> = rows
            .iter()
            .map(|r| r.difficulty.inputs(center).to_vec())
            .collect();
        let t: Vec<f64> = rows
            .iter()
            .map(|r| r.residual.abs().max(RESIDUAL_FLOOR).ln())
            .collect();
        let mut c = Calibration {
            scale: crate::linear::least_squares(&x, &t),
            center,
            scores: Vec::new(),
            positions: Vec::new(),
        };
        let sigmas: Vec<f64> = rows.iter().map(|r| c.sigma(&r.difficulty)).collect();
        let mut scores: Vec<f64> = rows
            .iter()
            .zip(&sigmas)
            .map(|(r, s)| r.residual / s)
            .collect();
        scores.sort_by(f64::total_cmp);
        let n = rows.len() as f64;
        c.positions = scores
            .iter()
            .map(|&s| {
                rows.iter()
                    .zip(&sigmas)
                    .map(|(r, sigma)| (r.difficulty.mid_log + sigma * s).exp())
                    .sum::<f64>()
                    / n
            })
            .collect();
        c.scores = scores;
        Some(c)
    }

    /// The scale of a vacancy's residuals.
    pub fn sigma(&self, d: &Difficulty) -> f64 {
        crate::linear::apply(&self.scale, &d.inputs(self.center))
            .clamp(-20.0, 5.0)
            .exp()
    }

    /// The window of scores `[a, b]` at `level`: it spans `k = ceil((n + 1) level)`
    /// consecutive scores (the usual conformal count; all `n` when `k` is beyond) and
    /// contains 0, the prediction itself. Forcing `a = -b` would give the symmetric
    /// split-conformal interval; sliding the window makes it narrower where the errors are
    /// skewed, as salaries' are. Of [`WINDOW_SHIFTS`] + 1 evenly spaced windows, from the one
    /// starting at the smallest score to the one ending at the largest, the one narrowest in
    /// currency over the calibration rows is taken: searching every window instead would
    /// pick the one where calibration scores happen to crowd, and cover less than the level
    /// on new rows.
    pub fn window(&self, level: f64) -> (f64, f64) {
        let n = self.scores.len();
        if n == 0 {
            return (f64::NEG_INFINITY, f64::INFINITY);
        }
        let k = (((n + 1) as f64 * level.clamp(0.0, 1.0)).ceil() as usize).clamp(1, n);
        let (s, p) = (&self.scores, &self.positions);
        let starts = (0..=WINDOW_SHIFTS).map(|j| (j * (n - k) + WINDOW_SHIFTS / 2) / WINDOW_SHIFTS);
        let i = starts
            .filter(|&i| s[i] <= 0.0 && 0.0 <= s[i + k - 1])
            .min_by(|&i, &j| (p[i + k - 1] - p[i]).total_cmp(&(p[j + k - 1] - p[j])))
            // None of them holds 0 (a low level, or every score on one side): the window
            // centred on 0.
            .unwrap_or_else(|| {
                let zero = s.partition_point(|&x| x < 0.0);
                zero.saturating_sub(k / 2).min(n - k)
            });
        (s[i].min(0.0), s[i + k - 1].max(0.0))
    }

    /// The likely range `(from, to)` in currency units of a vacancy at `level`.
    pub fn range(&self, d: &Difficulty, level: f64) -> (f64, f64) {
        let (a, b) = self.window(level);
        let sigma = self.sigma(d);
        ((d.mid_log + a * sigma).exp(), (d.mid_log + b * sigma).exp())
    }
}

/// Coverage and mean width of likely ranges at one level.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct IntervalScore {
    /// The level.
    pub level: f64,
    /// Share of rows with both true bounds whose true midpoint is inside their range.
    pub coverage: f64,
    /// Mean width of those rows' ranges, currency units.
    pub mean_width: f64,
    /// Rows scored.
    pub n: usize,
}

/// Scores ranges against true midpoints: `rows` of `(true mid, (from, to))`.
pub fn score(level: f64, rows: &[(f64, (f64, f64))]) -> IntervalScore {
    let n = rows.len();
    let inside = rows
        .iter()
        .filter(|(m, (lo, hi))| lo <= m && m <= hi)
        .count();
    let width: f64 = rows.iter().map(|(_, (lo, hi))| hi - lo).sum();
    IntervalScore {
        level,
        coverage: inside as f64 / n.max(1) as f64,
        mean_width: width / n.max(1) as f64,
        n,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    use super::*;

    /// Rows whose log residual is Gaussian with a scale that depends on description
    /// length: short descriptions are four times as noisy as long ones.
    fn synthetic(rng: &mut Xoshiro256PlusPlus, n: usize) -> Vec<CalibrationRow> {
        (0..n)
            .map(|_| {
                let chars = if rng.r#gen::<bool>() { 60 } else { 3000 };
                let sd = if chars < 100 { 0.4 } else { 0.1 };
                // Box-Muller.
                let (u1, u2): (f64, f64) = (rng.gen_range(1e-12..1.0), rng.r#gen());
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                CalibrationRow {
                    difficulty: Difficulty {
                        description_chars: chars,
                        known_share: rng.gen_range(0.5..1.0),
                        stated: [false, false],
                        mid_log: 11.5 + rng.gen_range(-0.5..0.5),
                    },
                    residual: sd * z,
                }
            })
            .collect()
    }

    fn coverage(c: &Calibration, rows: &[CalibrationRow], level: f64) -> f64 {
        let (a, b) = c.window(level);
        let inside = rows
            .iter()
            .filter(|r| {
                let s = c.sigma(&r.difficulty);
                a * s <= r.residual && r.residual <= b * s
            })
            .count();
        inside as f64 / rows.len() as f64
    }

    #[test]
    fn covers_fresh_rows_at_the_level_over_many_seeds() {
        for level in [0.5, 0.8, 0.9, 0.95] {
            let mut total = 0.0;
            let seeds = 40;
            for seed in 0..seeds {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
                let cal = Calibration::fit(&synthetic(&mut rng, 1500)).unwrap();
                let fresh = synthetic(&mut rng, 2000);
                let cov = coverage(&cal, &fresh, level);
                // Each seed: within sampling noise of the level.
                assert!(
                    (cov - level).abs() < 0.05,
                    "level {level} seed {seed}: {cov}"
                );
                total += cov;
            }
            let mean = total / seeds as f64;
            assert!((mean - level).abs() < 0.015, "level {level}: mean {mean}");
        }
    }

    #[test]
    fn a_vague_vacancy_gets_a_wider_range_than_a_detailed_one() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let cal = Calibration::fit(&synthetic(&mut rng, 2000)).unwrap();
        let d = |chars| Difficulty {
            description_chars: chars,
            known_share: 0.8,
            stated: [false, false],
            mid_log: 11.5,
        };
        let (short, long) = (cal.range(&d(60), 0.8), cal.range(&d(3000), 0.8));
        let ratio = (short.1 - short.0) / (long.1 - long.0);
        assert!(ratio > 3.0 && ratio < 5.0, "{ratio}");
        // The true scales differ by 4: each group is covered near the level on its own.
        let fresh = synthetic(&mut rng, 4000);
        for chars in [60, 3000] {
            let g: Vec<_> = fresh
                .iter()
                .filter(|r| r.difficulty.description_chars == chars)
                .copied()
                .collect();
            let cov = coverage(&cal, &g, 0.8);
            assert!((cov - 0.8).abs() < 0.04, "{chars} chars: {cov}");
        }
    }

    #[test]
    fn the_range_widens_with_the_level_and_contains_the_midpoint() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let cal = Calibration::fit(&synthetic(&mut rng, 500)).unwrap();
        let d = Difficulty {
            description_chars: 500,
            known_share: 0.9,
            stated: [false, true],
            mid_log: 11.0,
        };
        let mut last = 0.0;
        for level in [0.5, 0.8, 0.9, 0.95] {
            let (lo, hi) = cal.range(&d, level);
            assert!(lo < 11f64.exp() && 11f64.exp() < hi);
            assert!(hi - lo > last, "{level}");
            last = hi - lo;
        }
    }

    #[test]
    fn even_a_low_level_gives_a_range_around_the_prediction() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let cal = Calibration::fit(&synthetic(&mut rng, 500)).unwrap();
        for level in [0.01, 0.05, 0.1] {
            let (a, b) = cal.window(level);
            assert!(a <= 0.0 && 0.0 <= b, "{level}: {a} {b}");
            // About the level's share of the scores, not a widened tail window.
            let inside = cal.scores.iter().filter(|&&s| a <= s && s <= b).count();
            assert!(inside as f64 <= (level + 0.03) * 500.0, "{level}: {inside}");
        }
    }

    #[test]
    fn too_few_rows_give_no_calibration() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        assert!(Calibration::fit(&synthetic(&mut rng, 19)).is_none());
    }

    #[test]
    fn mid_log_is_the_log_of_the_currency_midpoint() {
        let m = mid_log([100_000f64.ln(), 200_000f64.ln()]);
        assert!((m.exp() - 150_000.0).abs() < 1e-6);
    }
}
