//! Sign-in sessions: the one place an access token is checked against, so
//! that logout, agent removal and refresh-token reuse take effect at once.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::ids::UnitId;
use crate::schema::auth_sessions;
use crate::{DbConn, DbError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = auth_sessions)]
pub struct AuthSession {
    pub id: String,
    pub kind: String,
    pub subject: String,
    pub name: String,
    pub unit_id: Option<UnitId>,
    pub roles: String,
    pub channel: String,
    pub created_at: PrimitiveDateTime,
    pub expires_at: PrimitiveDateTime,
    pub revoked_at: Option<PrimitiveDateTime>,
    /// With a read replica: the primary's WAL position (`pg_lsn` as text)
    /// after the session's last write ([`crate::replica`]).
    pub read_after_lsn: Option<String>,
}

pub fn insert_session(conn: &mut DbConn, session: &AuthSession) -> Result<(), DbError> {
    diesel::insert_into(auth_sessions::table)
        .values(session)
        .execute(conn)?;
    Ok(())
}

/// The session if it exists, is not revoked and has not expired at `now`.
pub fn live_session(
    conn: &mut DbConn,
    id: &str,
    now: PrimitiveDateTime,
) -> Result<Option<AuthSession>, DbError> {
    Ok(auth_sessions::table
        .find(id)
        .filter(auth_sessions::revoked_at.is_null())
        .filter(auth_sessions::expires_at.gt(now))
        .select(AuthSession::as_select())
        .first(conn)
        .optional()?)
}

/// Revokes one session; returns whether it was live.
pub fn revoke_session(
    conn: &mut DbConn,
    id: &str,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        auth_sessions::table
            .find(id)
            .filter(auth_sessions::revoked_at.is_null()),
    )
    .set(auth_sessions::revoked_at.eq(Some(now)))
    .execute(conn)?;
    Ok(n > 0)
}

/// Revokes every live session of a subject (e.g. a removed agent of a unit).
pub fn revoke_sessions_of(
    conn: &mut DbConn,
    kind: &str,
    subject: &str,
    unit_id: Option<UnitId>,
    now: PrimitiveDateTime,
) -> Result<usize, DbError> {
    let target = auth_sessions::table
        .filter(auth_sessions::kind.eq(kind))
        .filter(auth_sessions::subject.eq(subject))
        .filter(auth_sessions::revoked_at.is_null());
    let n = match unit_id {
        Some(u) => diesel::update(target.filter(auth_sessions::unit_id.eq(u)))
            .set(auth_sessions::revoked_at.eq(Some(now)))
            .execute(conn)?,
        None => diesel::update(target)
            .set(auth_sessions::revoked_at.eq(Some(now)))
            .execute(conn)?,
    };
    Ok(n)
}
