//! argon2id implementation of payrange's [`PasswordHasher`] port.
//!
//! Parameters default to the OWASP minimum (m = 19 MiB, t = 2, p = 1). Hashes are PHC strings,
//! so each carries its own parameters: a hash made with weaker ones (or another algorithm
//! variant) verifies but reports `needs_rehash`, and the sign-in use case replaces it.
//! Hashing is CPU-bound for tens of milliseconds and needs 19 MiB each time, so it runs on a
//! small pool of dedicated threads (one per core), not on tokio's blocking pool: glibc keeps
//! each thread's freed 19 MiB in that thread's arena, so hashing on up to 512 blocking threads
//! grew the process by hundreds of megabytes, and a burst of sign-ins could start that many
//! hashes at once. A queue in front of a fixed pool bounds both memory and CPU. The 19 MiB
//! themselves are allocated so that glibc gives them back (see `phc`).
//!
//! Verifications (sign-in, password change) and new hashes (sign-up, password change,
//! rehash) have pools of their own: one per core for verifying, half as many for hashing.
//! Sharing one queue let a burst of sign-ups queue seconds of hashing ahead of every sign-in;
//! now sign-ups can take at most half the cores and never sit in front of a sign-in.

mod phc;

use std::sync::Arc;

use argon2::password_hash::SaltString;
use argon2::{Algorithm, Params, Version};
use async_trait::async_trait;
use payrange_domain::models::{Password, PasswordHash};
use payrange_domain::ports::{HashError, PasswordHasher, Verification};
use rand::rngs::OsRng;

/// argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Settings {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for Argon2Settings {
    /// The OWASP password-storage minimum for argon2id.
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// Hashes passwords with argon2id.
#[derive(Clone)]
pub struct Argon2Hasher {
    inner: Arc<Inner>,
    /// Verifications: one thread per core.
    verifying: Arc<HashPool>,
    /// New hashes: half as many threads (at least one), so they leave verifying some cores.
    hashing: Arc<HashPool>,
}

type Task = Box<dyn FnOnce() + Send>;

/// Dedicated hashing threads fed by a queue; they exit when the last hasher clone is dropped.
struct HashPool {
    tasks: std::sync::Mutex<std::sync::mpsc::Sender<Task>>,
}

impl HashPool {
    /// `threads` threads named `name-0`, `name-1`, ...
    fn new(name: &str, threads: usize) -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<Task>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || {
                    loop {
                        let next = rx
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .recv();
                        match next {
                            Ok(task) => task(),
                            Err(_) => break,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start an argon2 thread");
            }
        }
        Self {
            tasks: std::sync::Mutex::new(tx),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T, HashError> + Send + 'static,
    ) -> Result<T, HashError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let task: Task = Box::new(move || {
            let _ = tx.send(f());
        });
        self.tasks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .send(task)
            .map_err(|_| HashError("argon2 threads stopped".into()))?;
        rx.await
            .map_err(|_| HashError("argon2 thread dropped the task".into()))?
    }
}

struct Inner {
    params: Params,
    settings: Argon2Settings,
    /// A real hash of a random password, verified against for unknown accounts.
    dummy: String,
}

/// Why the hasher could not be built.
#[derive(Debug, thiserror::Error)]
#[error("invalid argon2 parameters: {0}")]
pub struct SettingsError(String);

fn boxed(e: argon2::password_hash::Error) -> HashError {
    HashError(e.to_string().into())
}

impl Argon2Hasher {
    /// A hasher with these costs.
    ///
    /// # Errors
    /// [`SettingsError`] if argon2 refuses the parameters.
    pub fn new(settings: Argon2Settings) -> Result<Self, SettingsError> {
        let params = Params::new(
            settings.memory_kib,
            settings.iterations,
            settings.parallelism,
            None,
        )
        .map_err(|e| SettingsError(e.to_string()))?;
        let salt = SaltString::generate(&mut OsRng);
        let dummy = phc::hash(
            Algorithm::Argon2id,
            Version::V0x13,
            params.clone(),
            salt.as_str().as_bytes(),
            salt.as_salt(),
        )
        .map_err(|e| SettingsError(e.to_string()))?
        .to_string();
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Ok(Self {
            inner: Arc::new(Inner {
                params,
                settings,
                dummy,
            }),
            verifying: Arc::new(HashPool::new("argon2-verify", cores)),
            hashing: Arc::new(HashPool::new("argon2-hash", (cores / 2).max(1))),
        })
    }

    /// The costs new hashes get.
    #[must_use]
    pub fn settings(&self) -> Argon2Settings {
        self.inner.settings
    }
}

