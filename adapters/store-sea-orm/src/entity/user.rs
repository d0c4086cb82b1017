//! The `users` table.

use sea_orm::entity::prelude::*;

/// One row of `users`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// UUIDv7 id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Normalised (lower-cased) address; unique.
    #[sea_orm(unique)]
    pub email: String,
    /// PHC string.
    pub password_hash: String,
    /// `user` or `admin`.
    pub role: String,
    /// Whether sign-in is refused.
    pub disabled: bool,
    /// Creation time (UTC).
    pub created_at: TimeDateTimeWithTimeZone,
}

/// No relations are navigated through sea-orm.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
