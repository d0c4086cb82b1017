//! Stage 2, fitting: from a CSV of vacancies with salaries to a [`crate::Model`].
//!
//! [`train`] is the use case behind `payrange train`. It runs k-fold cross-validation
//! ([`cv`]) of sparse ElasticNets ([`enet`]) over an alpha path, on the regression problems
//! of the two bounds ([`bound_problems`]), for each loss/feature variant; from the
//! out-of-fold predictions it chooses the grid point, the variant, the stacker ([`stacker`])
//! and the stated-salary stage ([`selection`]), calibrates the likely range, and fits the
//! chosen members on all rows. Before all that, [`held_back`] sets aside a sample of the
//! rows, stored with the model for comparing models on rows none has seen. [`nested`] runs that whole training inside outer folds for
//! honest numbers; [`learning_curve`] re-fits at fixed settings on shares of the rows for
//! the report.

pub mod bound_problems;
pub mod cv;
pub mod enet;
pub mod held_back;
pub mod learning_curve;
pub mod nested;
pub mod selection;
pub mod settings;
pub mod stacker;
pub mod train;
pub(crate) mod training_run;
