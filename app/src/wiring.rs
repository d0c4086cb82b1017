//! Builds the application from settings: picks and connects the adapters, and hands them to the
//! domain's use cases.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use payrange_auth_paseto::PasetoTokens;
use payrange_domain::memory::MemoryLimits;
use payrange_domain::models::{Email, NewPassword, Role, User};
use payrange_domain::ports::{JobQueue, LimitStore, ModelRegistry, SalaryPredictor};
use payrange_domain::services::EstimateService;
use payrange_domain::services::OutcomeService;
use payrange_domain::services::{
    AccountService, AdminService, BatchService, DeadLetterService, ModelService, PredictionService,
    RegisterError, Worker,
};
use payrange_hasher_argon2::{Argon2Hasher, Argon2Settings};
use payrange_predictor_linfa::MarketModels;
use payrange_queue_amqp::{AmqpJobQueue, AmqpSettings};
use payrange_queue_memory::MemoryQueue;
use payrange_store_sea_orm::{SeaOrmStore, StoreSettings};
use secrecy::ExposeSecret as _;

use crate::Settings;
use crate::completions::Completions;
use crate::limits::Limit;
use crate::metrics::Metrics;

/// The wired application: use cases plus what health checks and the worker loop need.
#[derive(Clone)]
pub struct App {
    /// Registration, sign-in, authentication.
    pub accounts: AccountService,
    /// Submission and reading of predictions.
    pub predictions: PredictionService,
    /// Batch estimates.
    pub batches: BatchService,
    /// Administration: users and every prediction log.
    pub admin: AdminService,
    /// Real outcomes of estimates and the accuracy figures read from them.
    pub outcomes: OutcomeService,
    /// Job processing.
    pub worker: Worker,
    /// What becomes of jobs the queue gave up on.
    pub dead_letters: DeadLetterService,
    /// Estimates for visitors without an account, stored nowhere.
    pub estimates: EstimateService,
    /// The job queue (for readiness, the worker loop, dead letters and shutdown).
    pub queue: Arc<dyn JobQueue>,
    /// The store (for readiness).
    pub store: Arc<SeaOrmStore>,
    /// The models: which serve now (`GET /models`), uploads, activation and rollback.
    pub models: ModelService,
    /// Wakes requests waiting for their prediction.
    pub completions: Completions,
    /// How often a waiting request re-reads its prediction: 50 ms when jobs may finish in
    /// another process unannounced, 1 s as a mere safety net when every finish wakes the
    /// waiter (in-process queue, or PostgreSQL's finish notifications).
    pub completion_poll: Duration,
    /// This process's metrics.
    pub metrics: Arc<Metrics>,
    /// Sign-in throttling and submission quotas.
    pub limits: Arc<Limits>,
    /// Most jobs a worker task handles together (`worker_batch`).
    pub worker_batch: usize,
}

/// How long an address that signed in to an account stays exempt from the account's limit.
const KNOWN_FOR: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The rate limits, counted in the store every process shares (see `limits`).
pub struct Limits {
    /// Sign-in failures per (normalised email, client IP address) pair.
    pub signin_pair: Limit,
    /// Sign-in failures per normalised email, from every address not in `signin_known`.
    pub signin_account: Limit,
    /// (Email, address) pairs that signed in successfully lately: their owner's.
    pub signin_known: Limit,
    /// Sign-in failures per client IP address.
    pub signin_address: Limit,
    /// Sign-up attempts per client IP address.
    pub signup_address: Limit,
    /// Estimates tried without an account per client IP address.
    pub try_address: Limit,
    /// Accepted submissions per user id.
    pub submissions: Limit,
}

impl Limits {
    /// PostgreSQL's counters when the store is shared by several processes, this process's
    /// memory otherwise (the embedded SQLite mode has one process).
    fn new(s: &Settings, store: &Arc<SeaOrmStore>) -> Self {
        let counters: Arc<dyn LimitStore> = if store.shares_limits() {
            store.clone()
        } else {
            Arc::new(MemoryLimits::new())
        };
        let signin = Duration::from_secs(s.signin_window_secs);
        let limit = |name, max, window| Limit::new(counters.clone(), name, max, window);
        Self {
            signin_pair: limit("signin-pair", s.signin_max_failures_per_pair, signin),
            signin_account: limit(
                "signin-account",
                s.signin_max_failures_per_account,
                Duration::from_secs(s.signin_account_window_secs),
            ),
            signin_known: limit("signin-known", 1, KNOWN_FOR),
            signin_address: limit("signin-address", s.signin_max_failures_per_address, signin),
            signup_address: limit(
                "signup-address",
                s.signup_max_per_address,
                Duration::from_secs(s.signup_window_secs),
            ),
            submissions: limit(
                "submissions",
                s.submit_quota,
                Duration::from_secs(s.submit_window_secs),
            ),
            try_address: limit(
                "try-address",
                s.try_quota,
                Duration::from_secs(s.try_window_secs),
            ),
        }
    }
}

