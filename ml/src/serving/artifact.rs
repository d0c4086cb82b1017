//! The model file: a fixed header (magic, format version, payload length, sha256 of the
//! payload) followed by a postcard payload. Every way a file can be bad is a clear
//! [`ArtifactError`], never a panic.
//!
//! Stage 3 (serving): what training writes and serving loads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::features::terms::Block;
use crate::features::vectorizer::{Vectorizer, VectorizerSettings};
use crate::serving::metadata::ModelMetadata;
use crate::serving::model::Model;

/// Current artifact format version.
pub const FORMAT_VERSION: u32 = 5;
const MAGIC: &[u8; 16] = b"PAYRANGE-MODEL\n\0";
const HEADER: usize = 16 + 4 + 8 + 32;

/// Errors of reading or writing a model file.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The file could not be read or written.
    #[error("model file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Not a payrange model file.
    #[error("not a payrange model file (bad magic bytes)")]
    BadMagic,
    /// Written by a different format version.
    #[error("model format version {found} is not supported (this build reads version {supported})")]
    UnsupportedVersion {
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        supported: u32,
    },
    /// The file is shorter than its header says.
    #[error("model file is truncated: {found} bytes, expected {expected}")]
    Truncated {
        /// Bytes expected.
        expected: u64,
        /// Bytes found.
        found: u64,
    },
    /// The payload does not match its checksum.
    #[error("model file is corrupt: payload checksum mismatch")]
    ChecksumMismatch,
    /// The payload could not be decoded.
    #[error("model payload cannot be decoded: {0}")]
    Decode(String),
    /// The payload decodes but is inconsistent.
    #[error("model payload is inconsistent: {0}")]
    Invalid(String),
}

#[derive(Serialize, Deserialize)]
struct Payload {
    metadata: ModelMetadata,
    settings: VectorizerSettings,
    n_docs: u32,
    /// Sorted keys, delta-encoded (smaller varints).
    key_deltas: Vec<u64>,
    blocks: Vec<Block>,
    df: Vec<u32>,
    intercept: [f64; 2],
    clip: [(f64, f64); 2],
    /// Non-zero coefficients `(feature, from, to)`.
    coefs: Vec<(u32, f64, f64)>,
    /// Readable terms, sorted by feature.
    terms: Vec<(u32, String)>,
}

fn payload(m: &Model) -> Payload {
    let v = &m.vectorizer;
    let mut prev = 0u64;
    let key_deltas = v
        .keys
        .iter()
        .map(|&k| (k.wrapping_sub(prev), prev = k).0)
        .collect();
    let mut terms: Vec<(u32, String)> = m.terms.iter().map(|(k, s)| (*k, s.clone())).collect();
    terms.sort_unstable();
    Payload {
        metadata: m.metadata.clone(),
        settings: v.settings.clone(),
        n_docs: v.n_docs,
        key_deltas,
        blocks: v.blocks.clone(),
        df: v.df.clone(),
        intercept: m.intercept,
        clip: m.clip,
        coefs: (0..m.coef.len() as u32)
            .filter(|&j| m.coef[j as usize] != [0.0; 2])
            .map(|j| (j, m.coef[j as usize][0], m.coef[j as usize][1]))
            .collect(),
        terms,
    }
}

/// Content hash of a model (training time and version excluded): same data and settings
/// give the same version.
pub fn content_version(m: &Model) -> String {
    let mut p = payload(m);
    p.metadata.version.clear();
    p.metadata.trained_at.clear();
    let bytes = postcard::to_stdvec(&p).unwrap_or_default();
    hex::encode(&Sha256::digest(&bytes)[..8])
}

