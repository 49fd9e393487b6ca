//! Unemployment benefit claims (issue 16; R-UNEMP-1, 2): the benefit's
//! parameters by region and year, the unemployment months a person paid,
//! and the claims. Tables in [`crate::schema`], see
//! `migrations/*/2026-12-02-000037_unemployment`. One pending claim a
//! person: the partial unique index [`ONE_PENDING_KEY`].

use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use crate::employees::in_chunks;
use crate::ids::{BusinessItemId, PersonId, UnitId};
use crate::schema::{assessments, policy_unemployment_benefits, refund_lines, unemployment_claims};
use crate::{DbConn, DbError};

pub const ONE_PENDING_KEY: &str = "unemployment_claims_person_id_key";

pub const PENDING_REVIEW: &str = "pending_review";
pub const APPROVED: &str = "approved";
pub const REJECTED: &str = "rejected";

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = policy_unemployment_benefits)]
pub struct BenefitParamsRow {
    pub region_code: String,
    pub from_year: i32,
    pub minimum_wage_fen: i64,
    pub percentage_ppm: i64,
    pub subsistence_fen: i64,
    pub source: String,
    pub illustrative: bool,
    pub created_at: PrimitiveDateTime,
}

/// The region's parameters in force for `year` (the latest from a year ≤ it).
pub fn benefit_params(
    conn: &mut DbConn,
    region: &str,
    year: i32,
) -> Result<Option<BenefitParamsRow>, DbError> {
    Ok(policy_unemployment_benefits::table
        .filter(policy_unemployment_benefits::region_code.eq(region))
        .filter(policy_unemployment_benefits::from_year.le(year))
        .order(policy_unemployment_benefits::from_year.desc())
        .select(BenefitParamsRow::as_select())
        .first(conn)
        .optional()?)
}

/// The distinct months of unemployment insurance these persons paid
/// (lines paid and not refunded), at one unit when given, ascending.
pub fn paid_months(
    conn: &mut DbConn,
    person_ids: &[PersonId],
    unit_id: Option<UnitId>,
    insurance: &str,
    paid_status: &str,
) -> Result<Vec<i32>, DbError> {
    let mut months = in_chunks(person_ids, |ids| {
        let mut q = assessments::table
            .filter(assessments::person_id.eq_any(ids))
            .into_boxed();
        if let Some(u) = unit_id {
            q = q.filter(assessments::unit_id.eq(u));
        }
        q.filter(assessments::insurance.eq(insurance))
            .filter(assessments::status.eq(paid_status))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                refund_lines::table
                    .filter(refund_lines::assessment_id.eq(assessments::id))
                    .filter(refund_lines::live.eq(true)),
            )))
            .select(assessments::period)
            .load::<i32>(conn)
    })?;
    months.sort_unstable();
    months.dedup();
    Ok(months)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = unemployment_claims)]
pub struct Claim {
    pub id: i64,
    pub unit_id: UnitId,
    pub person_id: PersonId,
    pub business_item_id: BusinessItemId,
    pub end_reason: String,
    pub end_date: Date,
    pub registered_on: Date,
    pub first_period: i32,
    pub months: i32,
    pub monthly_fen: i64,
    pub total_fen: i64,
    pub status: String,
    pub calculation_json: String,
    pub decision_note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<PrimitiveDateTime>,
    pub applied_by: String,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = unemployment_claims)]
pub struct NewClaim {
    pub unit_id: UnitId,
    pub person_id: PersonId,
    pub business_item_id: BusinessItemId,
    pub end_reason: String,
    pub end_date: Date,
    pub registered_on: Date,
    pub first_period: i32,
    pub months: i32,
    pub monthly_fen: i64,
    pub total_fen: i64,
    pub status: String,
    pub calculation_json: String,
    pub applied_by: String,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// A second pending claim of the person is [`DbError::Conflict`]
/// ([`ONE_PENDING_KEY`]).
pub fn insert_claim(conn: &mut DbConn, c: &NewClaim) -> Result<Claim, DbError> {
    Ok(diesel::insert_into(unemployment_claims::table)
        .values(c)
        .returning(unemployment_claims::all_columns)
        .get_result(conn)?)
}

/// The approved claims of these persons, oldest first.
pub fn approved_claims(conn: &mut DbConn, person_ids: &[PersonId]) -> Result<Vec<Claim>, DbError> {
    in_chunks(person_ids, |ids| {
        unemployment_claims::table
            .filter(unemployment_claims::person_id.eq_any(ids))
            .filter(unemployment_claims::status.eq(APPROVED))
            .order(unemployment_claims::id)
            .select(Claim::as_select())
            .load(conn)
    })
}

pub fn claim_by_item(conn: &mut DbConn, item: BusinessItemId) -> Result<Option<Claim>, DbError> {
    Ok(unemployment_claims::table
        .filter(unemployment_claims::business_item_id.eq(item))
        .select(Claim::as_select())
        .first(conn)
        .optional()?)
}

/// Claim `id`, of `unit_id` when given (staff read any).
pub fn claim_of_unit(
    conn: &mut DbConn,
    unit_id: Option<UnitId>,
    id: i64,
) -> Result<Option<Claim>, DbError> {
    let mut q = unemployment_claims::table
        .filter(unemployment_claims::id.eq(id))
        .into_boxed();
    if let Some(u) = unit_id {
        q = q.filter(unemployment_claims::unit_id.eq(u));
    }
    Ok(q.select(Claim::as_select()).first(conn).optional()?)
}

/// One page of claims, newest first, and the total: of one unit, or every
/// unit's (staff), with a status when given.
pub fn claims_page(
    conn: &mut DbConn,
    unit_id: Option<UnitId>,
    status: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Claim>, i64), DbError> {
    let filtered = || {
        let mut q = unemployment_claims::table.into_boxed();
        if let Some(u) = unit_id {
            q = q.filter(unemployment_claims::unit_id.eq(u));
        }
        if let Some(s) = status {
            q = q.filter(unemployment_claims::status.eq(s.to_owned()));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order(unemployment_claims::id.desc())
        .offset(offset)
        .limit(limit)
        .select(Claim::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// The decision of a pending claim; false when no longer pending.
pub fn decide(
    conn: &mut DbConn,
    id: i64,
    status: &str,
    decided_by: &str,
    note: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    Ok(diesel::update(
        unemployment_claims::table
            .filter(unemployment_claims::id.eq(id))
            .filter(unemployment_claims::status.eq(PENDING_REVIEW)),
    )
    .set((
        unemployment_claims::status.eq(status),
        unemployment_claims::decided_by.eq(decided_by),
        unemployment_claims::decision_note.eq(note),
        unemployment_claims::decided_at.eq(now),
        unemployment_claims::updated_at.eq(now),
    ))
    .execute(conn)?
        == 1)
}

/// Every region's parameters, by region and year.
pub fn all_benefit_params(conn: &mut DbConn) -> Result<Vec<BenefitParamsRow>, DbError> {
    Ok(policy_unemployment_benefits::table
        .order((
            policy_unemployment_benefits::region_code,
            policy_unemployment_benefits::from_year,
        ))
        .select(BenefitParamsRow::as_select())
        .load(conn)?)
}

/// Adds a region's parameters from a year; a year that has them is
/// [`DbError::Conflict`], an unknown region too (its foreign key).
pub fn insert_benefit_params(conn: &mut DbConn, row: &BenefitParamsRow) -> Result<(), DbError> {
    diesel::insert_into(policy_unemployment_benefits::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}
