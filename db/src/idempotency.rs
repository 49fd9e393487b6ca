//! The store of `Idempotency-Key`s (`idempotent_requests`): one row per
//! (scope, key), claimed by the first request and completed with its
//! answer. The unique index [`SCOPE_KEY`] lets only one request claim a key.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::schema::idempotent_requests as t;
use crate::{DbConn, DbError};

/// The unique index on (scope, key).
pub const SCOPE_KEY: &str = "idempotent_requests_scope_key";

/// A stored key.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = t)]
pub struct KeyRow {
    pub id: i64,
    pub scope: String,
    pub key: String,
    pub fingerprint: String,
    pub method: String,
    pub path: String,
    /// `None` while the first request runs.
    pub status: Option<i32>,
    /// JSON object of the answer's replayed headers.
    pub headers: Option<String>,
    pub body: Option<Vec<u8>>,
    pub locked_until: PrimitiveDateTime,
    pub created_at: PrimitiveDateTime,
    pub completed_at: Option<PrimitiveDateTime>,
}

/// A claim of a key by the request that runs first.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = t)]
pub struct NewClaim<'a> {
    pub scope: &'a str,
    pub key: &'a str,
    pub fingerprint: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub locked_until: PrimitiveDateTime,
    pub created_at: PrimitiveDateTime,
}

pub fn find(conn: &mut DbConn, scope: &str, key: &str) -> Result<Option<KeyRow>, DbError> {
    Ok(t::table
        .filter(t::scope.eq(scope))
        .filter(t::key.eq(key))
        .select(KeyRow::as_select())
        .first(conn)
        .optional()?)
}

/// Claims a new key; a key claimed already is [`DbError::Conflict`]
/// ([`SCOPE_KEY`]).
/// Returns the claim's id.
pub fn claim(conn: &mut DbConn, row: &NewClaim<'_>) -> Result<i64, DbError> {
    Ok(diesel::insert_into(t::table)
        .values(row)
        .returning(t::id)
        .get_result(conn)?)
}

/// Takes over a claim whose request was abandoned or whose answer expired:
/// the row is claimed afresh for `row`, if it is still the one read
/// (`id`, `locked_until`). Returns whether it was taken.
pub fn reclaim(
    conn: &mut DbConn,
    id: i64,
    seen_locked_until: PrimitiveDateTime,
    row: &NewClaim<'_>,
) -> Result<bool, DbError> {
    let n = diesel::update(
        t::table
            .filter(t::id.eq(id))
            .filter(t::locked_until.eq(seen_locked_until)),
    )
    .set((
        t::fingerprint.eq(row.fingerprint),
        t::method.eq(row.method),
        t::path.eq(row.path),
        t::status.eq(None::<i32>),
        t::headers.eq(None::<String>),
        t::body.eq(None::<Vec<u8>>),
        t::locked_until.eq(row.locked_until),
        t::created_at.eq(row.created_at),
        t::completed_at.eq(None::<PrimitiveDateTime>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Stores the answer of the claim `id` (still open).
pub fn complete(
    conn: &mut DbConn,
    id: i64,
    status: i32,
    headers: &str,
    body: &[u8],
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(t::table.filter(t::id.eq(id)).filter(t::status.is_null()))
        .set((
            t::status.eq(Some(status)),
            t::headers.eq(Some(headers)),
            t::body.eq(Some(body)),
            t::completed_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Drops the open claim `id` (its request failed: a retry runs afresh).
pub fn release(conn: &mut DbConn, id: i64) -> Result<(), DbError> {
    diesel::delete(t::table.filter(t::id.eq(id)).filter(t::status.is_null())).execute(conn)?;
    Ok(())
}

/// Deletes the keys created before `before` whose requests are done or
/// abandoned; returns how many.
pub fn purge(
    conn: &mut DbConn,
    before: PrimitiveDateTime,
    now: PrimitiveDateTime,
) -> Result<usize, DbError> {
    Ok(diesel::delete(
        t::table
            .filter(t::created_at.lt(before))
            .filter(t::status.is_not_null().or(t::locked_until.lt(now))),
    )
    .execute(conn)?)
}
