//! Repository functions: one query each, typed rows in and out. Run the
//! writes of a business action inside one [`crate::Pool::transaction`].

use diesel::prelude::*;

use crate::ids::UnitId;
use crate::rows::{
    BusinessItem, CalendarDay, Employment, NewBusinessItem, NewEmployment, NewPerson, NewUnit,
    NewUnitInjuryFactor, NewUnitInsurance, Person, PolicyBaseBound, PolicyDeferral,
    PolicyInjuryClassRate, PolicyInterestRate, PolicyLateFeeRule, PolicyRate, PolicyWindow, Region,
    Unit, UnitInjuryFactor, UnitInsurance,
};
use crate::schema::{
    business_items, calendar_days, employments, number_sequences, persons, policy_base_bounds,
    policy_deferrals, policy_injury_class_rates, policy_interest_rates, policy_late_fee_rules,
    policy_rates, policy_windows, regions, unit_injury_factors, unit_insurances, units,
};
use crate::{DbConn, DbError};

/// The status of a paying employment (`employments.status`).
pub const ACTIVE: &str = "active";

pub fn list_regions(conn: &mut DbConn) -> Result<Vec<Region>, DbError> {
    Ok(regions::table
        .order(regions::code)
        .select(Region::as_select())
        .load(conn)?)
}

pub fn get_region(conn: &mut DbConn, code: &str) -> Result<Region, DbError> {
    Ok(regions::table
        .find(code)
        .select(Region::as_select())
        .get_result(conn)?)
}

/// Ordered by social-insurance year.
pub fn list_base_bounds_for_region(
    conn: &mut DbConn,
    region_code: &str,
) -> Result<Vec<PolicyBaseBound>, DbError> {
    Ok(policy_base_bounds::table
        .filter(policy_base_bounds::region_code.eq(region_code))
        .order(policy_base_bounds::si_year)
        .select(PolicyBaseBound::as_select())
        .load(conn)?)
}

/// Ordered by insurance, then from_period.
pub fn list_rates_for_region(
    conn: &mut DbConn,
    region_code: &str,
) -> Result<Vec<PolicyRate>, DbError> {
    Ok(policy_rates::table
        .filter(policy_rates::region_code.eq(region_code))
        .order((policy_rates::insurance, policy_rates::from_period))
        .select(PolicyRate::as_select())
        .load(conn)?)
}

/// Ordered by risk class, then from_period.
pub fn list_injury_class_rates_for_region(
    conn: &mut DbConn,
    region_code: &str,
) -> Result<Vec<PolicyInjuryClassRate>, DbError> {
    Ok(policy_injury_class_rates::table
        .filter(policy_injury_class_rates::region_code.eq(region_code))
        .order((
            policy_injury_class_rates::risk_class,
            policy_injury_class_rates::from_period,
        ))
        .select(PolicyInjuryClassRate::as_select())
        .load(conn)?)
}

/// Ordered by from_period.
pub fn list_late_fee_rules_for_region(
    conn: &mut DbConn,
    region_code: &str,
) -> Result<Vec<PolicyLateFeeRule>, DbError> {
    Ok(policy_late_fee_rules::table
        .filter(policy_late_fee_rules::region_code.eq(region_code))
        .order(policy_late_fee_rules::from_period)
        .select(PolicyLateFeeRule::as_select())
        .load(conn)?)
}

/// Ordered by from_period.
pub fn list_deferrals_for_region(
    conn: &mut DbConn,
    region_code: &str,
) -> Result<Vec<PolicyDeferral>, DbError> {
    Ok(policy_deferrals::table
        .filter(policy_deferrals::region_code.eq(region_code))
        .order(policy_deferrals::from_period)
        .select(PolicyDeferral::as_select())
        .load(conn)?)
}

/// Ordered by from_period.
pub fn list_windows_for_region(
    conn: &mut DbConn,
    region_code: &str,
) -> Result<Vec<PolicyWindow>, DbError> {
    Ok(policy_windows::table
        .filter(policy_windows::region_code.eq(region_code))
        .order(policy_windows::from_period)
        .select(PolicyWindow::as_select())
        .load(conn)?)
}

/// Ordered by year.
pub fn list_interest_rates(conn: &mut DbConn) -> Result<Vec<PolicyInterestRate>, DbError> {
    Ok(policy_interest_rates::table
        .order(policy_interest_rates::year)
        .select(PolicyInterestRate::as_select())
        .load(conn)?)
}

/// Every holiday and adjusted working day, ordered by date.
pub fn list_calendar_days(conn: &mut DbConn) -> Result<Vec<CalendarDay>, DbError> {
    Ok(calendar_days::table
        .order(calendar_days::day)
        .select(CalendarDay::as_select())
        .load(conn)?)
}

