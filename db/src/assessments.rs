//! Assessment lines (核定明细): one row per unit × person × insurance ×
//! period, both sides. Never assessed twice: a unique index over the live
//! (not cancelled) lines refuses a second one with
//! [`DbError::Conflict`] (`assessments_unit_id_person_id_insurance_period_key`).

use diesel::prelude::*;
use qibao_core::Period;
use qibao_core::employment::{AssessmentKind, LineStatus};
use qibao_core::insurance::Insurance;
use time::PrimitiveDateTime;

use crate::ids::{AssessmentId, BusinessItemId, EmploymentId, PersonId, UnitId};
use crate::schema::assessments;
use crate::{DbConn, DbError};

/// The unique index over live lines.
pub const LIVE_LINE_KEY: &str = "assessments_unit_id_person_id_insurance_period_key";

/// `status` values.
pub const PENDING: &str = "pending";
pub const BILLED: &str = "billed";
pub const PAID: &str = "paid";
pub const CANCELLED: &str = "cancelled";

/// One assessed line, read back typed. Money in fen, rates in ppm.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = assessments)]
pub struct Assessment {
    pub id: AssessmentId,
    pub unit_id: UnitId,
    pub person_id: PersonId,
    pub employment_id: EmploymentId,
    #[diesel(deserialize_as = String)]
    pub insurance: Insurance,
    #[diesel(deserialize_as = i32)]
    pub period: Period,
    #[diesel(deserialize_as = String)]
    pub kind: AssessmentKind,
    pub base_fen: i64,
    pub unit_rate_ppm: i64,
    pub individual_rate_ppm: i64,
    pub unit_fen: i64,
    pub individual_fen: i64,
    #[diesel(deserialize_as = String)]
    pub status: LineStatus,
    pub source_item_id: Option<BusinessItemId>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// `None` is written as NULL (not DEFAULT), which batch inserts and COPY need.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = assessments, treat_none_as_default_value = false)]
pub struct NewAssessment {
    pub unit_id: UnitId,
    pub person_id: PersonId,
    pub employment_id: EmploymentId,
    pub insurance: String,
    pub period: i32,
    pub kind: String,
    pub base_fen: i64,
    pub unit_rate_ppm: i64,
    pub individual_rate_ppm: i64,
    pub unit_fen: i64,
    pub individual_fen: i64,
    pub status: String,
    pub source_item_id: Option<BusinessItemId>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// A second live line of the same unit, person, insurance and period is
/// [`DbError::Conflict`] ([`LIVE_LINE_KEY`]).
pub fn insert(conn: &mut DbConn, line: &NewAssessment) -> Result<Assessment, DbError> {
    Ok(diesel::insert_into(assessments::table)
        .values(line)
        // The selection's columns themselves: on the multi-backend
        // connection `as_returning()` cannot be used in RETURNING, and
        // `all_columns` also holds the generated `live` and `unpaid`.
        .returning(<Assessment as Selectable<diesel::pg::Pg>>::construct_selection())
        .get_result(conn)?)
}

/// The lines with these ids (any order).
pub fn get_many(conn: &mut DbConn, ids: &[AssessmentId]) -> Result<Vec<Assessment>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(assessments::table
        .filter(assessments::id.eq_any(ids))
        .order(assessments::id)
        .select(Assessment::as_select())
        .load(conn)?)
}

/// Every line of a unit, by person, period, insurance.
pub fn list_for_unit(conn: &mut DbConn, unit_id: UnitId) -> Result<Vec<Assessment>, DbError> {
    Ok(assessments::table
        .filter(assessments::unit_id.eq(unit_id))
        .order((
            assessments::person_id,
            assessments::period,
            assessments::insurance,
        ))
        .select(Assessment::as_select())
        .load(conn)?)
}

/// Every line of one person at one unit, by period and insurance.
pub fn list_for_unit_person(
    conn: &mut DbConn,
    unit_id: UnitId,
    person_id: PersonId,
) -> Result<Vec<Assessment>, DbError> {
    Ok(assessments::table
        .filter(assessments::unit_id.eq(unit_id))
        .filter(assessments::person_id.eq(person_id))
        .order((assessments::period, assessments::insurance, assessments::id))
        .select(Assessment::as_select())
        .load(conn)?)
}

/// Every line of these persons (any unit), by period.
pub fn list_for_persons(
    conn: &mut DbConn,
    person_ids: &[PersonId],
) -> Result<Vec<Assessment>, DbError> {
    if person_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(assessments::table
        .filter(assessments::person_id.eq_any(person_ids))
        .order((assessments::period, assessments::insurance, assessments::id))
        .select(Assessment::as_select())
        .load(conn)?)
}

/// Live (not cancelled) lines of these persons at other units than
/// `unit_id`, for one insurance: the periods paid or payable elsewhere.
pub fn live_periods_elsewhere(
    conn: &mut DbConn,
    person_ids: &[PersonId],
    unit_id: UnitId,
    insurance: &str,
) -> Result<Vec<i32>, DbError> {
    if person_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(assessments::table
        .filter(assessments::person_id.eq_any(person_ids))
        .filter(assessments::unit_id.ne(unit_id))
        .filter(assessments::insurance.eq(insurance))
        .filter(assessments::live.eq(true))
        .select(assessments::period)
        .distinct()
        .load(conn)?)
}

/// Live lines of these persons at `unit_id` for `insurance` from `from`
/// (YYYYMM) on.
pub fn live_from_period(
    conn: &mut DbConn,
    unit_id: UnitId,
    person_ids: &[PersonId],
    insurance: &str,
    from: i32,
) -> Result<Vec<Assessment>, DbError> {
    if person_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(assessments::table
        .filter(assessments::unit_id.eq(unit_id))
        .filter(assessments::person_id.eq_any(person_ids))
        .filter(assessments::insurance.eq(insurance))
        .filter(assessments::period.ge(from))
        .filter(assessments::live.eq(true))
        .order((assessments::period, assessments::id))
        .select(Assessment::as_select())
        .load(conn)?)
}

/// Moves the lines whose status is `from` among `ids` to `to`; returns how
/// many moved. A line restored to a live status that meets another live
/// line of the same key is [`DbError::Conflict`] ([`LIVE_LINE_KEY`]).
pub fn set_status(
    conn: &mut DbConn,
    ids: &[AssessmentId],
    from: &str,
    to: &str,
    now: PrimitiveDateTime,
) -> Result<usize, DbError> {
    if ids.is_empty() {
        return Ok(0);
    }
    Ok(diesel::update(
        assessments::table
            .filter(assessments::id.eq_any(ids))
            .filter(assessments::status.eq(from)),
    )
    .set((assessments::status.eq(to), assessments::updated_at.eq(now)))
    .execute(conn)?)
}

/// Names the refusal of [`delete_many`]: a line that is not pending or that
/// an order holds or held.
pub const ORDERED_LINE: &str = "order_lines_assessment_id_idx";

/// Deletes lines (only for undoing the item that created them): pending
/// lines that no order holds or ever held, checked in the DELETE itself (no
/// foreign key from `order_lines` guards this, see migration `000023`).
/// Unless every one of `ids` went, [`DbError::Conflict`] ([`ORDERED_LINE`])
/// and the caller's transaction rolls back.
pub fn delete_many(conn: &mut DbConn, ids: &[AssessmentId]) -> Result<usize, DbError> {
    use crate::schema::order_lines;
    use diesel::dsl::{exists, not};
    let wanted: std::collections::BTreeSet<AssessmentId> = ids.iter().copied().collect();
    if wanted.is_empty() {
        return Ok(0);
    }
    let ever_ordered = order_lines::table.filter(order_lines::assessment_id.eq(assessments::id));
    let n = diesel::delete(
        assessments::table
            .filter(assessments::id.eq_any(ids))
            .filter(assessments::status.eq(PENDING))
            .filter(not(exists(ever_ordered))),
    )
    .execute(conn)?;
    if n != wanted.len() {
        return Err(DbError::Conflict {
            constraint: ORDERED_LINE.into(),
        });
    }
    Ok(n)
}

/// Moves every line of person `from` to person `to` (a merge, R-EMP-8).
/// Two live lines of one key are [`DbError::Conflict`] ([`LIVE_LINE_KEY`]).
pub fn move_person(
    conn: &mut DbConn,
    from: PersonId,
    to: PersonId,
    now: PrimitiveDateTime,
) -> Result<usize, DbError> {
    Ok(
        diesel::update(assessments::table.filter(assessments::person_id.eq(from)))
            .set((
                assessments::person_id.eq(to),
                assessments::updated_at.eq(now),
            ))
            .execute(conn)?,
    )
}

/// Whether any line (any status) belongs to this person.
pub fn person_has_lines(conn: &mut DbConn, person_id: PersonId) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(
        assessments::table.filter(assessments::person_id.eq(person_id)),
    ))
    .get_result(conn)?)
}
