//! In-memory adapters of the storage ports and a recording job queue, for tests, examples and
//! embedders' own tests. Not durable: everything is gone with the process.

mod limits;

pub use limits::MemoryLimits;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::models::{
    Cursor, Email, Market, ModelActivation, NewUser, Outcome, Page, PageRequest, PasswordHash,
    Prediction, PredictionFilter, PredictionId, PredictionStatus, SalaryEstimate, Session,
    SessionId, StoredModel, User, UserFilter, UserId,
};
use crate::ports::{
    DeadLetter, Delivery, Job, JobQueue, LogStore, ModelStore, QueueError, SessionStore,
    StartOutcome, StoreError, UnstartedFinish, UserStore,
};

#[derive(Default)]
struct State {
    users: BTreeMap<UserId, User>,
    sessions: HashMap<SessionId, Session>,
    predictions: BTreeMap<PredictionId, Prediction>,
    /// Stored models with their bytes, in upload order.
    models: Vec<(StoredModel, Vec<u8>)>,
    /// Every activation, in order.
    activations: Vec<ModelActivation>,
}

/// Users, sessions, predictions and models in mutex-guarded maps.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the maps half-updated (every update is a
        // single insert), so the data is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl UserStore for MemoryStore {
    async fn create_user(&self, user: NewUser) -> Result<User, StoreError> {
        let mut s = self.lock();
        if s.users.values().any(|u| u.email == user.email) {
            return Err(StoreError::Duplicate("email"));
        }
        let stored = User {
            id: user.id,
            email: user.email,
            password_hash: user.password_hash,
            role: user.role,
            disabled: false,
            created_at: user.created_at,
        };
        s.users.insert(stored.id, stored.clone());
        Ok(stored)
    }

    async fn user_by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        Ok(self
            .lock()
            .users
            .values()
            .find(|u| &u.email == email)
            .cloned())
    }

    async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        Ok(self.lock().users.get(&id).cloned())
    }

    async fn set_password_hash(&self, id: UserId, hash: &PasswordHash) -> Result<(), StoreError> {
        if let Some(u) = self.lock().users.get_mut(&id) {
            u.password_hash = hash.clone();
        }
        Ok(())
    }

    async fn list_users(
        &self,
        filter: &UserFilter,
        page: PageRequest,
    ) -> Result<Page<User>, StoreError> {
        let s = self.lock();
        Ok(page_of(
            s.users
                .values()
                .rev()
                .filter(|u| filter.matches(u))
                .cloned(),
            |u| u.id.as_uuid(),
            page,
        ))
    }

    async fn set_disabled(&self, id: UserId, disabled: bool) -> Result<Option<User>, StoreError> {
        Ok(self.lock().users.get_mut(&id).map(|u| {
            u.disabled = disabled;
            u.clone()
        }))
    }

    async fn delete_user(&self, id: UserId) -> Result<bool, StoreError> {
        let mut s = self.lock();
        if s.users.remove(&id).is_none() {
            return Ok(false);
        }
        s.sessions.retain(|_, session| session.user_id != id);
        s.predictions.retain(|_, p| p.owner != id);
        for (m, _) in &mut s.models {
            m.uploaded_by = m.uploaded_by.filter(|by| *by != id);
        }
        for a in &mut s.activations {
            a.activated_by = a.activated_by.filter(|by| *by != id);
        }
        Ok(true)
    }
}

