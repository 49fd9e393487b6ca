//! Wage-base declarations (缴费工资申报, R-WAGE-1…4) with their per-person
//! rows, and monthly / back-pay declarations (R-DECL-1…3, R-BACK-1).
//!
//! One current wage-base declaration per unit and social-insurance year
//! (unique index [`WAGE_CURRENT_KEY`] over the rows not superseded); one
//! declaration per unit and period ([`DECLARATION_KEY`]).

use diesel::prelude::*;
use qibao_core::Period;
use time::PrimitiveDateTime;

use crate::ids::{PersonId, UnitId, WageDeclarationId};
use crate::schema::{declarations, unit_insurances, wage_declaration_persons, wage_declarations};
use crate::{DbConn, DbError};

/// The unique index over current wage-base declarations.
pub const WAGE_CURRENT_KEY: &str = "wage_declarations_unit_id_si_year_key";
/// The unique index over versions of a wage-base declaration.
pub const WAGE_VERSION_KEY: &str = "wage_declarations_unit_id_si_year_version_key";
/// The unique index over a unit's declarations of a period.
pub const DECLARATION_KEY: &str = "declarations_unit_id_period_key";

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = wage_declarations)]
pub struct WageDeclaration {
    pub id: WageDeclarationId,
    pub unit_id: UnitId,
    pub si_year: i32,
    pub version: i32,
    pub late: bool,
    pub committed_by: String,
    pub committed_at: PrimitiveDateTime,
    pub superseded_at: Option<PrimitiveDateTime>,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = wage_declarations)]
pub struct NewWageDeclaration {
    pub unit_id: UnitId,
    pub si_year: i32,
    pub version: i32,
    pub late: bool,
    pub committed_by: String,
    pub committed_at: PrimitiveDateTime,
    pub superseded_at: Option<PrimitiveDateTime>,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = wage_declaration_persons)]
pub struct WagePerson {
    pub id: i64,
    pub declaration_id: WageDeclarationId,
    pub person_id: PersonId,
    pub basis: String,
    pub previous_year_total_fen: Option<i64>,
    pub months_paid: Option<i32>,
    pub wage_fen: Option<i64>,
    pub declared_fen: i64,
    pub base_fen: i64,
    pub adjustment: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = wage_declaration_persons)]
pub struct NewWagePerson {
    pub declaration_id: WageDeclarationId,
    pub person_id: PersonId,
    pub basis: String,
    pub previous_year_total_fen: Option<i64>,
    pub months_paid: Option<i32>,
    pub wage_fen: Option<i64>,
    pub declared_fen: i64,
    pub base_fen: i64,
    pub adjustment: String,
}

/// The current wage-base declaration of a unit for a year.
pub fn current_wage_declaration(
    conn: &mut DbConn,
    unit_id: UnitId,
    si_year: i32,
) -> Result<Option<WageDeclaration>, DbError> {
    Ok(wage_declarations::table
        .filter(wage_declarations::unit_id.eq(unit_id))
        .filter(wage_declarations::si_year.eq(si_year))
        .filter(wage_declarations::superseded_at.is_null())
        .select(WageDeclaration::as_select())
        .first(conn)
        .optional()?)
}

/// Every version of a unit's wage-base declaration for a year, oldest first.
pub fn wage_declaration_versions(
    conn: &mut DbConn,
    unit_id: UnitId,
    si_year: i32,
) -> Result<Vec<WageDeclaration>, DbError> {
    Ok(wage_declarations::table
        .filter(wage_declarations::unit_id.eq(unit_id))
        .filter(wage_declarations::si_year.eq(si_year))
        .order(wage_declarations::version)
        .select(WageDeclaration::as_select())
        .load(conn)?)
}

/// Marks a current declaration superseded; returns how many rows moved
/// (0 when a concurrent correction got there first).
pub fn supersede(
    conn: &mut DbConn,
    id: WageDeclarationId,
    now: PrimitiveDateTime,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        wage_declarations::table
            .filter(wage_declarations::id.eq(id))
            .filter(wage_declarations::superseded_at.is_null()),
    )
    .set(wage_declarations::superseded_at.eq(Some(now)))
    .execute(conn)?)
}

/// A second current declaration of the unit and year is
/// [`DbError::Conflict`] ([`WAGE_CURRENT_KEY`]).
pub fn insert_wage_declaration(
    conn: &mut DbConn,
    d: &NewWageDeclaration,
    persons: &[NewWagePerson],
) -> Result<(WageDeclaration, Vec<WagePerson>), DbError> {
    let row: WageDeclaration = diesel::insert_into(wage_declarations::table)
        .values(d)
        .returning(wage_declarations::all_columns)
        .get_result(conn)?;
    let mut out = Vec::with_capacity(persons.len());
    for p in persons {
        let one = NewWagePerson {
            declaration_id: row.id,
            ..p.clone()
        };
        out.push(
            diesel::insert_into(wage_declaration_persons::table)
                .values(&one)
                .returning(wage_declaration_persons::all_columns)
                .get_result(conn)?,
        );
    }
    Ok((row, out))
}

/// The persons of a wage-base declaration, by id.
pub fn wage_persons(
    conn: &mut DbConn,
    declaration_id: WageDeclarationId,
) -> Result<Vec<WagePerson>, DbError> {
    Ok(wage_declaration_persons::table
        .filter(wage_declaration_persons::declaration_id.eq(declaration_id))
        .order(wage_declaration_persons::id)
        .select(WagePerson::as_select())
        .load(conn)?)
}

