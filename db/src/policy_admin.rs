//! Writing policy parameters (R-POL-4): new effective-dated versions and the
//! closing of the open-ended version they follow. Deciding what to write is
//! `qibao_core::policy_change`'s job; these are the single statements.

use diesel::prelude::*;

use crate::rows::{
    NewPolicyBaseBound, NewPolicyDeferral, NewPolicyInjuryClassRate, NewPolicyLateFeeRule,
    NewPolicyRate, NewPolicyWindow, PolicyBaseBound, PolicyDeferral, PolicyInjuryClassRate,
    PolicyInterestRate, PolicyLateFeeRule, PolicyRate, PolicyWindow,
};
use crate::schema::{
    policy_base_bounds, policy_deferrals, policy_injury_class_rates, policy_interest_rates,
    policy_late_fee_rules, policy_rates, policy_windows, regions,
};
use crate::{DbConn, DbError};

/// Touches the region's row so that, on PostgreSQL, concurrent changes of
/// one region's parameters run one after the other (SQLite serialises every
/// write transaction anyway). Returns false for an unknown region.
pub fn lock_region(conn: &mut DbConn, code: &str) -> Result<bool, DbError> {
    let n = diesel::update(regions::table.find(code))
        .set(regions::name.eq(regions::name))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn insert_base_bound(
    conn: &mut DbConn,
    row: &NewPolicyBaseBound,
) -> Result<PolicyBaseBound, DbError> {
    Ok(diesel::insert_into(policy_base_bounds::table)
        .values(row)
        .returning(policy_base_bounds::all_columns)
        .get_result(conn)?)
}

pub fn insert_rate(conn: &mut DbConn, row: &NewPolicyRate) -> Result<PolicyRate, DbError> {
    Ok(diesel::insert_into(policy_rates::table)
        .values(row)
        .returning(policy_rates::all_columns)
        .get_result(conn)?)
}

/// Closes the open-ended rate of `insurance` starting at `from` at `to`.
pub fn close_rate(
    conn: &mut DbConn,
    region: &str,
    insurance: &str,
    from: i32,
    to: i32,
) -> Result<PolicyRate, DbError> {
    Ok(diesel::update(
        policy_rates::table
            .filter(policy_rates::region_code.eq(region))
            .filter(policy_rates::insurance.eq(insurance))
            .filter(policy_rates::from_period.eq(from))
            .filter(policy_rates::to_period.is_null()),
    )
    .set(policy_rates::to_period.eq(Some(to)))
    .returning(policy_rates::all_columns)
    .get_result(conn)?)
}

pub fn insert_injury_rate(
    conn: &mut DbConn,
    row: &NewPolicyInjuryClassRate,
) -> Result<PolicyInjuryClassRate, DbError> {
    Ok(diesel::insert_into(policy_injury_class_rates::table)
        .values(row)
        .returning(policy_injury_class_rates::all_columns)
        .get_result(conn)?)
}

/// Closes the open-ended rate of `risk_class` starting at `from` at `to`.
pub fn close_injury_rate(
    conn: &mut DbConn,
    region: &str,
    risk_class: i16,
    from: i32,
    to: i32,
) -> Result<PolicyInjuryClassRate, DbError> {
    Ok(diesel::update(
        policy_injury_class_rates::table
            .filter(policy_injury_class_rates::region_code.eq(region))
            .filter(policy_injury_class_rates::risk_class.eq(risk_class))
            .filter(policy_injury_class_rates::from_period.eq(from))
            .filter(policy_injury_class_rates::to_period.is_null()),
    )
    .set(policy_injury_class_rates::to_period.eq(Some(to)))
    .returning(policy_injury_class_rates::all_columns)
    .get_result(conn)?)
}

pub fn insert_late_fee_rule(
    conn: &mut DbConn,
    row: &NewPolicyLateFeeRule,
) -> Result<PolicyLateFeeRule, DbError> {
    Ok(diesel::insert_into(policy_late_fee_rules::table)
        .values(row)
        .returning(policy_late_fee_rules::all_columns)
        .get_result(conn)?)
}

/// Closes the open-ended late-fee rule starting at `from` at `to`.
pub fn close_late_fee_rule(
    conn: &mut DbConn,
    region: &str,
    from: i32,
    to: i32,
) -> Result<PolicyLateFeeRule, DbError> {
    Ok(diesel::update(
        policy_late_fee_rules::table
            .filter(policy_late_fee_rules::region_code.eq(region))
            .filter(policy_late_fee_rules::from_period.eq(from))
            .filter(policy_late_fee_rules::to_period.is_null()),
    )
    .set(policy_late_fee_rules::to_period.eq(Some(to)))
    .returning(policy_late_fee_rules::all_columns)
    .get_result(conn)?)
}

pub fn insert_window(conn: &mut DbConn, row: &NewPolicyWindow) -> Result<PolicyWindow, DbError> {
    Ok(diesel::insert_into(policy_windows::table)
        .values(row)
        .returning(policy_windows::all_columns)
        .get_result(conn)?)
}

/// Closes the open-ended windows starting at `from` at `to`.
pub fn close_window(
    conn: &mut DbConn,
    region: &str,
    from: i32,
    to: i32,
) -> Result<PolicyWindow, DbError> {
    Ok(diesel::update(
        policy_windows::table
            .filter(policy_windows::region_code.eq(region))
            .filter(policy_windows::from_period.eq(from))
            .filter(policy_windows::to_period.is_null()),
    )
    .set(policy_windows::to_period.eq(Some(to)))
    .returning(policy_windows::all_columns)
    .get_result(conn)?)
}

pub fn insert_deferral(
    conn: &mut DbConn,
    row: &NewPolicyDeferral,
) -> Result<PolicyDeferral, DbError> {
    Ok(diesel::insert_into(policy_deferrals::table)
        .values(row)
        .returning(policy_deferrals::all_columns)
        .get_result(conn)?)
}

pub fn get_interest_rate(conn: &mut DbConn, year: i32) -> Result<PolicyInterestRate, DbError> {
    Ok(policy_interest_rates::table
        .find(year)
        .select(PolicyInterestRate::as_select())
        .get_result(conn)?)
}

/// A second rate for the same year is [`DbError::Conflict`].
pub fn insert_interest_rate(
    conn: &mut DbConn,
    row: &PolicyInterestRate,
) -> Result<PolicyInterestRate, DbError> {
    Ok(diesel::insert_into(policy_interest_rates::table)
        .values(row)
        .returning(policy_interest_rates::all_columns)
        .get_result(conn)?)
}
