//! Stage 3, serving: the trained model that answers one vacancy at a time.
//!
//! [`model`] holds the loaded model and predicts a range, [`metadata`] what the model file
//! records about how it was made; [`scorer`] is its packed feature table (one cache line
//! per term hit); [`explain`] turns the terms that moved a bound into plain words and
//! money; [`interval`] gives the calibrated likely range around the prediction;
//! [`held_back`] is the sample of vacancies training set aside, stored with the model, and
//! a model's score on it; [`artifact`] reads and writes the model file (header, checksum,
//! postcard payload and held-back rows) and embeds the bundled model.

pub mod artifact;
pub mod explain;
pub mod held_back;
pub mod interval;
pub mod metadata;
pub mod model;
pub mod scorer;
