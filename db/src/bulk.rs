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
use time::Date;

use crate::assessments::{NewAssessment, PENDING};
use crate::ids::{OrderId, UnitId};
use crate::orders::{NewOrderLine, NewOrderSum};
use crate::schema::{assessments, order_lines, order_sums, tax_statement_lines};
use crate::tax::NewStatementLine;
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

/// Inserts `rows` into `$table` in multi-row `INSERT … RETURNING` statements
/// (chunked under the backend's bind-parameter limit: SQLite 32,766,
/// PostgreSQL 65,535) and returns the stored rows; `$columns` is the number
/// of inserted columns. For writes whose ids the caller needs (a batch of
/// enrolments records each created row in its business item).
macro_rules! insert_returning {
    ($conn:expr, $table:expr, $rows:expr, $columns:expr, $returning:expr) => {{
        let rows = $rows;
        let mut out = Vec::with_capacity(rows.len());
        match $conn {
            DbConn::Pg(c) => {
                for chunk in rows.chunks(pg_chunk($columns)) {
                    out.extend(
                        diesel::insert_into($table)
                            .values(chunk)
                            .returning($returning)
                            .get_results(c)?,
                    );
                }
            }
            DbConn::Sqlite(c) => {
                for chunk in rows.chunks(sqlite_chunk($columns)) {
                    out.extend(
                        diesel::insert_into($table)
                            .values(chunk)
                            .returning($returning)
                            .get_results(c)?,
                    );
                }
            }
        }
        Ok::<_, DbError>(out)
    }};
}

/// PostgreSQL's limit of bind parameters per statement.
pub const PG_MAX_PARAMS: usize = 65_535;

/// Rows per PostgreSQL statement for a table of `columns` inserted columns.
pub const fn pg_chunk(columns: usize) -> usize {
    let n = PG_MAX_PARAMS / columns;
    if n == 0 { 1 } else { n }
}

/// Persons ([`crate::rows::NewPerson`], 12 columns), returned as stored. A
/// person number twice is [`DbError::Conflict`].
pub fn insert_persons(
    conn: &mut DbConn,
    rows: &[crate::rows::NewPerson],
) -> Result<Vec<crate::rows::Person>, DbError> {
    use crate::schema::persons;
    insert_returning!(conn, persons::table, rows, 12, persons::all_columns)
}

/// Relations ([`crate::rows::NewEmployment`], 10 columns), returned as
/// stored. A second active relation of a person and insurance is
/// [`DbError::Conflict`].
pub fn insert_employments(
    conn: &mut DbConn,
    rows: &[crate::rows::NewEmployment],
) -> Result<Vec<crate::rows::Employment>, DbError> {
    use crate::schema::employments;
    insert_returning!(conn, employments::table, rows, 10, employments::all_columns)
}

/// Assessment lines returned as stored (their ids go into the business
/// items that created them).
pub fn insert_assessments_returning(
    conn: &mut DbConn,
    rows: &[NewAssessment],
) -> Result<Vec<crate::assessments::Assessment>, DbError> {
    insert_returning!(
        conn,
        assessments::table,
        rows,
        15,
        <crate::assessments::Assessment as Selectable<diesel::pg::Pg>>::construct_selection()
    )
}

/// Business items, returned as stored and appended to their units' hash
/// chains ([`crate::item_chain::append_many`]) in the caller's transaction.
pub fn insert_business_items(
    conn: &mut DbConn,
    rows: &[crate::rows::NewBusinessItem],
) -> Result<Vec<crate::rows::BusinessItem>, DbError> {
    use crate::schema::business_items;
    let stored: Vec<crate::rows::BusinessItem> = insert_returning!(
        conn,
        business_items::table,
        rows,
        9,
        business_items::all_columns
    )?;
    crate::item_chain::append_many(conn, &stored)?;
    if let Some(first) = stored.first() {
        crate::events::items(conn, &stored, None, first.updated_at)?;
    }
    Ok(stored)
}

/// Events of a unit's feed ([`crate::events`], 6 columns).
pub fn insert_unit_events(
    conn: &mut DbConn,
    rows: &[crate::events::EventRow],
) -> Result<usize, DbError> {
    insert_all!(conn, crate::schema::unit_events::table, rows, 6)
}

/// ID-number claims (`person_id_keys`): one person per ID. A claimed ID is
/// [`DbError::Conflict`].
pub fn claim_id_keys(
    conn: &mut DbConn,
    rows: &[(String, crate::ids::PersonId)],
) -> Result<usize, DbError> {
    use crate::schema::person_id_keys;
    let values: Vec<_> = rows
        .iter()
        .map(|(k, p)| {
            (
                person_id_keys::id_key.eq(k),
                person_id_keys::person_id.eq(*p),
            )
        })
        .collect();
    insert_all!(conn, person_id_keys::table, &values, 2)
}