/// Hands out the next number of sequence `name` (`unit_no`, `person_no`).
///
/// A single `UPDATE … SET next_value = next_value + 1 RETURNING next_value`:
/// the row lock makes concurrent callers get distinct values on both
/// backends. Call it inside the transaction that uses the number, so a
/// rollback gives the number back. Unknown name: [`DbError::NotFound`].
pub fn next_sequence(conn: &mut DbConn, name: &str) -> Result<i64, DbError> {
    let after: i64 = diesel::update(number_sequences::table.find(name))
        .set(number_sequences::next_value.eq(number_sequences::next_value + 1))
        .returning(number_sequences::next_value)
        .get_result(conn)?;
    Ok(after - 1)
}

/// Reserves `count` consecutive numbers of the sequence `name` at once;
/// returns the first.
pub fn reserve_sequence(conn: &mut DbConn, name: &str, count: i64) -> Result<i64, DbError> {
    let after: i64 = diesel::update(number_sequences::table.find(name))
        .set(number_sequences::next_value.eq(number_sequences::next_value + count))
        .returning(number_sequences::next_value)
        .get_result(conn)?;
    Ok(after - count)
}

/// A duplicate unit number or USCC is [`DbError::Conflict`]
/// (`units_unit_no_key`, `units_uscc_key`).
pub fn insert_unit(conn: &mut DbConn, unit: &NewUnit) -> Result<Unit, DbError> {
    Ok(diesel::insert_into(units::table)
        .values(unit)
        .returning(units::all_columns)
        .get_result(conn)?)
}

pub fn get_unit_by_no(conn: &mut DbConn, unit_no: &str) -> Result<Unit, DbError> {
    Ok(units::table
        .filter(units::unit_no.eq(unit_no))
        .select(Unit::as_select())
        .get_result(conn)?)
}

/// The unit with this USCC, if any.
pub fn find_unit_by_uscc(conn: &mut DbConn, uscc: &str) -> Result<Option<Unit>, DbError> {
    Ok(units::table
        .filter(units::uscc.eq(uscc))
        .select(Unit::as_select())
        .get_result(conn)
        .optional()?)
}

/// A second registration of the same insurance is [`DbError::Conflict`]
/// (`unit_insurances_unit_id_insurance_key`).
pub fn insert_unit_insurance(
    conn: &mut DbConn,
    insurance: &NewUnitInsurance,
) -> Result<UnitInsurance, DbError> {
    Ok(diesel::insert_into(unit_insurances::table)
        .values(insurance)
        .returning(unit_insurances::all_columns)
        .get_result(conn)?)
}

pub fn insert_unit_injury_factor(
    conn: &mut DbConn,
    factor: &NewUnitInjuryFactor,
) -> Result<UnitInjuryFactor, DbError> {
    Ok(diesel::insert_into(unit_injury_factors::table)
        .values(factor)
        .returning(unit_injury_factors::all_columns)
        .get_result(conn)?)
}

/// A duplicate person number is [`DbError::Conflict`] (`persons_person_no_key`).
pub fn insert_person(conn: &mut DbConn, person: &NewPerson) -> Result<Person, DbError> {
    Ok(diesel::insert_into(persons::table)
        .values(person)
        .returning(persons::all_columns)
        .get_result(conn)?)
}

/// The person registered first under this ID number. One ID under several
/// person numbers (一人多号, R-EMP-8) is possible and is not merged here.
pub fn get_person_by_id_number(conn: &mut DbConn, id_number: &str) -> Result<Person, DbError> {
    Ok(persons::table
        .filter(persons::id_number.eq(id_number))
        .order(persons::id)
        .select(Person::as_select())
        .first(conn)?)
}

/// A second active relation of the same person and insurance is
/// [`DbError::Conflict`] (`employments_person_id_insurance_key`, R-EMP-2).
pub fn insert_employment(
    conn: &mut DbConn,
    employment: &NewEmployment,
) -> Result<Employment, DbError> {
    Ok(diesel::insert_into(employments::table)
        .values(employment)
        .returning(employments::all_columns)
        .get_result(conn)?)
}

/// Active relations of a unit, ordered by id.
pub fn list_active_employments_for_unit(
    conn: &mut DbConn,
    unit_id: UnitId,
) -> Result<Vec<Employment>, DbError> {
    Ok(employments::table
        .filter(employments::unit_id.eq(unit_id))
        .filter(employments::status.eq(ACTIVE))
        .order(employments::id)
        .select(Employment::as_select())
        .load(conn)?)
}

pub fn insert_business_item(
    conn: &mut DbConn,
    item: &NewBusinessItem,
) -> Result<BusinessItem, DbError> {
    let stored: BusinessItem = diesel::insert_into(business_items::table)
        .values(item)
        .returning(business_items::all_columns)
        .get_result(conn)?;
    crate::item_chain::append(conn, &stored, stored.updated_at)?;
    crate::events::items(conn, std::slice::from_ref(&stored), None, stored.updated_at)?;
    Ok(stored)
}
