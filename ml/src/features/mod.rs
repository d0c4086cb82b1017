//! Stage 1, features: a vacancy's text becomes a sparse TF-IDF row.
//!
//! [`tokenizer`] normalises and splits the text (eight bytes at a time where it can, see
//! `swar`), [`terms`] turns the tokens into hashed terms of separate blocks (title words,
//! title characters, description words, area, amounts; [`hashing`] gives the stable hashes
//! stored in model files, [`amounts`] the money amounts and stated salary figures), and
//! [`vectorizer`] maps the terms to features with their IDF learned at fit time (its
//! workspace sorts feature ids with `id_sort`). Fitting (`crate::fitting`) and serving (`crate::serving`) both read
//! vacancies through this stage, so a vacancy is featurised the same way in both.

pub mod amounts;
pub mod hashing;
pub(crate) mod id_sort;
mod swar;
pub mod terms;
pub mod tokenizer;
pub mod vectorizer;