impl App {
    /// Connects the database (running migrations), loads the model and the token keys, and
    /// republishes unfinished jobs for the in-process queue.
    ///
    /// # Errors
    /// Anything that keeps the service from starting, with the reason.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let mut store_settings = StoreSettings::new(settings.database_url.expose_secret());
        store_settings.max_connections = settings.database_max_connections;
        store_settings.listen_url = settings
            .database_listen_url
            .as_ref()
            .map(|u| u.expose_secret().to_owned());
        let store = Arc::new(
            SeaOrmStore::connect(&store_settings)
                .await
                .with_context(|| "cannot open the database")?,
        );
        store
            .migrate()
            .await
            .context("cannot migrate the database")?;

        let models = loaded_models(settings)?;
        let predictor: Arc<dyn SalaryPredictor> = models.clone();
        let models = ModelService::new(store.clone(), models);
        serve_active_models(&models).await;

        let tokens = Arc::new(token_codec(settings)?);
        let hasher = Arc::new(Argon2Hasher::new(Argon2Settings::default())?);
        let queue: Arc<dyn JobQueue> = match &settings.amqp_url {
            None => Arc::new(MemoryQueue::new()),
            Some(url) => {
                let mut amqp = AmqpSettings::new(url.expose_secret());
                amqp.queue.clone_from(&settings.amqp_queue);
                amqp.prefetch = settings.amqp_prefetch;
                amqp.jobs_per_message = settings.amqp_jobs_per_message;
                amqp.max_deliveries = settings.max_attempts + 1;
                // Lazy: the service starts (and reports not ready) while the broker is down.
                Arc::new(AmqpJobQueue::connect_lazy(amqp)?)
            }
        };
        let accounts = AccountService::new(
            store.clone(),
            store.clone(),
            hasher,
            tokens,
            time::Duration::seconds(i64::from(settings.token_ttl_secs)),
        );
        let predictions = PredictionService::new(store.clone(), queue.clone());
        let batches = BatchService::new(store.clone(), store.clone(), queue.clone());
        let admin = AdminService::new(store.clone(), store.clone(), store.clone());
        let outcomes = OutcomeService::new(store.clone());
        // The example's estimate is computed on its first request, then kept.
        let example = crate::http::estimates::example_vacancy()
            .context("the built-in example vacancy is invalid")?;
        let estimates = EstimateService::new(predictor.clone(), example);
        let worker = Worker::new(store.clone(), predictor, settings.max_attempts);
        let dead_letters = DeadLetterService::new(store.clone());

        // Every finish wakes its waiter when this process's workers are the only ones, or when
        // PostgreSQL announces the finishes of the others.
        let announced = queue.in_process() || store.notifies_finished();
        let completion_poll = Duration::from_millis(if announced { 1000 } else { 50 });
        if queue.in_process() {
            // The in-process queue starts empty: everything unfinished goes back in.
            let pending = predictions
                .republish_unfinished(time::OffsetDateTime::now_utc(), u32::MAX)
                .await
                .context("cannot requeue unfinished predictions")?;
            if pending > 0 {
                tracing::info!(jobs = pending, "requeued unfinished predictions");
            }
        }
        let limits = Arc::new(Limits::new(settings, &store));
        Ok(Self {
            accounts,
            predictions,
            batches,
            admin,
            outcomes,
            worker,
            dead_letters,
            estimates,
            queue,
            store,
            completions: Completions::default(),
            completion_poll,
            metrics: Metrics::new(&models.serving()),
            limits,
            models,
            worker_batch: settings.worker_batch.max(1),
        })
    }
}

/// The models this process starts with: the bundled ones, `ru` replaced by the file of
/// `PAYRANGE_MODEL` when set.
fn loaded_models(settings: &Settings) -> anyhow::Result<Arc<MarketModels>> {
    let models = MarketModels::bundled_with(settings.model.as_deref()).with_context(|| {
        settings.model.as_ref().map_or_else(
            || "cannot load the bundled models".to_owned(),
            |path| format!("cannot load the model {}", path.display()),
        )
    })?;
    Ok(Arc::new(models))
}

