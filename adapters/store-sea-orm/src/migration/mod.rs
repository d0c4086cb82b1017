//! The schema, as sea-orm-migration migrations. [`Migrator`] is public so that the
//! application can offer a `payrange migrate` command; [`crate::SeaOrmStore::migrate`] runs it.

use sea_orm_migration::prelude::*;

mod m20260101_000001_initial;
mod m20261207_000002_likely_range;
mod m20261207_000003_limit_counters;
mod m20261207_000004_batches;
mod m20261207_000005_outcomes;
mod m20261207_000006_markets;
mod m20261208_000007_models;

/// Every migration of the store, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20260101_000001_initial::Migration),
            Box::new(m20261207_000002_likely_range::Migration),
            Box::new(m20261207_000003_limit_counters::Migration),
            Box::new(m20261207_000004_batches::Migration),
            Box::new(m20261207_000005_outcomes::Migration),
            Box::new(m20261207_000006_markets::Migration),
            Box::new(m20261208_000007_models::Migration),
        ]
    }
}
