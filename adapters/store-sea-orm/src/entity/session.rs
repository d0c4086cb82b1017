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

/// Relations navigated through sea-orm: a session's user (read together to authenticate).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `sessions.user_id` -> `users.id`.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
