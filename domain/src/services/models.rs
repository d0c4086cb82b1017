//! Models as a managed resource: an administrator (or an operator at the command line)
//! uploads a model file, which is checked before it may serve; activates a stored version
//! for its market, or rolls the market back to the version active before; and every
//! process serves what the store says is active ([`ModelService::sync`], called every second
//! or so by each `serve` and `worker`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use time::OffsetDateTime;

use crate::models::to_storage_precision;

use super::{Authenticated, from_store_error};
use crate::models::{Market, ModelActivation, ModelInfo, Role, StoredModel, UserId, Verdict};
use crate::ports::{Cause, ModelFileError, ModelRegistry, ModelStore, StoreError};

/// Model management use cases.
#[derive(Clone)]
pub struct ModelService {
    store: Arc<dyn ModelStore>,
    registry: Arc<dyn ModelRegistry>,
    /// Versions this process failed to serve, with why (say, a file of a newer format during
    /// a rolling upgrade): not read and decoded again on every sync.
    unservable: Arc<Mutex<HashMap<String, String>>>,
}

/// Who asks: a signed-in administrator, or an operator with access to the database (the
/// `payrange admin model` commands), who is trusted as the database is.
#[derive(Clone, Copy, Debug)]
pub enum Actor<'a> {
    /// A signed-in user; only an administrator may manage models.
    User(&'a Authenticated),
    /// The command line.
    Operator,
}

impl Actor<'_> {
    fn id(self) -> Result<Option<UserId>, ModelUseError> {
        match self {
            Self::Operator => Ok(None),
            Self::User(caller) => match caller.user.role {
                Role::Admin => Ok(Some(caller.user.id)),
                Role::User => Err(ModelUseError::Forbidden),
            },
        }
    }
}

/// How to take an uploaded file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UploadOptions {
    /// Accept it although it is worse than the active model, or has no held-back sample.
    pub force: bool,
    /// The file's hex SHA-256 as the uploader computed it; refused if it differs.
    pub sha256: Option<String>,
}

/// Why a model action failed.
#[derive(Debug, thiserror::Error)]
pub enum ModelUseError {
    /// The caller is not an administrator.
    #[error("this action needs the admin role")]
    Forbidden,
    /// The file cannot serve.
    #[error(transparent)]
    File(#[from] ModelFileError),
    /// The file is not the one the uploader meant.
    #[error("the file's SHA-256 is {actual}, not {expected}: it was changed on the way")]
    ChecksumMismatch {
        /// What the uploader said.
        expected: String,
        /// What arrived.
        actual: String,
    },
    /// Worse than the active model by more than the margin, and not forced.
    #[error(
        "the model's held-back MAE of {bound} is {candidate:.0}, against {active:.0} for the \
         active model {active_version}: worse by more than {margin} %; upload with force to \
         accept it anyway",
        margin = crate::models::WORSE_MARGIN * 100.0
    )]
    Worse {
        /// The bound.
        bound: &'static str,
        /// The uploaded model's MAE.
        candidate: f64,
        /// The active model's MAE.
        active: f64,
        /// The active model's version.
        active_version: String,
    },
    /// No held-back sample to judge by, and not forced.
    #[error(
        "the model file holds no held-back sample to compare it with the active model \
         (trained before payrange kept one, or with it turned off); upload with force to \
         accept it anyway"
    )]
    Unjudged,
    /// A model of this version is stored already.
    #[error("model version {0} is stored already")]
    Exists(String),
    /// No stored or bundled model has this version.
    #[error("no model has version {0}")]
    UnknownVersion(String),
    /// Nothing to roll back: the market serves its bundled model.
    #[error("market {0} serves its bundled model: there is no activation to roll back")]
    NothingToRollBack(Market),
    /// The version a rollback returns to cannot be served (its file is gone or corrupt).
    #[error("model version {0} cannot be served: {1}")]
    Unservable(String, String),
    /// Storage is down.
    #[error("storage unavailable")]
    Unavailable(#[source] Cause),
    /// A bug.
    #[error("the model action failed")]
    Internal(#[source] Cause),
}

from_store_error!(ModelUseError);

/// Every model a deployment knows, and which serve.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelCatalog {
    /// The models this process serves now, one per market.
    pub serving: Vec<ModelInfo>,
    /// The models built into the binary.
    pub bundled: Vec<ModelInfo>,
    /// The stored models, the latest uploaded first.
    pub stored: Vec<StoredModel>,
    /// The latest activations of each market, rolled back ones included, the latest first.
    pub activations: Vec<ModelActivation>,
}

