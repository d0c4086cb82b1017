//! Users, sessions and predictions, with the indexes the queries need.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, double_null, integer, pk_uuid, string, string_null, string_uniq, text, text_null,
    timestamp_with_time_zone, timestamp_with_time_zone_null, uuid,
};

/// Creates the three tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    PasswordHash,
    Role,
    Disabled,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Predictions {
    Table,
    Id,
    Owner,
    Name,
    Description,
    Area,
    Status,
    SalaryFrom,
    SalaryTo,
    Currency,
    ModelVersion,
    Explanation,
    Error,
    Attempts,
    RequestId,
    CreatedAt,
    StartedAt,
    FinishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_uuid(Users::Id))
                    .col(string_uniq(Users::Email))
                    .col(string(Users::PasswordHash))
                    .col(string(Users::Role))
                    .col(boolean(Users::Disabled).default(false))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(pk_uuid(Sessions::Id))
                    .col(uuid(Sessions::UserId))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_user")
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_user")
                    .table(Sessions::Table)
                    .col(Sessions::UserId)
                    .to_owned(),
            )
            .await?;
        create_predictions(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Predictions::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn create_predictions(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Predictions::Table)
                .col(pk_uuid(Predictions::Id))
                .col(uuid(Predictions::Owner))
                .col(text(Predictions::Name))
                .col(text(Predictions::Description))
                .col(text_null(Predictions::Area))
                .col(string(Predictions::Status))
                .col(double_null(Predictions::SalaryFrom))
                .col(double_null(Predictions::SalaryTo))
                .col(string_null(Predictions::Currency))
                .col(string_null(Predictions::ModelVersion))
                .col(text_null(Predictions::Explanation))
                .col(text_null(Predictions::Error))
                .col(integer(Predictions::Attempts).default(0))
                .col(string_null(Predictions::RequestId))
                .col(timestamp_with_time_zone(Predictions::CreatedAt))
                .col(timestamp_with_time_zone_null(Predictions::StartedAt))
                .col(timestamp_with_time_zone_null(Predictions::FinishedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_predictions_owner")
                        .from(Predictions::Table, Predictions::Owner)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    // History pages: `WHERE owner = ? AND id < ? ORDER BY id DESC LIMIT ?` is one range scan.
    manager
        .create_index(
            Index::create()
                .name("idx_predictions_owner_id")
                .table(Predictions::Table)
                .col(Predictions::Owner)
                .col(Predictions::Id)
                .to_owned(),
        )
        .await?;
    // The reconciler's scan of unfinished work, oldest first.
    manager
        .create_index(
            Index::create()
                .name("idx_predictions_status_created")
                .table(Predictions::Table)
                .col(Predictions::Status)
                .col(Predictions::CreatedAt)
                .to_owned(),
        )
        .await
}
