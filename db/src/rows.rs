//! Row structs: `X` is what a query returns, `NewX` what an insert takes.
//! Money is in fen, rates in ppm, periods are YYYYMM integers, timestamps UTC.
//! Timestamps come from the caller's clock (the server's clock is injectable).
//! Tables without generated columns (regions, calendar days, interest rates,
//! number sequences) insert their row struct directly.

use diesel::prelude::*;
use qibao_core::Period;
use qibao_core::insurance::Insurance;
use time::{Date, PrimitiveDateTime};

use crate::ids::{BusinessItemId, EmploymentId, InjuryFactorId, PersonId, UnitId, UnitInsuranceId};
use crate::schema::{
    business_items, calendar_days, employments, number_sequences, persons, policy_base_bounds,
    policy_deferrals, policy_injury_class_rates, policy_interest_rates, policy_late_fee_rules,
    policy_rates, policy_windows, regions, unit_injury_factors, unit_insurances, units,
};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = regions)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub province: String,
}

/// Contribution base bounds of a region for a social-insurance year (R-POL-1).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = policy_base_bounds)]
pub struct PolicyBaseBound {
    pub id: i64,
    pub region_code: String,
    pub si_year: i32,
    pub standard_fen: i64,
    pub floor_fen: i64,
    pub ceiling_fen: i64,
    pub source: String,
    pub illustrative: bool,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = policy_base_bounds)]
pub struct NewPolicyBaseBound {
    pub region_code: String,
    pub si_year: i32,
    pub standard_fen: i64,
    pub floor_fen: i64,
    pub ceiling_fen: i64,
    pub source: String,
    pub illustrative: bool,
    pub created_at: PrimitiveDateTime,
}

/// Unit / individual rates of an insurance ('110', '210') (R-POL-2).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = policy_rates)]
pub struct PolicyRate {
    pub id: i64,
    pub region_code: String,
    pub insurance: String,
    pub from_period: i32,
    pub to_period: Option<i32>,
    pub unit_rate_ppm: i64,
    pub individual_rate_ppm: i64,
    pub source: String,
    pub illustrative: bool,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = policy_rates)]
pub struct NewPolicyRate {
    pub region_code: String,
    pub insurance: String,
    pub from_period: i32,
    pub to_period: Option<i32>,
    pub unit_rate_ppm: i64,
    pub individual_rate_ppm: i64,
    pub source: String,
    pub illustrative: bool,
    pub created_at: PrimitiveDateTime,
}

/// Work-injury base rate of an industry risk class 1..=8 (R-POL-2).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = policy_injury_class_rates)]
pub struct PolicyInjuryClassRate {
    pub id: i64,
    pub region_code: String,
    pub risk_class: i16,
    pub from_period: i32,
    pub to_period: Option<i32>,
    pub rate_ppm: i64,
    pub source: String,
    pub illustrative: bool,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = policy_injury_class_rates)]
pub struct NewPolicyInjuryClassRate {
    pub region_code: String,
    pub risk_class: i16,
    pub from_period: i32,
    pub to_period: Option<i32>,
    pub rate_ppm: i64,
    pub source: String,
    pub illustrative: bool,
    pub created_at: PrimitiveDateTime,
}

/// Late-fee rule (R-LATE-1, R-LATE-4). `due_day_of_next_month` `None`: the
/// legal due date is the last day of the contribution month. `cap` is
/// `none` or `principal`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = policy_late_fee_rules)]
pub struct PolicyLateFeeRule {
    pub id: i64,
    pub region_code: String,
    pub from_period: i32,
    pub to_period: Option<i32>,
    pub daily_rate_ppm: i64,
    pub due_day_of_next_month: Option<i16>,
    pub cap: String,
    pub source: String,
    pub illustrative: bool,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = policy_late_fee_rules)]
pub struct NewPolicyLateFeeRule {
    pub region_code: String,
    pub from_period: i32,
    pub to_period: Option<i32>,
    pub daily_rate_ppm: i64,
    pub due_day_of_next_month: Option<i16>,
    pub cap: String,
    pub source: String,
    pub illustrative: bool,
    pub created_at: PrimitiveDateTime,
}

/// National bookkeeping rate of a calendar year (R-LATE-2).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = policy_interest_rates)]
pub struct PolicyInterestRate {
    pub year: i32,
    pub rate_ppm: i64,
    pub source: String,
    pub illustrative: bool,
    pub created_at: PrimitiveDateTime,
}

/// Deferred periods and their repayment deadline (R-BACK-5).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = policy_deferrals)]
pub struct PolicyDeferral {
    pub id: i64,
    pub region_code: String,
    pub from_period: i32,
    pub to_period: i32,
    pub repay_by: Date,
    pub source: String,
    pub illustrative: bool,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = policy_deferrals)]
pub struct NewPolicyDeferral {
    pub region_code: String,
    pub from_period: i32,
    pub to_period: i32,
    pub repay_by: Date,
    pub source: String,
    pub illustrative: bool,
    pub created_at: PrimitiveDateTime,
}

/// Time windows: back-pay and refund months, order validity, wage-declaration
/// window as `MM-DD` (R-BACK-1, R-REF-1, R-DECL-4, R-WAGE-3).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = policy_windows)]
pub struct PolicyWindow {
    pub id: i64,
    pub region_code: String,
    pub from_period: i32,
    pub to_period: Option<i32>,
    pub back_pay_months: i16,
    pub refund_months: i16,
    pub order_validity_working_days: i16,
    pub wage_window_start: String,
    pub wage_window_end: String,
    pub source: String,
    pub illustrative: bool,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = policy_windows)]
