//! Issued certificates (参保证明, R-CERT-1…3): written once at issue, read
//! by the unit (its own only) and by the public verification (by code).

use diesel::prelude::*;
use qibao_core::certificate::CertificateKind;
use time::PrimitiveDateTime;

use crate::ids::{BusinessItemId, CertificateId, PersonId, UnitId};
use crate::schema::certificates;
use crate::{DbConn, DbError};

/// The unique index on the code: two certificates printed in the same
/// second with the same six letters (one chance in 191 million).
pub const CODE_KEY: &str = "certificates_code_key";

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = certificates)]
pub struct Certificate {
    pub id: CertificateId,
    /// Normalised: 20 characters, no spaces.
    pub code: String,
    #[diesel(deserialize_as = String)]
    pub kind: CertificateKind,
    pub unit_id: UnitId,
    pub person_id: Option<PersonId>,
    /// The frozen content, canonical JSON: the bytes that were signed.
    pub content: String,
    /// Ed25519 signature of `content`, base64.
    pub signature: String,
    pub key_id: String,
    pub business_item_id: BusinessItemId,
    pub issued_at: PrimitiveDateTime,
    pub verifiable_until: PrimitiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = certificates)]
pub struct NewCertificate<'a> {
    pub code: &'a str,
    pub kind: &'a str,
    pub unit_id: UnitId,
    pub person_id: Option<PersonId>,
    pub content: &'a str,
    pub signature: &'a str,
    pub key_id: &'a str,
    pub business_item_id: BusinessItemId,
    pub issued_at: PrimitiveDateTime,
    pub verifiable_until: PrimitiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &NewCertificate<'_>) -> Result<Certificate, DbError> {
    Ok(diesel::insert_into(certificates::table)
        .values(row)
        .returning(certificates::all_columns)
        .get_result(conn)?)
}

/// The certificate with this (normalised) code, any unit's.
pub fn find_by_code(conn: &mut DbConn, code: &str) -> Result<Option<Certificate>, DbError> {
    Ok(certificates::table
        .filter(certificates::code.eq(code))
        .select(Certificate::as_select())
        .first(conn)
        .optional()?)
}

/// One page of the unit's certificates, newest first, and how many there are.
pub fn list_for_unit(
    conn: &mut DbConn,
    unit_id: UnitId,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Certificate>, i64), DbError> {
    let total: i64 = certificates::table
        .filter(certificates::unit_id.eq(unit_id))
        .count()
        .get_result(conn)?;
    let rows = certificates::table
        .filter(certificates::unit_id.eq(unit_id))
        .order((certificates::issued_at.desc(), certificates::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(Certificate::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// 缴费总人数: the persons billed for `insurance` and `period` on the
/// unit's live or paid orders, from the orders' stored sums (one line per
/// person, insurance and month; a few rows whatever the unit's size).
pub fn headcount(
    conn: &mut DbConn,
    unit_id: UnitId,
    insurance: &str,
    period: i32,
) -> Result<i64, DbError> {
    use crate::schema::{order_sums, orders};
    let lines: Vec<i64> = order_sums::table
        .inner_join(orders::table)
        .filter(orders::unit_id.eq(unit_id))
        .filter(orders::status.eq_any([crate::orders::LIVE, crate::orders::PAID]))
        .filter(order_sums::insurance.eq(insurance))
        .filter(order_sums::period.eq(period))
        // A project's premium is no person's line.
        .filter(order_sums::kind.ne("project_premium"))
        .select(order_sums::lines)
        .load(conn)?;
    Ok(lines.into_iter().sum())
}

/// The periods with an unpaid (pending or billed) line of `insurance` at
/// the unit, ascending.
pub fn unpaid_periods(
    conn: &mut DbConn,
    unit_id: UnitId,
    insurance: &str,
) -> Result<Vec<i32>, DbError> {
    use crate::schema::assessments;
    Ok(assessments::table
        .filter(assessments::unit_id.eq(unit_id))
        .filter(assessments::unpaid.eq(true))
        .filter(assessments::insurance.eq(insurance))
        .select(assessments::period)
        .distinct()
        .order(assessments::period)
        .load(conn)?)
}

/// One paid line of a person at a unit: for the personal certificate.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct PaidLine {
    pub id: crate::ids::AssessmentId,
    pub period: i32,
    pub insurance: String,
    pub base_fen: i64,
    pub unit_fen: i64,
    pub individual_fen: i64,
}

/// The person's paid lines at the unit, by period and insurance.
pub fn paid_lines_of_person(
    conn: &mut DbConn,
    unit_id: UnitId,
    person_id: PersonId,
) -> Result<Vec<PaidLine>, DbError> {
    use crate::schema::assessments;
    Ok(assessments::table
        .filter(assessments::unit_id.eq(unit_id))
        .filter(assessments::person_id.eq(person_id))
        .filter(assessments::status.eq(crate::assessments::PAID))
        .order((assessments::period, assessments::insurance, assessments::id))
        .select((
            assessments::id,
            assessments::period,
            assessments::insurance,
            assessments::base_fen,
            assessments::unit_fen,
            assessments::individual_fen,
        ))
        .load(conn)?)
}
