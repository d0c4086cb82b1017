//! Test doubles for the ports that have no in-memory adapter in [`crate::memory`] (dead
//! letters among them), and for failures the memory adapters never have.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::models::{
    Confidence, Explanation, LikelyRange, ModelInfo, Outcome, Page, PageRequest, Password,
    PasswordHash, Prediction, PredictionFilter, PredictionId, SalaryEstimate, SessionId, UserId,
    Vacancy,
};
use crate::ports::{
    DeadLetter, HashError, Job, LogStore, PasswordHasher, PredictError, QueueError,
    SalaryPredictor, StartOutcome, StoreError, TokenClaims, TokenCodec, TokenError, Verification,
};

/// "Hashes" by prefixing; `old:` hashes verify but ask for a rehash.
pub struct PlainHasher;

#[async_trait]
impl PasswordHasher for PlainHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        Ok(PasswordHash::new(format!("new:{}", password.expose())))
    }

    async fn verify(&self, p: &Password, h: &PasswordHash) -> Result<Verification, HashError> {
        Ok(match h.as_str().split_once(':') {
            Some((kind, pw)) if pw == p.expose() => Verification::Valid {
                needs_rehash: kind == "old",
            },
            _ => Verification::Invalid,
        })
    }

    async fn verify_dummy(&self, _: &Password) {}
}

/// Tokens are `session|user|expiry-unix`, unauthenticated: fine for unit tests only.
pub struct PlainTokens;

impl TokenCodec for PlainTokens {
    fn issue(&self, c: &TokenClaims) -> Result<String, TokenError> {
        Ok(format!(
            "{}|{}|{}",
            c.session_id,
            c.user_id,
            c.expires_at.unix_timestamp()
        ))
    }

    fn verify(&self, token: &str) -> Result<TokenClaims, TokenError> {
        let mut parts = token.split('|');
        let mut next = || parts.next().ok_or(TokenError::Invalid("parts"));
        let sid = Uuid::parse_str(next()?).map_err(|_| TokenError::Invalid("sid"))?;
        let uid = Uuid::parse_str(next()?).map_err(|_| TokenError::Invalid("uid"))?;
        let exp: i64 = next()?.parse().map_err(|_| TokenError::Invalid("exp"))?;
        let expires_at =
            OffsetDateTime::from_unix_timestamp(exp).map_err(|_| TokenError::Invalid("exp"))?;
        if expires_at <= OffsetDateTime::now_utc() {
            return Err(TokenError::Invalid("expired"));
        }
        Ok(TokenClaims {
            session_id: SessionId::from_uuid(sid),
            user_id: UserId::from_uuid(uid),
            expires_at,
        })
    }
}

/// Predicts 1000 x title length .. 2000 x title length, likely 1350 x .. 1650 x at 80 %;
/// refuses titles saying "fail".
pub struct LengthPredictor(pub ModelInfo);

impl SalaryPredictor for LengthPredictor {
    fn predict(&self, v: &Vacancy) -> Result<SalaryEstimate, PredictError> {
        if v.name().contains("fail") {
            return Err(PredictError::Unpredictable("cannot".into()));
        }
        // Stands for a worker that dies computing (the process would be gone).
        assert!(
            !v.name().contains("crash"),
            "crashed computing {}",
            v.name()
        );
        let n = v.name().chars().count() as f64;
        Ok(SalaryEstimate {
            salary_from: 1000.0 * n,
            salary_to: 2000.0 * n,
            currency: "RUR".into(),
            model_version: "test".into(),
            explanation: Explanation::default(),
            likely: Some(LikelyRange {
                from: 1350.0 * n,
                to: 1650.0 * n,
                level: 0.8,
                confidence: Confidence::of_band(1350.0 * n, 1650.0 * n),
            }),
        })
    }

    fn info(&self) -> ModelInfo {
        self.0.clone()
    }
}

/// A dead letter for a prediction id that records whether it was acknowledged.
pub struct FakeDeadLetter {
    job: Job,
    acked: Arc<AtomicBool>,
}

impl FakeDeadLetter {
    /// A dead letter of the job of `prediction_id`, and the flag its `ack` sets.
    pub fn of(prediction_id: PredictionId) -> (Box<dyn DeadLetter>, Arc<AtomicBool>) {
        let acked = Arc::new(AtomicBool::new(false));
        let job = Job {
            prediction_id,
            request_id: None,
            seen_before: true,
        };
        let letter = Self {
            job,
            acked: acked.clone(),
        };
        (Box::new(letter), acked)
    }
}

#[async_trait]
impl DeadLetter for FakeDeadLetter {
    fn job(&self) -> &Job {
        &self.job
    }

    fn reason(&self) -> Option<&str> {
        Some("rejected")
    }

    async fn ack(self: Box<Self>) -> Result<(), QueueError> {
        self.acked.store(true, Ordering::SeqCst);
        Ok(())
    }
}

/// A log store whose database is down: every call fails with `Unavailable`.
pub struct UnavailableLogs;

fn down<T>() -> Result<T, StoreError> {
    Err(StoreError::Unavailable("the database is down".into()))
}

#[async_trait]
impl LogStore for UnavailableLogs {
    async fn insert_prediction(&self, _: &Prediction) -> Result<(), StoreError> {
        down()
    }

    async fn prediction(&self, _: PredictionId) -> Result<Option<Prediction>, StoreError> {
        down()
    }

    async fn list_predictions(
        &self,
        _: &PredictionFilter,
        _: PageRequest,
    ) -> Result<Page<Prediction>, StoreError> {
        down()
    }

    async fn set_outcome(&self, _: PredictionId, _: Option<&Outcome>) -> Result<bool, StoreError> {
        down()
    }

    async fn start_prediction(
        &self,
        _: PredictionId,
        _: OffsetDateTime,
    ) -> Result<StartOutcome, StoreError> {
        down()
    }

    async fn finish_prediction(
        &self,
        _: PredictionId,
        _: Result<&SalaryEstimate, &str>,
        _: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        down()
    }

    async fn unfinished_predictions(
        &self,
        _: OffsetDateTime,
        _: u32,
    ) -> Result<Vec<Prediction>, StoreError> {
        down()
    }
}