/// Hash-chain links ([`crate::item_chain::NewLink`], 7 columns).
pub fn insert_chain_links(
    conn: &mut DbConn,
    rows: &[crate::item_chain::NewLink],
) -> Result<usize, DbError> {
    use crate::schema::item_chain_links;
    insert_all!(conn, item_chain_links::table, rows, 7)
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

/// An order's sums by insurance, kind and period ([`NewOrderSum`], 9
/// columns), written with the order.
pub fn insert_order_sums(conn: &mut DbConn, rows: &[NewOrderSum]) -> Result<usize, DbError> {
    insert_all!(conn, order_sums::table, rows, 9)
}

/// A day's tax statement lines ([`NewStatementLine`], 5 columns). A serial
/// twice in one day is [`DbError::Conflict`].
pub fn insert_statement_lines(
    conn: &mut DbConn,
    rows: &[NewStatementLine],
) -> Result<usize, DbError> {
    insert_all!(conn, tax_statement_lines::table, rows, 5)
}

/// The terms an order line takes from its month when nothing accrues (see
/// `qibao_core::late::charge_free_terms`): zero interest and late fee, the
/// month's late-fee rate, first day and waiver note, the interest detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedLineTerms {
    pub interest_detail: String,
    pub late_fee_rate_ppm: i64,
    pub late_fee_from: Option<Date>,
    pub late_fee_note: Option<String>,
}

/// Puts every pending line of `unit_id` and `period` of the `insurances`
/// (codes; the month's insurances that share `terms`) on order `order_id` with the same `terms`, in one
/// `INSERT … SELECT`: the rows never travel to the application. Returns how
/// many lines were put on the order. A line already on a live order is
/// [`DbError::Conflict`] ([`crate::orders::LIVE_LINE_KEY`]).
pub fn order_lines_from_pending(
    conn: &mut DbConn,
    order_id: OrderId,
    unit_id: UnitId,
    period: i32,
    insurances: &[&str],
    terms: &SharedLineTerms,
) -> Result<usize, DbError> {
    use diesel::sql_types::{BigInt, Bool, Date as SqlDate, Nullable, Text};
    let pending = assessments::table
        .filter(assessments::unit_id.eq(unit_id))
        .filter(assessments::unpaid.eq(true))
        .filter(assessments::period.eq(period))
        .filter(assessments::status.eq(PENDING))
        .filter(assessments::insurance.eq_any(insurances));
    let rows = pending.select((
        order_id.into_sql::<BigInt>(),
        assessments::id,
        true.into_sql::<Bool>(),
        0i64.into_sql::<BigInt>(),
        0i64.into_sql::<BigInt>(),
        terms.interest_detail.clone().into_sql::<Text>(),
        0i64.into_sql::<BigInt>(),
        0i64.into_sql::<BigInt>(),
        terms.late_fee_rate_ppm.into_sql::<BigInt>(),
        terms.late_fee_from.into_sql::<Nullable<SqlDate>>(),
        terms.late_fee_note.clone().into_sql::<Nullable<Text>>(),
    ));
    Ok(diesel::insert_into(order_lines::table)
        .values(rows)
        .into_columns((
            order_lines::order_id,
            order_lines::assessment_id,
            order_lines::live,
            order_lines::interest_fen,
            order_lines::interest_days,
            order_lines::interest_detail,
            order_lines::late_fee_fen,
            order_lines::late_fee_days,
            order_lines::late_fee_rate_ppm,
            order_lines::late_fee_from,
            order_lines::late_fee_note,
        ))
        .execute(conn)?)
}

/// Inserts `rows` into `$table` in multi-row INSERTs chunked under the
/// backend's bind-parameter limit (no COPY: for the small writes of one
/// request or job whose rows hold typed ids); `$columns` is the number of
/// inserted columns. A unique key's refusal is [`DbError::Conflict`].
macro_rules! insert_chunked {
    ($conn:expr, $table:expr, $rows:expr, $columns:expr) => {{
        let rows = $rows;
        let mut n = 0;
        match $conn {
            DbConn::Pg(c) => {
                for chunk in rows.chunks(pg_chunk($columns)) {
                    n += diesel::insert_into($table).values(chunk).execute(c)?;
                }
            }
            DbConn::Sqlite(c) => {
                for chunk in rows.chunks(sqlite_chunk($columns)) {
                    n += diesel::insert_into($table).values(chunk).execute(c)?;
                }
            }
        }
        Ok::<usize, DbError>(n)
    }};
}

/// Months of a person's contribution history
/// ([`crate::pension::HistoryMonthRow`], 8 columns). A month entered
/// already is [`DbError::Conflict`].
pub fn insert_history_months(
    conn: &mut DbConn,
    rows: &[crate::pension::HistoryMonthRow],
) -> Result<usize, DbError> {
    insert_chunked!(
        conn,
        crate::schema::person_contribution_history::table,
        rows,
        8
    )
}

/// A pension payroll's lines (11 columns), the months it pays (3 columns; a
/// month paid already is [`DbError::Conflict`]) and the pensions it leaves
/// out (4 columns), in the caller's transaction.
pub fn insert_payroll(
    conn: &mut DbConn,
    lines: &[crate::pension::PayrollLineRow],
    paid: &[(crate::ids::PersonId, i32, i64)],
    excluded: &[crate::pension::ExclusionRow],
) -> Result<(), DbError> {
    use crate::schema::{pension_paid_months, pension_payroll_exclusions, pension_payroll_lines};
    let paid: Vec<_> = paid
        .iter()
        .map(|(p, m, r)| {
            (
                pension_paid_months::person_id.eq(*p),
                pension_paid_months::period.eq(*m),
                pension_paid_months::payroll_id.eq(*r),
            )
        })
        .collect();
    insert_chunked!(&mut *conn, pension_payroll_lines::table, lines, 11)?;
    insert_chunked!(&mut *conn, pension_paid_months::table, &paid, 3)?;
    insert_chunked!(&mut *conn, pension_payroll_exclusions::table, excluded, 4)?;
    Ok(())
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
