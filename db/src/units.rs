//! Units and what hangs off them (issue 3): registration with the legal
//! representative's account, insurances, floating factors, agents (经办人),
//! refund bank accounts (退收银行账户), audited USCC exceptions (R-ID-2) and
//! the unit's business items (change history).
//!
//! Unique rules are enforced by indexes; a violation comes back as
//! [`DbError::Conflict`] naming the index (`units_uscc_key`,
//! `agents_unit_id_id_number_key`, `unit_bank_accounts_unit_id_purpose_key`,
//! `uscc_exceptions_uscc_key`, `unit_insurances_unit_id_insurance_key`).

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::ids::{AgentId, BankAccountId, InjuryFactorId, UnitId, UnitInsuranceId};
use crate::rows::{BusinessItem, NewUnit, Unit, UnitInjuryFactor, UnitInsurance};
use crate::schema::{
    agents, business_items, employments, unit_accounts, unit_bank_accounts, unit_injury_factors,
    unit_insurances, units, uscc_exceptions,
};
use crate::{DbConn, DbError};

/// `status` of an agent or a bank account in use.
pub const ACTIVE: &str = "active";
/// `status` of an agent or a bank account taken out of use (kept for history).
pub const REMOVED: &str = "removed";
/// `status` of a unit insurance the unit stopped (单位减少险种).
pub const SUSPENDED: &str = "suspended";
/// The purpose of a refund bank account (退收银行账户).
pub const PURPOSE_REFUND: &str = "refund";

/// A unit with the columns [`NewUnit`] leaves out.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = units)]
pub struct NewRegisteredUnit {
    #[diesel(embed)]
    pub unit: NewUnit,
    pub legal_rep_phone: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub email: Option<String>,
}

/// The legal representative's account (法人账号) as created at registration.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = unit_accounts)]
pub struct NewLegalRepAccount {
    pub unit_id: UnitId,
    pub password_hash: String,
    pub must_change_password: bool,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// An authorised agent of a unit (登录授权信息采集表). At most one `active`
/// row per unit and ID number.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = agents)]
pub struct Agent {
    pub id: AgentId,
    pub unit_id: UnitId,
    /// Resident ID number, normalised (18 characters, upper-case X).
    pub id_number: String,
    pub name: String,
    pub department: Option<String>,
    pub phone: String,
    pub status: String,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = agents)]
pub struct NewAgent {
    pub unit_id: UnitId,
    pub id_number: String,
    pub name: String,
    pub department: Option<String>,
    pub phone: String,
    pub status: String,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// A USCC accepted although it fails the checksum (R-ID-2).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = uscc_exceptions)]
pub struct UsccException {
    pub id: i64,
    pub uscc: String,
    pub reason: String,
    /// The staff member who registered it (`role:subject:name`).
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = uscc_exceptions)]
pub struct NewUsccException {
    pub uscc: String,
    pub reason: String,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
}

/// A unit's bank account; at most one `active` per unit and purpose.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = unit_bank_accounts)]
pub struct UnitBankAccount {
    pub id: BankAccountId,
    pub unit_id: UnitId,
    pub purpose: String,
    pub bank_name: String,
    pub account_name: String,
    pub account_number: String,
    pub status: String,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = unit_bank_accounts)]
pub struct NewUnitBankAccount {
    pub unit_id: UnitId,
    pub purpose: String,
    pub bank_name: String,
    pub account_name: String,
    pub account_number: String,
    pub status: String,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// The general information a unit may change online (R-UNIT-2). `None`
/// leaves a column as it is; `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = units)]
pub struct UnitGeneralChanges {
    pub address: Option<String>,
    pub postcode: Option<Option<String>>,
    pub phone: Option<String>,
    pub legal_rep_phone: Option<Option<String>>,
    pub contact_name: Option<Option<String>>,
    pub contact_phone: Option<Option<String>>,
    pub email: Option<Option<String>>,
}

/// What staff search units by. `name` matches a part of the name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitFilter {
    pub uscc: Option<String>,
    pub name: Option<String>,
    pub unit_no: Option<String>,
}