/// The page of `newest_first` that `page` asks for: items strictly older than the cursor, at
/// most `page.limit()` of them, and a cursor when more remain.
fn page_of<T>(
    newest_first: impl Iterator<Item = T>,
    id: impl Fn(&T) -> uuid::Uuid,
    page: PageRequest,
) -> Page<T> {
    let limit = page.limit() as usize;
    let mut items: Vec<T> = newest_first
        .filter(|item| page.after().is_none_or(|c| id(item) < c.id()))
        .take(limit + 1)
        .collect();
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|item| Cursor::after(id(item)))
    } else {
        None
    };
    Page { items, next }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let mut s = self.lock();
        if s.sessions.contains_key(&session.id) {
            return Err(StoreError::Duplicate("session"));
        }
        s.sessions.insert(session.id, session.clone());
        Ok(())
    }

    async fn session(&self, id: SessionId) -> Result<Option<Session>, StoreError> {
        Ok(self.lock().sessions.get(&id).cloned())
    }

    async fn session_with_user(
        &self,
        id: SessionId,
    ) -> Result<Option<(Session, User)>, StoreError> {
        let s = self.lock();
        Ok(s.sessions.get(&id).and_then(|session| {
            let user = s.users.get(&session.user_id)?;
            Some((session.clone(), user.clone()))
        }))
    }

    async fn revoke_session(&self, id: SessionId, at: OffsetDateTime) -> Result<(), StoreError> {
        if let Some(session) = self.lock().sessions.get_mut(&id) {
            session.revoked_at.get_or_insert(at);
        }
        Ok(())
    }

    async fn revoke_user_sessions(
        &self,
        user: UserId,
        at: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut n = 0;
        for session in self.lock().sessions.values_mut() {
            if session.user_id == user && session.revoked_at.is_none() {
                session.revoked_at = Some(at);
                n += 1;
            }
        }
        Ok(n)
    }
}

#[async_trait]
impl LogStore for MemoryStore {
    async fn insert_prediction(&self, prediction: &Prediction) -> Result<(), StoreError> {
        let mut s = self.lock();
        if s.predictions.contains_key(&prediction.id) {
            return Err(StoreError::Duplicate("prediction"));
        }
        s.predictions.insert(prediction.id, prediction.clone());
        Ok(())
    }

    async fn prediction(&self, id: PredictionId) -> Result<Option<Prediction>, StoreError> {
        Ok(self.lock().predictions.get(&id).cloned())
    }

    async fn list_predictions(
        &self,
        filter: &PredictionFilter,
        page: PageRequest,
    ) -> Result<Page<Prediction>, StoreError> {
        let s = self.lock();
        Ok(page_of(
            s.predictions
                .values()
                .rev()
                .filter(|p| filter.matches(p))
                .cloned(),
            |p| p.id.as_uuid(),
            page,
        ))
    }

    async fn set_outcome(
        &self,
        id: PredictionId,
        outcome: Option<&Outcome>,
    ) -> Result<bool, StoreError> {
        let mut s = self.lock();
        let Some(p) = s
            .predictions
            .get_mut(&id)
            .filter(|p| p.status == PredictionStatus::Done)
        else {
            return Ok(false);
        };
        p.outcome = outcome.cloned();
        Ok(true)
    }

    async fn start_prediction(
        &self,
        id: PredictionId,
        at: OffsetDateTime,
    ) -> Result<StartOutcome, StoreError> {
        let mut s = self.lock();
        let Some(p) = s.predictions.get_mut(&id) else {
            return Ok(StartOutcome::Missing);
        };
        if p.status.is_final() {
            return Ok(StartOutcome::AlreadyFinished(p.clone()));
        }
        p.status = PredictionStatus::Running;
        p.attempts += 1;
        p.started_at = Some(at);
        Ok(StartOutcome::Started(p.clone()))
    }

    async fn finish_prediction(
        &self,
        id: PredictionId,
        outcome: Result<&SalaryEstimate, &str>,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut s = self.lock();
        let Some(p) = s.predictions.get_mut(&id).filter(|p| !p.status.is_final()) else {
            return Ok(false);
        };
        finish(p, outcome, at);
        Ok(true)
    }

