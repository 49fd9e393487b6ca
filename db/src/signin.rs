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

#[derive(QueryableByName)]
struct LockedRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    failures: i32,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    last_failure_at: PrimitiveDateTime,
}

/// The row of a key, created (no failures, `now`) when missing and locked
/// until the caller's transaction ends: concurrent failures of one key are
/// counted one after another, none lost and none refused by the key's
/// uniqueness (PostgreSQL's `ON CONFLICT … DO UPDATE` waits for the other
/// writer and takes its committed row; SQLite's write transactions are
/// serial already). Callers lock their keys in one order.
pub fn lock(conn: &mut DbConn, key: &str, now: PrimitiveDateTime) -> Result<ThrottleRow, DbError> {
    use diesel::sql_types::{Text, Timestamp};
    const SQL: &str = "INSERT INTO signin_throttle (key, failures, last_failure_at) \
        VALUES ({k}, 0, {t}) \
        ON CONFLICT (key) DO UPDATE SET failures = signin_throttle.failures \
        RETURNING failures, last_failure_at";
    let row: LockedRow = match conn {
        DbConn::Pg(c) => diesel::sql_query(SQL.replace("{k}", "$1").replace("{t}", "$2"))
            .bind::<Text, _>(key)
            .bind::<Timestamp, _>(now)
            .get_result(c)?,
        DbConn::Sqlite(c) => diesel::sql_query(SQL.replace("{k}", "?").replace("{t}", "?"))
            .bind::<Text, _>(key)
            .bind::<Timestamp, _>(now)
            .get_result(c)?,
    };
    Ok(ThrottleRow {
        key: key.to_owned(),
        failures: row.failures,
        last_failure_at: row.last_failure_at,
    })
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
