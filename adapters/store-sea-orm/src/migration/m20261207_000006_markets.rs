//! The market of a prediction: which model priced it. Rows from before markets were all
//! priced by the hh.ru model, so they read `ru`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::string;

/// Adds `market`, not null, `ru` on existing rows.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Predictions {
    Table,
    Market,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Predictions::Table)
                    .add_column(string(Predictions::Market).default("ru"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Predictions::Table)
                    .drop_column(Predictions::Market)
                    .to_owned(),
            )
            .await
    }
}