    async fn finish_unstarted(
        &self,
        finishes: &[UnstartedFinish<'_>],
        started: OffsetDateTime,
        at: OffsetDateTime,
    ) -> Result<Vec<bool>, StoreError> {
        let mut s = self.lock();
        Ok(finishes
            .iter()
            .map(|f| {
                let Some(p) = s
                    .predictions
                    .get_mut(&f.id)
                    .filter(|p| !p.status.is_final() && p.attempts == f.attempts)
                else {
                    return false;
                };
                p.attempts += 1;
                p.started_at = Some(started);
                finish(p, f.outcome, at);
                true
            })
            .collect())
    }

    async fn unfinished_predictions(
        &self,
        before: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Prediction>, StoreError> {
        Ok(self
            .lock()
            .predictions
            .values()
            .filter(|p| !p.status.is_final() && p.created_at < before)
            .take(limit as usize)
            .cloned()
            .collect())
    }
}

#[async_trait]
impl ModelStore for MemoryStore {
    async fn insert_model(&self, model: &StoredModel, bytes: &[u8]) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state
            .models
            .iter()
            .any(|(m, _)| m.version() == model.version())
        {
            return Err(StoreError::Duplicate("model"));
        }
        state.models.push((model.clone(), bytes.to_vec()));
        Ok(())
    }

    async fn stored_models(&self) -> Result<Vec<StoredModel>, StoreError> {
        Ok(self
            .lock()
            .models
            .iter()
            .rev()
            .map(|(m, _)| m.clone())
            .collect())
    }

    async fn model_bytes(&self, version: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .lock()
            .models
            .iter()
            .find(|(m, _)| m.version() == version)
            .map(|(_, b)| b.clone()))
    }

    async fn push_activation(&self, activation: &ModelActivation) -> Result<(), StoreError> {
        self.lock().activations.push(ModelActivation {
            rolled_back_at: None,
            ..activation.clone()
        });
        Ok(())
    }

    async fn pop_activation(
        &self,
        market: Market,
        at: OffsetDateTime,
    ) -> Result<Option<ModelActivation>, StoreError> {
        let mut state = self.lock();
        let latest = state
            .activations
            .iter_mut()
            .rev()
            .find(|a| a.market == market && a.rolled_back_at.is_none());
        Ok(latest.map(|a| {
            a.rolled_back_at = Some(at);
            a.clone()
        }))
    }

    async fn standing_activations(&self) -> Result<Vec<ModelActivation>, StoreError> {
        let state = self.lock();
        Ok(Market::ALL
            .iter()
            .filter_map(|&market| {
                state
                    .activations
                    .iter()
                    .rev()
                    .find(|a| a.market == market && a.rolled_back_at.is_none())
                    .cloned()
            })
            .collect())
    }

    async fn activations(
        &self,
        market: Market,
        limit: u32,
    ) -> Result<Vec<ModelActivation>, StoreError> {
        Ok(self
            .lock()
            .activations
            .iter()
            .rev()
            .filter(|a| a.market == market)
            .take(limit as usize)
            .cloned()
            .collect())
    }
}

/// A job queue that only records what is published; [`JobQueue::receive`] (and
/// [`JobQueue::receive_dead_letter`]) report [`QueueError::Closed`]. Tests and examples take
/// the jobs with [`RecordingQueue::take`] and hand them to a [`crate::services::Worker`]
/// themselves.
#[derive(Default)]
pub struct RecordingQueue {
    jobs: Mutex<Vec<Job>>,
}

impl RecordingQueue {
    /// An empty queue.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Removes and returns everything published so far.
    pub fn take(&self) -> Vec<Job> {
        std::mem::take(&mut *self.jobs.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[async_trait]
impl JobQueue for RecordingQueue {
    async fn publish(&self, job: &Job) -> Result<(), QueueError> {
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(job.clone());
        Ok(())
    }

    async fn receive(&self) -> Result<Box<dyn Delivery>, QueueError> {
        Err(QueueError::Closed)
    }

    async fn check(&self) -> Result<(), QueueError> {
        Ok(())
    }

    fn in_process(&self) -> bool {
        true
    }

    async fn receive_dead_letter(&self) -> Result<Box<dyn DeadLetter>, QueueError> {
        Err(QueueError::Closed)
    }

    async fn drain(&self) {}

    async fn close(&self) {}
}

/// Makes `p` final with `outcome` at `at`.
fn finish(p: &mut Prediction, outcome: Result<&SalaryEstimate, &str>, at: OffsetDateTime) {
    match outcome {
        Ok(estimate) => {
            p.status = PredictionStatus::Done;
            p.result = Some(estimate.clone());
        }
        Err(reason) => {
            p.status = PredictionStatus::Failed;
            p.error = Some(reason.to_owned());
        }
    }
    p.finished_at = Some(at);
}
