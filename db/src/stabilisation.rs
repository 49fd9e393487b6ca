//! The job-stabilisation refund (稳岗返还, issue 16; R-STAB-1): its
//! parameters by year, the unit's figures of a year read in SQL, and the
//! applications. Tables in [`crate::schema`], see
//! `migrations/*/2026-12-02-000039_stabilisation`. One live application per
//! unit and year: the partial unique index [`ONE_PER_YEAR_KEY`].

use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use crate::ids::{BusinessItemId, UnitId};
use crate::orders::sqlite_placeholders;
use crate::schema::{employments, policy_stabilisation_years, stabilisation_refunds, units};
use crate::{DbConn, DbError};

pub const ONE_PER_YEAR_KEY: &str = "stabilisation_refunds_unit_id_year_key";

pub const PENDING_REVIEW: &str = "pending_review";
pub const APPROVED: &str = "approved";
pub const REJECTED: &str = "rejected";
pub const PAID_OUT: &str = "paid_out";

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = policy_stabilisation_years)]
pub struct YearParams {
    pub year: i32,
    pub layoff_threshold_ppm: i64,
    pub small_unit_threshold_ppm: i64,
    pub small_unit_headcount: i32,
    pub large_share_ppm: i64,
    pub small_medium_share_ppm: i64,
    pub source: String,
    pub illustrative: bool,
}

/// The parameters of `year`, if published.
pub fn year_params(conn: &mut DbConn, year: i32) -> Result<Option<YearParams>, DbError> {
    Ok(policy_stabilisation_years::table
        .find(year)
        .select(YearParams::as_select())
        .first(conn)
        .optional()?)
}

/// Every year's parameters, oldest first.
pub fn all_year_params(conn: &mut DbConn) -> Result<Vec<YearParams>, DbError> {
    Ok(policy_stabilisation_years::table
        .order(policy_stabilisation_years::year)
        .select(YearParams::as_select())
        .load(conn)?)
}

/// A year's parameters as staff add them.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = policy_stabilisation_years)]
pub struct NewYearParams {
    pub year: i32,
    pub layoff_threshold_ppm: i64,
    pub small_unit_threshold_ppm: i64,
    pub small_unit_headcount: i32,
    pub large_share_ppm: i64,
    pub small_medium_share_ppm: i64,
    pub source: String,
    pub illustrative: bool,
    pub created_at: PrimitiveDateTime,
}

