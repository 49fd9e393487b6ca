//! Set-based writes for paths whose size grows with the unit (a monthly
//! declaration, an order issue, later an import): the rows go to the
//! database in as few statements as the backend allows, inside the caller's
//! transaction, and nothing is read back.
//!
//! - PostgreSQL: `COPY … FROM STDIN (FORMAT binary)` (diesel's `copy_from`),
//!   one statement for any number of rows.
//! - SQLite: multi-row `INSERT … VALUES (…), (…)`, chunked to stay under the
//!   32,766 bind parameters SQLite allows a statement.
//!
//! A unique index that refuses a row refuses the whole batch with
//! [`DbError::Conflict`] naming the index, as a single insert would, so
//! callers keep their retry. On PostgreSQL a failed COPY aborts the
//! transaction, like any failed statement; callers roll back and retry.

use diesel::prelude::*;

use crate::assessments::NewAssessment;
use crate::orders::NewOrderLine;
use crate::schema::{assessments, order_lines};
use crate::{DbConn, DbError};

/// SQLite's limit of bind parameters per statement (SQLITE_MAX_VARIABLE_NUMBER
/// of the bundled library).
pub const SQLITE_MAX_PARAMS: usize = 32_766;

/// Rows per SQLite statement for a table of `columns` inserted columns.
pub const fn sqlite_chunk(columns: usize) -> usize {
    let n = SQLITE_MAX_PARAMS / columns;
    if n == 0 { 1 } else { n }
}

/// Inserts `rows` into `$table` with COPY (PostgreSQL) or chunked multi-row
/// INSERTs (SQLite); `$columns` is the number of inserted columns.
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr, $columns:expr) => {{
        let rows = $rows;
        if rows.is_empty() {
            return Ok(0);
        }
        match $conn {
            DbConn::Pg(c) => Ok(diesel::copy_from($table).from_insertable(rows).execute(c)?),
            DbConn::Sqlite(c) => {
                let mut n = 0;
                for chunk in rows.chunks(sqlite_chunk($columns)) {
                    n += diesel::insert_into($table).values(chunk).execute(c)?;
                }
                Ok(n)
            }
        }
    }};
}

/// Assessment lines ([`NewAssessment`], 15 columns). A second live line of
/// the same unit, person, insurance and period is [`DbError::Conflict`]
/// ([`crate::assessments::LIVE_LINE_KEY`]).
pub fn insert_assessments(conn: &mut DbConn, rows: &[NewAssessment]) -> Result<usize, DbError> {
    insert_all!(conn, assessments::table, rows, 15)
}

/// Order lines ([`NewOrderLine`], 11 columns). A line already on a live
/// order is [`DbError::Conflict`] ([`crate::orders::LIVE_LINE_KEY`]).
pub fn insert_order_lines(conn: &mut DbConn, rows: &[NewOrderLine]) -> Result<usize, DbError> {
    insert_all!(conn, order_lines::table, rows, 11)
}

#[cfg(test)]
mod tests {
    use super::sqlite_chunk;

    #[test]
    fn chunks_stay_under_the_parameter_limit() {
        assert_eq!(sqlite_chunk(15), 2184);
        assert!(sqlite_chunk(15) * 15 <= super::SQLITE_MAX_PARAMS);
        assert_eq!(sqlite_chunk(40_000), 1);
    }
}