/// A duplicate USCC or unit number is [`DbError::Conflict`]
/// (`units_uscc_key`, `units_unit_no_key`).
pub fn insert_registered_unit(
    conn: &mut DbConn,
    unit: &NewRegisteredUnit,
) -> Result<Unit, DbError> {
    Ok(diesel::insert_into(units::table)
        .values(unit)
        .returning(units::all_columns)
        .get_result(conn)?)
}

/// A second account for the same unit is [`DbError::Conflict`]
/// (`unit_accounts_unit_id_key`).
pub fn insert_legal_rep_account(
    conn: &mut DbConn,
    account: &NewLegalRepAccount,
) -> Result<(), DbError> {
    diesel::insert_into(unit_accounts::table)
        .values(account)
        .execute(conn)?;
    Ok(())
}

pub fn get_unit(conn: &mut DbConn, unit_id: UnitId) -> Result<Unit, DbError> {
    Ok(units::table
        .find(unit_id)
        .select(Unit::as_select())
        .get_result(conn)?)
}

/// `%`, `_` and the escape character itself match literally.
fn like_pattern(part: &str) -> String {
    let mut p = String::with_capacity(part.len() + 2);
    p.push('%');
    for c in part.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Units matching `filter`, by unit number, one page (`offset`, `limit`),
/// with the total count of matches.
pub fn list_units(
    conn: &mut DbConn,
    filter: &UnitFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Unit>, i64), DbError> {
    let query = || {
        let mut q = units::table.into_boxed();
        if let Some(uscc) = &filter.uscc {
            q = q.filter(units::uscc.eq(uscc.clone()));
        }
        if let Some(unit_no) = &filter.unit_no {
            q = q.filter(units::unit_no.eq(unit_no.clone()));
        }
        if let Some(name) = &filter.name {
            q = q.filter(units::name.like(like_pattern(name)).escape('\\'));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows = query()
        .order(units::unit_no)
        .offset(offset)
        .limit(limit)
        .select(Unit::as_select())
        .load(conn)?;
    Ok((rows, total))
}

pub fn update_unit_general(
    conn: &mut DbConn,
    unit_id: UnitId,
    changes: &UnitGeneralChanges,
    now: PrimitiveDateTime,
) -> Result<Unit, DbError> {
    Ok(diesel::update(units::table.find(unit_id))
        .set((changes, units::updated_at.eq(now)))
        .returning(units::all_columns)
        .get_result(conn)?)
}

/// The unit's insurances, by code.
pub fn list_unit_insurances(
    conn: &mut DbConn,
    unit_id: UnitId,
) -> Result<Vec<UnitInsurance>, DbError> {
    Ok(unit_insurances::table
        .filter(unit_insurances::unit_id.eq(unit_id))
        .order(unit_insurances::insurance)
        .select(UnitInsurance::as_select())
        .load(conn)?)
}

/// The unit's registration of one insurance, whatever its status.
pub fn find_unit_insurance(
    conn: &mut DbConn,
    unit_id: UnitId,
    insurance: &str,
) -> Result<Option<UnitInsurance>, DbError> {
    Ok(unit_insurances::table
        .filter(unit_insurances::unit_id.eq(unit_id))
        .filter(unit_insurances::insurance.eq(insurance))
        .select(UnitInsurance::as_select())
        .first(conn)
        .optional()?)
}

/// Registers a stopped insurance again from `start_period`.
pub fn restart_unit_insurance(
    conn: &mut DbConn,
    id: UnitInsuranceId,
    start_period: i32,
) -> Result<UnitInsurance, DbError> {
    Ok(diesel::update(unit_insurances::table.find(id))
        .set((
            unit_insurances::status.eq(ACTIVE),
            unit_insurances::start_period.eq(start_period),
            unit_insurances::stop_period.eq(None::<i32>),
        ))
        .returning(unit_insurances::all_columns)
        .get_result(conn)?)
}

/// Stops an insurance after `stop_period`, its last insured month.
pub fn stop_unit_insurance(
    conn: &mut DbConn,
    id: UnitInsuranceId,
    stop_period: i32,
) -> Result<UnitInsurance, DbError> {
    Ok(diesel::update(unit_insurances::table.find(id))
        .set((
            unit_insurances::status.eq(SUSPENDED),
            unit_insurances::stop_period.eq(Some(stop_period)),
        ))
        .returning(unit_insurances::all_columns)
        .get_result(conn)?)
}

/// The unit's work-injury floating factors, oldest first.
pub fn list_injury_factors(
    conn: &mut DbConn,
    unit_id: UnitId,
) -> Result<Vec<UnitInjuryFactor>, DbError> {
    Ok(unit_injury_factors::table
        .filter(unit_injury_factors::unit_id.eq(unit_id))
        .order(unit_injury_factors::from_period)
        .select(UnitInjuryFactor::as_select())
        .load(conn)?)
}

/// Moves the start of a factor's range (to cover an earlier work-injury start).
pub fn set_injury_factor_from(
    conn: &mut DbConn,
    id: InjuryFactorId,
    from_period: i32,
) -> Result<UnitInjuryFactor, DbError> {
    Ok(diesel::update(unit_injury_factors::table.find(id))
        .set(unit_injury_factors::from_period.eq(from_period))
        .returning(unit_injury_factors::all_columns)
        .get_result(conn)?)
}

/// How many persons the unit has in a paying relation for `insurance`.
pub fn count_active_employments(
    conn: &mut DbConn,
    unit_id: UnitId,
    insurance: &str,
) -> Result<i64, DbError> {
    Ok(employments::table
        .filter(employments::unit_id.eq(unit_id))
        .filter(employments::insurance.eq(insurance))
        .filter(employments::status.eq(ACTIVE))
        .count()
        .get_result(conn)?)
}

pub fn find_uscc_exception(
    conn: &mut DbConn,
    uscc: &str,
) -> Result<Option<UsccException>, DbError> {
    Ok(uscc_exceptions::table
        .filter(uscc_exceptions::uscc.eq(uscc))
        .select(UsccException::as_select())
        .first(conn)
        .optional()?)
}

/// A second exception for the same code is [`DbError::Conflict`]
/// (`uscc_exceptions_uscc_key`).
pub fn insert_uscc_exception(
    conn: &mut DbConn,
    exception: &NewUsccException,
) -> Result<UsccException, DbError> {
    Ok(diesel::insert_into(uscc_exceptions::table)
        .values(exception)
        .returning(uscc_exceptions::all_columns)
        .get_result(conn)?)
}

/// Newest first.
pub fn list_uscc_exceptions(conn: &mut DbConn) -> Result<Vec<UsccException>, DbError> {
    Ok(uscc_exceptions::table
        .order(uscc_exceptions::id.desc())
        .select(UsccException::as_select())
        .load(conn)?)
}

/// The unit's active agents, oldest first.
pub fn list_active_agents(conn: &mut DbConn, unit_id: UnitId) -> Result<Vec<Agent>, DbError> {
    Ok(agents::table
        .filter(agents::unit_id.eq(unit_id))
        .filter(agents::status.eq(ACTIVE))
        .order(agents::id)
        .select(Agent::as_select())
        .load(conn)?)
}

/// The active agent `id` of this unit; `None` for another unit's agent, a
/// removed one, or no such id.
pub fn find_active_agent(
    conn: &mut DbConn,
    unit_id: UnitId,
    id: AgentId,
) -> Result<Option<Agent>, DbError> {
    Ok(agents::table
        .find(id)
        .filter(agents::unit_id.eq(unit_id))
        .filter(agents::status.eq(ACTIVE))
        .select(Agent::as_select())
        .first(conn)
        .optional()?)
}

/// The active agent of this unit with this ID number, if any.
pub fn find_active_agent_by_id_number(
    conn: &mut DbConn,
    unit_id: UnitId,
    id_number: &str,
) -> Result<Option<Agent>, DbError> {
    Ok(agents::table
        .filter(agents::unit_id.eq(unit_id))
        .filter(agents::id_number.eq(id_number))
        .filter(agents::status.eq(ACTIVE))
        .select(Agent::as_select())
        .first(conn)
        .optional()?)
}

/// A person already active for the unit is [`DbError::Conflict`]
/// (`agents_unit_id_id_number_key`).
pub fn insert_agent(conn: &mut DbConn, agent: &NewAgent) -> Result<Agent, DbError> {
    Ok(diesel::insert_into(agents::table)
        .values(agent)
        .returning(agents::all_columns)
        .get_result(conn)?)
}

pub fn update_agent(
    conn: &mut DbConn,
    id: AgentId,
    name: &str,
    department: Option<&str>,
    phone: &str,
    now: PrimitiveDateTime,
) -> Result<Agent, DbError> {
    Ok(diesel::update(agents::table.find(id))
        .set((
            agents::name.eq(name),
            agents::department.eq(department),
            agents::phone.eq(phone),
            agents::updated_at.eq(now),
        ))
        .returning(agents::all_columns)
        .get_result(conn)?)
}

pub fn remove_agent(
    conn: &mut DbConn,
    id: AgentId,
    now: PrimitiveDateTime,
) -> Result<Agent, DbError> {
    Ok(diesel::update(agents::table.find(id))
        .set((agents::status.eq(REMOVED), agents::updated_at.eq(now)))
        .returning(agents::all_columns)
        .get_result(conn)?)
}

/// The unit's active bank accounts, by id.
pub fn list_active_bank_accounts(
    conn: &mut DbConn,
    unit_id: UnitId,
) -> Result<Vec<UnitBankAccount>, DbError> {
    Ok(unit_bank_accounts::table
        .filter(unit_bank_accounts::unit_id.eq(unit_id))
        .filter(unit_bank_accounts::status.eq(ACTIVE))
        .order(unit_bank_accounts::id)
        .select(UnitBankAccount::as_select())
        .load(conn)?)
}

/// The unit's active account for `purpose` (`refund`), if any.
pub fn active_bank_account(
    conn: &mut DbConn,
    unit_id: UnitId,
    purpose: &str,
) -> Result<Option<UnitBankAccount>, DbError> {
    Ok(unit_bank_accounts::table
        .filter(unit_bank_accounts::unit_id.eq(unit_id))
        .filter(unit_bank_accounts::purpose.eq(purpose))
        .filter(unit_bank_accounts::status.eq(ACTIVE))
        .select(UnitBankAccount::as_select())
        .first(conn)
        .optional()?)
}

/// The active account `id` of this unit; `None` for another unit's account,
/// a removed one, or no such id.
pub fn find_active_bank_account(
    conn: &mut DbConn,
    unit_id: UnitId,
    id: BankAccountId,
) -> Result<Option<UnitBankAccount>, DbError> {
    Ok(unit_bank_accounts::table
        .find(id)
        .filter(unit_bank_accounts::unit_id.eq(unit_id))
        .filter(unit_bank_accounts::status.eq(ACTIVE))
        .select(UnitBankAccount::as_select())
        .first(conn)
        .optional()?)
}

/// A second active account of the same purpose is [`DbError::Conflict`]
/// (`unit_bank_accounts_unit_id_purpose_key`).
pub fn insert_bank_account(
    conn: &mut DbConn,
    account: &NewUnitBankAccount,
) -> Result<UnitBankAccount, DbError> {
    Ok(diesel::insert_into(unit_bank_accounts::table)
        .values(account)
        .returning(unit_bank_accounts::all_columns)
        .get_result(conn)?)
}

pub fn remove_bank_account(
    conn: &mut DbConn,
    id: BankAccountId,
    now: PrimitiveDateTime,
) -> Result<UnitBankAccount, DbError> {
    Ok(diesel::update(unit_bank_accounts::table.find(id))
        .set((
            unit_bank_accounts::status.eq(REMOVED),
            unit_bank_accounts::updated_at.eq(now),
        ))
        .returning(unit_bank_accounts::all_columns)
        .get_result(conn)?)
}

/// The unit's business items, newest first, one page, with the total count.
pub fn list_unit_business_items(
    conn: &mut DbConn,
    unit_id: UnitId,
    offset: i64,
    limit: i64,
) -> Result<(Vec<BusinessItem>, i64), DbError> {
    let total: i64 = business_items::table
        .filter(business_items::unit_id.eq(unit_id))
        .count()
        .get_result(conn)?;
    let rows = business_items::table
        .filter(business_items::unit_id.eq(unit_id))
        .order((business_items::created_at.desc(), business_items::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(BusinessItem::as_select())
        .load(conn)?;
    Ok((rows, total))
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("三峡"), "%三峡%");
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
