//! [`SessionStore`] over the `sessions` table.

use std::collections::HashMap;

use async_trait::async_trait;
use payrange_domain::models::{Session, SessionId, User, UserId};
use payrange_domain::ports::{SessionStore, StoreError};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use time::OffsetDateTime;

use crate::coalesce::shared;
use crate::convert::{session_from_row, stored_time, user_from_row};
use crate::entity::{session, user};
use crate::errors::{db_err, map_db_err};
use crate::pool::Pool;
use crate::store::SeaOrmStore;

/// A session and its user, as authentication needs them.
pub(crate) type SessionWithUser = (Session, User);

/// The sessions `ids` (repeats allowed) with their users, read in one statement: each id's
/// answer in order, `None` where there is no such session.
pub(crate) async fn sessions_with_users(
    db: &Pool,
    ids: &[uuid::Uuid],
) -> Vec<Result<Option<SessionWithUser>, StoreError>> {
    let mut distinct = ids.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let rows = session::Entity::find()
        .filter(session::Column::Id.is_in(distinct))
        .find_also_related(user::Entity)
        .all(db)
        .await;
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => {
            let e = db_err(e);
            return ids.iter().map(|_| Err(shared(&e))).collect();
        }
    };
    let found: HashMap<uuid::Uuid, (session::Model, user::Model)> = rows
        .into_iter()
        .filter_map(|(s, u)| Some((s.id, (s, u?))))
        .collect();
    ids.iter()
        .map(|id| match found.get(id) {
            Some((s, u)) => Ok(Some((
                session_from_row(s.clone()),
                user_from_row(u.clone())?,
            ))),
            None => Ok(None),
        })
        .collect()
}

#[async_trait]
impl SessionStore for SeaOrmStore {
    async fn create_session(&self, s: &Session) -> Result<(), StoreError> {
        let row = session::ActiveModel {
            id: Set(s.id.as_uuid()),
            user_id: Set(s.user_id.as_uuid()),
            created_at: Set(stored_time(s.created_at)),
            expires_at: Set(stored_time(s.expires_at)),
            revoked_at: Set(s.revoked_at.map(stored_time)),
        };
        session::Entity::insert(row)
            .exec_without_returning(&self.writer)
            .await
            .map_err(|e| map_db_err(e, "session"))?;
        Ok(())
    }

    async fn session(&self, id: SessionId) -> Result<Option<Session>, StoreError> {
        Ok(session::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(session_from_row))
    }

    async fn session_with_user(
        &self,
        id: SessionId,
    ) -> Result<Option<(Session, User)>, StoreError> {
        // Joined with the lookups of concurrent requests into one read (see `coalesce`).
        self.session_lookups.call(id.as_uuid()).await
    }

    async fn revoke_session(&self, id: SessionId, at: OffsetDateTime) -> Result<(), StoreError> {
        // `revoked_at IS NULL` keeps the first revocation time under repeats and races.
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(stored_time(at)))
            .filter(session::Column::Id.eq(id.as_uuid()))
            .filter(session::Column::RevokedAt.is_null())
            .exec(&self.writer)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn revoke_user_sessions(
        &self,
        user: UserId,
        at: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let result = session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(stored_time(at)))
            .filter(session::Column::UserId.eq(user.as_uuid()))
            .filter(session::Column::RevokedAt.is_null())
            .exec(&self.writer)
            .await
            .map_err(db_err)?;
        Ok(result.rows_affected)
    }
}