impl Model {
    /// Serialises the model to bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ArtifactError> {
        let body = postcard::to_stdvec(&payload(self))
            .map_err(|e| ArtifactError::Decode(e.to_string()))?;
        let mut out = Vec::with_capacity(HEADER + body.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(&Sha256::digest(&body));
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Writes the model to `path`.
    pub fn save(&self, path: &Path) -> Result<(), ArtifactError> {
        let bytes = self.to_bytes()?;
        std::fs::write(path, bytes).map_err(|source| ArtifactError::Io {
            path: path.to_owned(),
            source,
        })
    }

    /// Reads a model file.
    pub fn load(path: &Path) -> Result<Model, ArtifactError> {
        let bytes = std::fs::read(path).map_err(|source| ArtifactError::Io {
            path: path.to_owned(),
            source,
        })?;
        Model::from_bytes(&bytes)
    }

    /// The default model trained on `hh_vacancies.csv` (Russia, RUB), built into the binary.
    pub fn bundled() -> Result<Model, ArtifactError> {
        Model::from_bytes(include_bytes!("../../model/payrange-hh.model"))
    }

    /// The model trained on `adzuna_jobs.csv` (the UK, GBP), built into the binary.
    pub fn bundled_adzuna() -> Result<Model, ArtifactError> {
        Model::from_bytes(include_bytes!("../../model/payrange-adzuna.model"))
    }

    /// Decodes a model from bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ArtifactError> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(ArtifactError::BadMagic);
        }
        let truncated = |expected: usize| ArtifactError::Truncated {
            expected: expected as u64,
            found: bytes.len() as u64,
        };
        if bytes.len() < HEADER {
            return Err(truncated(HEADER));
        }
        let mut u32b = [0u8; 4];
        u32b.copy_from_slice(&bytes[16..20]);
        let version = u32::from_le_bytes(u32b);
        if version != FORMAT_VERSION {
            return Err(ArtifactError::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let mut u64b = [0u8; 8];
        u64b.copy_from_slice(&bytes[20..28]);
        let len = u64::from_le_bytes(u64b);
        let expected = (HEADER as u64).saturating_add(len);
        if (bytes.len() as u64) < expected {
            return Err(ArtifactError::Truncated {
                expected,
                found: bytes.len() as u64,
            });
        }
        if (bytes.len() as u64) > expected {
            return Err(ArtifactError::Invalid(format!(
                "{} trailing bytes",
                bytes.len() as u64 - expected
            )));
        }
        let body = &bytes[HEADER..];
        if Sha256::digest(body).as_slice() != &bytes[28..60] {
            return Err(ArtifactError::ChecksumMismatch);
        }
        let p: Payload =
            postcard::from_bytes(body).map_err(|e| ArtifactError::Decode(e.to_string()))?;
        from_payload(p)
    }
}

fn from_payload(p: Payload) -> Result<Model, ArtifactError> {
    let n = p.key_deltas.len();
    if p.blocks.len() != n || p.df.len() != n {
        return Err(ArtifactError::Invalid(
            "vocabulary arrays differ in length".into(),
        ));
    }
    if p.metadata.format_version != FORMAT_VERSION {
        return Err(ArtifactError::Invalid(
            "metadata format version differs from header".into(),
        ));
    }
    let mut keys = Vec::with_capacity(n);
    let mut prev = 0u64;
    for (i, &d) in p.key_deltas.iter().enumerate() {
        let k = prev.wrapping_add(d);
        if i > 0 && k <= prev {
            return Err(ArtifactError::Invalid(
                "vocabulary keys are not strictly increasing".into(),
            ));
        }
        keys.push(k);
        prev = k;
    }
    let mut coef = vec![[0.0; 2]; n];
    for &(j, f, t) in &p.coefs {
        let slot = coef
            .get_mut(j as usize)
            .ok_or_else(|| ArtifactError::Invalid(format!("coefficient of unknown feature {j}")))?;
        if !f.is_finite() || !t.is_finite() {
            return Err(ArtifactError::Invalid(format!(
                "non-finite coefficient of feature {j}"
            )));
        }
        *slot = [f, t];
    }
    let finite = p.intercept.iter().all(|v| v.is_finite())
        && p.clip
            .iter()
            .all(|c| c.0.is_finite() && c.1.is_finite() && c.0 <= c.1);
    if !finite {
        return Err(ArtifactError::Invalid(
            "non-finite intercept or clip range".into(),
        ));
    }
    let terms: HashMap<u32, String> = p.terms.into_iter().collect();
    let vectorizer = Vectorizer::from_parts(p.settings, p.n_docs, keys, p.blocks, p.df);
    Ok(Model::assemble(
        vectorizer,
        coef,
        p.intercept,
        p.clip,
        terms,
        p.metadata,
    ))
}