/// How many activations per market [`ModelService::catalog`] lists.
const HISTORY: u32 = 20;

impl ModelService {
    /// Wires the use cases to their ports.
    #[must_use]
    pub fn new(store: Arc<dyn ModelStore>, registry: Arc<dyn ModelRegistry>) -> Self {
        Self {
            store,
            registry,
            unservable: Arc::default(),
        }
    }

    /// Checks a model file and stores it; it serves once activated. Returns the stored
    /// model, with the check it passed (or was forced past).
    ///
    /// # Errors
    /// [`ModelUseError::Forbidden`] for a user who is not an administrator;
    /// [`ModelUseError::File`] when it is not a usable model file;
    /// [`ModelUseError::ChecksumMismatch`]; [`ModelUseError::Worse`] or
    /// [`ModelUseError::Unjudged`] unless forced; [`ModelUseError::Exists`] when its
    /// version is stored; storage failures.
    pub async fn upload(
        &self,
        actor: Actor<'_>,
        bytes: &[u8],
        options: &UploadOptions,
    ) -> Result<StoredModel, ModelUseError> {
        let by = actor.id()?;
        let check = self.registry.check(bytes)?;
        if let Some(expected) = &options.sha256 {
            let expected = expected.trim().to_ascii_lowercase();
            if expected != check.sha256 {
                return Err(ModelUseError::ChecksumMismatch {
                    expected,
                    actual: check.sha256,
                });
            }
        }
        let verdict = check.verdict();
        let refused = match verdict {
            Verdict::Acceptable => None,
            Verdict::Worse {
                bound,
                candidate,
                active,
            } => Some(ModelUseError::Worse {
                bound,
                candidate,
                active,
                active_version: check.active_version.clone(),
            }),
            Verdict::Unjudged => Some(ModelUseError::Unjudged),
        };
        if let Some(refused) = refused
            && !options.force
        {
            return Err(refused);
        }
        let model = StoredModel {
            uploaded_at: to_storage_precision(OffsetDateTime::now_utc()),
            uploaded_by: by,
            forced: verdict != Verdict::Acceptable,
            check,
        };
        match self.store.insert_model(&model, bytes).await {
            Ok(()) => Ok(model),
            Err(StoreError::Duplicate(_)) => Err(ModelUseError::Exists(model.version().to_owned())),
            Err(e) => Err(e.into()),
        }
    }

    /// Makes `version` (a stored model's, or a bundled one's) the active model of its market
    /// for every process, and serves it in this one at once. Activating the version active
    /// already records a new activation all the same (harmless; a rollback then returns to
    /// it).
    ///
    /// # Errors
    /// [`ModelUseError::Forbidden`]; [`ModelUseError::UnknownVersion`];
    /// [`ModelUseError::Unservable`] when this process cannot serve it (nothing is recorded
    /// then); storage failures.
    pub async fn activate(
        &self,
        actor: Actor<'_>,
        version: &str,
    ) -> Result<ModelActivation, ModelUseError> {
        let by = actor.id()?;
        let bundled = self
            .registry
            .bundled()
            .into_iter()
            .find(|m| m.version == version);
        let market = match &bundled {
            Some(m) => m.market,
            None => self
                .store
                .stored_models()
                .await?
                .iter()
                .find(|m| m.version() == version)
                .map(StoredModel::market)
                .ok_or_else(|| ModelUseError::UnknownVersion(version.to_owned()))?,
        };
        let activation = ModelActivation {
            market,
            version: version.to_owned(),
            activated_at: to_storage_precision(OffsetDateTime::now_utc()),
            activated_by: by,
            rolled_back_at: None,
        };
        // Served here first: no process is told to serve what this one cannot.
        if bundled.is_none() {
            self.serve_stored(version).await?;
        }
        self.store.push_activation(&activation).await?;
        self.sync().await?;
        Ok(activation)
    }

    /// Rolls `market` back to the version active before its current one (repeated, further
    /// back; past the first activation, the bundled model), for every process, and in this
    /// one at once. Returns the activation rolled back.
    ///
    /// # Errors
    /// [`ModelUseError::Forbidden`]; [`ModelUseError::NothingToRollBack`]; storage failures.
    pub async fn rollback(
        &self,
        actor: Actor<'_>,
        market: Market,
    ) -> Result<ModelActivation, ModelUseError> {
        actor.id()?;
        let popped = self
            .store
            .pop_activation(market, to_storage_precision(OffsetDateTime::now_utc()))
            .await?
            .ok_or(ModelUseError::NothingToRollBack(market))?;
        self.sync().await?;
        Ok(popped)
    }