pub struct NewPolicyWindow {
    pub region_code: String,
    pub from_period: i32,
    pub to_period: Option<i32>,
    pub back_pay_months: i16,
    pub refund_months: i16,
    pub order_validity_working_days: i16,
    pub wage_window_start: String,
    pub wage_window_end: String,
    pub source: String,
    pub illustrative: bool,
    pub created_at: PrimitiveDateTime,
}

/// A day that differs from the Monday-Friday rule: a holiday (`is_off_day`)
/// or an adjusted working day (调休).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = calendar_days)]
pub struct CalendarDay {
    pub day: Date,
    pub is_off_day: bool,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = units)]
pub struct Unit {
    pub id: UnitId,
    pub unit_no: String,
    pub uscc: String,
    pub name: String,
    pub region_code: String,
    pub unit_type: String,
    pub economic_type: String,
    pub industry: String,
    pub risk_class: i16,
    pub address: String,
    pub postcode: Option<String>,
    pub phone: String,
    pub legal_rep_name: String,
    pub legal_rep_id_type: String,
    pub legal_rep_id_number: String,
    pub collection_method: String,
    pub status: String,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
    /// The legal representative's phone (NULL for units registered before it was kept).
    pub legal_rep_phone: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub email: Option<String>,
    /// `large` or `small_medium` (R-STAB-1).
    pub size_class: String,
}

/// A unit as inserted; the contact columns are set apart (see
/// `qibao_db::units::NewRegisteredUnit`) and are NULL when omitted.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = units)]
pub struct NewUnit {
    pub unit_no: String,
    pub uscc: String,
    pub name: String,
    pub region_code: String,
    pub unit_type: String,
    pub economic_type: String,
    pub industry: String,
    pub risk_class: i16,
    pub address: String,
    pub postcode: Option<String>,
    pub phone: String,
    pub legal_rep_name: String,
    pub legal_rep_id_type: String,
    pub legal_rep_id_number: String,
    pub collection_method: String,
    pub status: String,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = unit_insurances)]
pub struct UnitInsurance {
    pub id: UnitInsuranceId,
    pub unit_id: UnitId,
    #[diesel(deserialize_as = String)]
    pub insurance: Insurance,
    #[diesel(deserialize_as = i32)]
    pub start_period: Period,
    pub status: String,
    #[diesel(deserialize_as = crate::typed::NullablePeriod)]
    pub latest_accounted_period: Option<Period>,
    #[diesel(deserialize_as = crate::typed::NullablePeriod)]
    pub latest_paid_period: Option<Period>,
    /// The last insured month once the unit stopped this insurance.
    #[diesel(deserialize_as = crate::typed::NullablePeriod)]
    pub stop_period: Option<Period>,
}

/// `stop_period` is NULL on insert.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = unit_insurances)]
pub struct NewUnitInsurance {
    pub unit_id: UnitId,
    pub insurance: String,
    pub start_period: i32,
    pub status: String,
    pub latest_accounted_period: Option<i32>,
    pub latest_paid_period: Option<i32>,
}

/// The unit's work-injury floating factor in percent (R-POL-2).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = unit_injury_factors)]
pub struct UnitInjuryFactor {
    pub id: InjuryFactorId,
    pub unit_id: UnitId,
    pub from_period: i32,
    pub to_period: Option<i32>,
    pub factor_pct: i16,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = unit_injury_factors)]
pub struct NewUnitInjuryFactor {
    pub unit_id: UnitId,
    pub from_period: i32,
    pub to_period: Option<i32>,
    pub factor_pct: i16,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = persons)]
pub struct Person {
    pub id: PersonId,
    pub person_no: String,
    pub id_type: String,
    pub id_number: String,
    pub name: String,
    pub gender: String,
    pub birth_date: Date,
    pub nationality: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub first_work_date: Option<Date>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = persons)]
pub struct NewPerson {
    pub person_no: String,
    pub id_type: String,
    pub id_number: String,
    pub name: String,
    pub gender: String,
    pub birth_date: Date,
    pub nationality: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub first_work_date: Option<Date>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// A person's relation with a unit for one insurance; at most one `active`
/// per person and insurance (R-EMP-2, enforced by a unique index).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = employments)]
pub struct Employment {
    pub id: EmploymentId,
    pub unit_id: UnitId,
    pub person_id: PersonId,
    #[diesel(deserialize_as = String)]
    pub insurance: Insurance,
    pub start_date: Date,
    pub stop_date: Option<Date>,
    pub stop_reason: Option<String>,
    pub status: String,
    pub monthly_wage_fen: i64,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
    /// Why the employment ended (R-UNEMP-1), when the stop gave it.
    pub end_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = employments)]
pub struct NewEmployment {
    pub unit_id: UnitId,
    pub person_id: PersonId,
    pub insurance: String,
    pub start_date: Date,
    pub stop_date: Option<Date>,
    pub stop_reason: Option<String>,
    pub status: String,
    pub monthly_wage_fen: i64,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// 办件: one state change of a unit, with who, when, channel and the
/// before/after values as JSON text (R-UNDO-1, R-UNIT-1).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = business_items)]
pub struct BusinessItem {
    pub id: BusinessItemId,
    pub unit_id: Option<UnitId>,
    pub kind: String,
    pub status: String,
    pub actor: String,
    pub channel: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = business_items)]
pub struct NewBusinessItem {
    pub unit_id: Option<UnitId>,
    pub kind: String,
    pub status: String,
    pub actor: String,
    pub channel: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// A named counter; `next_value` is the next number to hand out.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = number_sequences)]
pub struct NumberSequence {
    pub name: String,
    pub next_value: i64,
}
