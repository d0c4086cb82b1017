//! The pure domain of payrange: what a salary-range prediction service *is*, without any
//! technology in it.
//!
//! - [`models`]: validated value types ([`models::Email`], [`models::NewPassword`],
//!   [`models::Vacancy`], ...) and entities ([`models::User`], [`models::Prediction`]).
//!   A value that exists is valid: every constructor checks its rules.
//! - [`ports`]: the traits the outside world implements ([`ports::UserStore`],
//!   [`ports::SessionStore`], [`ports::LogStore`], [`ports::JobQueue`],
//!   [`ports::SalaryPredictor`], [`ports::PasswordHasher`], [`ports::TokenCodec`]).
//!   Each method documents under `# Errors` what an adapter MUST return.
//! - [`services`]: the use cases (register, sign in, submit a prediction, process a job, ...),
//!   written only against the ports.
//! - [`memory`]: in-memory adapters of the storage and queue ports, for tests and examples.
//!
//! The crate depends on std, `thiserror`, `async-trait`, `uuid` and `time` only, so that other
//! services can embed it. `examples/quickstart.rs` wires the use cases end to end.

pub mod memory;
pub mod models;
pub mod ports;
pub mod services;