    /// Makes this process serve, for each market, the version the store says is active (the
    /// bundled model where no activation stands). Cheap when nothing changed: one read of the
    /// standing activations. Returns the models it switched to.
    ///
    /// # Errors
    /// Storage failures (nothing changes then); [`ModelUseError::Unservable`] when an active
    /// version's file is missing or does not load (the model serving before stays).
    pub async fn sync(&self) -> Result<Vec<ModelInfo>, ModelUseError> {
        let standing = self.store.standing_activations().await?;
        let bundled = self.registry.bundled();
        let serving = self.serving();
        let mut switched = Vec::new();
        for market in Market::ALL {
            let wanted = standing
                .iter()
                .find(|a| a.market == market)
                .map(|a| a.version.clone())
                .or_else(|| {
                    bundled
                        .iter()
                        .find(|m| m.market == market)
                        .map(|m| m.version.clone())
                });
            let Some(wanted) = wanted else { continue };
            let now = serving.iter().find(|m| m.market == market);
            if now.is_some_and(|m| m.version == wanted) {
                continue;
            }
            let info = if bundled.iter().any(|m| m.version == wanted) {
                self.registry.serve_bundled(market)
            } else {
                Some(self.serve_stored(&wanted).await?)
            };
            switched.extend(info);
        }
        Ok(switched)
    }

    /// Serves the stored model `version`, unless it failed before in this process.
    async fn serve_stored(&self, version: &str) -> Result<ModelInfo, ModelUseError> {
        let failed = |why: String| ModelUseError::Unservable(version.to_owned(), why);
        let known = self
            .unservable
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(version)
            .cloned();
        if let Some(why) = known {
            return Err(failed(why));
        }
        let served = match self.store.model_bytes(version).await? {
            None => Err("not stored".to_owned()),
            Some(bytes) => self.registry.serve(&bytes).map_err(|e| e.to_string()),
        };
        served.map_err(|why| {
            self.unservable
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(version.to_owned(), why.clone());
            failed(why)
        })
    }

    /// The models this process serves now.
    #[must_use]
    pub fn serving(&self) -> Vec<ModelInfo> {
        self.registry.serving()
    }

