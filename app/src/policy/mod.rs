//! Policy parameters (R-POL-1…4) and the working-day calendar: the public
//! reads (regions, a region's parameters and those in force for a period,
//! the bookkeeping interest rates, working days) here, the policy role's
//! maintenance in [`admin`].

pub mod admin;

use qibao_core::Period;
use qibao_core::calendar::WorkingDayResult;
use qibao_core::ids::RegionCode;
use qibao_core::policy::{InterestRate, PeriodParams, RegionPolicy};
use qibao_db::{DbConn, policy as policy_db, repo};
use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::{AppError, ErrorCode};
use crate::tx::read_transaction;

/// A region (参保所属地).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionDto {
    /// Administrative code, 6 digits.
    #[cfg_attr(feature = "openapi", schema(example = "420500"))]
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(example = "宜昌市本级"))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(example = "湖北省"))]
    pub province: String,
}

/// `REGION_NOT_FOUND` for `code`.
pub fn region_not_found(code: &str) -> AppError {
    AppError::new(ErrorCode::RegionNotFound).with_detail(format!("参保地“{code}”不存在或未开通。"))
}

/// A region's policy, in the caller's transaction, or `REGION_NOT_FOUND`.
pub fn load_policy(conn: &mut DbConn, code: &RegionCode) -> Result<RegionPolicy, AppError> {
    policy_db::load_region_policy(conn, code.as_str())?
        .ok_or_else(|| region_not_found(code.as_str()))
}

/// The regions served, by code.
pub fn regions(conn: &mut DbConn) -> Result<Vec<RegionDto>, AppError> {
    Ok(repo::list_regions(conn)?
        .into_iter()
        .map(|r| RegionDto {
            code: r.code,
            name: r.name,
            province: r.province,
        })
        .collect())
}

/// Every effective-dated parameter of a region, with its sources.
pub fn region_policy(conn: &mut DbConn, code: &RegionCode) -> Result<RegionPolicy, AppError> {
    read_transaction(conn, |c| load_policy(c, code))
}

/// The parameters of a region in force for `period` (R-POL-3), or
/// `POLICY_NOT_IN_FORCE`.
pub fn parameters(
    conn: &mut DbConn,
    code: &RegionCode,
    period: Period,
) -> Result<PeriodParams, AppError> {
    Ok(region_policy(conn, code)?.in_force(period)?)
}

/// The national bookkeeping rates of individual accounts (记账利率, R-LATE-2).
pub fn interest_rates(conn: &mut DbConn) -> Result<Vec<InterestRate>, AppError> {
    Ok(policy_db::load_interest_table(conn)?.rates().to_vec())
}

/// The date `days` working days after `from` by the State Council calendar
/// (R-DECL-4).
pub fn working_days(
    conn: &mut DbConn,
    from: Date,
    days: u32,
) -> Result<WorkingDayResult, AppError> {
    // Out of the supported range is the caller's date (R-DECL-4 arithmetic
    // never overflows).
    policy_db::load_calendar(conn)?
        .add_working_days(from, days)
        .map_err(|e| AppError::invalid_field("from", e.to_string()))
}