impl Inner {
    fn hash(&self, password: &str) -> Result<String, HashError> {
        let salt = SaltString::generate(&mut OsRng);
        Ok(phc::hash(
            Algorithm::Argon2id,
            Version::V0x13,
            self.params.clone(),
            password.as_bytes(),
            salt.as_salt(),
        )
        .map_err(boxed)?
        .to_string())
    }

    fn verify(&self, password: &str, phc: &str) -> Result<Verification, HashError> {
        let parsed = argon2::PasswordHash::new(phc).map_err(boxed)?;
        // Verification uses the parameters stored in the hash, not ours.
        match phc::verify(password.as_bytes(), &parsed) {
            Ok(()) => Ok(Verification::Valid {
                needs_rehash: self.is_outdated(&parsed),
            }),
            Err(argon2::password_hash::Error::Password) => Ok(Verification::Invalid),
            Err(e) => Err(boxed(e)),
        }
    }

    fn is_outdated(&self, hash: &argon2::PasswordHash<'_>) -> bool {
        if hash.algorithm != Algorithm::Argon2id.ident() {
            return true;
        }
        let Ok(params) = Params::try_from(hash) else {
            return true;
        };
        let s = self.settings;
        params.m_cost() < s.memory_kib || params.t_cost() < s.iterations
    }
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        let inner = self.inner.clone();
        let pw = password.expose().to_owned();
        self.hashing
            .run(move || inner.hash(&pw).map(PasswordHash::new))
            .await
    }

    async fn verify(
        &self,
        password: &Password,
        hash: &PasswordHash,
    ) -> Result<Verification, HashError> {
        let inner = self.inner.clone();
        let (pw, phc) = (password.expose().to_owned(), hash.as_str().to_owned());
        self.verifying.run(move || inner.verify(&pw, &phc)).await
    }

    async fn verify_dummy(&self, password: &Password) {
        let inner = self.inner.clone();
        let pw = password.expose().to_owned();
        let _ = self
            .verifying
            .run(move || inner.verify(&pw, &inner.dummy))
            .await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_queue_of_new_hashes_does_not_delay_a_verification() {
        let h = Argon2Hasher::new(Argon2Settings::default()).unwrap();
        let stored = h.hash(&pw("correct horse battery")).await.unwrap();
        let done = Arc::new(AtomicUsize::new(0));
        let hashes: Vec<_> = (0..24)
            .map(|_| {
                let (h, done) = (h.clone(), done.clone());
                tokio::spawn(async move {
                    h.hash(&pw("a sign-up password")).await.unwrap();
                    done.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        // Lets every spawned sign-up reach the queue first (a hash takes tens of milliseconds).
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        h.verify(&pw("correct horse battery"), &stored)
            .await
            .unwrap();
        let ahead = done.load(Ordering::SeqCst);
        assert!(
            ahead < 12,
            "{ahead} of 24 queued sign-up hashes finished before one sign-in's verification"
        );
        for task in hashes {
            task.await.unwrap();
        }
    }

    fn pw(s: &str) -> Password {
        Password::parse(s).unwrap()
    }

    #[tokio::test]
    async fn hashes_are_argon2id_phc_with_owasp_parameters_and_verify() {
        let h = Argon2Hasher::new(Argon2Settings::default()).unwrap();
        let hash = h.hash(&pw("correct horse battery")).await.unwrap();
        assert!(hash.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_eq!(
            h.verify(&pw("correct horse battery"), &hash).await.unwrap(),
            Verification::Valid {
                needs_rehash: false
            }
        );
        assert_eq!(
            h.verify(&pw("correct horse batterz"), &hash).await.unwrap(),
            Verification::Invalid
        );
    }

    #[tokio::test]
    async fn weaker_hashes_verify_but_ask_for_a_rehash() {
        let weak = Argon2Hasher::new(Argon2Settings {
            memory_kib: 8,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap();
        let hash = weak.hash(&pw("correct horse battery")).await.unwrap();
        let strong = Argon2Hasher::new(Argon2Settings::default()).unwrap();
        assert_eq!(
            strong
                .verify(&pw("correct horse battery"), &hash)
                .await
                .unwrap(),
            Verification::Valid { needs_rehash: true }
        );
    }

    #[tokio::test]
    async fn a_corrupt_stored_hash_is_an_error_not_a_panic() {
        let h = Argon2Hasher::new(Argon2Settings::default()).unwrap();
        let bad = PasswordHash::new("not a phc string".into());
        assert!(h.verify(&pw("whatever"), &bad).await.is_err());
    }
}
