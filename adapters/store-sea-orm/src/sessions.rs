//! [`SessionStore`] over the `sessions` table.

use async_trait::async_trait;
use payrange_domain::models::{Session, SessionId, User, UserId};
use payrange_domain::ports::{SessionStore, StoreError};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use time::OffsetDateTime;

use crate::convert::{session_from_row, stored_time, user_from_row};
use crate::entity::{session, user};
use crate::errors::{db_err, map_db_err};
use crate::store::SeaOrmStore;

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
        let found = session::Entity::find_by_id(id.as_uuid())
            .find_also_related(user::Entity)
            .one(&self.db)
            .await
            .map_err(db_err)?;
        match found {
            Some((s, Some(u))) => Ok(Some((session_from_row(s), user_from_row(u)?))),
            _ => Ok(None),
        }
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
