//! Stage 3, serving: the trained model that answers one vacancy at a time.
//!
//! [`model`] holds the loaded model and predicts a range, [`metadata`] what the model file
//! records about how it was made; [`scorer`] is its packed feature table (one cache line
//! per term hit); [`explain`] turns the terms that moved a bound into plain words and
//! money; [`interval`] gives the calibrated likely range around the prediction;
//! [`artifact`] reads and writes the model file (header, checksum, postcard payload) and
//! embeds the bundled model.

pub mod artifact;
pub mod explain;
pub mod interval;
pub mod metadata;
pub mod model;
pub mod scorer;
