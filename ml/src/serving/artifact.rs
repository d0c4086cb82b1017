//! The model file: a fixed header (magic, format version, body length, sha256 of the
//! body) followed by the body. In format 6 the body is two postcard values, the model's
//! payload then its held-back rows ([`crate::serving::held_back`]); in format 5 it is the
//! payload alone, read with an empty held-back sample. Writing always produces format 6.
//! Every way a file can be bad is a clear [`ArtifactError`], never a panic.
//!
//! Stage 3 (serving): what training writes and serving loads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::features::terms::Block;
use crate::features::vectorizer::{Vectorizer, VectorizerSettings};
use crate::serving::held_back::HeldBackRow;
use crate::serving::metadata::ModelMetadata;
use crate::serving::model::Model;

/// Artifact format version this build writes (6: the body carries the held-back rows after
/// the payload), and the newest it reads.
pub const FORMAT_VERSION: u32 = 6;
/// Oldest artifact format version this build reads (5: the payload alone, no held-back
/// rows).
pub const OLDEST_FORMAT_VERSION: u32 = 5;
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
    /// Written by a format version this build does not read.
    #[error(
        "model format version {found} is not supported (this build reads versions {} to {supported})",
        OLDEST_FORMAT_VERSION
    )]
    UnsupportedVersion {
        /// Version in the file.
        found: u32,
        /// Newest version this build reads ([`FORMAT_VERSION`]; the oldest is
        /// [`OLDEST_FORMAT_VERSION`]).
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
    /// The body does not match its checksum.
    #[error("model file is corrupt: payload checksum mismatch")]
    ChecksumMismatch,
    /// The payload or the held-back rows could not be decoded (or encoded).
    #[error("model payload cannot be decoded: {0}")]
    Decode(String),
    /// The body decodes but is inconsistent.
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

/// The second value of a format-6 body: the vacancies training held back.
#[derive(Serialize, Deserialize)]
struct HeldBack {
    /// The rows, in the order of the training file.
    rows: Vec<HeldBackRow>,
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
/// give the same version. Covers the payload and, when there are any, the held-back rows.
pub fn content_version(m: &Model) -> String {
    let mut p = payload(m);
    p.metadata.version.clear();
    p.metadata.trained_at.clear();
    let mut hash = Sha256::new();
    hash.update(postcard::to_stdvec(&p).unwrap_or_default());
    if !m.held_back.is_empty() {
        hash.update(postcard::to_stdvec(&m.held_back).unwrap_or_default());
    }
    hex::encode(&hash.finalize()[..8])
}

impl Model {
    /// Serialises the model to bytes, in format [`FORMAT_VERSION`] (the metadata's
    /// `format_version` is written as that, whatever format the model was read from).
    ///
    /// # Errors
    ///
    /// [`ArtifactError::Decode`] when postcard cannot encode the payload or the held-back
    /// rows.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ArtifactError> {
        let encode = |e: postcard::Error| ArtifactError::Decode(e.to_string());
        let mut p = payload(self);
        p.metadata.format_version = FORMAT_VERSION;
        let mut body = postcard::to_stdvec(&p).map_err(encode)?;
        let held_back = HeldBack {
            rows: self.held_back.clone(),
        };
        body.extend(postcard::to_stdvec(&held_back).map_err(encode)?);
        let mut out = Vec::with_capacity(HEADER + body.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(&Sha256::digest(&body));
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Writes the model to `path`.
    ///
    /// # Errors
    ///
    /// As [`Model::to_bytes`], or [`ArtifactError::Io`] when the file cannot be written.
    pub fn save(&self, path: &Path) -> Result<(), ArtifactError> {
        let bytes = self.to_bytes()?;
        std::fs::write(path, bytes).map_err(|source| ArtifactError::Io {
            path: path.to_owned(),
            source,
        })
    }

    /// Reads a model file.
    ///
    /// # Errors
    ///
    /// As [`Model::from_bytes`], or [`ArtifactError::Io`] when the file cannot be read.
    pub fn load(path: &Path) -> Result<Model, ArtifactError> {
        let bytes = std::fs::read(path).map_err(|source| ArtifactError::Io {
            path: path.to_owned(),
            source,
        })?;
        Model::from_bytes(&bytes)
    }

    /// The default model trained on `hh_vacancies.csv` (Russia, RUB), built into the binary.
    ///
    /// # Errors
    ///
    /// As [`Model::from_bytes`] (not expected of the bundled file).
    pub fn bundled() -> Result<Model, ArtifactError> {
        Model::from_bytes(include_bytes!("../../model/payrange-hh.model"))
    }

    /// The model trained on `adzuna_jobs.csv` (the UK, GBP), built into the binary.
    ///
    /// # Errors
    ///
    /// As [`Model::from_bytes`] (not expected of the bundled file).
    pub fn bundled_adzuna() -> Result<Model, ArtifactError> {
        Model::from_bytes(include_bytes!("../../model/payrange-adzuna.model"))
    }

    /// Decodes a model from bytes of format [`OLDEST_FORMAT_VERSION`] to
    /// [`FORMAT_VERSION`]; a format-5 file has no held-back rows.
    ///
    /// # Errors
    ///
    /// [`ArtifactError::BadMagic`], [`ArtifactError::UnsupportedVersion`],
    /// [`ArtifactError::Truncated`], [`ArtifactError::ChecksumMismatch`],
    /// [`ArtifactError::Decode`] when the payload or the held-back rows do not decode, and
    /// [`ArtifactError::Invalid`] for trailing bytes (after the file's length or after the
    /// body's last value) and inconsistent contents.
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
        if !(OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&version) {
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
        let decode = |e: postcard::Error| ArtifactError::Decode(e.to_string());
        let (p, rest): (Payload, &[u8]) = postcard::take_from_bytes(body).map_err(decode)?;
        let (held_back, rest) = if version >= 6 {
            let (h, rest): (HeldBack, &[u8]) = postcard::take_from_bytes(rest)
                .map_err(|e| ArtifactError::Decode(format!("held-back rows: {e}")))?;
            (h.rows, rest)
        } else {
            (Vec::new(), rest)
        };
        if !rest.is_empty() {
            return Err(ArtifactError::Invalid(format!(
                "{} trailing bytes after the last value of the body",
                rest.len()
            )));
        }
        if !held_back.iter().all(HeldBackRow::salaries_valid) {
            return Err(ArtifactError::Invalid(
                "held-back row with a non-finite or non-positive salary".into(),
            ));
        }
        let mut model = from_payload(p, version)?;
        model.held_back = held_back;
        Ok(model)
    }
}

/// The model of a payload read from a file of format `version`.
fn from_payload(p: Payload, version: u32) -> Result<Model, ArtifactError> {
    let n = p.key_deltas.len();
    if p.blocks.len() != n || p.df.len() != n {
        return Err(ArtifactError::Invalid(
            "vocabulary arrays differ in length".into(),
        ));
    }
    if p.metadata.format_version != version {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::VacancyText;

    fn rows() -> Vec<HeldBackRow> {
        vec![
            HeldBackRow {
                name: "Бухгалтер".into(),
                description: "Первичная документация, 1С.\nОфис у метро.".into(),
                area: Some("Москва".into()),
                salary_from: Some(80_000.0),
                salary_to: Some(100_000.5),
            },
            HeldBackRow {
                name: "Courier".into(),
                description: String::new(),
                area: None,
                salary_from: None,
                salary_to: Some(25_000.0),
            },
        ]
    }

    /// A file of format `version` around `body`, with its length and checksum.
    fn seal(version: u32, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&version.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(&Sha256::digest(body));
        out.extend_from_slice(body);
        out
    }

    /// The bundled (format-5) model with `rows` held back.
    fn with_rows(rows: Vec<HeldBackRow>) -> Model {
        let mut m = Model::bundled().unwrap();
        m.held_back = rows;
        m
    }

    #[test]
    fn format_5_files_still_load_with_an_empty_held_back_sample() {
        for bytes in [
            &include_bytes!("../../model/payrange-hh.model")[..],
            &include_bytes!("../../model/payrange-adzuna.model")[..],
        ] {
            assert_eq!(bytes[16..20], 5u32.to_le_bytes());
            let m = Model::from_bytes(bytes).unwrap();
            assert!(m.held_back().is_empty());
            assert_eq!(m.metadata().format_version, 5);
            // Written again it is a format-6 file that reads back to the same model.
            let again = m.to_bytes().unwrap();
            assert_eq!(again[16..20], FORMAT_VERSION.to_le_bytes());
            let back = Model::from_bytes(&again).unwrap();
            assert_eq!(back.metadata().format_version, FORMAT_VERSION);
            assert!(back.held_back().is_empty());
            let v = VacancyText {
                name: "Senior Python developer",
                description: "Django, PostgreSQL, Kafka",
                area: Some("Москва"),
            };
            assert_eq!(back.predict(&v), m.predict(&v));
        }
    }

    #[test]
    fn held_back_rows_survive_the_round_trip_in_format_6() {
        let m = with_rows(rows());
        let bytes = m.to_bytes().unwrap();
        assert_eq!(bytes[16..20], 6u32.to_le_bytes());
        let back = Model::from_bytes(&bytes).unwrap();
        assert_eq!(back.held_back(), &rows()[..]);
        assert_eq!(back.metadata().format_version, 6);
        assert_eq!(back.to_bytes().unwrap(), bytes);
        // The rows enter the content version.
        assert_ne!(content_version(&m), content_version(&with_rows(Vec::new())));
    }

    #[test]
    fn a_bad_format_6_body_is_a_clear_error() {
        let m = with_rows(rows());
        let bytes = m.to_bytes().unwrap();
        let body = &bytes[HEADER..];
        let mut p = payload(&m);
        p.metadata.format_version = 6;
        let payload_len = postcard::to_stdvec(&p).unwrap().len();
        let invalid = |r: Result<Model, ArtifactError>, what: &str| match r {
            Err(ArtifactError::Invalid(s)) => assert!(s.contains(what), "{s}"),
            other => panic!("{:?}", other.map(|_| ())),
        };
        // No held-back value at all, or one cut short.
        for cut in [payload_len, body.len() - 1] {
            match Model::from_bytes(&seal(6, &body[..cut])) {
                Err(e @ ArtifactError::Decode(_)) => {
                    assert!(e.to_string().contains("held-back rows"), "{e}");
                }
                other => panic!("{:?}", other.map(|_| ())),
            }
        }
        // Bytes after the held-back value.
        let mut longer = body.to_vec();
        longer.push(0);
        invalid(Model::from_bytes(&seal(6, &longer)), "1 trailing bytes");
        // A format-6 body under a format-5 header: the rows are trailing bytes.
        invalid(Model::from_bytes(&seal(5, body)), "trailing bytes");
        // A format-5 body under a format-6 header, and the other way round.
        let mut p5 = payload(&m);
        p5.metadata.format_version = 5;
        let mut body5 = postcard::to_stdvec(&p5).unwrap();
        assert!(Model::from_bytes(&seal(5, &body5)).is_ok());
        body5.extend(postcard::to_stdvec(&HeldBack { rows: rows() }).unwrap());
        invalid(
            Model::from_bytes(&seal(6, &body5)),
            "metadata format version",
        );
        invalid(
            Model::from_bytes(&seal(5, &body[..payload_len])),
            "metadata",
        );
        // A salary no data file could hold.
        let mut bad = rows();
        bad[1].salary_to = Some(f64::NAN);
        let mut nan = body[..payload_len].to_vec();
        nan.extend(postcard::to_stdvec(&HeldBack { rows: bad }).unwrap());
        invalid(Model::from_bytes(&seal(6, &nan)), "held-back row");
        // The file cut in the held-back rows, or one of their bytes changed.
        assert!(matches!(
            Model::from_bytes(&bytes[..bytes.len() - 3]),
            Err(ArtifactError::Truncated { .. })
        ));
        let mut flipped = bytes.clone();
        let last = flipped.len() - 3;
        flipped[last] ^= 0x20;
        assert!(matches!(
            Model::from_bytes(&flipped),
            Err(ArtifactError::ChecksumMismatch)
        ));
        // Newer and older formats are refused, saying which this build reads.
        for version in [4, 7] {
            let err = Model::from_bytes(&seal(version, body)).unwrap_err();
            assert!(
                err.to_string()
                    .contains(&format!("version {version} is not supported")),
                "{err}"
            );
            assert!(err.to_string().contains("versions 5 to 6"), "{err}");
        }
    }
}
