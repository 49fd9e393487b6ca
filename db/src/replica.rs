//! Read-your-writes with a PostgreSQL streaming replica.
//!
//! After a session's successful write, [`mark_write`] stores the primary's
//! WAL insert position on the session row (on the primary). A read routed to
//! the replica first asks the replica [`serves`]: whether it has replayed up
//! to that position. If not (or the session never wrote), the answer decides
//! where the read goes. The marks are in the database, so a session that
//! writes on one node and reads on another still reads its writes.

use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};

use crate::schema::auth_sessions;
use crate::{DbConn, DbError};

#[derive(QueryableByName)]
struct Caught {
    #[diesel(sql_type = Bool)]
    ok: bool,
}

/// Records, on the primary, that session `id` has written up to the current
/// WAL position. PostgreSQL only (a no-op on SQLite, which has no replicas).
pub fn mark_write(conn: &mut DbConn, id: &str) -> Result<(), DbError> {
    if let DbConn::Pg(c) = conn {
        diesel::sql_query(
            "UPDATE auth_sessions SET read_after_lsn = pg_current_wal_insert_lsn()::text WHERE id = $1",
        )
        .bind::<Text, _>(id)
        .execute(c)?;
    }
    Ok(())
}

/// Whether this connection (to a replica) has replayed the primary's WAL up
/// to `after` (a mark of [`mark_write`]); `None` (no write to wait for): yes.
/// A server that is not in recovery (a promoted replica, or the primary
/// itself named as the replica) has everything. Always yes on SQLite.
pub fn serves(conn: &mut DbConn, after: Option<&str>) -> Result<bool, DbError> {
    let (DbConn::Pg(c), Some(after)) = (conn, after) else {
        return Ok(true);
    };
    let caught = diesel::sql_query(
        "SELECT COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn OR NOT pg_is_in_recovery(), true) AS ok",
    )
    .bind::<Nullable<Text>, _>(Some(after))
    .get_result::<Caught>(c)?;
    Ok(caught.ok)
}

/// The mark of session `id` (tests).
pub fn mark_of(conn: &mut DbConn, id: &str) -> Result<Option<String>, DbError> {
    Ok(auth_sessions::table
        .find(id)
        .select(auth_sessions::read_after_lsn)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}
