//! The `sessions` table.

use sea_orm::entity::prelude::*;

/// One row of `sessions`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    /// UUIDv7 id, carried in tokens.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owner (foreign key to `users`).
    pub user_id: Uuid,
    /// Sign-in time.
    pub created_at: TimeDateTimeWithTimeZone,
    /// Token expiry.
    pub expires_at: TimeDateTimeWithTimeZone,
    /// First revocation time, if revoked.
    pub revoked_at: Option<TimeDateTimeWithTimeZone>,
}

/// No relations are navigated through sea-orm.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
