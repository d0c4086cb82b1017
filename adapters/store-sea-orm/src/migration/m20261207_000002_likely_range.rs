//! The likely range of a result: four nullable columns on `predictions`. Rows finished
//! before them keep NULL there and read back without a likely range.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{double_null, string_null};

/// Adds `likely_from`, `likely_to`, `likely_level` and `confidence`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Predictions {
    Table,
    LikelyFrom,
    LikelyTo,
    LikelyLevel,
    Confidence,
}

/// The new columns, each added by a statement of its own (SQLite adds one column per
/// `ALTER TABLE`).
fn columns() -> [ColumnDef; 4] {
    [
        double_null(Predictions::LikelyFrom),
        double_null(Predictions::LikelyTo),
        double_null(Predictions::LikelyLevel),
        string_null(Predictions::Confidence),
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
        for column in [
            Predictions::LikelyFrom,
            Predictions::LikelyTo,
            Predictions::LikelyLevel,
            Predictions::Confidence,
        ] {
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
