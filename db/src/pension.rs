//! The pension record and retirement applications (issue 15): the pension
//! parameters by year, what staff recognised of a person's record before
//! the system's data (opening balance, deemed months, history months), the
//! pension months a person paid in this system, and retirement applications.
//! Tables in [`crate::schema`], see `migrations/*/2026-12-02-000034_pension`.
//!
//! One application per person is pending or approved at a time: the
//! partial unique index [`ONE_LIVE_KEY`] refuses a second one with
//! [`DbError::Conflict`], concurrent submissions included. A history month
//! is entered once: the primary key (person, period) refuses it again.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::employees::in_chunks;
use crate::ids::{BusinessItemId, PersonId, RetirementApplicationId, UnitId};
use crate::schema::{
    assessments, person_contribution_history, person_pension_records, policy_pension_years,
    refund_lines, retirement_applications,
};
use crate::{DbConn, DbError};

/// The partial unique index: one pending or approved application a person.
pub const ONE_LIVE_KEY: &str = "retirement_applications_person_id_key";

/// `retirement_applications.status` values.
pub const PENDING_REVIEW: &str = "pending_review";
pub const APPROVED: &str = "approved";
pub const REJECTED: &str = "rejected";

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = policy_pension_years)]
pub struct PensionYearRow {
    pub year: i32,
    pub average_wage_fen: i64,
    pub transitional_ppm: i64,
    pub source: String,
    pub illustrative: bool,
    pub created_at: PrimitiveDateTime,
}

pub fn pension_years(conn: &mut DbConn) -> Result<Vec<PensionYearRow>, DbError> {
    Ok(policy_pension_years::table
        .order(policy_pension_years::year)
        .select(PensionYearRow::as_select())
        .load(conn)?)
}

/// A year that has parameters already is [`DbError::Conflict`].
pub fn insert_pension_year(conn: &mut DbConn, row: &PensionYearRow) -> Result<(), DbError> {
    diesel::insert_into(policy_pension_years::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = person_pension_records, treat_none_as_null = true)]
pub struct PensionRecordRow {
    pub person_id: PersonId,
    pub opening_year: Option<i32>,
    pub opening_balance_fen: Option<i64>,
    pub opening_document: Option<String>,
    pub deemed_months: i32,
    pub deemed_document: Option<String>,
    pub updated_by: String,
    pub updated_at: PrimitiveDateTime,
}

pub fn pension_record(
    conn: &mut DbConn,
    person_id: PersonId,
) -> Result<Option<PensionRecordRow>, DbError> {
    Ok(person_pension_records::table
        .find(person_id)
        .select(PensionRecordRow::as_select())
        .first(conn)
        .optional()?)
}

/// Inserts or replaces the person's record.
pub fn put_pension_record(conn: &mut DbConn, row: &PensionRecordRow) -> Result<(), DbError> {
    let updated = diesel::update(person_pension_records::table.find(row.person_id))
        .set(row)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(person_pension_records::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = person_contribution_history)]
pub struct HistoryMonthRow {
    pub person_id: PersonId,
    pub period: i32,
    pub base_fen: i64,
    pub place: String,
    pub document: String,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
}

/// The person's history months, ascending.
pub fn history(conn: &mut DbConn, person_id: PersonId) -> Result<Vec<HistoryMonthRow>, DbError> {
    Ok(person_contribution_history::table
        .filter(person_contribution_history::person_id.eq(person_id))
        .order(person_contribution_history::period)
        .select(HistoryMonthRow::as_select())
        .load(conn)?)
}

/// Inserts history months; a month entered already is [`DbError::Conflict`].
pub fn insert_history(conn: &mut DbConn, rows: &[HistoryMonthRow]) -> Result<(), DbError> {
    crate::bulk::insert_history_months(conn, rows)?;
    Ok(())
}

/// Deletes the person's history months in `from..=to`; returns how many.
pub fn delete_history(
    conn: &mut DbConn,
    person_id: PersonId,
    from: i32,
    to: i32,
) -> Result<usize, DbError> {
    Ok(diesel::delete(
        person_contribution_history::table
            .filter(person_contribution_history::person_id.eq(person_id))
            .filter(person_contribution_history::period.between(from, to)),
    )
    .execute(conn)?)
}

