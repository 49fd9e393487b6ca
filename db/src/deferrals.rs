//! The months each unit confirmed it defers (缓缴, R-BACK-5 as amended):
//! one `unit_deferrals` row per unit and month, the unique index
//! `unit_deferrals_unit_id_period_key` making a second confirmation of a
//! month a [`DbError::Conflict`]. Which months may be confirmed, and what a
//! confirmed month waives, is `qibao_core::deferral`.

use diesel::prelude::*;
use qibao_core::Period;
use time::PrimitiveDateTime;

use crate::ids::{BusinessItemId, UnitId};
use crate::schema::unit_deferrals;
use crate::{DbConn, DbError};

/// The unique index on (unit, month).
pub const UNIT_PERIOD_KEY: &str = "unit_deferrals_unit_id_period_key";

/// A confirmed month of a unit.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = unit_deferrals)]
pub struct UnitDeferral {
    pub id: i64,
    pub unit_id: UnitId,
    #[diesel(deserialize_as = i32)]
    pub period: Period,
    /// The confirmation's business item (办件).
    pub business_item_id: BusinessItemId,
    /// Who confirmed it (`role:subject:name`, as business items record it).
    pub confirmed_by: String,
    /// `portal`, `counter` or `api`.
    pub channel: String,
    pub confirmed_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = unit_deferrals)]
pub struct NewUnitDeferral {
    pub unit_id: UnitId,
    pub period: i32,
    pub business_item_id: BusinessItemId,
    pub confirmed_by: String,
    pub channel: String,
    pub confirmed_at: PrimitiveDateTime,
}

/// The unit's confirmed months (YYYYMM), oldest first.
pub fn confirmed_periods(conn: &mut DbConn, unit_id: UnitId) -> Result<Vec<i32>, DbError> {
    Ok(unit_deferrals::table
        .filter(unit_deferrals::unit_id.eq(unit_id))
        .order(unit_deferrals::period)
        .select(unit_deferrals::period)
        .load(conn)?)
}

/// The unit's confirmations, oldest month first.
pub fn list_for_unit(conn: &mut DbConn, unit_id: UnitId) -> Result<Vec<UnitDeferral>, DbError> {
    Ok(unit_deferrals::table
        .filter(unit_deferrals::unit_id.eq(unit_id))
        .order(unit_deferrals::period)
        .select(UnitDeferral::as_select())
        .load(conn)?)
}

/// Records confirmed months, in the caller's transaction. A month the unit
/// confirmed already (e.g. by a concurrent request) is
/// [`DbError::Conflict`] on [`UNIT_PERIOD_KEY`]. One statement a month:
/// a confirmation names at most the months of a scheme.
pub fn insert(conn: &mut DbConn, rows: &[NewUnitDeferral]) -> Result<(), DbError> {
    for row in rows {
        diesel::insert_into(unit_deferrals::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}
