//! The unit's own information and what its legal representative manages
//! (R-UNIT-1…3, R-AUTH-2/4), as use cases: the comprehensive information
//! ([`info`]) and change history ([`history`]), general-information changes
//! ([`general`]), adding and removing an insurance ([`insurances`]), the
//! authorised agents ([`agents`]), the refund bank account
//! ([`bank_accounts`]), the payroll API keys ([`api_keys`]) and the
//! reviewed key-information change requests ([`key_changes`]).
//!
//! This module holds what they share: the unit's refusals and its stored
//! months read back.

pub mod agents;
pub mod api_keys;
pub mod bank_accounts;
pub mod general;
pub mod history;
pub mod info;
pub mod insurances;
pub mod key_changes;

use qibao_core::Period;
use qibao_core::unit::UnitRuleError;
use qibao_db::ids::UnitId;
use qibao_db::rows::Unit;
use qibao_db::{DbConn, DbError, units as unit_db};

use crate::error::{AppError, ErrorCode, corrupt};

/// 404 for a unit that is gone (a token of a deleted or unknown unit).
pub fn unit_not_found() -> AppError {
    AppError::new(ErrorCode::UnitNotFound)
}

/// The unit, or [`unit_not_found`].
pub(crate) fn get_unit(conn: &mut DbConn, unit_id: UnitId) -> Result<Unit, AppError> {
    unit_db::get_unit(conn, unit_id).map_err(|e| match e {
        DbError::NotFound => unit_not_found(),
        other => other.into(),
    })
}

/// A stored `YYYYMM` column.
pub(crate) fn stored_period(v: i32) -> Result<Period, AppError> {
    Period::from_yyyymm(v).map_err(|e| corrupt("period", e))
}

/// A unit rule refused the request: 422 naming `field`.
pub(crate) fn rule_refused(code: ErrorCode, field: &str, e: &UnitRuleError) -> AppError {
    AppError::new(code)
        .with_detail(e.to_string())
        .with_field_error(field, e.to_string())
}