/// One paid pension line of a person: (period, base, individual part), in
/// fen. Lines refunded (a live refund line) are left out.
pub fn paid_pension_lines(
    conn: &mut DbConn,
    person_ids: &[PersonId],
    pension_code: &str,
    paid_status: &str,
) -> Result<Vec<(i32, i64, i64)>, DbError> {
    let mut rows = in_chunks(person_ids, |ids| {
        assessments::table
            .filter(assessments::person_id.eq_any(ids))
            .filter(assessments::insurance.eq(pension_code))
            .filter(assessments::status.eq(paid_status))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                refund_lines::table
                    .filter(refund_lines::assessment_id.eq(assessments::id))
                    .filter(refund_lines::live.eq(true)),
            )))
            .select((
                assessments::period,
                assessments::base_fen,
                assessments::individual_fen,
            ))
            .load::<(i32, i64, i64)>(conn)
    })?;
    rows.sort_unstable();
    Ok(rows)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = retirement_applications)]
pub struct RetirementApplication {
    pub id: RetirementApplicationId,
    pub unit_id: UnitId,
    pub person_id: PersonId,
    pub business_item_id: BusinessItemId,
    pub kind: String,
    pub category: String,
    pub retirement_period: i32,
    pub special_months: Option<i32>,
    pub status: String,
    pub estimate_json: String,
    pub approved_json: Option<String>,
    pub first_pension_period: Option<i32>,
    pub pension_fen: Option<i64>,
    pub note: Option<String>,
    pub decision_note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<PrimitiveDateTime>,
    pub applied_by: String,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = retirement_applications)]
pub struct NewRetirementApplication {
    pub unit_id: UnitId,
    pub person_id: PersonId,
    pub business_item_id: BusinessItemId,
    pub kind: String,
    pub category: String,
    pub retirement_period: i32,
    pub special_months: Option<i32>,
    pub status: String,
    pub estimate_json: String,
    pub note: Option<String>,
    pub applied_by: String,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// A second live application of the person is [`DbError::Conflict`]
/// ([`ONE_LIVE_KEY`]).
pub fn insert_application(
    conn: &mut DbConn,
    a: &NewRetirementApplication,
) -> Result<RetirementApplication, DbError> {
    Ok(diesel::insert_into(retirement_applications::table)
        .values(a)
        .returning(retirement_applications::all_columns)
        .get_result(conn)?)
}

pub fn application_by_item(
    conn: &mut DbConn,
    item: BusinessItemId,
) -> Result<Option<RetirementApplication>, DbError> {
    Ok(retirement_applications::table
        .filter(retirement_applications::business_item_id.eq(item))
        .select(RetirementApplication::as_select())
        .first(conn)
        .optional()?)
}

/// The unit's application `id`, if it is the unit's.
pub fn application_of_unit(
    conn: &mut DbConn,
    unit_id: UnitId,
    id: RetirementApplicationId,
) -> Result<Option<RetirementApplication>, DbError> {
    Ok(retirement_applications::table
        .filter(retirement_applications::id.eq(id))
        .filter(retirement_applications::unit_id.eq(unit_id))
        .select(RetirementApplication::as_select())
        .first(conn)
        .optional()?)
}

/// One page of the unit's applications, newest first, and the total.
pub fn applications_of_unit(
    conn: &mut DbConn,
    unit_id: UnitId,
    person_id: Option<PersonId>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<RetirementApplication>, i64), DbError> {
    let filtered = || {
        let mut q = retirement_applications::table
            .filter(retirement_applications::unit_id.eq(unit_id))
            .into_boxed();
        if let Some(p) = person_id {
            q = q.filter(retirement_applications::person_id.eq(p));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order(retirement_applications::id.desc())
        .offset(offset)
        .limit(limit)
        .select(RetirementApplication::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// The person's approved application, if any.
pub fn approved_of_person(
    conn: &mut DbConn,
    person_id: PersonId,
) -> Result<Option<RetirementApplication>, DbError> {
    Ok(retirement_applications::table
        .filter(retirement_applications::person_id.eq(person_id))
        .filter(retirement_applications::status.eq(APPROVED))
        .select(RetirementApplication::as_select())
        .first(conn)
        .optional()?)
}

/// The decision: `pending_review` → `approved` (with the frozen
/// calculation) or `rejected`. False when it was no longer pending.
#[allow(clippy::too_many_arguments)]
pub fn decide(
    conn: &mut DbConn,
    id: RetirementApplicationId,
    status: &str,
    approved_json: Option<&str>,
    first_pension_period: Option<i32>,
    pension_fen: Option<i64>,
    decided_by: &str,
    note: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        retirement_applications::table
            .filter(retirement_applications::id.eq(id))
            .filter(retirement_applications::status.eq(PENDING_REVIEW)),
    )
    .set((
        retirement_applications::status.eq(status),
        retirement_applications::approved_json.eq(approved_json),
        retirement_applications::first_pension_period.eq(first_pension_period),
        retirement_applications::pension_fen.eq(pension_fen),
        retirement_applications::decided_by.eq(decided_by),
        retirement_applications::decision_note.eq(note),
        retirement_applications::decided_at.eq(now),
        retirement_applications::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
