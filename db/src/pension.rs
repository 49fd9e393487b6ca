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
    assessments, death_benefit_applications, pension_paid_months, pension_payroll_exclusions,
    pension_payroll_lines, pension_payrolls, pension_qualifications, pension_suspensions, pensions,
    person_contribution_history, person_pension_records, policy_death_benefits,
    policy_pension_years, refund_lines, retirement_applications,
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
#[diesel(table_name = person_contribution_history, treat_none_as_default_value = false)]
pub struct HistoryMonthRow {
    pub person_id: PersonId,
    pub period: i32,
    pub base_fen: i64,
    pub place: String,
    pub document: String,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
    /// The transfer in that brought the month (its account came as a sum).
    pub transfer_id: Option<i64>,
}

/// The person's history months, ascending.
pub fn history(conn: &mut DbConn, person_id: PersonId) -> Result<Vec<HistoryMonthRow>, DbError> {
    Ok(person_contribution_history::table
        .filter(person_contribution_history::person_id.eq(person_id))
        .order(person_contribution_history::period)
        .select(HistoryMonthRow::as_select())
        .load(conn)?)
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

// ---------------------------------------------------------------- the pension's life

/// The partial unique index: one open suspension a pension.
pub const ONE_OPEN_SUSPENSION_KEY: &str = "pension_suspensions_person_id_key";
/// The partial unique index: one live death-benefit application a person.
pub const ONE_LIVE_DEATH_KEY: &str = "death_benefit_applications_person_id_key";

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = policy_death_benefits)]
pub struct DeathStandardsRow {
    pub from_year: i32,
    pub funeral_grant_fen: i64,
    pub survivor_months: i32,
    pub source: String,
    pub illustrative: bool,
    pub created_at: PrimitiveDateTime,
}

pub fn death_standards(conn: &mut DbConn) -> Result<Vec<DeathStandardsRow>, DbError> {
    Ok(policy_death_benefits::table
        .order(policy_death_benefits::from_year)
        .select(DeathStandardsRow::as_select())
        .load(conn)?)
}

/// A year that has standards already is [`DbError::Conflict`].
pub fn insert_death_standards(conn: &mut DbConn, row: &DeathStandardsRow) -> Result<(), DbError> {
    diesel::insert_into(policy_death_benefits::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = pensions)]
