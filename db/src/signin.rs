//! Sign-in throttling state (issue 11): one row per key (the SHA-256 of a
//! normalised account identifier, known or not, or of a client address)
//! with its failure count and last failure. The rule is
//! `qibao_core::signin`; this stores its records.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::schema::signin_throttle;
use crate::{DbConn, DbError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = signin_throttle)]
pub struct ThrottleRow {
    pub key: String,
    pub failures: i32,
    pub last_failure_at: PrimitiveDateTime,
}

/// The row of a key, if any.
pub fn find(conn: &mut DbConn, key: &str) -> Result<Option<ThrottleRow>, DbError> {
    Ok(signin_throttle::table
        .find(key)
        .select(ThrottleRow::as_select())
        .first(conn)
        .optional()?)
}

/// Stores a key's row (insert or replace).
pub fn store(conn: &mut DbConn, row: &ThrottleRow) -> Result<(), DbError> {
    let n = diesel::update(signin_throttle::table.find(&row.key))
        .set((
            signin_throttle::failures.eq(row.failures),
            signin_throttle::last_failure_at.eq(row.last_failure_at),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(signin_throttle::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Forgets a key (after a successful sign-in).
pub fn clear(conn: &mut DbConn, key: &str) -> Result<(), DbError> {
    diesel::delete(signin_throttle::table.find(key)).execute(conn)?;
    Ok(())
}
