//! Models in the store: `models` holds uploaded model files (bytes and what their check
//! found), `model_activations` every activation of a version for a market, rolled back or
//! standing. Times are microseconds since the Unix epoch in a `BIGINT`, as in
//! `limit_counters`, so that the raw statements of `models` read them the same way on both
//! databases.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, blob, boolean, pk_auto, text, uuid_null,
};

/// Creates `models` and `model_activations`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Models {
    Table,
    Version,
    Market,
    Currency,
    TrainedAt,
    TrainingRows,
    Sha256,
    SizeBytes,
    UploadedAtUs,
    UploadedBy,
    Forced,
    /// The check (held-back scores, the model's description) as JSON.
    CheckJson,
    Bytes,
}

#[derive(DeriveIden)]
enum ModelActivations {
    Table,
    Id,
    Market,
    Version,
    ActivatedAtUs,
    ActivatedBy,
    RolledBackAtUs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // No foreign keys to `users`: an upload or activation outlives its author's account,
        // and the command line acts without one.
        manager
            .create_table(
                Table::create()
                    .table(Models::Table)
                    .col(text(Models::Version).primary_key())
                    .col(text(Models::Market))
                    .col(text(Models::Currency))
                    .col(text(Models::TrainedAt))
                    .col(big_integer(Models::TrainingRows))
                    .col(text(Models::Sha256))
                    .col(big_integer(Models::SizeBytes))
                    .col(big_integer(Models::UploadedAtUs))
                    .col(uuid_null(Models::UploadedBy))
                    .col(boolean(Models::Forced))
                    .col(text(Models::CheckJson))
                    .col(blob(Models::Bytes))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ModelActivations::Table)
                    .col(pk_auto(ModelActivations::Id))
                    .col(text(ModelActivations::Market))
                    .col(text(ModelActivations::Version))
                    .col(big_integer(ModelActivations::ActivatedAtUs))
                    .col(uuid_null(ModelActivations::ActivatedBy))
                    .col(big_integer_null(ModelActivations::RolledBackAtUs))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_model_activations_market_id")
                    .table(ModelActivations::Table)
                    .col(ModelActivations::Market)
                    .col(ModelActivations::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ModelActivations::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Models::Table).to_owned())
            .await
    }
}