pub struct PensionRow {
    pub person_id: PersonId,
    pub unit_id: UnitId,
    pub application_id: RetirementApplicationId,
    pub first_period: i32,
    pub monthly_fen: i64,
    pub account_part_fen: i64,
    pub account_balance_fen: i64,
    pub payment_kind: Option<String>,
    pub bank_name: Option<String>,
    pub account_name: Option<String>,
    pub account_no: Option<String>,
    pub death_period: Option<i32>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

pub fn insert_pension(conn: &mut DbConn, row: &PensionRow) -> Result<(), DbError> {
    diesel::insert_into(pensions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn pension_of(conn: &mut DbConn, person_id: PersonId) -> Result<Option<PensionRow>, DbError> {
    Ok(pensions::table
        .find(person_id)
        .select(PensionRow::as_select())
        .first(conn)
        .optional()?)
}

/// One page of the unit's pensions by person id, and the total.
pub fn pensions_of_unit(
    conn: &mut DbConn,
    unit_id: UnitId,
    offset: i64,
    limit: i64,
) -> Result<(Vec<PensionRow>, i64), DbError> {
    let total = pensions::table
        .filter(pensions::unit_id.eq(unit_id))
        .count()
        .get_result(conn)?;
    let rows = pensions::table
        .filter(pensions::unit_id.eq(unit_id))
        .order(pensions::person_id)
        .offset(offset)
        .limit(limit)
        .select(PensionRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Every pension not ended before `period` (the payroll's).
pub fn pensions_for_payroll(conn: &mut DbConn) -> Result<Vec<PensionRow>, DbError> {
    Ok(pensions::table
        .order(pensions::person_id)
        .select(PensionRow::as_select())
        .load(conn)?)
}

pub fn set_payment_account(
    conn: &mut DbConn,
    person_id: PersonId,
    kind: &str,
    bank_name: &str,
    account_name: &str,
    account_no: &str,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    Ok(diesel::update(pensions::table.find(person_id))
        .set((
            pensions::payment_kind.eq(kind),
            pensions::bank_name.eq(bank_name),
            pensions::account_name.eq(account_name),
            pensions::account_no.eq(account_no),
            pensions::updated_at.eq(now),
        ))
        .execute(conn)?
        == 1)
}

/// Ends the pension with the death month (only once).
pub fn set_death(
    conn: &mut DbConn,
    person_id: PersonId,
    period: i32,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    Ok(diesel::update(
        pensions::table
            .find(person_id)
            .filter(pensions::death_period.is_null()),
    )
    .set((
        pensions::death_period.eq(period),
        pensions::updated_at.eq(now),
    ))
    .execute(conn)?
        == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = pension_suspensions)]
pub struct SuspensionRow {
    pub id: i64,
    pub person_id: PersonId,
    pub from_period: i32,
    pub to_period: Option<i32>,
    pub reason: String,
    pub note: String,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
    pub resumed_by: Option<String>,
    pub resumed_at: Option<PrimitiveDateTime>,
}

/// An open suspension already is [`DbError::Conflict`]
/// ([`ONE_OPEN_SUSPENSION_KEY`]).
pub fn insert_suspension(
    conn: &mut DbConn,
    person_id: PersonId,
    from: i32,
    reason: &str,
    note: &str,
    who: &str,
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(pension_suspensions::table)
        .values((
            pension_suspensions::person_id.eq(person_id),
            pension_suspensions::from_period.eq(from),
            pension_suspensions::reason.eq(reason),
            pension_suspensions::note.eq(note),
            pension_suspensions::created_by.eq(who),
            pension_suspensions::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The suspensions of these pensions, by person and start.
pub fn suspensions_of(
    conn: &mut DbConn,
    person_ids: &[PersonId],
) -> Result<Vec<SuspensionRow>, DbError> {
    in_chunks(person_ids, |ids| {
        pension_suspensions::table
            .filter(pension_suspensions::person_id.eq_any(ids))
            .order((pension_suspensions::person_id, pension_suspensions::id))
            .select(SuspensionRow::as_select())
            .load(conn)
    })
}

/// Every suspension (the payroll reads them all at once).
pub fn all_suspensions(conn: &mut DbConn) -> Result<Vec<SuspensionRow>, DbError> {
    Ok(pension_suspensions::table
        .order((pension_suspensions::person_id, pension_suspensions::id))
        .select(SuspensionRow::as_select())
        .load(conn)?)
}

/// Closes the open suspension with its last month; false when none is open.
pub fn close_suspension(
    conn: &mut DbConn,
    person_id: PersonId,
    to: i32,
    who: &str,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    Ok(diesel::update(
        pension_suspensions::table
            .filter(pension_suspensions::person_id.eq(person_id))
            .filter(pension_suspensions::to_period.is_null()),
    )
    .set((
        pension_suspensions::to_period.eq(to),
        pension_suspensions::resumed_by.eq(who),
        pension_suspensions::resumed_at.eq(now),
    ))
    .execute(conn)?
        == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = pension_qualifications)]
pub struct QualificationRow {
    pub person_id: PersonId,
    pub year: i32,
    pub certified_on: time::Date,
    pub method: String,
    pub recorded_by: String,
    pub recorded_at: PrimitiveDateTime,
}

/// A year recorded already is [`DbError::Conflict`].
pub fn insert_qualification(conn: &mut DbConn, row: &QualificationRow) -> Result<(), DbError> {
    diesel::insert_into(pension_qualifications::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn qualifications_of(
    conn: &mut DbConn,
    person_id: PersonId,
) -> Result<Vec<QualificationRow>, DbError> {
    Ok(pension_qualifications::table
        .filter(pension_qualifications::person_id.eq(person_id))
        .order(pension_qualifications::year)
        .select(QualificationRow::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = death_benefit_applications)]
pub struct DeathApplication {
    pub id: i64,
    pub unit_id: UnitId,
    pub person_id: PersonId,
    pub business_item_id: BusinessItemId,
    pub in_service: bool,
    pub death_date: time::Date,
    pub death_period: i32,
    pub heir_name: String,
    pub heir_relation: String,
    pub bank_name: String,
    pub account_no: String,
    pub status: String,
    pub calculation_json: String,
    pub approved_json: Option<String>,
    pub payable_fen: Option<i64>,
    pub paid_payroll_id: Option<i64>,
    pub decision_note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<PrimitiveDateTime>,
    pub applied_by: String,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = death_benefit_applications)]
pub struct NewDeathApplication {
    pub unit_id: UnitId,
    pub person_id: PersonId,
    pub business_item_id: BusinessItemId,
    pub in_service: bool,
    pub death_date: time::Date,
    pub death_period: i32,
    pub heir_name: String,
    pub heir_relation: String,
    pub bank_name: String,
    pub account_no: String,
    pub status: String,
    pub calculation_json: String,
    pub applied_by: String,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// A second live application of the person is [`DbError::Conflict`]
/// ([`ONE_LIVE_DEATH_KEY`]).
pub fn insert_death_application(
    conn: &mut DbConn,
    a: &NewDeathApplication,
) -> Result<DeathApplication, DbError> {
    Ok(diesel::insert_into(death_benefit_applications::table)
        .values(a)
        .returning(death_benefit_applications::all_columns)
        .get_result(conn)?)
}

pub fn death_application_by_item(
    conn: &mut DbConn,
    item: BusinessItemId,
) -> Result<Option<DeathApplication>, DbError> {
    Ok(death_benefit_applications::table
        .filter(death_benefit_applications::business_item_id.eq(item))
        .select(DeathApplication::as_select())
        .first(conn)
        .optional()?)
}

pub fn death_application_of_unit(
    conn: &mut DbConn,
    unit_id: UnitId,
    id: i64,
) -> Result<Option<DeathApplication>, DbError> {
    Ok(death_benefit_applications::table
        .filter(death_benefit_applications::id.eq(id))
        .filter(death_benefit_applications::unit_id.eq(unit_id))
        .select(DeathApplication::as_select())
        .first(conn)
        .optional()?)
}

/// The decision of a pending application; false when no longer pending.
#[allow(clippy::too_many_arguments)]
pub fn decide_death(
    conn: &mut DbConn,
    id: i64,
    status: &str,
    approved_json: Option<&str>,
    payable_fen: Option<i64>,
    decided_by: &str,
    note: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    Ok(diesel::update(
        death_benefit_applications::table
            .filter(death_benefit_applications::id.eq(id))
            .filter(death_benefit_applications::status.eq(PENDING_REVIEW)),
    )
    .set((
        death_benefit_applications::status.eq(status),
        death_benefit_applications::approved_json.eq(approved_json),
        death_benefit_applications::payable_fen.eq(payable_fen),
        death_benefit_applications::decided_by.eq(decided_by),
        death_benefit_applications::decision_note.eq(note),
        death_benefit_applications::decided_at.eq(now),
        death_benefit_applications::updated_at.eq(now),
    ))
    .execute(conn)?
        == 1)
}

/// Approved death benefits no payroll has paid yet.
pub fn unpaid_death_benefits(conn: &mut DbConn) -> Result<Vec<DeathApplication>, DbError> {
    Ok(death_benefit_applications::table
        .filter(death_benefit_applications::status.eq(APPROVED))
        .filter(death_benefit_applications::paid_payroll_id.is_null())
        .order(death_benefit_applications::id)
        .select(DeathApplication::as_select())
        .load(conn)?)
}

/// Marks a death benefit paid by `payroll_id`; false when paid already.
pub fn mark_death_paid(conn: &mut DbConn, id: i64, payroll_id: i64) -> Result<bool, DbError> {
    Ok(diesel::update(
        death_benefit_applications::table
            .filter(death_benefit_applications::id.eq(id))
            .filter(death_benefit_applications::paid_payroll_id.is_null()),
    )
    .set(death_benefit_applications::paid_payroll_id.eq(payroll_id))
    .execute(conn)?
        == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = pension_payrolls)]
pub struct PayrollRow {
    pub id: i64,
    pub period: i32,
    pub lines: i32,
    pub excluded: i32,
    pub total_fen: i64,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
}

/// A month that has a payroll already is [`DbError::Conflict`].
pub fn insert_payroll(
    conn: &mut DbConn,
    period: i32,
    lines: i32,
    excluded: i32,
    total_fen: i64,
    who: &str,
    now: PrimitiveDateTime,
) -> Result<PayrollRow, DbError> {
    Ok(diesel::insert_into(pension_payrolls::table)
        .values((
            pension_payrolls::period.eq(period),
            pension_payrolls::lines.eq(lines),
            pension_payrolls::excluded.eq(excluded),
            pension_payrolls::total_fen.eq(total_fen),
            pension_payrolls::created_by.eq(who),
            pension_payrolls::created_at.eq(now),
        ))
        .returning(pension_payrolls::all_columns)
        .get_result(conn)?)
}

pub fn payroll_of(conn: &mut DbConn, period: i32) -> Result<Option<PayrollRow>, DbError> {
    Ok(pension_payrolls::table
        .filter(pension_payrolls::period.eq(period))
        .select(PayrollRow::as_select())
        .first(conn)
        .optional()?)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = pension_payroll_lines)]
pub struct PayrollLineRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub payroll_id: i64,
    pub person_id: PersonId,
    pub kind: String,
    pub from_period: Option<i32>,
    pub to_period: Option<i32>,
    pub months: i32,
    pub amount_fen: i64,
    pub payment_kind: String,
    pub bank_name: String,
    pub account_name: String,
    pub account_no: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = pension_payroll_exclusions)]
pub struct ExclusionRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub payroll_id: i64,
    pub person_id: PersonId,
    pub reason_code: String,
    pub reason: String,
}

/// Every paid month of every pension: (person, period).
pub fn all_paid_months(conn: &mut DbConn) -> Result<Vec<(PersonId, i32)>, DbError> {
    Ok(pension_paid_months::table
        .order((pension_paid_months::person_id, pension_paid_months::period))
        .select((pension_paid_months::person_id, pension_paid_months::period))
        .load(conn)?)
}

/// The paid months of one pension.
pub fn paid_months_of(conn: &mut DbConn, person_id: PersonId) -> Result<Vec<i32>, DbError> {
    Ok(pension_paid_months::table
        .filter(pension_paid_months::person_id.eq(person_id))
        .order(pension_paid_months::period)
        .select(pension_paid_months::period)
        .load(conn)?)
}

/// One page of a payroll's lines, and the total.
pub fn payroll_lines(
    conn: &mut DbConn,
    payroll_id: i64,
    offset: i64,
    limit: i64,
) -> Result<(Vec<PayrollLineRow>, i64), DbError> {
    let total = pension_payroll_lines::table
        .filter(pension_payroll_lines::payroll_id.eq(payroll_id))
        .count()
        .get_result(conn)?;
    let rows = pension_payroll_lines::table
        .filter(pension_payroll_lines::payroll_id.eq(payroll_id))
        .order(pension_payroll_lines::id)
        .offset(offset)
        .limit(limit)
        .select(PayrollLineRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// A payroll's totals per payment account group: (kind, bank, lines, fen).
pub fn payroll_groups(
    conn: &mut DbConn,
    payroll_id: i64,
) -> Result<Vec<(String, String, i64, i64)>, DbError> {
    use diesel::dsl::{count_star, sql};
    use diesel::sql_types::BigInt;
    let rows: Vec<(String, String, i64, i64)> = pension_payroll_lines::table
        .filter(pension_payroll_lines::payroll_id.eq(payroll_id))
        .group_by((
            pension_payroll_lines::payment_kind,
            pension_payroll_lines::bank_name,
        ))
        .order((
            pension_payroll_lines::payment_kind,
            pension_payroll_lines::bank_name,
        ))
        .select((
            pension_payroll_lines::payment_kind,
            pension_payroll_lines::bank_name,
            count_star(),
            sql::<BigInt>("CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT)"),
        ))
        .load(conn)?;
    Ok(rows)
}

pub fn payroll_exclusions(
    conn: &mut DbConn,
    payroll_id: i64,
) -> Result<Vec<ExclusionRow>, DbError> {
    Ok(pension_payroll_exclusions::table
        .filter(pension_payroll_exclusions::payroll_id.eq(payroll_id))
        .order(pension_payroll_exclusions::id)
        .select(ExclusionRow::as_select())
        .load(conn)?)
}
