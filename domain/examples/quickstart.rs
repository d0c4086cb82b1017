//! The whole payrange flow with in-memory adapters: register, sign in, submit a vacancy, let a
//! worker process the job, read the result and the history.
//!
//! Run with `cargo run -p payrange-domain --example quickstart`. The predictor here is a toy
//! (a real service plugs in `payrange-predictor-linfa`); everything else is the real use-case
//! code that the payrange service runs.

use std::sync::Arc;

use async_trait::async_trait;
use payrange_domain::memory::{MemoryStore, RecordingQueue};
use payrange_domain::models::{
    Confidence, Email, Explanation, LikelyRange, ModelInfo, NewPassword, PageRequest, Password,
    PasswordHash, Role, SalaryEstimate, SessionId, UserId, Vacancy,
};
use payrange_domain::ports::{
    HashError, PasswordHasher, PredictError, SalaryPredictor, TokenClaims, TokenCodec, TokenError,
    Verification,
};
use payrange_domain::services::{AccountService, PredictionService, Worker};

/// Toy hasher: NOT for production (use `payrange-hasher-argon2`).
struct ToyHasher;

#[async_trait]
impl PasswordHasher for ToyHasher {
    async fn hash(&self, p: &Password) -> Result<PasswordHash, HashError> {
        Ok(PasswordHash::new(format!("toy:{}", p.expose().len())))
    }
    async fn verify(&self, p: &Password, h: &PasswordHash) -> Result<Verification, HashError> {
        let ok = h.as_str() == format!("toy:{}", p.expose().len());
        Ok(if ok {
            Verification::Valid {
                needs_rehash: false,
            }
        } else {
            Verification::Invalid
        })
    }
    async fn verify_dummy(&self, _: &Password) {}
}

/// Toy tokens: NOT for production (use `payrange-auth-paseto`).
struct ToyTokens;

impl TokenCodec for ToyTokens {
    fn issue(&self, c: &TokenClaims) -> Result<String, TokenError> {
        Ok(format!(
            "{} {} {}",
            c.session_id,
            c.user_id,
            c.expires_at.unix_timestamp()
        ))
    }
    fn verify(&self, t: &str) -> Result<TokenClaims, TokenError> {
        let bad = || TokenError::Invalid("toy");
        let mut it = t.split(' ');
        let sid = it.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        let uid = it.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        let exp = it.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        Ok(TokenClaims {
            session_id: SessionId::from_uuid(sid),
            user_id: UserId::from_uuid(uid),
            expires_at: time::OffsetDateTime::from_unix_timestamp(exp).map_err(|_| bad())?,
        })
    }
}

/// Toy model: 100k RUB a month, more for "senior".
struct ToyModel(ModelInfo);

impl SalaryPredictor for ToyModel {
    fn predict(&self, v: &Vacancy) -> Result<SalaryEstimate, PredictError> {
        let base = if v.name().to_lowercase().contains("senior") {
            250_000.0
        } else {
            100_000.0
        };
        Ok(SalaryEstimate {
            salary_from: base,
            salary_to: base * 1.4,
            currency: "RUR".into(),
            model_version: "toy".into(),
            explanation: Explanation::default(),
            likely: Some(LikelyRange {
                from: base * 1.05,
                to: base * 1.35,
                level: 0.8,
                confidence: Confidence::of_band(base * 1.05, base * 1.35),
            }),
        })
    }
    fn info(&self) -> ModelInfo {
        self.0.clone()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = Arc::new(MemoryStore::new());
    let queue = Arc::new(RecordingQueue::new());
    let accounts = AccountService::new(
        store.clone(),
        store.clone(),
        Arc::new(ToyHasher),
        Arc::new(ToyTokens),
        time::Duration::hours(12),
    );
    let predictions = PredictionService::new(store.clone(), queue.clone());
    let worker = Worker::new(store.clone(), Arc::new(ToyModel(ModelInfo::default())), 3);

    let email = Email::parse("ann@example.com")?;
    accounts
        .register(
            email,
            &NewPassword::parse("correct horse battery")?,
            Role::User,
        )
        .await?;
    let session = accounts
        .sign_in(
            "ann@example.com",
            &Password::parse("correct horse battery")?,
        )
        .await?;
    let me = accounts.authenticate(&session.token).await?;

    let vacancy = Vacancy::new("Senior Rust developer", "Async services, PostgreSQL.", None)?;
    let submitted = predictions.submit(me.user.id, vacancy, None).await?;
    for job in queue.take() {
        worker.process(&job).await?;
    }
    let done = predictions.get(me.user.id, submitted.id).await?;
    let range = done.result.ok_or("no result")?;
    println!(
        "{}: {:.0}..{:.0} {}",
        done.vacancy.name(),
        range.salary_from,
        range.salary_to,
        range.currency
    );
    if let Some(likely) = &range.likely {
        println!(
            "likely ({:.0} %): {:.0}..{:.0}, {} confidence",
            likely.level * 100.0,
            likely.from,
            likely.to,
            likely.confidence.as_str()
        );
    }
    let history = predictions
        .history(me.user.id, PageRequest::new(None, None)?)
        .await?;
    println!("history: {} prediction(s)", history.items.len());
    Ok(())
}
