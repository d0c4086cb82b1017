//! The loaded model: vectorizer plus one ElasticNet per bound, in log-salary space.
//!
//! Stage 3 (serving): the entry point of a prediction; `adapters/predictor-linfa` and
//! `payrange predict` call it.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::features::vectorizer::{Vectorizer, Workspace};
use crate::serving::explain::{self, PayBasis, StatedEffect, StatedSalary, TermEffect};
use crate::serving::held_back::HeldBackRow;
use crate::serving::interval::Difficulty;
use crate::serving::metadata::ModelMetadata;
use crate::serving::scorer::Scorer;
use crate::stated_salary::{apply_stage, in_play, stage_inputs};
use crate::{Explanation, RangePrediction, VacancyText};

/// What scoring a vacancy yields.
struct Scored {
    /// The final log bounds (anchor stage, clipping and crossing fix applied).
    log_bounds: [f64; 2],
    /// Per bound, the factor by which the anchor stage scales the linear terms' effect.
    scale: [f64; 2],
    /// Log salary figures stated in the description.
    anchors: [Option<f64>; 2],
    /// Those the anchor stage took into account (see [`in_play`]).
    in_play: [Option<f64>; 2],
    /// Share of the vacancy's term occurrences in the vocabulary.
    known_share: f64,
    /// The description's pay basis (read only when explaining; else unstated).
    pay_basis: PayBasis,
}

impl Scored {
    fn difficulty(&self, v: &VacancyText<'_>) -> Difficulty {
        Difficulty::new(
            v.description.chars().count(),
            self.known_share,
            self.anchors,
            self.log_bounds,
        )
    }
}

fn range_of(log_bounds: [f64; 2]) -> RangePrediction {
    RangePrediction {
        salary_from: log_bounds[0].exp(),
        salary_to: log_bounds[1].exp(),
    }
}

/// A prediction with its explanation and what the likely range needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Detailed {
    /// The range.
    pub range: RangePrediction,
    /// Why.
    pub explanation: Explanation,
    /// How much the model knows about the vacancy (see [`Model::likely_range`]).
    pub difficulty: Difficulty,
}

/// A trained model, `Send + Sync`, cheap to share in an `Arc`.
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) vectorizer: Vectorizer,
    /// Coefficients per feature: `[from, to]`.
    pub(crate) coef: Vec<[f64; 2]>,
    pub(crate) intercept: [f64; 2],
    /// Clip range of the log prediction per bound.
    pub(crate) clip: [(f64, f64); 2],
    /// Readable terms of features with a non-zero coefficient.
    pub(crate) terms: HashMap<u32, String>,
    pub(crate) metadata: ModelMetadata,
    /// The same features and coefficients packed for [`Model::predict`].
    pub(crate) scorer: Scorer,
    /// Vacancies training held back (see [`Model::held_back`]).
    pub(crate) held_back: Vec<HeldBackRow>,
}

thread_local! {
    static WORKSPACE: RefCell<Workspace> = RefCell::new(Workspace::default());
}

/// Log-space prediction of both bounds with the crossing fix; also returns whether the raw
/// bounds crossed.
pub(crate) fn finish_log(raw: [f64; 2], clip: [(f64, f64); 2]) -> ([f64; 2], bool) {
    let f = raw[0].clamp(clip[0].0, clip[0].1);
    let t = raw[1].clamp(clip[1].0, clip[1].1);
    if f > t {
        let m = 0.5 * (f + t);
        ([m, m], true)
    } else {
        ([f, t], false)
    }
}

impl Model {
    /// Builds a model from its parts (and its packed scoring table), with no held-back
    /// rows.
    pub(crate) fn assemble(
        vectorizer: Vectorizer,
        coef: Vec<[f64; 2]>,
        intercept: [f64; 2],
        clip: [(f64, f64); 2],
        terms: HashMap<u32, String>,
        metadata: ModelMetadata,
    ) -> Model {
        let scorer = Scorer::new(&vectorizer, &coef);
        Model {
            vectorizer,
            coef,
            intercept,
            clip,
            terms,
            metadata,
            scorer,
            held_back: Vec::new(),
        }
    }

    /// The metadata.
    pub fn metadata(&self) -> &ModelMetadata {
        &self.metadata
    }

    /// Scores `v` from the packed table (the one path every prediction takes, so explained
    /// and plain predictions are bit-identical), calling `each` with every matched
    /// feature's contribution when given.
    fn score(&self, v: &VacancyText<'_>, each: Option<&mut dyn FnMut(u32, [f64; 2])>) -> Scored {
        let run = |ws: &mut Workspace| {
            let (raw, pay_basis) = match each {
                // Explained: the pay basis from the description's tokens, already read.
                Some(each) => {
                    let raw = self.scorer.explain(v, ws, each);
                    (raw, explain::pay_basis_of(ws.scratch.description_tokens()))
                }
                None => (self.scorer.raw(v, ws), PayBasis::Unstated),
            };
            (raw, ws.scratch.anchors, ws.known_share(), pay_basis)
        };
        let (mut raw, anchors, known_share, pay_basis) =
            WORKSPACE.with(|ws| match ws.try_borrow_mut() {
                Ok(mut ws) => run(&mut ws),
                Err(_) => run(&mut Workspace::default()),
            });
        raw[0] += self.intercept[0];
        raw[1] += self.intercept[1];
        let q = raw;
        let play = in_play(q, anchors);
        let mut scale = [1.0; 2];
        if let Some(stage) = &self.metadata.hyperparameters.anchor_stage {
            for b in 0..2 {
                let x = stage_inputs(q[b], play);
                // d(prediction)/dq: c1 minus the weights of the stated figures in play.
                scale[b] = stage[b].get(1).copied().unwrap_or(1.0)
                    - x[1] * stage[b].get(3).copied().unwrap_or(0.0)
                    - x[3] * stage[b].get(5).copied().unwrap_or(0.0);
            }
            raw = apply_stage(stage, q, anchors);
        }
        let (log_bounds, _) = finish_log(raw, self.clip);
        Scored {
            log_bounds,
            scale,
            anchors,
            in_play: play,
            known_share,
            pay_basis,
        }
    }

