//! [`UserStore`] over the `users` table.

use async_trait::async_trait;
use payrange_domain::models::{Email, NewUser, Page, PageRequest, PasswordHash, User, UserId};
use payrange_domain::ports::{StoreError, UserStore};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};

use crate::convert::{stored_time, user_from_row};
use crate::entity::user;
use crate::errors::{db_err, map_db_err};
use crate::store::{SeaOrmStore, page_from_rows};

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

    async fn list_users(&self, page: PageRequest) -> Result<Page<User>, StoreError> {
        let rows = user::Entity::find()
            .apply_if(page.after(), |q, cursor| {
                q.filter(user::Column::Id.lt(cursor.id()))
            })
            .order_by_desc(user::Column::Id)
            .limit(u64::from(page.limit()) + 1)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let users = rows
            .into_iter()
            .map(user_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(page_from_rows(users, page, |u| u.id.as_uuid()))
    }

    async fn set_disabled(&self, id: UserId, disabled: bool) -> Result<Option<User>, StoreError> {
        // Not `rows_affected`: some databases count only rows whose value changed.
        user::Entity::update_many()
            .col_expr(user::Column::Disabled, Expr::value(disabled))
            .filter(user::Column::Id.eq(id.as_uuid()))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        self.user_by_id(id).await
    }
}