/// Adds a year's parameters; a year that has them is [`DbError::Conflict`].
pub fn insert_year_params(conn: &mut DbConn, row: &NewYearParams) -> Result<(), DbError> {
    diesel::insert_into(policy_stabilisation_years::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// One month of the unit's unemployment insurance: persons assessed,
/// lines still unpaid, and what was paid (unit and individual parts, lines
/// paid and not refunded).
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct MonthFigures {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub period: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub persons: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub unpaid_lines: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub paid_unit_fen: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub paid_individual_fen: i64,
}

/// The unit's unemployment months `from`–`to` (YYYYMM), one statement.
pub fn unemployment_months(
    conn: &mut DbConn,
    unit_id: UnitId,
    insurance: &str,
    from: i32,
    to: i32,
) -> Result<Vec<MonthFigures>, DbError> {
    use diesel::sql_types::{BigInt, Integer, Text};
    const SQL: &str = "SELECT a.period AS period, COUNT(DISTINCT a.person_id) AS persons, \
        CAST(SUM(CASE WHEN a.unpaid THEN 1 ELSE 0 END) AS BIGINT) AS unpaid_lines, \
        CAST(SUM(CASE WHEN a.status = 'paid' AND r.id IS NULL THEN a.unit_fen ELSE 0 END) AS BIGINT) \
            AS paid_unit_fen, \
        CAST(SUM(CASE WHEN a.status = 'paid' AND r.id IS NULL THEN a.individual_fen ELSE 0 END) AS BIGINT) \
            AS paid_individual_fen \
        FROM assessments a \
        LEFT JOIN refund_lines r ON r.assessment_id = a.id AND r.live = TRUE \
        WHERE a.unit_id = $1 AND a.insurance = $2 AND a.live AND a.period BETWEEN $3 AND $4 \
        GROUP BY a.period ORDER BY a.period";
    Ok(match conn {
        DbConn::Pg(c) => diesel::sql_query(SQL)
            .bind::<BigInt, _>(unit_id)
            .bind::<Text, _>(insurance)
            .bind::<Integer, _>(from)
            .bind::<Integer, _>(to)
            .load(c)?,
        DbConn::Sqlite(c) => diesel::sql_query(sqlite_placeholders(SQL))
            .bind::<BigInt, _>(unit_id)
            .bind::<Text, _>(insurance)
            .bind::<Integer, _>(from)
            .bind::<Integer, _>(to)
            .load(c)?,
    })
}

/// The unit's relations of `insurance` stopped between `from` and `to`
/// (inclusive), counted by the end reason given (`None`: none given).
pub fn stops_by_reason(
    conn: &mut DbConn,
    unit_id: UnitId,
    insurance: &str,
    from: Date,
    to: Date,
) -> Result<Vec<(Option<String>, i64)>, DbError> {
    Ok(employments::table
        .filter(employments::unit_id.eq(unit_id))
        .filter(employments::insurance.eq(insurance))
        .filter(employments::status.ne(crate::repo::ACTIVE))
        .filter(employments::stop_date.between(from, to))
        .group_by(employments::end_reason)
        .select((employments::end_reason, diesel::dsl::count_star()))
        .load(conn)?)
}

/// Sets the unit's size class; false when no such unit.
pub fn set_size_class(
    conn: &mut DbConn,
    unit_id: UnitId,
    size_class: &str,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    Ok(diesel::update(units::table.find(unit_id))
        .set((units::size_class.eq(size_class), units::updated_at.eq(now)))
        .execute(conn)?
        == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = stabilisation_refunds)]
pub struct Application {
    pub id: i64,
    pub unit_id: UnitId,
    pub year: i32,
    pub business_item_id: BusinessItemId,
    pub amount_fen: i64,
    pub status: String,
    pub calculation_json: String,
    pub bank_name: String,
    pub account_name: String,
    pub account_no: String,
    pub decision_note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<PrimitiveDateTime>,
    pub paid_out_by: Option<String>,
    pub paid_out_at: Option<PrimitiveDateTime>,
    pub payout_reference: Option<String>,
    pub applied_by: String,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = stabilisation_refunds)]
pub struct NewApplication {
    pub unit_id: UnitId,
    pub year: i32,
    pub business_item_id: BusinessItemId,
    pub amount_fen: i64,
    pub status: String,
    pub calculation_json: String,
    pub bank_name: String,
    pub account_name: String,
    pub account_no: String,
    pub applied_by: String,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// A second live application of the unit for the year is
/// [`DbError::Conflict`] ([`ONE_PER_YEAR_KEY`]).
pub fn insert(conn: &mut DbConn, a: &NewApplication) -> Result<Application, DbError> {
    Ok(diesel::insert_into(stabilisation_refunds::table)
        .values(a)
        .returning(stabilisation_refunds::all_columns)
        .get_result(conn)?)
}

/// The unit's live (not rejected) application for `year`.
pub fn live_of_year(
    conn: &mut DbConn,
    unit_id: UnitId,
    year: i32,
) -> Result<Option<Application>, DbError> {
    Ok(stabilisation_refunds::table
        .filter(stabilisation_refunds::unit_id.eq(unit_id))
        .filter(stabilisation_refunds::year.eq(year))
        .filter(stabilisation_refunds::status.ne(REJECTED))
        .select(Application::as_select())
        .first(conn)
        .optional()?)
}

/// Application `id`, of `unit_id` when given.
pub fn get(
    conn: &mut DbConn,
    id: i64,
    unit_id: Option<UnitId>,
) -> Result<Option<Application>, DbError> {
    let mut q = stabilisation_refunds::table
        .filter(stabilisation_refunds::id.eq(id))
        .into_boxed();
    if let Some(u) = unit_id {
        q = q.filter(stabilisation_refunds::unit_id.eq(u));
    }
    Ok(q.select(Application::as_select()).first(conn).optional()?)
}

pub fn by_item(conn: &mut DbConn, item: BusinessItemId) -> Result<Option<Application>, DbError> {
    Ok(stabilisation_refunds::table
        .filter(stabilisation_refunds::business_item_id.eq(item))
        .select(Application::as_select())
        .first(conn)
        .optional()?)
}

/// A page of applications, newest first: of one unit, or every unit's
/// (with a status when given); with the total.
pub fn page(
    conn: &mut DbConn,
    unit_id: Option<UnitId>,
    status: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Application>, i64), DbError> {
    let filtered = || {
        let mut q = stabilisation_refunds::table.into_boxed();
        if let Some(u) = unit_id {
            q = q.filter(stabilisation_refunds::unit_id.eq(u));
        }
        if let Some(s) = status {
            q = q.filter(stabilisation_refunds::status.eq(s.to_owned()));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order(stabilisation_refunds::id.desc())
        .offset(offset)
        .limit(limit)
        .select(Application::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// The decision of a pending application; false when no longer pending.
pub fn decide(
    conn: &mut DbConn,
    id: i64,
    status: &str,
    decided_by: &str,
    note: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    Ok(diesel::update(
        stabilisation_refunds::table
            .filter(stabilisation_refunds::id.eq(id))
            .filter(stabilisation_refunds::status.eq(PENDING_REVIEW)),
    )
    .set((
        stabilisation_refunds::status.eq(status),
        stabilisation_refunds::decided_by.eq(decided_by),
        stabilisation_refunds::decision_note.eq(note),
        stabilisation_refunds::decided_at.eq(now),
        stabilisation_refunds::updated_at.eq(now),
    ))
    .execute(conn)?
        == 1)
}

/// Records the payout of an approved application; false when not approved.
pub fn set_paid_out(
    conn: &mut DbConn,
    id: i64,
    by: &str,
    reference: &str,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    Ok(diesel::update(
        stabilisation_refunds::table
            .filter(stabilisation_refunds::id.eq(id))
            .filter(stabilisation_refunds::status.eq(APPROVED)),
    )
    .set((
        stabilisation_refunds::status.eq(PAID_OUT),
        stabilisation_refunds::paid_out_by.eq(by),
        stabilisation_refunds::paid_out_at.eq(now),
        stabilisation_refunds::payout_reference.eq(reference),
        stabilisation_refunds::updated_at.eq(now),
    ))
    .execute(conn)?
        == 1)
}