// ---------------------------------------------------------------- monthly

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = declarations)]
pub struct Declaration {
    pub id: i64,
    pub unit_id: UnitId,
    #[diesel(deserialize_as = i32)]
    pub period: Period,
    pub kind: String,
    pub excluded_json: String,
    pub declared_by: String,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = declarations)]
pub struct NewDeclaration {
    pub unit_id: UnitId,
    pub period: i32,
    pub kind: String,
    pub excluded_json: String,
    pub declared_by: String,
    pub created_at: PrimitiveDateTime,
}

pub fn find_declaration(
    conn: &mut DbConn,
    unit_id: UnitId,
    period: i32,
) -> Result<Option<Declaration>, DbError> {
    Ok(declarations::table
        .filter(declarations::unit_id.eq(unit_id))
        .filter(declarations::period.eq(period))
        .select(Declaration::as_select())
        .first(conn)
        .optional()?)
}

/// A second declaration of the same unit and period is
/// [`DbError::Conflict`] ([`DECLARATION_KEY`]).
pub fn insert_declaration(conn: &mut DbConn, d: &NewDeclaration) -> Result<Declaration, DbError> {
    Ok(diesel::insert_into(declarations::table)
        .values(d)
        .returning(declarations::all_columns)
        .get_result(conn)?)
}

/// Advances the latest accounted period (最大做账期号) of the unit's active
/// registrations to `period` where it is earlier (or unset).
pub fn advance_latest_accounted(
    conn: &mut DbConn,
    unit_id: UnitId,
    period: i32,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        unit_insurances::table
            .filter(unit_insurances::unit_id.eq(unit_id))
            .filter(unit_insurances::status.eq(crate::repo::ACTIVE))
            .filter(
                unit_insurances::latest_accounted_period
                    .is_null()
                    .or(unit_insurances::latest_accounted_period.lt(period)),
            ),
    )
    .set(unit_insurances::latest_accounted_period.eq(Some(period)))
    .execute(conn)?)
}

/// Live (not cancelled) lines of a unit for one period, of these kinds, by
/// person and insurance.
pub fn live_lines_of_period(
    conn: &mut DbConn,
    unit_id: UnitId,
    period: i32,
    kinds: &[&str],
) -> Result<Vec<crate::assessments::Assessment>, DbError> {
    use crate::schema::assessments;
    Ok(assessments::table
        .filter(assessments::unit_id.eq(unit_id))
        .filter(assessments::period.eq(period))
        .filter(assessments::kind.eq_any(kinds))
        .filter(assessments::live.eq(true))
        .order((assessments::person_id, assessments::insurance))
        .select(crate::assessments::Assessment::as_select())
        .load(conn)?)
}

/// A declared month with the count and sums of its live lines of its kind
/// (what the unit's list of declarations shows).
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct DeclarationSummary {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
    #[diesel(sql_type = diesel::sql_types::Integer, deserialize_as = crate::typed::Stored<Period>)]
    pub period: Period,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub kind: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub excluded_json: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub declared_by: String,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    pub created_at: PrimitiveDateTime,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub persons: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub lines: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub unit_fen: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub individual_fen: i64,
}

/// A page of the unit's declarations, latest month first, each with its
/// live lines' count and sums (one statement), and how many there are.
pub fn list_declarations(
    conn: &mut DbConn,
    unit_id: UnitId,
    page: crate::review::PageReq,
) -> Result<(Vec<DeclarationSummary>, i64), DbError> {
    use diesel::sql_types::BigInt;
    const SQL: &str = "SELECT d.id, d.period, d.kind, d.excluded_json, d.declared_by, \
        d.created_at, COUNT(DISTINCT a.person_id) AS persons, COUNT(a.id) AS lines, \
        CAST(COALESCE(SUM(a.unit_fen), 0) AS BIGINT) AS unit_fen, \
        CAST(COALESCE(SUM(a.individual_fen), 0) AS BIGINT) AS individual_fen \
        FROM (SELECT * FROM declarations WHERE unit_id = {u} \
              ORDER BY period DESC LIMIT {l} OFFSET {o}) d \
        LEFT JOIN assessments a ON a.unit_id = d.unit_id \
        AND a.period = d.period AND a.kind = d.kind AND a.live \
        GROUP BY d.id, d.period, d.kind, d.excluded_json, d.declared_by, d.created_at \
        ORDER BY d.period DESC";
    let total: i64 = declarations::table
        .filter(declarations::unit_id.eq(unit_id))
        .count()
        .get_result(conn)?;
    let (limit, offset) = (page.page_size, page.offset());
    let rows = match conn {
        DbConn::Pg(c) => diesel::sql_query(
            SQL.replace("{u}", "$1")
                .replace("{l}", "$2")
                .replace("{o}", "$3"),
        )
        .bind::<BigInt, _>(unit_id)
        .bind::<BigInt, _>(limit)
        .bind::<BigInt, _>(offset)
        .load(c)?,
        DbConn::Sqlite(c) => diesel::sql_query(
            SQL.replace("{u}", "?")
                .replace("{l}", "?")
                .replace("{o}", "?"),
        )
        .bind::<BigInt, _>(unit_id)
        .bind::<BigInt, _>(limit)
        .bind::<BigInt, _>(offset)
        .load(c)?,
    };
    Ok((rows, total))
}
