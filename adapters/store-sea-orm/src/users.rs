//! [`UserStore`] over the `users` table.

use async_trait::async_trait;
use payrange_domain::models::{Email, NewUser, PasswordHash, User, UserId};
use payrange_domain::ports::{StoreError, UserStore};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::convert::{stored_time, user_from_row};
use crate::entity::user;
use crate::errors::{db_err, map_db_err};
use crate::store::SeaOrmStore;

#[async_trait]
impl UserStore for SeaOrmStore {
    async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
        let row = user::ActiveModel {
            id: Set(new.id.as_uuid()),
            email: Set(new.email.as_str().to_owned()),
            password_hash: Set(new.password_hash.as_str().to_owned()),
            role: Set(new.role.as_str().to_owned()),
            disabled: Set(false),
            created_at: Set(stored_time(new.created_at)),
        };
        // The unique index on `email` decides races between two inserts: the loser gets a
        // unique violation, mapped to `Duplicate("email")`. An id collision is a bug, but
        // it is reported the same way rather than as a 500.
        user::Entity::insert(row)
            .exec_without_returning(&self.writer)
            .await
            .map_err(|e| map_db_err(e, "email"))?;
        Ok(User {
            id: new.id,
            email: new.email,
            password_hash: new.password_hash,
            role: new.role,
            disabled: false,
            created_at: stored_time(new.created_at),
        })
    }

    async fn user_by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        user::Entity::find()
            .filter(user::Column::Email.eq(email.as_str()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(user_from_row)
            .transpose()
    }

    async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        user::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(user_from_row)
            .transpose()
    }

    async fn set_password_hash(&self, id: UserId, hash: &PasswordHash) -> Result<(), StoreError> {
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(hash.as_str()))
            .filter(user::Column::Id.eq(id.as_uuid()))
            .exec(&self.writer)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
