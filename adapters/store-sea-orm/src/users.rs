//! [`UserStore`] over the `users` table.

use async_trait::async_trait;
use payrange_domain::models::{
    Email, NewUser, Page, PageRequest, PasswordHash, User, UserFilter, UserId,
};
use payrange_domain::ports::{StoreError, UserStore};
use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Statement, TransactionTrait,
};

use crate::convert::{stored_time, user_from_row};
use crate::entity::{prediction, session, user};
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

    async fn list_users(
        &self,
        filter: &UserFilter,
        page: PageRequest,
    ) -> Result<Page<User>, StoreError> {
        let rows = user::Entity::find()
            .apply_if(filter.email_contains(), |q, search| {
                // Addresses are stored lower-case and the search is folded the same way, so
                // a plain (case-sensitive on PostgreSQL) LIKE is a case-insensitive search.
                q.filter(
                    user::Column::Email
                        .like(LikeExpr::new(contains_pattern(search.as_str())).escape('\\')),
                )
            })
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

    async fn delete_user(&self, id: UserId) -> Result<bool, StoreError> {
        // Explicit deletes rather than the foreign keys' cascades: the rule holds however a
        // database was created, and everything goes or nothing does.
        let uid = id.as_uuid();
        let txn = self.writer.inner.begin().await.map_err(db_err)?;
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(uid))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        prediction::Entity::delete_many()
            .filter(prediction::Column::Owner.eq(uid))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        // Models and activations stay (the deployment's history) without their author.
        for sql in [
            "UPDATE models SET uploaded_by = NULL WHERE uploaded_by = $1",
            "UPDATE model_activations SET activated_by = NULL WHERE activated_by = $1",
        ] {
            txn.execute_raw(Statement::from_sql_and_values(
                txn.get_database_backend(),
                sql,
                vec![uid.into()],
            ))
            .await
            .map_err(db_err)?;
        }
        let deleted = user::Entity::delete_by_id(uid)
            .exec(&txn)
            .await
            .map_err(db_err)?;
        txn.commit().await.map_err(db_err)?;
        Ok(deleted.rows_affected > 0)
    }
}

/// A `LIKE` pattern matching any text that contains `text`, every character of it literally:
/// the wildcards `%` and `_` and the escape character `\` itself are escaped with `\`.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn wildcards_and_the_escape_are_escaped() {
        assert_eq!(contains_pattern("ann"), "%ann%");
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
