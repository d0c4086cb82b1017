//! Batch estimates: the `batches` table, and on `predictions` the batch a row belongs to and
//! the line it came from (both null for a single prediction). Times of a batch are
//! microseconds since the Unix epoch in a `BIGINT`, as in `limit_counters`, so that the raw
//! statements of `uploads` read them the same way on both databases.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, integer, integer_null, pk_uuid, uuid, uuid_null};

/// Creates `batches`, adds `predictions.batch_id` and `predictions.batch_line`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Batches {
    Table,
    Id,
    Owner,
    CreatedAtUs,
    Total,
    Rejected,
}

#[derive(DeriveIden)]
enum Predictions {
    Table,
    BatchId,
    BatchLine,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Batches::Table)
                    .col(pk_uuid(Batches::Id))
                    .col(uuid(Batches::Owner))
                    .col(big_integer(Batches::CreatedAtUs))
                    .col(integer(Batches::Total))
                    .col(integer(Batches::Rejected))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_batches_owner")
                            .from(Batches::Table, Batches::Owner)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_batches_owner_id")
                    .table(Batches::Table)
                    .col(Batches::Owner)
                    .col(Batches::Id)
                    .to_owned(),
            )
            .await?;
        // One column per statement: SQLite alters one thing at a time. No foreign key to
        // `batches`: SQLite cannot add one to an existing table, and both go together when
        // their owner is deleted.
        manager
            .alter_table(
                Table::alter()
                    .table(Predictions::Table)
                    .add_column(uuid_null(Predictions::BatchId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Predictions::Table)
                    .add_column(integer_null(Predictions::BatchLine))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_predictions_batch_line")
                    .table(Predictions::Table)
                    .col(Predictions::BatchId)
                    .col(Predictions::BatchLine)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_predictions_batch_line")
                    .table(Predictions::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Predictions::BatchLine, Predictions::BatchId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Predictions::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Batches::Table).to_owned())
            .await
    }
}
