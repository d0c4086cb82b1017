//! Models as a managed resource: a model file uploaded to the store, checked on a held-back
//! sample against the model serving its market, and activated (or rolled back) for every
//! process at once.

use time::OffsetDateTime;

use super::{Market, ModelInfo, UserId};

/// How much worse than the active model, on either bound's held-back MAE, an uploaded model
/// may be and still be accepted without `force`: 2 %. A judgement, not a measurement: a
/// retrain may lose a little on one sample while gaining elsewhere, and held-back samples
/// of a few hundred rows move by a few percent between retrains; a clearly worse model
/// (a wrong data file, a broken setting) is worse by far more.
pub const WORSE_MARGIN: f64 = 0.02;

/// How a model did on a held-back sample: mean absolute error of each bound over the rows
/// that state it, in the model's currency.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HeldBackScore {
    /// Rows in the sample.
    pub rows: u32,
    /// MAE of the lower bound over the rows with a true lower bound; `None` when none has.
    pub mae_from: Option<f64>,
    /// MAE of the upper bound over the rows with a true upper bound; `None` when none has.
    pub mae_to: Option<f64>,
}

/// A model file checked before it may serve: what it is, and how it and the model serving
/// its market did on the file's own held-back sample (rows `payrange train` kept out of its
/// training).
#[derive(Clone, Debug, PartialEq)]
pub struct ModelCheck {
    /// The model in the file.
    pub info: ModelInfo,
    /// Hex SHA-256 of the whole file, as `sha256sum` prints it.
    pub sha256: String,
    /// Size of the file in bytes.
    pub size_bytes: u64,
    /// The uploaded model on its held-back sample.
    pub candidate: HeldBackScore,
    /// The version serving its market when it was checked.
    pub active_version: String,
    /// That model on the same rows. It may have been trained on some of them (a model
    /// trained before held-back samples existed, the bundled ones included), which favours
    /// it: the check then errs towards refusing, and `force` overrides it.
    pub active: HeldBackScore,
}

/// What a [`ModelCheck`] says about serving the uploaded model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    /// Not worse than the active model by more than [`WORSE_MARGIN`] on either bound.
    Acceptable,
    /// Worse on `bound` (`"salary_from"` or `"salary_to"`) by more than the margin.
    Worse {
        /// The bound.
        bound: &'static str,
        /// The uploaded model's held-back MAE.
        candidate: f64,
        /// The active model's held-back MAE.
        active: f64,
    },
    /// The file holds no held-back sample (a model file of format 5 or older, or trained
    /// with the sample turned off): nothing to judge by.
    Unjudged,
}

impl ModelCheck {
    /// Whether the uploaded model may serve without `force`.
    #[must_use]
    pub fn verdict(&self) -> Verdict {
        if self.candidate.rows == 0 {
            return Verdict::Unjudged;
        }
        let bounds = [
            ("salary_from", self.candidate.mae_from, self.active.mae_from),
            ("salary_to", self.candidate.mae_to, self.active.mae_to),
        ];
        let mut judged = false;
        for (bound, candidate, active) in bounds {
            if let (Some(candidate), Some(active)) = (candidate, active) {
                judged = true;
                if candidate > active * (1.0 + WORSE_MARGIN) {
                    return Verdict::Worse {
                        bound,
                        candidate,
                        active,
                    };
                }
            }
        }
        if judged {
            Verdict::Acceptable
        } else {
            Verdict::Unjudged
        }
    }
}

/// A model file kept in the store (its bytes apart), as uploaded: the check it passed (which
/// holds what the model is: version, market, currency, training, file checksum and size)
/// and the upload's own facts.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredModel {
    /// The check it passed or was forced past.
    pub check: ModelCheck,
    /// When it was uploaded.
    pub uploaded_at: OffsetDateTime,
    /// Who uploaded it; `None` from the command line.
    pub uploaded_by: Option<UserId>,
    /// Whether it was accepted with `force` although the check refused it. Kept rather than
    /// derived from the check: the margin of a later build may judge the same figures
    /// otherwise.
    pub forced: bool,
}

impl StoredModel {
    /// The model's version (its content hash), unique in the store.
    #[must_use]
    pub fn version(&self) -> &str {
        &self.check.info.version
    }

    /// The market it serves, from its currency.
    #[must_use]
    pub const fn market(&self) -> Market {
        self.check.info.market
    }
}

/// One activation of a model version for a market. The version active for a market is that
/// of its latest activation not rolled back, or the bundled model's when there is none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelActivation {
    /// The market.
    pub market: Market,
    /// The version activated: a stored model's or the bundled one's.
    pub version: String,
    /// When.
    pub activated_at: OffsetDateTime,
    /// Who; `None` from the command line.
    pub activated_by: Option<UserId>,
    /// When it was rolled back, if it was.
    pub rolled_back_at: Option<OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        candidate: (u32, Option<f64>, Option<f64>),
        active: (Option<f64>, Option<f64>),
    ) -> ModelCheck {
        ModelCheck {
            info: ModelInfo::default(),
            sha256: String::new(),
            size_bytes: 0,
            candidate: HeldBackScore {
                rows: candidate.0,
                mae_from: candidate.1,
                mae_to: candidate.2,
            },
            active_version: "a".into(),
            active: HeldBackScore {
                rows: candidate.0,
                mae_from: active.0,
                mae_to: active.1,
            },
        }
    }

    #[test]
    fn a_model_worse_on_either_bound_by_more_than_the_margin_is_refused() {
        let ok = check((100, Some(101.0), Some(200.0)), (Some(100.0), Some(200.0)));
        assert_eq!(ok.verdict(), Verdict::Acceptable);
        let at_margin = check((100, Some(102.0), Some(150.0)), (Some(100.0), Some(200.0)));
        assert_eq!(at_margin.verdict(), Verdict::Acceptable);
        let worse_to = check((100, Some(90.0), Some(205.0)), (Some(100.0), Some(200.0)));
        assert_eq!(
            worse_to.verdict(),
            Verdict::Worse {
                bound: "salary_to",
                candidate: 205.0,
                active: 200.0
            }
        );
    }

    #[test]
    fn a_model_without_a_held_back_sample_is_unjudged() {
        assert_eq!(
            check((0, None, None), (None, None)).verdict(),
            Verdict::Unjudged
        );
        assert_eq!(
            check((10, None, None), (None, None)).verdict(),
            Verdict::Unjudged
        );
    }
}