    /// Every model the deployment knows: serving, bundled, stored, and the activation
    /// history of each market.
    ///
    /// # Errors
    /// [`ModelUseError::Forbidden`]; storage failures.
    pub async fn catalog(&self, actor: Actor<'_>) -> Result<ModelCatalog, ModelUseError> {
        actor.id()?;
        let mut activations = Vec::new();
        for market in Market::ALL {
            activations.extend(self.store.activations(market, HISTORY).await?);
        }
        Ok(ModelCatalog {
            serving: self.serving(),
            bundled: self.registry.bundled(),
            stored: self.store.stored_models().await?,
            activations,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryStore;
    use crate::models::{HeldBackScore, ModelCheck};

    /// Model "files" are text: `version market mae_from mae_to`, scored against an active
    /// model whose held-back MAEs are 100 and 200; `rows 0` in place of the MAEs means no
    /// held-back sample.
    struct TextRegistry {
        serving: Mutex<Vec<ModelInfo>>,
        /// `serve` refuses every file while set.
        fail_serving: std::sync::atomic::AtomicBool,
        /// Calls of `serve`.
        serves: std::sync::atomic::AtomicUsize,
    }

    fn info(version: &str, market: Market) -> ModelInfo {
        ModelInfo {
            market,
            version: version.into(),
            ..ModelInfo::default()
        }
    }

    impl TextRegistry {
        fn new() -> Arc<Self> {
            Arc::new(Self {
                serving: Mutex::new(self::bundled()),
                fail_serving: std::sync::atomic::AtomicBool::new(false),
                serves: std::sync::atomic::AtomicUsize::new(0),
            })
        }

        fn set(&self, m: ModelInfo) {
            let mut serving = self.serving.lock().unwrap();
            serving.retain(|s| s.market != m.market);
            serving.push(m);
            serving.sort_by_key(|m| m.market);
        }

        fn version(&self, market: Market) -> String {
            self.serving()
                .into_iter()
                .find(|m| m.market == market)
                .unwrap()
                .version
        }
    }

    fn bundled() -> Vec<ModelInfo> {
        vec![
            info("bundled-ru", Market::Ru),
            info("bundled-uk", Market::Uk),
        ]
    }

    impl ModelRegistry for TextRegistry {
        fn check(&self, bytes: &[u8]) -> Result<ModelCheck, ModelFileError> {
            let text =
                std::str::from_utf8(bytes).map_err(|e| ModelFileError::Invalid(e.to_string()))?;
            let parts: Vec<&str> = text.split(' ').collect();
            let [version, market, from, to] = parts[..] else {
                return Err(ModelFileError::Invalid("not four words".into()));
            };
            let market =
                Market::parse(market).map_err(|_| ModelFileError::NoMarket(market.into()))?;
            let score = if from == "rows" {
                HeldBackScore::default()
            } else {
                HeldBackScore {
                    rows: 10,
                    mae_from: from.parse().ok(),
                    mae_to: to.parse().ok(),
                }
            };
            Ok(ModelCheck {
                info: info(version, market),
                sha256: format!("sha-{version}"),
                size_bytes: bytes.len() as u64,
                candidate: score,
                active_version: self.version(market),
                active: HeldBackScore {
                    rows: score.rows,
                    mae_from: Some(100.0),
                    mae_to: Some(200.0),
                },
            })
        }

        fn serve(&self, bytes: &[u8]) -> Result<ModelInfo, ModelFileError> {
            self.serves
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if self.fail_serving.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(ModelFileError::Invalid("a newer format".into()));
            }
            let m = self.check(bytes)?.info;
            self.set(m.clone());
            Ok(m)
        }

        fn serve_bundled(&self, market: Market) -> Option<ModelInfo> {
            let m = bundled().into_iter().find(|m| m.market == market)?;
            self.set(m.clone());
            Some(m)
        }

        fn bundled(&self) -> Vec<ModelInfo> {
            bundled()
        }

        fn serving(&self) -> Vec<ModelInfo> {
            self.serving.lock().unwrap().clone()
        }
    }

    /// Two processes sharing one store.
    fn two_processes() -> (
        ModelService,
        Arc<TextRegistry>,
        ModelService,
        Arc<TextRegistry>,
    ) {
        let store = Arc::new(MemoryStore::new());
        let (a, b) = (TextRegistry::new(), TextRegistry::new());
        (
            ModelService::new(store.clone(), a.clone()),
            a,
            ModelService::new(store, b.clone()),
            b,
        )
    }

    const OP: Actor<'static> = Actor::Operator;

    fn opts(force: bool) -> UploadOptions {
        UploadOptions {
            force,
            sha256: None,
        }
    }

    #[tokio::test]
    async fn an_upload_is_checked_and_a_worse_one_needs_force() {
        let (s, _, _, _) = two_processes();
        let m = s.upload(OP, b"v2 ru 101 202", &opts(false)).await.unwrap();
        assert_eq!(
            (m.version(), m.market(), m.forced),
            ("v2", Market::Ru, false)
        );
        assert_eq!(m.check.active_version, "bundled-ru");

        let worse = s
            .upload(OP, b"v3 ru 90 250", &opts(false))
            .await
            .unwrap_err();
        assert!(
            matches!(
                worse,
                ModelUseError::Worse {
                    bound: "salary_to",
                    ..
                }
            ),
            "{worse:?}"
        );
        assert!(worse.to_string().contains("is 250, against 200"), "{worse}");
        let forced = s.upload(OP, b"v3 ru 90 250", &opts(true)).await.unwrap();
        assert!(forced.forced);

        let unjudged = s
            .upload(OP, b"v4 uk rows 0", &opts(false))
            .await
            .unwrap_err();
        assert!(matches!(unjudged, ModelUseError::Unjudged), "{unjudged:?}");

        let again = s
            .upload(OP, b"v2 ru 101 202", &opts(false))
            .await
            .unwrap_err();
        assert!(
            matches!(again, ModelUseError::Exists(ref v) if v == "v2"),
            "{again:?}"
        );
        let garbage = s.upload(OP, b"\xff", &opts(true)).await.unwrap_err();
        assert!(matches!(garbage, ModelUseError::File(_)), "{garbage:?}");
        let tampered = UploadOptions {
            force: false,
            sha256: Some("sha-other".into()),
        };
        let err = s.upload(OP, b"v5 ru 100 200", &tampered).await.unwrap_err();
        assert!(
            matches!(err, ModelUseError::ChecksumMismatch { .. }),
            "{err:?}"
        );

        let stored: Vec<String> = s
            .catalog(OP)
            .await
            .unwrap()
            .stored
            .into_iter()
            .map(|m| m.version().to_owned())
            .collect();
        assert_eq!(stored, ["v3", "v2"]);
    }

    #[tokio::test]
    async fn activation_and_rollback_reach_every_process_through_the_store() {
        let (a, ra, b, rb) = two_processes();
        a.upload(OP, b"v2 ru 100 200", &opts(false)).await.unwrap();
        a.upload(OP, b"v3 ru 100 200", &opts(false)).await.unwrap();

        a.activate(OP, "v2").await.unwrap();
        assert_eq!(ra.version(Market::Ru), "v2", "the acting process at once");
        assert_eq!(
            rb.version(Market::Ru),
            "bundled-ru",
            "the other at its next sync"
        );
        let switched = b.sync().await.unwrap();
        assert_eq!(switched.len(), 1);
        assert_eq!(rb.version(Market::Ru), "v2");
        assert!(b.sync().await.unwrap().is_empty(), "nothing changed since");

        a.activate(OP, "v3").await.unwrap();
        b.sync().await.unwrap();
        assert_eq!(rb.version(Market::Ru), "v3");

        let popped = b.rollback(OP, Market::Ru).await.unwrap();
        assert_eq!(popped.version, "v3");
        a.sync().await.unwrap();
        assert_eq!(
            (ra.version(Market::Ru), rb.version(Market::Ru)),
            ("v2".into(), "v2".into())
        );

        b.rollback(OP, Market::Ru).await.unwrap();
        a.sync().await.unwrap();
        assert_eq!(ra.version(Market::Ru), "bundled-ru");
        let none = a.rollback(OP, Market::Ru).await.unwrap_err();
        assert!(matches!(none, ModelUseError::NothingToRollBack(Market::Ru)));
        assert_eq!(
            ra.version(Market::Uk),
            "bundled-uk",
            "the other market untouched"
        );

        // A version a process cannot serve: the one asked to activate it refuses, recording
        // nothing; another, told by the store, keeps its model and does not decode it again.
        a.upload(OP, b"v4 ru 100 200", &opts(false)).await.unwrap();
        ra.fail_serving
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let err = a.activate(OP, "v4").await.unwrap_err();
        assert!(
            matches!(err, ModelUseError::Unservable(ref v, _) if v == "v4"),
            "{err:?}"
        );
        assert!(b.sync().await.unwrap().is_empty(), "nothing was recorded");
        rb.fail_serving
            .store(true, std::sync::atomic::Ordering::SeqCst);
        b.activate(OP, "bundled-ru").await.unwrap();
        // A third process, which can serve it.
        let c = ModelService::new(b.store.clone(), TextRegistry::new());
        c.activate(OP, "v4").await.unwrap();
        assert!(b.sync().await.is_err());
        let tries = rb.serves.load(std::sync::atomic::Ordering::SeqCst);
        assert!(b.sync().await.is_err());
        assert_eq!(rb.serves.load(std::sync::atomic::Ordering::SeqCst), tries);
        assert_eq!(rb.version(Market::Ru), "bundled-ru");
        c.rollback(OP, Market::Ru).await.unwrap();
        c.rollback(OP, Market::Ru).await.unwrap();
        ra.fail_serving
            .store(false, std::sync::atomic::Ordering::SeqCst);
        rb.fail_serving
            .store(false, std::sync::atomic::Ordering::SeqCst);

        let unknown = a.activate(OP, "v9").await.unwrap_err();
        assert!(matches!(unknown, ModelUseError::UnknownVersion(_)));
        // A bundled version can be activated by name, like a stored one.
        a.activate(OP, "bundled-ru").await.unwrap();
        let history = a.catalog(OP).await.unwrap().activations;
        let versions: Vec<(&str, bool)> = history
            .iter()
            .map(|h| (h.version.as_str(), h.rolled_back_at.is_some()))
            .collect();
        assert_eq!(
            versions,
            [
                ("bundled-ru", false),
                ("v4", true),
                ("bundled-ru", true),
                ("v3", true),
                ("v2", true)
            ]
        );
    }
}