    /// Predicts the salary range (currency units, `salary_from <= salary_to`).
    pub fn predict(&self, v: &VacancyText<'_>) -> RangePrediction {
        range_of(self.score(v, None).log_bounds)
    }

    /// Predicts the range and says how much the model knows about the vacancy (the input
    /// of [`Model::likely_range`]).
    pub fn predict_with_difficulty(&self, v: &VacancyText<'_>) -> (RangePrediction, Difficulty) {
        let s = self.score(v, None);
        (range_of(s.log_bounds), s.difficulty(v))
    }

    /// The likely range of the true midpoint at `level` (e.g. 0.8), currency units; `None`
    /// for a model without a calibration.
    pub fn likely_range(&self, d: &Difficulty, level: f64) -> Option<(f64, f64)> {
        self.metadata
            .calibration
            .as_ref()
            .map(|c| c.range(d, level))
    }

    /// Predicts, and explains in plain words: per bound up to `top` words or phrases of the
    /// vacancy that moved it by at least 1 % (each term's `coefficient x feature value`,
    /// times the anchor stage's scale, and its effect in currency), a salary stated in the
    /// description with what it did, and the pay basis.
    pub fn predict_explained(&self, v: &VacancyText<'_>, top: usize) -> Detailed {
        let mut contributions: [Vec<(u32, f64)>; 2] = [Vec::new(), Vec::new()];
        let mut collect = |j: u32, c: [f64; 2]| {
            for (list, c) in contributions.iter_mut().zip(c) {
                if c != 0.0 {
                    list.push((j, c));
                }
            }
        };
        let s = self.score(v, Some(&mut collect));
        let range = range_of(s.log_bounds);
        let bounds = [range.salary_from, range.salary_to];
        let [from, to] = [0, 1].map(|b| {
            // Rank by the size of the push, ties by feature index; names are looked up
            // only until `top` plain terms are found.
            let mut c: Vec<(u32, f64)> = contributions[b]
                .iter()
                .map(|&(j, c)| (j, c * s.scale[b]))
                .collect();
            c.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
            c.into_iter()
                .take_while(|&(_, c)| explain::large_enough(c))
                .filter_map(|(j, contribution)| {
                    let (source, words) = explain::plain_term(self.terms.get(&j)?)?;
                    Some(TermEffect {
                        term: words.to_owned(),
                        source,
                        contribution,
                        amount: explain::amount(bounds[b], contribution),
                    })
                })
                .take(top)
                .collect()
        });
        Detailed {
            range,
            explanation: Explanation {
                salary_from: from,
                salary_to: to,
                stated_salary: self.stated_salary(&s, bounds),
                pay_basis: s.pay_basis,
            },
            difficulty: s.difficulty(v),
        }
    }

    /// The salary figures the description states, and what they did: none in play (too far
    /// from the model's own estimate, see [`in_play`]) is set aside; every one in play
    /// met within 1 % is used as given; otherwise the estimate moved towards them. `None`
    /// without figures, or for a model that does not read them.
    fn stated_salary(&self, s: &Scored, bounds: [f64; 2]) -> Option<StatedSalary> {
        self.metadata.hyperparameters.anchor_stage.as_ref()?;
        if s.anchors == [None, None] {
            return None;
        }
        // Figures are read as logs; written figures are whole currency units.
        let figures = s.anchors.map(|a| a.map(|a| a.exp().round()));
        let in_play: Vec<usize> = (0..2).filter(|&k| s.in_play[k].is_some()).collect();
        let met = |k: usize| figures[k].is_some_and(|f| (bounds[k] - f).abs() <= 0.01 * f);
        let effect = if in_play.is_empty() {
            StatedEffect::SetAside
        } else if in_play.iter().all(|&k| met(k)) {
            StatedEffect::UsedAsGiven
        } else {
            StatedEffect::MovedTowards
        };
        Some(StatedSalary {
            from: figures[0],
            to: figures[1],
            effect,
        })
    }

    /// Per bound, the `n` features with the largest positive and the `n` with the most
    /// negative coefficients, by their readable names.
    pub fn top_terms(&self, n: usize) -> [Vec<(String, f64)>; 2] {
        [0, 1].map(|b| {
            let mut c: Vec<(u32, f64)> = self
                .coef
                .iter()
                .enumerate()
                .filter(|(_, c)| c[b] != 0.0)
                .map(|(j, c)| (j as u32, c[b]))
                .collect();
            c.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            let take = |it: &mut dyn Iterator<Item = &(u32, f64)>| -> Vec<(String, f64)> {
                it.filter(|(_, v)| *v != 0.0)
                    .take(n)
                    .filter_map(|(j, v)| Some((self.terms.get(j)?.clone(), *v)))
                    .collect()
            };
            let mut out = take(&mut c.iter().filter(|x| x.1 > 0.0));
            out.extend(take(&mut c.iter().rev().filter(|x| x.1 < 0.0)));
            out
        })
    }

    /// Predicts many vacancies.
    pub fn predict_batch(&self, vs: &[VacancyText<'_>]) -> Vec<RangePrediction> {
        vs.iter().map(|v| self.predict(v)).collect()
    }
}