/// Serves the versions the store says are active before the first request, logging each
/// model that serves. A version that cannot be served (its file corrupt) leaves the model
/// before it serving, with an error in the log: the process still starts.
async fn serve_active_models(models: &ModelService) {
    if let Err(e) = models.sync().await {
        tracing::error!(error = %e, "cannot serve the active model; serving the one before");
    }
    for m in models.serving() {
        tracing::info!(market = %m.market, model_version = %m.version, "model serving");
    }
}

/// The model commands' service (`payrange admin model ...`): the store of `settings`
/// (migrated first, so that it works on a fresh database) and this process's models.
///
/// # Errors
/// The database cannot be opened or migrated; the models do not load.
pub async fn model_service(settings: &Settings) -> anyhow::Result<ModelService> {
    let store = migrated_store(settings).await?;
    let models: Arc<dyn ModelRegistry> = loaded_models(settings)?;
    let service = ModelService::new(store, models);
    // Scored against what serves now, as `serve` would.
    service
        .sync()
        .await
        .context("cannot read the active models")?;
    Ok(service)
}

/// The database of `settings`, its migrations run: what the commands that work on a
/// fresh database start from.
async fn migrated_store(settings: &Settings) -> anyhow::Result<Arc<SeaOrmStore>> {
    let store = SeaOrmStore::connect(&StoreSettings::new(settings.database_url.expose_secret()))
        .await
        .context("cannot open the database")?;
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    Ok(Arc::new(store))
}

/// Connects to the database and runs the migrations (`payrange migrate`).
///
/// # Errors
/// Connection or migration failures.
pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    migrated_store(settings).await?;
    tracing::info!("database migrated");
    Ok(())
}

/// Creates an account from the command line (`payrange admin create-user`), with the same
/// rules as registration over HTTP (email syntax, password rules and the common-password
/// list). Runs the migrations first, so it works on a fresh database.
///
/// # Errors
/// A refused email or password, a taken email, or storage failures, each with the reason.
pub async fn create_user(
    settings: &Settings,
    email: &str,
    password: &str,
    role: Role,
) -> anyhow::Result<User> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("email: {e}"))?;
    let password = NewPassword::parse_with_blocklist(password, crate::common_passwords::contains)
        .map_err(|e| anyhow::anyhow!("password: {e}"))?;
    let store = migrated_store(settings).await?;
    let accounts = AccountService::new(
        store.clone(),
        store,
        Arc::new(Argon2Hasher::new(Argon2Settings::default())?),
        Arc::new(token_codec(settings)?),
        time::Duration::seconds(i64::from(settings.token_ttl_secs)),
    );
    accounts
        .register(email, &password, role)
        .await
        .map_err(|e| match e {
            RegisterError::EmailTaken => {
                anyhow::anyhow!("an account with this email already exists")
            }
            other => anyhow::Error::new(other).context("cannot create the account"),
        })
}

fn parse_key(hex_key: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = hex::decode(hex_key.trim()).context("token key must be hex")?;
    bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("token key must be 32 bytes (64 hex digits)"))
}

fn token_codec(settings: &Settings) -> anyhow::Result<PasetoTokens> {
    let current = match &settings.token_key {
        Some(k) => parse_key(k.expose_secret())?,
        None => {
            let db = settings
                .sqlite_path()
                .context("PAYRANGE_TOKEN_KEY must be set when the database is not a SQLite file")?;
            embedded_key(&db)?
        }
    };
    let previous = settings
        .token_previous_keys
        .as_ref()
        .map(|keys| {
            keys.expose_secret()
                .split(',')
                .filter(|k| !k.trim().is_empty())
                .map(parse_key)
                .collect::<anyhow::Result<Vec<_>>>()
        })
        .transpose()?
        .unwrap_or_default();
    Ok(PasetoTokens::new(&current, &previous)?)
}

/// Reads the key kept beside the SQLite file, creating it (mode 0600) on first start.
fn embedded_key(db: &Path) -> anyhow::Result<[u8; 32]> {
    let path = db.with_extension("key");
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        return parse_key(&text).with_context(|| format!("bad key in {}", path.display()));
    }
    let key: [u8; 32] = rand::random();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    writeln!(file, "{}", hex::encode(key))?;
    tracing::info!(path = %path.display(), "created a token key for the embedded mode");
    Ok(key)
}
