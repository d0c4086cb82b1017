//! `limit_counters`: the rate-limit counters shared by every process (see `limits`). The
//! expiry is microseconds since the Unix epoch in a `BIGINT`, so that both databases compare
//! it as a number in the one upsert statement.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, integer, text};

/// Creates `limit_counters` and the index that pruning scans.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LimitCounters {
    Table,
    Key,
    Count,
    ExpiresAtUs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LimitCounters::Table)
                    .col(text(LimitCounters::Key).primary_key())
                    .col(integer(LimitCounters::Count))
                    .col(big_integer(LimitCounters::ExpiresAtUs))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("limit_counters_expires_at_us")
                    .table(LimitCounters::Table)
                    .col(LimitCounters::ExpiresAtUs)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LimitCounters::Table).to_owned())
            .await
    }
}
