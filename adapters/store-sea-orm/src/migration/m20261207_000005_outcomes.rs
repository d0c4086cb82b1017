//! Real outcomes: five nullable columns on `predictions`, all set together or none.
//!
//! Columns rather than a table of their own: a prediction has at most one outcome, every
//! history page and export shows it with the prediction, and it lives and dies with it. On the
//! row it is read with no join or second query, and deleting a prediction (or its owner's
//! account) cannot leave an outcome behind. The worker's conditional updates name their
//! columns, so they never touch these.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{double_null, string_null, timestamp_with_time_zone_null};

/// Adds `outcome_from`, `outcome_to`, `outcome_currency`, `outcome_kind` and
/// `outcome_recorded_at`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Predictions {
    Table,
    OutcomeFrom,
    OutcomeTo,
    OutcomeCurrency,
    OutcomeKind,
    OutcomeRecordedAt,
}

const COLUMNS: [Predictions; 5] = [
    Predictions::OutcomeFrom,
    Predictions::OutcomeTo,
    Predictions::OutcomeCurrency,
    Predictions::OutcomeKind,
    Predictions::OutcomeRecordedAt,
];

/// The new columns, each added by a statement of its own (SQLite adds one column per
/// `ALTER TABLE`).
fn columns() -> [ColumnDef; 5] {
    [
        double_null(Predictions::OutcomeFrom),
        double_null(Predictions::OutcomeTo),
        string_null(Predictions::OutcomeCurrency),
        string_null(Predictions::OutcomeKind),
        timestamp_with_time_zone_null(Predictions::OutcomeRecordedAt),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for mut column in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(Predictions::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Predictions::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
