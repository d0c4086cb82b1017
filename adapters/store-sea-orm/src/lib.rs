//! sea-orm (SQLite and PostgreSQL) adapter for payrange's [`UserStore`], [`SessionStore`],
//! [`LogStore`] and [`LimitStore`] ports.
//!
//! One code base serves both databases: [`SeaOrmStore::connect`] picks the backend from the
//! URL (`sqlite://...`, `sqlite::memory:`, `postgres://...`), [`SeaOrmStore::migrate`] (or the
//! [`Migrator`] directly) creates the schema, and [`SeaOrmStore::ping`] answers readiness
//! probes.
//!
//! Every state change of a prediction is one conditional `UPDATE ... WHERE status IN
//! ('queued', 'running')`, so any number of workers and redeliveries may race. Driver errors
//! are mapped at the seam (see `errors`): `DbErr` never crosses a port.
//!
//! Under load, the session lookups and prediction inserts of concurrent requests are joined
//! into one statement each (see `coalesce`), without waiting and without caching.
//!
//! Timestamps are stored in UTC with microsecond precision (PostgreSQL's `timestamptz`
//! resolution); SQLite gets the same truncation so both backends read back the same values.
//!
//! [`UserStore`]: payrange_domain::ports::UserStore
//! [`SessionStore`]: payrange_domain::ports::SessionStore
//! [`LogStore`]: payrange_domain::ports::LogStore
//! [`LimitStore`]: payrange_domain::ports::LimitStore

mod batches;
mod coalesce;
mod convert;
mod entity;
mod errors;
mod finished;
mod limits;
mod migration;
mod models;
mod pool;
mod predictions;
mod sessions;
mod settings;
mod sqlite_file;
mod store;
mod uploads;
mod users;

pub use finished::{Announced, Finished, FinishedListener};
pub use migration::Migrator;
pub use settings::StoreSettings;
pub use store::SeaOrmStore;
